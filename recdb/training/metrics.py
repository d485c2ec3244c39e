"""The metrics shown while training (MAE / RMSE, NDCG@k / precision@k over full rankings), computed
by :mod:`recdb.ranking` with evaluation's protocol and tie-break.

Here: which pairs count. For each user every catalogue movie is a candidate except those in ``seen``
(the parts trained on); relevant = the evaluated part's ratings >= threshold; users without a relevant
movie are left out, and the figures are 0 when no user is left.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

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

    def one(rows: torch.Tensor) -> Iterator[torch.Tensor]:
        yield scores(rows)

    return topk_metrics_many(one, 1, n_users, n_movies, seen, target, threshold, k, chunk, max_users)[0]


def topk_metrics_many(
    scores: Callable[[torch.Tensor], Iterable[torch.Tensor]],
    variants: int,
    n_users: int,
    n_movies: int,
    seen: list[RatingTensors],
    target: RatingTensors,
    threshold: float,
    k: int = 10,
    chunk: int = 1024,
    max_users: int | None = None,
    fresh: bool = False,
) -> list[dict[str, float]]:
    """:func:`topk_metrics` of ``variants`` score functions at once: ``scores(user_rows)`` yields one
    ``[len(user_rows), n_movies]`` block per variant, so the parts they share are computed once per
    chunk of users (the blend grid: :mod:`recdb.training.blend`). ``fresh``: the blocks are float32
    tensors of their own (not views of a predictor's state), masked in place without a copy."""
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
    hits: list[list[torch.Tensor]] = [[torch.zeros(0, k, dtype=torch.bool)] for _ in range(variants)]
    for start in range(0, len(users), chunk):
        rows = users[start : start + chunk]
        block = relevant_block(relevant, rows.numpy(), n_movies)
        for variant, raw in enumerate(scores(rows)):
            s = raw if fresh else raw.float().clone()  # [c, M], masked in place
            mask_rated(s, rated, rows.numpy())
            _, top = top_k(s, k)
            # precision@k divides by k even when the catalogue has fewer movies: pad with misses
            hits[variant].append(torch.nn.functional.pad(hit_matrix(top, block), (0, k - top.shape[1])))
    n = max(len(users), 1)
    out = []
    for variant_hits in hits:
        per_user = per_user_curves(torch.cat(variant_hits), n_relevant[users])
        out.append(
            {
                f"ndcg{k}": float(per_user["ndcg"][:, k - 1].sum()) / n,
                f"precision{k}": float(per_user["precision"][:, k - 1].sum()) / n,
                "users": float(len(users)),
            }
        )
    return out
