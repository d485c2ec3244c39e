"""Top-k over chunks of users: mask already-rated movies, pick the k best, break ties by movie id.

Memory is bounded by the chunk: one float32 ``[chunk_users, n_movies]`` score matrix (plus a boolean
mask of the same shape) at a time, never the full users x movies matrix. Catalogue columns are sorted by
movie_id, so "lower column" means "lower movie id" throughout.

Ordering contract: within a user's list, higher rank score first; equal scores in ascending movie_id.
The same rule decides which of several equally scored movies make the cut at position k, so the output
is a pure function of the scores (``torch.topk`` alone leaves the choice among ties unspecified).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from recdb.errors import JobFailedError
from recdb.scoring.inputs import RatedCSR


@dataclass(frozen=True)
class ChunkTopK:
    """The chunk's lists, flattened in (user row, rank) order."""

    user_rows: np.ndarray  # int64 [n]: catalogue row of the user
    ranks: np.ndarray  # int16 [n]: 1-based
    movie_cols: np.ndarray  # int64 [n]: catalogue column of the movie


def mask_rated(scores: torch.Tensor, rated: RatedCSR, start: int) -> None:
    """Set already-rated (user, movie) cells of the chunk starting at user row ``start`` to -inf."""
    stop = start + scores.shape[0]
    lo, hi = int(rated.indptr[start]), int(rated.indptr[stop])
    if hi == lo:
        return
    counts = np.diff(rated.indptr[start : stop + 1])
    rows = torch.from_numpy(np.repeat(np.arange(scores.shape[0], dtype=np.int64), counts))
    cols = torch.from_numpy(rated.indices[lo:hi])
    scores.index_put_((rows, cols), torch.tensor(float("-inf"), dtype=scores.dtype))


def sanitize(scores: torch.Tensor, first_row: int) -> None:
    """Reject NaN (a broken model) and lift -inf to the lowest finite float, in place.

    After this, every candidate scores > -inf, so masked (-inf) cells can never outrank a candidate.
    """
    if torch.isnan(scores).any():
        row = int(torch.isnan(scores).any(dim=1).nonzero()[0, 0]) + first_row
        raise JobFailedError(f"the model returned NaN rank scores (first at catalogue user row {row})")
    scores.clamp_(min=torch.finfo(scores.dtype).min)


def top_k(scores: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The ``min(k, n_movies)`` best columns per row, ordered by (score desc, column asc).

    Returns (values, columns), both ``[rows, kk]``. Rows with fewer than kk candidates end in masked
    (-inf) cells; the caller cuts each row to ``n_candidates``.
    """
    kk = min(k, scores.shape[1])
    values, cols = torch.topk(scores, kk, dim=1, largest=True, sorted=True)
    threshold = values[:, -1:]
    # A tie straddles position kk when more than kk cells reach the kth value: topk's choice among
    # them is arbitrary, so recompute those rows exactly (rare with learned float scores).
    tied = ((scores >= threshold).sum(dim=1) > kk).nonzero().squeeze(1)
    if tied.numel():
        sub, thr = scores[tied], threshold[tied]
        above = sub > thr
        need = kk - above.sum(dim=1, keepdim=True)
        equal = sub == thr
        take = above | (equal & (equal.cumsum(dim=1) <= need))
        picked = take.nonzero()[:, 1].view(-1, kk)  # ascending columns per row
        cols[tied] = picked
        values[tied] = sub.gather(1, picked)
    # Order the winners by (score desc, column asc): sort by column, then a stable sort by score.
    cols, by_col = cols.sort(dim=1)
    values = values.gather(1, by_col)
    values, by_score = values.sort(dim=1, descending=True, stable=True)
    cols = cols.gather(1, by_score)
    return values, cols


def flatten(cols: torch.Tensor, start: int, n_candidates: np.ndarray) -> ChunkTopK:
    """Cut row i to its first ``n_candidates[i]`` entries and flatten to (row, rank, column)."""
    n, kk = cols.shape
    lengths = np.minimum(n_candidates, kk)
    keep = np.arange(kk)[None, :] < lengths[:, None]
    rows = np.broadcast_to(np.arange(start, start + n, dtype=np.int64)[:, None], (n, kk))[keep]
    ranks = np.broadcast_to(np.arange(1, kk + 1, dtype=np.int16)[None, :], (n, kk))[keep]
    return ChunkTopK(user_rows=rows, ranks=ranks, movie_cols=cols.numpy()[keep])
