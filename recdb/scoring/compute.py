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


class BlockScorer:
    """Scores blocks of user rows with a predictor bound once to the catalogue (its movie side held),
    each row with its reason.

    The one scoring pass of recdb, whatever the engine: :func:`score_lists` runs it over every block
    in this process, the Ray engine in each actor of its pool (:mod:`recdb.compute.ray_score`).
    ``relevance_threshold``: the rating from which a user's movie counts as liked; ``reason_candidates``:
    at most that many liked movies per user are compared, 0 = all (see recdb.scoring.reasons).
    """

    def __init__(
        self, inputs: ScoreInputs, k: int, relevance_threshold: float = 4.0, reason_candidates: int = 16
    ):
        self.inputs, self.k = inputs, k
        catalog, predictor = inputs.catalog, inputs.predictor
        predictor.bind(catalog)
        self.user_ids = catalog.users["user_id"].to_numpy().astype(np.int32)
        self.movie_ids = catalog.movies["movie_id"].to_numpy().astype(np.int32)
        self.candidates = catalog.n_movies - inputs.rated.counts()
        self.buffer = _Buffer()
        tick = time.monotonic()
        self.reasons = Reasons(catalog, inputs.rated_pairs, relevance_threshold, predictor.item_vectors(),
                               reason_candidates)  # fmt: skip
        self.setup_seconds = time.monotonic() - tick  # the reasons' set-up, counted in reason seconds

    @torch.inference_mode()
    def score(self, rows: np.ndarray) -> tuple[pa.RecordBatch, float, float]:
        """The block's top-k rows (SCHEMA), the seconds spent on rank scores, mask and top-k, and on
        the reasons."""
        tick = time.monotonic()
        chunk = _rank_chunk(self.inputs, rows, self.k, self.candidates[rows], self.buffer)
        rank_seconds = time.monotonic() - tick
        ratings = _predict(self.inputs, chunk)
        tick = time.monotonic()
        because = self.reasons.because(rows, chunk)
        reason_seconds = time.monotonic() - tick
        batch = pa.RecordBatch.from_arrays(
            [
                pa.array(self.user_ids[chunk.user_rows]),
                pa.array(chunk.ranks),
                pa.array(self.movie_ids[chunk.movie_cols]),
                pa.array(ratings),
                pa.array(self.movie_ids[np.maximum(because, 0)], mask=because < 0),
                self.reasons.profile(chunk.user_rows),
            ],
            schema=SCHEMA,
        )
        return batch, rank_seconds, reason_seconds


def user_blocks(n_users: int, chunk_users: int) -> list[tuple[int, int]]:
    """[first, end) of each block of catalogue user rows."""
    return [(first, min(first + chunk_users, n_users)) for first in range(0, n_users, chunk_users)]


def score_lists(
    inputs: ScoreInputs,
    *,
    k: int,
    chunk_users: int,
    relevance_threshold: float = 4.0,
    reason_candidates: int = 16,
) -> Scored:
    """Top-k lists of every user, with predicted ratings clipped to the scale and each row's reason
    (the arguments after ``chunk_users``: see :class:`BlockScorer`)."""
    start = time.monotonic()
    catalog = inputs.catalog
    scorer = BlockScorer(inputs, k, relevance_threshold, reason_candidates)
    parts: list[pa.RecordBatch] = []
    rank_seconds, reason_seconds = 0.0, scorer.setup_seconds
    with progress("scoring users", catalog.n_users, unit="user") as bar:
        for i, (first, end) in enumerate(user_blocks(catalog.n_users, chunk_users)):
            batch, ranking, reasons = scorer.score(np.arange(first, end, dtype=np.int64))
            parts.append(batch)
            rank_seconds += ranking
            reason_seconds += reasons
            bar.update(end - first)
            if i % _LOG_EVERY == _LOG_EVERY - 1:  # cron logs: a line now and then
                log.info("scored %d of %d users", end, catalog.n_users)
    table = pa.Table.from_batches(parts, schema=SCHEMA)
    return scored_table(table, inputs, start, rank_seconds, reason_seconds)


def scored_table(
    table: pa.Table, inputs: ScoreInputs, start: float, rank_seconds: float, reason_seconds: float
) -> Scored:
    """The :class:`Scored` result of a pass that began at ``start`` (monotonic), with its log line."""
    catalog = inputs.catalog
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
