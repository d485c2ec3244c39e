"""Evaluation metrics, vectorised over all users at once (torch, no Python loops over users or pairs).

Conventions (also in docs/evaluation.md):

* Rating metrics: MAE and RMSE over every held-out test rating.
* Top-k metrics are computed from a boolean *hit matrix* ``hits[u, r]`` (is the movie a user's ranking
  put at position ``r`` one of their relevant held-out movies?), built ONCE per user from the top
  ``max_k`` indices; every k = 1..max_k then comes from cumulative sums over the rank axis.
* Relevant = held-out test rating >= ``relevance_threshold``. Candidates = every movie the user did not
  rate in train+valid: already-rated movies are set to ``-inf`` before ranking and can never count.
* Users with no relevant test movie are excluded from precision, recall, F1, NDCG and hit rate.
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

import numpy as np
import torch

TOPK_METRICS: tuple[str, ...] = ("precision", "recall", "f1", "ndcg", "hit_rate", "coverage")
RATING_METRICS: tuple[str, ...] = ("mae", "rmse")

#: Rows per ``topk`` call in :func:`top_indices` (bounds its temporaries to ~TOPK_ROWS x n x 24 bytes).
TOPK_ROWS = 256


def mae(predicted: torch.Tensor, actual: torch.Tensor) -> float:
    """Mean absolute error (float64 accumulation so 200k terms do not lose precision)."""
    return float((predicted.double() - actual.double()).abs().mean())


def rmse(predicted: torch.Tensor, actual: torch.Tensor) -> float:
    """Root mean squared error."""
    return float(((predicted.double() - actual.double()) ** 2).mean().sqrt())


def mask_rated(scores: torch.Tensor, rated_rows: torch.Tensor, rated_cols: torch.Tensor) -> torch.Tensor:
    """Set the (row, col) pairs the user already rated to ``-inf`` in place and return ``scores``.

    ``rated_rows`` index rows of ``scores`` (positions inside the chunk), ``rated_cols`` movie columns.
    """
    scores[rated_rows, rated_cols] = float("-inf")
    return scores


def order_keys(scores: torch.Tensor) -> torch.Tensor:
    """int64 keys that sort like ``scores`` (float32, no NaN), ties broken by the lower column.

    The float's bits are mapped to an int32 with the same order (negative floats: flip the 31 low
    bits), shifted into the high half of an int64 whose low half is ``n - 1 - column``. Every key in a
    row is distinct, so one ``topk`` gives an exact, deterministic order without a full sort.
    """
    bits = (scores.float() + 0.0).contiguous().view(torch.int32)  # + 0.0 turns -0.0 into +0.0
    ordered = bits ^ ((bits >> 31) & 0x7FFFFFFF)
    n = scores.shape[1]
    tie_break = (n - 1 - torch.arange(n, dtype=torch.int64)).unsqueeze(0)
    return (ordered.to(torch.int64) << 32) | tie_break


def top_indices(scores: torch.Tensor, max_k: int) -> torch.Tensor:
    """The ``max_k`` best columns per row, best first, as int64 ``[n, max_k]``.

    Ties are broken by the lower column index (see :func:`order_keys`), so results never depend on
    ``torch.topk``'s unspecified tie order.
    """
    k = min(max_k, scores.shape[1])
    if scores.shape[0] <= TOPK_ROWS:
        return torch.topk(order_keys(scores), k, dim=1).indices
    # the int64 keys and their temporaries take ~5x the scores' memory: build them a few rows at a time
    blocks = range(0, scores.shape[0], TOPK_ROWS)
    return torch.cat([top_indices(scores[i : i + TOPK_ROWS], k) for i in blocks])


def hit_matrix(top: torch.Tensor, relevant: torch.Tensor) -> torch.Tensor:
    """``hits[u, r]`` = is ``top[u, r]`` relevant for row u; ``relevant`` is bool ``[n, n_movies]``.

    Positions whose score was ``-inf`` (a user with fewer candidates than max_k) are never relevant,
    because relevant movies are held-out test movies, which are never masked.
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
