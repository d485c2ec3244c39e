"""The metrics shown while training (MAE / RMSE, NDCG@k / precision@k over full rankings), computed
by :mod:`recdb.ranking` with evaluation's protocol and tie-break.

Here: which pairs count. For each user every catalogue movie is a candidate except those in ``seen``
(the parts trained on); relevant = the evaluated part's ratings >= threshold; users without a relevant
movie are left out, and the figures are 0 when no user is left.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from recdb.ranking import MovieSets, hit_matrix, mae, mask_rated, per_user_curves, relevant_block, rmse, top_k
from recdb.training.data import RatingTensors


def rating_errors(predicted: torch.Tensor, truth: torch.Tensor) -> dict[str, float]:
    return {"mae": mae(predicted, truth), "rmse": rmse(predicted, truth)}


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
    relevant = MovieSets.from_pairs(target.users[keep].numpy(), target.movies[keep].numpy(), n_users)
    rated = MovieSets.from_pairs(
        torch.cat([s.users for s in seen]).numpy(), torch.cat([s.movies for s in seen]).numpy(), n_users
    )
    n_relevant = torch.from_numpy(relevant.counts())
    users = n_relevant.nonzero().squeeze(1)  # sorted
    if max_users is not None and len(users) > max_users:
        pick = torch.randperm(len(users), generator=torch.Generator().manual_seed(0))[:max_users]
        users = users[torch.sort(pick).values]  # still sorted
    hits = [torch.zeros(0, k, dtype=torch.bool)]
    for start in range(0, len(users), chunk):
        rows = users[start : start + chunk]
        s = scores(rows).float().clone()  # [c, M], masked in place
        mask_rated(s, rated, rows.numpy())
        _, top = top_k(s, k)
        chunk_hits = hit_matrix(top, relevant_block(relevant, rows.numpy(), n_movies))
        # precision@k divides by k even when the catalogue has fewer movies: pad with misses
        hits.append(torch.nn.functional.pad(chunk_hits, (0, k - chunk_hits.shape[1])))
    per_user = per_user_curves(torch.cat(hits), n_relevant[users])
    n = max(len(users), 1)
    return {
        f"ndcg{k}": float(per_user["ndcg"][:, k - 1].sum()) / n,
        f"precision{k}": float(per_user["precision"][:, k - 1].sum()) / n,
        "users": float(len(users)),
    }
