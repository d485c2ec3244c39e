"""The scoring job's handling of its chunks' top-k lists (the ranking itself is :mod:`recdb.ranking`):
recovering candidates the model scored -inf, and flattening lists into (user row, rank, column).

Memory is bounded by the chunk: one float32 ``[chunk_users, n_movies]`` score matrix at a time, never
the full users x movies matrix.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch


@dataclass(frozen=True)
class ChunkTopK:
    """The chunk's lists, flattened in (user row, rank) order."""

    user_rows: np.ndarray  # int64 [n]: catalogue row of the user
    ranks: np.ndarray  # int16 [n]: 1-based
    movie_cols: np.ndarray  # int64 [n]: catalogue column of the movie


def lost_candidates(values: torch.Tensor, n_candidates: np.ndarray) -> np.ndarray:
    """Chunk rows where a -inf sits inside the user's list: the model scored a candidate -inf, so it
    may have tied with a masked cell. Those rows are recomputed with the model's -inf lifted."""
    if not torch.isneginf(values).any():  # the common case: nothing to look at
        return np.empty(0, dtype=np.int64)
    kk = values.shape[1]
    inside = torch.arange(kk)[None, :] < torch.from_numpy(np.minimum(n_candidates, kk))[:, None]
    return (torch.isneginf(values) & inside).any(dim=1).nonzero().squeeze(1).numpy()


def lift_minus_inf(scores: torch.Tensor) -> None:
    """Raise -inf model scores to the lowest finite float, so masked cells (-inf) rank below them."""
    scores.clamp_(min=torch.finfo(scores.dtype).min)


def flatten(cols: torch.Tensor, user_rows: np.ndarray, n_candidates: np.ndarray) -> ChunkTopK:
    """Cut row i to its first ``n_candidates[i]`` entries and flatten to (user row, rank, column)."""
    n, kk = cols.shape
    lengths = np.minimum(n_candidates, kk)
    keep = np.arange(kk)[None, :] < lengths[:, None]
    rows = np.broadcast_to(np.asarray(user_rows, dtype=np.int64)[:, None], (n, kk))[keep]
    ranks = np.broadcast_to(np.arange(1, kk + 1, dtype=np.int16)[None, :], (n, kk))[keep]
    return ChunkTopK(user_rows=rows, ranks=ranks, movie_cols=cols.numpy()[keep])
