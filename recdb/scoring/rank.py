"""Top-k over chunks of users: mask already-rated movies, pick the k best, break ties by movie id.

Memory is bounded by the chunk: one float32 ``[chunk_users, n_movies]`` score matrix at a time, never
the full users x movies matrix. Catalogue columns are sorted by movie_id, so "lower column" means
"lower movie id" throughout.

Ordering contract: within a user's list, higher rank score first; equal scores in ascending movie_id.
The same rule decides which of several equally scored movies make the cut at position k, so the output
is a pure function of the scores (``torch.topk`` alone leaves the choice among ties unspecified).

Speed: the only full passes over the chunk are the predictor's own, the mask (rated cells only) and
one ``topk``; ties at the cut are detected from the (k+1)th value, and NaN (which ``topk`` ranks
first) from the k winners, so the rare cases cost nothing in the common one.
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


def mask_rated(scores: torch.Tensor, rated: RatedCSR, user_rows: np.ndarray) -> None:
    """Set the already-rated cells of ``scores`` (row i = catalogue row ``user_rows[i]``) to -inf."""
    starts, stops = rated.indptr[user_rows], rated.indptr[user_rows + 1]
    counts = stops - starts
    total = int(counts.sum())
    if total == 0:
        return
    # Positions in rated.indices of every rated pair of these rows, without a Python loop.
    offsets = np.repeat(starts - np.concatenate(([0], np.cumsum(counts)[:-1])), counts)
    cols = rated.indices[offsets + np.arange(total)]
    rows = np.repeat(np.arange(len(user_rows), dtype=np.int64), counts)
    scores.index_put_((torch.from_numpy(rows), torch.from_numpy(cols)), torch.tensor(float("-inf")))


def top_k(scores: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The ``min(k, n_movies)`` best columns per row, ordered by (score desc, column asc).

    Returns (values, columns), both ``[rows, kk]``. Rows with fewer than kk candidates end in masked
    (-inf) cells; the caller cuts each row to its number of candidates. Raises JobFailedError on NaN.
    """
    n_movies = scores.shape[1]
    kk = min(k, n_movies)
    probe = min(kk + 1, n_movies)  # one more than needed: reveals a tie straddling the cut
    values, cols = torch.topk(scores, probe, dim=1, largest=True, sorted=True)
    if torch.isnan(values[:, 0]).any():  # topk ranks NaN above everything: row 0 of the winners shows it
        row = int(torch.isnan(values[:, 0]).nonzero()[0, 0])
        raise JobFailedError(f"the model returned NaN rank scores (chunk row {row})")
    if probe > kk:
        tied = (values[:, kk - 1] == values[:, kk]).nonzero().squeeze(1)
        values, cols = values[:, :kk], cols[:, :kk]  # views: the fixes below write through
        if tied.numel():
            _exact_cut(scores, tied, values, cols)
    _order_ties(values, cols)
    return values, cols


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


def _exact_cut(scores: torch.Tensor, tied: torch.Tensor, values: torch.Tensor, cols: torch.Tensor) -> None:
    """For rows where equal scores straddle the cut, keep the lowest columns among them (in place)."""
    kk = values.shape[1]
    sub, threshold = scores[tied], values[tied, kk - 1 :]
    above = sub > threshold
    need = kk - above.sum(dim=1, keepdim=True)
    equal = sub == threshold
    take = above | (equal & (equal.cumsum(dim=1) <= need))
    picked = take.nonzero()[:, 1].view(-1, kk)  # ascending columns per row
    # Back to descending values; the stable sort keeps ascending columns among equal values.
    picked_values, order = sub.gather(1, picked).sort(dim=1, descending=True, stable=True)
    cols[tied] = picked.gather(1, order)
    values[tied] = picked_values


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
