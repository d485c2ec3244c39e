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
) -> dict[str, float]:
    """NDCG@k and precision@k; ``scores(user_rows)`` returns float ``[len(user_rows), n_movies]``."""
    keep = target.ratings >= threshold
    rel_users, rel_movies = target.users[keep], target.movies[keep]
    users = torch.unique(rel_users)
    seen_u = torch.cat([s.users for s in seen])
    seen_m = torch.cat([s.movies for s in seen])
    discounts = 1.0 / torch.log2(torch.arange(k, dtype=torch.float64) + 2.0)  # [k]
    ideal = torch.cumsum(discounts, 0)  # ideal[j] = IDCG with j + 1 relevant movies
    ndcg_sum = precision_sum = 0.0
    for start in range(0, len(users), chunk):
        rows = users[start : start + chunk]
        pos = torch.full((n_users,), -1, dtype=torch.long)
        pos[rows] = torch.arange(len(rows))
        s = scores(rows).float().clone()  # [c, M]
        m = pos[seen_u] >= 0
        s[pos[seen_u[m]], seen_m[m]] = -math.inf
        top = torch.topk(s, k, dim=1).indices  # [c, k]
        rel = torch.zeros(len(rows), n_movies, dtype=torch.bool)
        r = pos[rel_users] >= 0
        rel[pos[rel_users[r]], rel_movies[r]] = True
        hits = rel.gather(1, top).double()  # [c, k]
        n_rel = rel.sum(1).clamp(max=k)
        ndcg_sum += float(((hits * discounts).sum(1) / ideal[n_rel - 1]).sum())
        precision_sum += float(hits.sum() / k)
    n = max(len(users), 1)
    return {f"ndcg{k}": ndcg_sum / n, f"precision{k}": precision_sum / n, "users": float(len(users))}
