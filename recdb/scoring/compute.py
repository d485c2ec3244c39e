"""Scoring every user against every movie, chunk by chunk, into one Arrow table of top-k lists, each
row with its reason (:mod:`recdb.scoring.reasons`).

No database connection is open here: this is the long part of the job, and readers must be able to
open the file meanwhile.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import torch

from recdb.errors import JobFailedError
from recdb.logs import progress
from recdb.ranking import mask_rated, top_k
from recdb.scoring.inputs import ScoreInputs
from recdb.scoring.rank import ChunkTopK, flatten, lift_minus_inf, lost_candidates
from recdb.scoring.reasons import Reasons

log = logging.getLogger(__name__)

# Log progress every this many chunks (about every 20k users at the default chunk size).
_LOG_EVERY = 10

SCHEMA = pa.schema(
    [
        ("user_id", pa.int32()),
        ("rank", pa.int16()),
        ("movie_id", pa.int32()),
        ("predicted_rating", pa.float32()),
        ("because_movie_id", pa.int32()),  # null for a user without ratings
        ("reason", pa.string()),  # null for a user with ratings
    ]
)


@dataclass(frozen=True)
class Scored:
    table: pa.Table  # SCHEMA, sorted by (user_id, rank)
    seconds: float  # the whole scoring pass
    rank_seconds: float  # rank scores + mask + top-k only: the pairs/s figure
    reason_seconds: float  # the reasons (recdb.scoring.reasons), set-up included
    pairs: int  # users x movies scored


def score_lists(
    inputs: ScoreInputs,
    *,
    k: int,
    chunk_users: int,
    relevance_threshold: float = 4.0,
    reason_candidates: int = 16,
) -> Scored:
    """Top-k lists of every user, with predicted ratings clipped to the scale and each row's reason
    (``relevance_threshold``: the rating from which a user's movie counts as liked; ``reason_candidates``:
    at most that many liked movies per user are compared, 0 = all; see recdb.scoring.reasons)."""
    start = time.monotonic()
    catalog, predictor = inputs.catalog, inputs.predictor
    predictor.bind(catalog)
    user_ids = catalog.users["user_id"].to_numpy().astype(np.int32)
    movie_ids = catalog.movies["movie_id"].to_numpy().astype(np.int32)
    candidates = catalog.n_movies - inputs.rated.counts()
    parts: list[pa.RecordBatch] = []
    rank_seconds = 0.0
    buffer = _Buffer()
    tick = time.monotonic()
    reasons = Reasons(catalog, inputs.rated_pairs, relevance_threshold, predictor.item_vectors(),
                      reason_candidates)  # fmt: skip
    reason_seconds = time.monotonic() - tick
    with torch.inference_mode(), progress("scoring users", catalog.n_users, unit="user") as bar:
        for first in range(0, catalog.n_users, chunk_users):
            rows = np.arange(first, min(first + chunk_users, catalog.n_users), dtype=np.int64)
            tick = time.monotonic()
            chunk = _rank_chunk(inputs, rows, k, candidates[rows], buffer)
            rank_seconds += time.monotonic() - tick
            ratings = _predict(inputs, chunk)
            tick = time.monotonic()
            because = reasons.because(rows, chunk)
            reason_seconds += time.monotonic() - tick
            parts.append(
                pa.RecordBatch.from_arrays(
                    [
                        pa.array(user_ids[chunk.user_rows]),
                        pa.array(chunk.ranks),
                        pa.array(movie_ids[chunk.movie_cols]),
                        pa.array(ratings),
                        pa.array(movie_ids[np.maximum(because, 0)], mask=because < 0),
                        reasons.profile(chunk.user_rows),
                    ],
                    schema=SCHEMA,
                )
            )
            bar.update(rows.size)
            if (first // chunk_users) % _LOG_EVERY == _LOG_EVERY - 1:  # cron logs: a line now and then
                log.info("scored %d of %d users", int(rows[-1]) + 1, catalog.n_users)
    table = pa.Table.from_batches(parts, schema=SCHEMA)
    seconds = time.monotonic() - start
    pairs = catalog.n_users * catalog.n_movies
    log.info("scored %d user-movie pairs in %.2f s (ranking %.0f pairs/s; reasons %.2f s)", pairs, seconds,
             pairs / max(rank_seconds, 1e-9), reason_seconds)  # fmt: skip
    return Scored(table=table, seconds=seconds, rank_seconds=rank_seconds, reason_seconds=reason_seconds,
                  pairs=pairs)  # fmt: skip


def _rank_chunk(
    inputs: ScoreInputs, rows: np.ndarray, k: int, candidates: np.ndarray, buffer: _Buffer
) -> ChunkTopK:
    values, cols = _scores_top_k(inputs, rows, k, buffer, lift=False)
    redo = lost_candidates(values, candidates)
    if redo.size:  # rare: the model scored some candidate -inf; recompute those users exactly
        _, fixed = _scores_top_k(inputs, rows[redo], k, buffer, lift=True)
        cols[torch.from_numpy(redo)] = fixed
    return flatten(cols, rows, candidates)


def _scores_top_k(
    inputs: ScoreInputs, rows: np.ndarray, k: int, buffer: _Buffer, *, lift: bool
) -> tuple[torch.Tensor, torch.Tensor]:
    model_scores = inputs.predictor.rank_scores(rows)
    expected = (rows.size, inputs.catalog.n_movies)
    if tuple(model_scores.shape) != expected:
        raise JobFailedError(f"predictor {inputs.predictor.name} returned rank scores of shape "
                             f"{tuple(model_scores.shape)}, expected {expected}")  # fmt: skip
    scores = _owned(model_scores, buffer)
    del model_scores
    if lift:
        lift_minus_inf(scores)
    mask_rated(scores, inputs.rated, rows)
    try:
        return top_k(scores, k)
    except JobFailedError as exc:
        raise JobFailedError(f"{exc}; users {int(rows[0])}-{int(rows[-1])} of the catalogue") from None


class _Buffer:
    """A score matrix reused across chunks, allocated only if a predictor returns views."""

    def __init__(self) -> None:
        self.tensor = torch.empty(0)

    def take(self, shape: tuple[int, int]) -> torch.Tensor:
        rows, cols = shape
        if self.tensor.shape[0] < rows or self.tensor.shape[1] != cols:
            self.tensor = torch.empty((rows, cols), dtype=torch.float32)
        return self.tensor[:rows]


def _owned(scores: torch.Tensor, buffer: _Buffer) -> torch.Tensor:
    """Scores the job may mask in place.

    A fresh contiguous float32 CPU tensor (what a matrix multiply returns, and what every predictor
    in recdb returns) is used as is: copying hundreds of MB per chunk would cost ~15 % of the ranking
    time. Anything else (a view of the predictor's state, another dtype or device) is copied first,
    so a predictor's own tensors are never modified.
    """
    fresh = (
        scores.device.type == "cpu"
        and scores.dtype == torch.float32
        and scores.is_contiguous()
        and scores._base is None
        and not scores.requires_grad
    )
    if fresh:
        return scores
    out = buffer.take((scores.shape[0], scores.shape[1]))
    out.copy_(scores)
    return out


def _predict(inputs: ScoreInputs, chunk: ChunkTopK) -> np.ndarray:
    """Predicted ratings of the chunk's listed pairs, clipped to the release's scale."""
    if chunk.user_rows.size == 0:
        return np.empty(0, dtype=np.float32)
    ratings = inputs.predictor.predict(chunk.user_rows, chunk.movie_cols)
    ratings = ratings.to(dtype=torch.float32, device="cpu").clamp(inputs.min_rating, inputs.max_rating)
    return ratings.numpy()
