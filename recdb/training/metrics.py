"""Vectorised metrics used while training: MAE / RMSE, and NDCG@k / precision@k over full rankings.

Top-k protocol (the same as evaluation's): for each user, every catalogue movie is a candidate
except those in ``seen`` (the parts trained on); relevant = the evaluated part's ratings ≥ threshold;
users without a relevant movie are left out; NDCG uses the ideal DCG of min(#relevant, k) hits.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from recdb.training.data import RatingTensors


def rating_errors(predicted: torch.Tensor, truth: torch.Tensor) -> dict[str, float]:
    err = predicted.double() - truth.double()
    return {"mae": float(err.abs().mean()), "rmse": math.sqrt(float((err * err).mean()))}


def topk_metrics(
    scores: Callable[[torch.Tensor], torch.Tensor],
    n_users: int,
    n_movies: int,
    seen: list[RatingTensors],
    target: RatingTensors,
    threshold: float,
    k: int = 10,
    chunk: int = 1024,
    max_users: int | None = None,
) -> dict[str, float]:
    """NDCG@k and precision@k; ``scores(user_rows)`` returns float ``[len(user_rows), n_movies]``.

    ``max_users``: average over a fixed seeded sample of that many users (all when None or fewer):
    a full ranking per epoch costs users × movies, minutes at 160k × 60k, seconds for a sample.
    """
    keep = target.ratings >= threshold
    rel_u, rel_m = _by_user(target.users[keep], target.movies[keep])
    seen_u, seen_m = _by_user(torch.cat([s.users for s in seen]), torch.cat([s.movies for s in seen]))
    users = torch.unique(rel_u)  # sorted: each chunk's pairs are one slice of the sorted arrays
    if max_users is not None and len(users) > max_users:
        pick = torch.randperm(len(users), generator=torch.Generator().manual_seed(0))[:max_users]
        users = users[torch.sort(pick).values]  # still sorted
    discounts = 1.0 / torch.log2(torch.arange(k, dtype=torch.float64) + 2.0)  # [k]
    ideal = torch.cumsum(discounts, 0)  # ideal[j] = IDCG with j + 1 relevant movies
    ndcg_sum = precision_sum = 0.0
    for start in range(0, len(users), chunk):
        rows = users[start : start + chunk]
        s = scores(rows).float().clone()  # [c, M]
        r, c = _pairs_in(rows, seen_u, seen_m)
        s[r, c] = -math.inf  # already rated: not a candidate
        top = torch.topk(s, min(k, n_movies), dim=1).indices  # [c, k]
        rel = torch.zeros(len(rows), n_movies, dtype=torch.bool)
        r, c = _pairs_in(rows, rel_u, rel_m)
        rel[r, c] = True
        hits = rel.gather(1, top).double()  # [c, k]
        n_rel = rel.sum(1).clamp(max=k)
        ndcg_sum += float(((hits * discounts[: hits.shape[1]]).sum(1) / ideal[n_rel - 1]).sum())
        precision_sum += float(hits.sum() / k)
    n = max(len(users), 1)
    return {f"ndcg{k}": ndcg_sum / n, f"precision{k}": precision_sum / n, "users": float(len(users))}


def _by_user(users: torch.Tensor, movies: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    order = torch.argsort(users, stable=True)
    return users[order], movies[order]


def _pairs_in(
    rows: torch.Tensor, users: torch.Tensor, movies: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """(position in ``rows``, movie) of the pairs whose user is in ``rows`` (both sorted by user)."""
    lo = int(torch.searchsorted(users, rows[0]))
    hi = int(torch.searchsorted(users, rows[-1], right=True))
    u, m = users[lo:hi], movies[lo:hi]
    where = torch.searchsorted(rows, u).clamp(max=len(rows) - 1)
    hit = rows[where] == u
    return where[hit], m[hit]
