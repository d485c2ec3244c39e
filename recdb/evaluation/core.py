"""Evaluating one predictor on one split's test part: rating metrics, top-k curves, ranking diversity.

Every predictor, the trained model or a baseline, goes through the same code: rank every catalogue
movie for each test user in chunks, mask the movies the user rated in train+valid, keep the top
``max_k`` once, and derive every k from it (see :mod:`recdb.ranking`).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from recdb.errors import JobFailedError
from recdb.evaluation.data import EvalSet
from recdb.logs import progress
from recdb.predictor import Predictor
from recdb.ranking import (
    TopKCurves,
    curves_from_hits,
    hit_matrix,
    mae,
    mask_rated,
    relevant_block,
    rmse,
    top_k,
)

log = logging.getLogger(__name__)

#: Pairs per predict() call (bounds the memory a model's predict may use).
PREDICT_CHUNK = 1 << 18


@dataclass(frozen=True)
class MethodResult:
    """Everything measured for one method (model or baseline) on one split."""

    method: str
    model_id: int | None
    split_id: str
    split_kind: str
    mae: float | None
    rmse: float | None
    n_test: int
    curves: TopKCurves
    same_top10: float
    fit_seconds: float
    eval_seconds: float

    @property
    def is_model(self) -> bool:
        return self.model_id is not None


@dataclass(frozen=True)
class SkippedMethod:
    """A baseline not fitted because its dense matrices exceed ``evaluate.max_dense_gb``."""

    method: str
    split_id: str
    need_bytes: int
    budget_bytes: int
    n_users: int
    n_movies: int

    @property
    def reason(self) -> str:
        return (
            f"its fit needs {self.need_bytes / 1e9:.1f} GB of dense matrices for {self.n_users:,} users x "
            f"{self.n_movies:,} movies, more than evaluate.max_dense_gb = {self.budget_bytes / 1e9:g}"
        )


def identical_pairs_fraction(lists: torch.Tensor) -> float:
    """Fraction of (unordered) pairs of rows that are identical, e.g. users with the same top-10 list."""
    n = lists.shape[0]
    if n < 2:
        return 1.0
    _, counts = torch.unique(lists, dim=0, return_counts=True)
    counts = counts.double()
    return float((counts * (counts - 1)).sum() / (n * (n - 1)))


def _checked(scores: torch.Tensor, name: str, n_rows: int, n_movies: int) -> torch.Tensor:
    if tuple(scores.shape) != (n_rows, n_movies):
        raise JobFailedError(
            f"{name}: rank_scores returned shape {tuple(scores.shape)}, expected {(n_rows, n_movies)}"
        )
    if torch.isnan(scores).any():
        raise JobFailedError(f"{name}: rank_scores returned NaN")
    return scores.float()


def rating_metrics(predictor: Predictor, data: EvalSet) -> tuple[float, float]:
    """MAE and RMSE of the predictor on every test rating.

    Pairs are requested in user order (a stable sort; the identity when the split is read in user
    order), so each ``predict`` call covers few users: a baseline computes one dense block per
    distinct user, which at 160k users would otherwise be repeated in every call.
    """
    order = np.argsort(data.test_rows, kind="stable")
    rows, cols = data.test_rows[order], data.test_cols[order]
    parts = [
        predictor.predict(rows[i : i + PREDICT_CHUNK], cols[i : i + PREDICT_CHUNK]).float()
        for i in range(0, rows.size, PREDICT_CHUNK)
    ]
    in_order = torch.cat(parts) if parts else torch.zeros(0)
    if in_order.shape != data.test_ratings.shape or not torch.isfinite(in_order).all():
        raise JobFailedError(f"{predictor.name}: predict returned a wrong shape or non-finite values")
    predicted = torch.empty_like(in_order)
    predicted[torch.from_numpy(order)] = in_order  # back to the test ratings' order
    return mae(predicted, data.test_ratings), rmse(predicted, data.test_ratings)


@dataclass(frozen=True)
class Ranking:
    """The rank users' masked top-``max_k`` columns, their hits, and their unmasked top-10 columns."""

    top: torch.Tensor  # int64 [n_users, max_k], best first
    hits: torch.Tensor  # bool [n_users, max_k]: is top[u, r] a relevant test movie of u
    raw10: torch.Tensor  # int64 [n_users, 10], without masking the rated movies


#: How the rank users' blocks are ranked: ``(predictor, data, max_k, chunk_users) -> Ranking``. The
#: default is :func:`ranking` (this process); the compute engine's is
#: :func:`recdb.compute.engine.ranker` (``compute.engine``).
Ranker = Callable[[Predictor, EvalSet, int, int], Ranking]


def rank_block(predictor: Predictor, data: EvalSet, rows: np.ndarray, max_k: int) -> Ranking:
    """The :class:`Ranking` of one block of user ``rows``: the one per-block body of every engine.

    Only [len(rows), n_movies] blocks (the scores, their masked copy, the relevant mask) exist at once;
    what is kept per user is ``max_k`` + 10 columns and ``max_k`` hit flags.
    """
    n_movies = data.catalog.n_movies
    scores = _checked(predictor.rank_scores(rows), predictor.name, rows.size, n_movies)
    raw10 = top_k(scores, 10)[1]
    scores = scores.clone()  # the predictor may have returned a view of its own state
    mask_rated(scores, data.rated, rows)
    top = top_k(scores, max_k)[1]
    del scores
    return Ranking(top, hit_matrix(top, relevant_block(data.relevant, rows, n_movies)), raw10)


def rank_user_blocks(n_users: int, chunk_users: int) -> list[tuple[int, int]]:
    """[first, end) positions in ``EvalSet.rank_users`` of each block of ``chunk_users`` rank users."""
    return [(first, min(first + chunk_users, n_users)) for first in range(0, n_users, chunk_users)]


def joined(blocks: list[Ranking], max_k: int, n_movies: int) -> Ranking:
    """The blocks' rankings as one, in the given (block) order; an empty ranking for no blocks."""
    if not blocks:
        empty = torch.zeros(0, min(max_k, n_movies), dtype=torch.long)
        return Ranking(empty, empty.bool(), empty[:, :10])
    return Ranking(
        torch.cat([b.top for b in blocks]),
        torch.cat([b.hits for b in blocks]),
        torch.cat([b.raw10 for b in blocks]),
    )


def ranking(predictor: Predictor, data: EvalSet, max_k: int, chunk_users: int) -> Ranking:
    """Rank the full catalogue for every rank user, ``chunk_users`` at a time, in this process."""
    users = data.rank_users
    parts = []
    with progress(f"ranking users ({predictor.name})", users.size, unit="user") as bar:
        for first, end in rank_user_blocks(users.size, chunk_users):
            parts.append(rank_block(predictor, data, users[first:end], max_k))
            bar.update(end - first)
    return joined(parts, max_k, data.catalog.n_movies)


def evaluate_predictor(
    predictor: Predictor,
    data: EvalSet,
    *,
    max_k: int,
    chunk_users: int,
    model_id: int | None = None,
    method: str | None = None,
    fit_seconds: float = 0.0,
    rank: Ranker = ranking,
) -> MethodResult:
    """Rating and top-k metrics of a bound predictor on ``data``'s test part; ``rank`` ranks its rank
    users (the compute engine's, see :data:`Ranker`)."""
    start = time.perf_counter()
    rates = getattr(predictor, "rates", True)
    mae_value, rmse_value = rating_metrics(predictor, data) if rates else (None, None)
    ranked = rank(predictor, data, max_k, chunk_users)
    n_relevant = data.n_relevant(data.rank_users)
    curves = curves_from_hits(ranked.top, ranked.hits, n_relevant, data.catalog.n_movies)
    same = identical_pairs_fraction(ranked.raw10)
    seconds = time.perf_counter() - start
    name = method or predictor.name
    log.info(
        "%s on %s: MAE %s, P@10 %.4f, NDCG@10 %.4f (%.1f s fit, %.1f s eval)",
        name, data.split.split_id, f"{mae_value:.4f}" if mae_value is not None else "-",
        curves.precision[min(9, max_k - 1)], curves.ndcg[min(9, max_k - 1)], fit_seconds, seconds,
    )  # fmt: skip
    return MethodResult(
        method=name,
        model_id=model_id,
        split_id=data.split.split_id,
        split_kind=data.split.kind,
        mae=mae_value,
        rmse=rmse_value,
        n_test=int(data.test_rows.size),
        curves=curves,
        same_top10=same,
        fit_seconds=fit_seconds,
        eval_seconds=seconds,
    )


def result_rows(result: MethodResult) -> list[dict[str, object]]:
    """The rows of the ``evaluations`` table for one result (k None for rating and bookkeeping metrics)."""
    base = {"model_id": result.model_id, "method": result.method, "split_id": result.split_id}
    rows: list[dict[str, object]] = []
    scalars = {
        "mae": result.mae,
        "rmse": result.rmse,
        "same_top10_pairs": result.same_top10,
        "n_test_ratings": float(result.n_test),
        "n_topk_users": float(result.curves.n_users),
        "fit_seconds": result.fit_seconds,
        "eval_seconds": result.eval_seconds,
    }
    for metric, value in scalars.items():
        if value is not None and math.isfinite(value):
            k = 10 if metric == "same_top10_pairs" else None
            rows.append({**base, "metric": metric, "k": k, "value": float(value)})
    for metric, curve in result.curves.as_dict().items():
        values = np.asarray(curve, dtype=np.float64)
        # NaN: no user had a relevant test movie, so the metric is undefined (no row)
        rows.extend(
            {**base, "metric": metric, "k": k + 1, "value": float(v)}
            for k, v in enumerate(values)
            if np.isfinite(v)
        )
    return rows
