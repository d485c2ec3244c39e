"""Ranking and its metrics, for scoring, evaluation and training alike: masking the movies a user
already rated, top-k lists with a deterministic tie-break, and MAE / RMSE / precision / recall / F1 /
NDCG / hit rate / coverage. Everything is torch, vectorised over a chunk of users.

Ordering contract: within a user's list, higher score first; equal scores in ascending column
(catalogue columns are sorted by movie_id, so "lower column" means "lower movie id"). The same rule
decides which of several equally scored movies make the cut at position k, so a list is a pure
function of the scores (``torch.topk`` alone leaves the choice among ties unspecified). NaN scores
have no place in that order and are refused.

Metric conventions (also in docs/evaluation.md):

* Rating metrics: MAE and RMSE over every held-out rating.
* Top-k metrics are computed from a boolean *hit matrix* ``hits[u, r]`` (is the movie a user's ranking
  put at position ``r`` one of their relevant held-out movies?), built ONCE per user from the top
  ``max_k`` columns; every k = 1..max_k then comes from cumulative sums over the rank axis.
* Relevant = held-out rating >= the relevance threshold. Candidates = every movie the user did not
  rate in the parts trained on: already-rated movies are set to ``-inf`` before ranking
  (:func:`mask_rated`) and can never count.
* Users with no relevant movie are excluded from precision, recall, F1, NDCG and hit rate.
* precision@k = hits in top k / k (denominator k even when the user has fewer than k relevant movies);
  recall@k = hits in top k / number of relevant movies; F1@k = the per-user harmonic mean of the two
  (0 when both are 0), averaged over users; NDCG@k = DCG@k / ideal DCG@k with binary gains and
  ``1 / log2(rank + 1)`` discounts (rank 1-based), the ideal list holding min(k, n_relevant) hits;
  hit rate@k = fraction of users with at least one hit in the top k.
* Catalogue coverage@k = fraction of the catalogue's movies that appear in at least one evaluated
  user's top-k list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import torch

from recdb.errors import JobFailedError

TOPK_METRICS: tuple[str, ...] = ("precision", "recall", "f1", "ndcg", "hit_rate", "coverage")
RATING_METRICS: tuple[str, ...] = ("mae", "rmse")

#: Rows re-ranked at once where a tie straddles the cut (bounds the temporaries to ~TOPK_ROWS x n x 10 B).
TOPK_ROWS = 256


class UserRows(Protocol):
    """Movie columns per user row in CSR form: row i's columns are ``indices[indptr[i]:indptr[i + 1]]``.

    :class:`MovieSets` and a scipy CSR matrix both qualify.
    """

    @property
    def indptr(self) -> np.ndarray: ...

    @property
    def indices(self) -> np.ndarray: ...


@dataclass(frozen=True)
class MovieSets:
    """A set of movie columns per user row (rated movies, relevant movies), as CSR; columns within a
    row in no particular order."""

    indptr: np.ndarray  # int64 [n_users + 1]
    indices: np.ndarray  # int64 [n_pairs]

    @classmethod
    def from_pairs(cls, rows: np.ndarray, cols: np.ndarray, n_rows: int) -> MovieSets:
        """Group (user row, movie column) pairs, in any order, by user row."""
        return cls.from_rated(rows, cols, None, n_rows)[0]

    @classmethod
    def from_rated(
        cls, rows: np.ndarray, cols: np.ndarray, values: np.ndarray | None, n_rows: int
    ) -> tuple[MovieSets, np.ndarray | None]:
        """:meth:`from_pairs`, and ``values`` (one per pair, e.g. the ratings) in the sets' pair order."""
        rows = np.asarray(rows, dtype=np.int64)
        order = np.argsort(rows, kind="stable")  # a stable radix sort of integers
        indptr = np.zeros(n_rows + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=n_rows), out=indptr[1:])
        sets = cls(indptr=indptr, indices=np.asarray(cols, dtype=np.int64)[order])
        return sets, None if values is None else np.asarray(values, dtype=np.float32)[order]

    def counts(self) -> np.ndarray:
        """Movies per user row."""
        return np.diff(self.indptr)


def chunk_offsets(sets: UserRows, user_rows: np.ndarray) -> tuple[torch.Tensor, np.ndarray]:
    """(position in ``user_rows``, position in ``sets.indices``) of every pair of those rows: the
    second indexes the pairs' columns, and any values kept aligned with them, without a Python loop."""
    indptr = np.asarray(sets.indptr)
    starts, stops = indptr[user_rows], indptr[np.asarray(user_rows) + 1]
    counts = stops - starts
    total = int(counts.sum())
    offsets = np.repeat(starts - np.concatenate(([0], np.cumsum(counts)[:-1])), counts) + np.arange(total)
    rows = np.repeat(np.arange(len(user_rows), dtype=np.int64), counts)
    return torch.from_numpy(rows), offsets


def chunk_pairs(sets: UserRows, user_rows: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """(position in ``user_rows``, movie column) of every pair of those rows, without a Python loop."""
    rows, offsets = chunk_offsets(sets, user_rows)
    return rows, torch.from_numpy(np.asarray(sets.indices)[offsets].astype(np.int64, copy=False))


def mask_rated(scores: torch.Tensor, rated: UserRows, user_rows: np.ndarray) -> None:
    """Set the already-rated cells of ``scores`` (row i = user row ``user_rows[i]``) to -inf, in place.

    Only the rated cells are touched: no dense ``[rows, n_movies]`` mask is built.
    """
    rows, cols = chunk_pairs(rated, user_rows)
    if rows.numel():
        scores.index_put_((rows, cols), torch.tensor(float("-inf"), dtype=scores.dtype))


def relevant_block(relevant: UserRows, user_rows: np.ndarray, n_movies: int) -> torch.Tensor:
    """bool ``[len(user_rows), n_movies]``: each row's relevant movies, for :func:`hit_matrix`."""
    block = torch.zeros(len(user_rows), n_movies, dtype=torch.bool)
    rows, cols = chunk_pairs(relevant, user_rows)
    block[rows, cols] = True
    return block


def top_k(scores: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The ``min(k, n_movies)`` best columns per row, ordered by (score desc, column asc).

    Returns (values, columns), both ``[rows, kk]``. Rows with fewer than kk candidates end in masked
    (-inf) cells. ``scores`` is not modified. Raises JobFailedError on NaN.

    Speed: the only full pass in the common case is one float ``topk`` of kk + 1 columns; the extra
    column reveals a tie straddling the cut, and only such rows are looked at again.
    """
    n_movies = scores.shape[1]
    kk = min(k, n_movies)
    probe = min(kk + 1, n_movies)
    values, cols = torch.topk(scores, probe, dim=1, largest=True, sorted=True)
    if probe and torch.isnan(values[:, 0]).any():  # topk ranks NaN above everything
        row = int(torch.isnan(values[:, 0]).nonzero()[0, 0])
        raise JobFailedError(f"the model returned NaN rank scores (chunk row {row})")
    if probe > kk:
        tied = (values[:, kk - 1] == values[:, kk]).nonzero().squeeze(1)
        values, cols = values[:, :kk], cols[:, :kk]  # views: the fixes below write through
        for i in range(0, tied.numel(), TOPK_ROWS):
            _exact_cut(scores, tied[i : i + TOPK_ROWS], values, cols)
    _order_ties(values, cols)
    return values, cols


def _exact_cut(scores: torch.Tensor, rows: torch.Tensor, values: torch.Tensor, cols: torch.Tensor) -> None:
    """For ``rows``, where equal scores straddle the cut, give the list's tied tail to the lowest
    columns holding that score (in place; ascending columns)."""
    kk = values.shape[1]
    sub, threshold = scores[rows], values[rows, kk - 1 :]
    tail = (values[rows] == threshold).sum(dim=1, keepdim=True)  # the tied slots end the list
    # Equal cells keyed by reversed column (others -1): one int32 topk finds the lowest columns.
    reversed_cols = torch.arange(sub.shape[1] - 1, -1, -1, dtype=torch.int32)
    lowest = torch.topk(torch.where(sub == threshold, reversed_cols, -1), int(tail.max()), dim=1).indices
    slot = torch.arange(kk) - (kk - tail)  # >= 0 inside the tail
    picked = torch.where(slot >= 0, lowest.gather(1, slot.clamp(min=0)), cols[rows])
    cols[rows], values[rows] = picked, sub.gather(1, picked)


def _order_ties(values: torch.Tensor, cols: torch.Tensor) -> None:
    """Within runs of equal values (topk leaves their order unspecified), put lower columns first.

    Only rows that have such a run are re-sorted (the values are already in descending order).
    """
    rows = (values[:, 1:] == values[:, :-1]).any(dim=1).nonzero().squeeze(1)
    if rows.numel() == 0:
        return
    v, c = values[rows], cols[rows]
    c, by_col = c.sort(dim=1)  # sort by column, then a stable sort by value descending
    v = v.gather(1, by_col)
    v, by_value = v.sort(dim=1, descending=True, stable=True)
    values[rows], cols[rows] = v, c.gather(1, by_value)


def mae(predicted: torch.Tensor, actual: torch.Tensor) -> float:
    """Mean absolute error (float64 accumulation so 200k terms do not lose precision)."""
    return float((predicted.double() - actual.double()).abs().mean())


def rmse(predicted: torch.Tensor, actual: torch.Tensor) -> float:
    """Root mean squared error."""
    return float(((predicted.double() - actual.double()) ** 2).mean().sqrt())


def hit_matrix(top: torch.Tensor, relevant: torch.Tensor) -> torch.Tensor:
    """``hits[u, r]`` = is ``top[u, r]`` relevant for row u; ``relevant`` is bool ``[n, n_movies]``.

    Positions whose score was ``-inf`` (a user with fewer candidates than max_k) are never relevant,
    because relevant movies are held-out movies, which are never masked.
    """
    return torch.gather(relevant, 1, top)


@dataclass(frozen=True)
class TopKCurves:
    """Mean top-k metrics for k = 1..max_k, each a float64 numpy array of length max_k."""

    precision: np.ndarray
    recall: np.ndarray
    f1: np.ndarray
    ndcg: np.ndarray
    hit_rate: np.ndarray
    coverage: np.ndarray
    n_users: int

    def as_dict(self) -> dict[str, np.ndarray]:
        return {name: getattr(self, name) for name in TOPK_METRICS}


def per_user_curves(hits: torch.Tensor, n_relevant: torch.Tensor) -> dict[str, torch.Tensor]:
    """Per-user precision/recall/F1/NDCG/hit for every k: float64 ``[n_users, max_k]`` each.

    ``hits``: bool ``[n_users, max_k]``; ``n_relevant``: int ``[n_users]``, every entry >= 1.
    """
    h = hits.double()
    max_k = h.shape[1]
    ks = torch.arange(1, max_k + 1, dtype=torch.float64)
    cum = h.cumsum(dim=1)
    n_rel = n_relevant.double().unsqueeze(1)
    precision = cum / ks
    recall = cum / n_rel
    denom = precision + recall
    f1 = torch.where(denom > 0, 2 * precision * recall / denom.clamp_min(1e-300), torch.zeros_like(denom))
    discount = 1.0 / torch.log2(ks + 1.0)
    dcg = (h * discount).cumsum(dim=1)
    ideal_cum = discount.cumsum(dim=0)  # ideal DCG with j hits = ideal_cum[j - 1]
    ideal_hits = torch.minimum(ks.unsqueeze(0), n_rel).long()  # [n_users, max_k], >= 1
    idcg = ideal_cum[ideal_hits - 1]
    ndcg = dcg / idcg
    hit = (cum > 0).double()
    return {"precision": precision, "recall": recall, "f1": f1, "ndcg": ndcg, "hit_rate": hit}


def coverage_curve(top: torch.Tensor, n_movies: int) -> np.ndarray:
    """Fraction of the catalogue in at least one top-k list, for k = 1..max_k.

    Each movie's best (lowest) rank over all users is found with one scatter; coverage@k counts the
    movies whose best rank is < k.
    """
    max_k = top.shape[1]
    ranks = torch.arange(max_k).expand_as(top).reshape(-1)
    best = torch.full((n_movies,), max_k, dtype=torch.long)
    best = best.scatter_reduce(0, top.reshape(-1), ranks, reduce="amin")
    counts = torch.bincount(best, minlength=max_k + 1)[:max_k].cumsum(0)
    return (counts.double() / max(n_movies, 1)).numpy()


def topk_curves(top: torch.Tensor, relevant: torch.Tensor, n_movies: int) -> TopKCurves:
    """All top-k curves from the users' top-``max_k`` lists and their relevant-movie masks.

    ``top``: int64 ``[n_users, max_k]``; ``relevant``: bool ``[n_users, n_movies]``. Users without a
    relevant movie are dropped from the accuracy metrics but still count for coverage. With no user
    left the accuracy curves are NaN (undefined), not 0.
    """
    return curves_from_hits(top, hit_matrix(top, relevant), relevant.sum(dim=1), n_movies)


def curves_from_hits(
    top: torch.Tensor, hits: torch.Tensor, n_relevant: torch.Tensor, n_movies: int
) -> TopKCurves:
    """:func:`topk_curves` from the hit matrix and the relevant counts, so that the caller can build
    both a user chunk at a time without ever holding a dense ``[n_users, n_movies]`` mask.

    ``top``, ``hits``: ``[n_users, max_k]``; ``n_relevant``: int ``[n_users]``.
    """
    keep = n_relevant > 0
    hits = hits[keep]
    per_user = per_user_curves(hits, n_relevant[keep])
    means = {name: values.mean(dim=0).numpy() for name, values in per_user.items()}
    return TopKCurves(coverage=coverage_curve(top, n_movies), n_users=int(keep.sum()), **means)
