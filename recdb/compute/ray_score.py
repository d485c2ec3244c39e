"""Scoring on Ray: an actor pool, each actor holding the bound model (its movie side) once.

The users are split into the blocks the local engine scores (``score.chunk_users``); each actor of a
:class:`recdb.compute.ray_pool.BlockPool` runs :class:`recdb.scoring.compute.BlockScorer` on its blocks
and writes each block's lists as a Parquet part into the job's exchange folder, named after the block,
so a retried block overwrites its own part. An actor killed mid-block makes Ray restart it and retry
the block (``compute.max_retries``, Ray Core's actor options: see :mod:`recdb.compute.ray_pool` for why
not Ray Data's ``map_batches``); when the run cannot finish, Ray's error ends the scoring and the caller
publishes nothing. The driver reads the parts back in block order and hands ONE table to the usual
publish (contract checks, one transaction).
"""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np
import pyarrow as pa

from recdb.compute.cluster import ray_cluster
from recdb.compute.exchange import Exchange, open_exchange
from recdb.compute.ray_pool import map_blocks
from recdb.errors import JobFailedError, RecdbError
from recdb.scoring.compute import SCHEMA, BlockScorer, Scored, scored_table, user_blocks
from recdb.scoring.inputs import ScoreInputs
from recdb.settings import Settings

log = logging.getLogger(__name__)


def part_name(first: int) -> str:
    return f"part-{first:012d}.parquet"


class ScoreActor:
    """One actor of the pool: binds the model once, then scores the blocks it is handed."""

    def __init__(
        self, inputs: ScoreInputs, k: int, exchange: Exchange, threshold: float, reason_candidates: int
    ) -> None:
        self.scorer = BlockScorer(inputs, k, threshold, reason_candidates)
        self.exchange = exchange

    def score(self, first: int, end: int) -> dict[str, Any]:
        """Score user rows ``first`` to ``end`` into their part; what the driver counts of it."""
        table, seconds, reason_seconds = self.scorer.score(np.arange(first, end, dtype=np.int64))
        self.exchange.write(part_name(first), pa.Table.from_batches([table], schema=SCHEMA))
        return {
            "first": first,
            "rows": table.num_rows,
            "rank_seconds": seconds,
            "reason_seconds": reason_seconds,
        }


def score_on_ray(settings: Settings, inputs: ScoreInputs, *, k: int) -> Scored:
    """Every user's top-k lists, computed by ``compute.workers`` actors (see the module docstring)."""
    start = time.monotonic()
    compute = settings.compute
    blocks = user_blocks(inputs.catalog.n_users, settings.score.chunk_users)
    if not blocks:  # no users: nothing for a cluster to do
        return scored_table(SCHEMA.empty_table(), inputs, start, 0.0, 0.0)
    exchange = open_exchange(compute.exchange_dir, "score")
    try:
        with ray_cluster(compute) as ray:
            init = {
                "inputs": ray.put(inputs),  # the rated pairs too: each row's reason is a movie its user liked
                "k": k,
                "exchange": exchange,
                "threshold": settings.evaluate.relevance_threshold,
                "reason_candidates": settings.score.reason_candidates,
            }
            done = map_blocks(ray, ScoreActor, init, blocks, compute, "score")
        table = _collect(exchange, blocks, done)
    except RecdbError:
        raise
    except Exception as exc:  # Ray's errors (a block out of retries, a lost cluster): the run fails
        raise JobFailedError(f"scoring on Ray failed: {type(exc).__name__}: {exc}") from exc
    finally:
        exchange.remove()
    rank_seconds = float(sum(row["rank_seconds"] for row in done))
    reason_seconds = float(sum(row["reason_seconds"] for row in done))
    log.info("scored %d blocks on %d Ray actors", len(blocks), min(compute.workers, len(blocks)))
    return scored_table(table, inputs, start, rank_seconds, reason_seconds)


def _collect(exchange: Exchange, blocks: list[tuple[int, int]], done: list[dict[str, Any]]) -> pa.Table:
    """The parts of every block, in block order; JobFailedError when a block is missing."""
    finished = {int(row["first"]) for row in done if row is not None}
    missing = [first for first, _ in blocks if first not in finished]
    if missing:
        raise JobFailedError(f"scoring on Ray lost {len(missing)} of {len(blocks)} user blocks")
    parts = [exchange.read(part_name(first)) for first, _ in blocks]
    return pa.concat_tables(parts) if parts else SCHEMA.empty_table()
