"""Scoring on Ray Data: an actor pool, each actor holding the bound model (its movie side) once.

The users are split into the blocks the local engine scores (``score.chunk_users``); each actor runs
:class:`recdb.scoring.compute.BlockScorer` on its blocks and writes each block's lists as a Parquet part
into the job's exchange folder, named after the block, so a retried block overwrites its own part.
An actor killed mid-block makes Ray restart it and retry the block (``compute.max_retries``); when the
run cannot finish, Ray's error ends the scoring and the caller publishes nothing. The driver reads the
parts back in block order and hands ONE table to the usual publish (contract checks, one transaction).
"""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np
import pyarrow as pa

from recdb.compute.cluster import ray_cluster
from recdb.compute.exchange import Exchange, open_exchange
from recdb.errors import JobFailedError
from recdb.scoring.compute import SCHEMA, BlockScorer, Scored, scored_table, user_blocks
from recdb.scoring.inputs import ScoreInputs
from recdb.settings import Settings

log = logging.getLogger(__name__)


def part_name(first: int) -> str:
    return f"part-{first:012d}.parquet"


class ScoreActor:
    """One actor of the pool: binds the model once, then scores the blocks Ray Data hands it."""

    def __init__(
        self, inputs: Any, k: int, exchange: Exchange, threshold: float, reason_candidates: int
    ) -> None:
        import ray

        held = ray.get(inputs) if isinstance(inputs, ray.ObjectRef) else inputs
        self.scorer = BlockScorer(held, k, threshold, reason_candidates)
        self.exchange = exchange

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        rows_out, seconds_out, reasons_out = [], [], []
        for first, end in zip(batch["first"].tolist(), batch["end"].tolist(), strict=True):
            table, seconds, reason_seconds = self.scorer.score(np.arange(first, end, dtype=np.int64))
            self.exchange.write(part_name(first), pa.Table.from_batches([table], schema=SCHEMA))
            rows_out.append(table.num_rows)
            seconds_out.append(seconds)
            reasons_out.append(reason_seconds)
        return {
            "first": batch["first"],
            "rows": np.asarray(rows_out, dtype=np.int64),
            "rank_seconds": np.asarray(seconds_out, dtype=np.float64),
            "reason_seconds": np.asarray(reasons_out, dtype=np.float64),
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
            import ray.data

            ray.data.DataContext.get_current().enable_progress_bars = False
            ref = ray.put(inputs)  # the rated pairs too: each row's reason is a movie its user liked
            items = [{"first": first, "end": end} for first, end in blocks]
            retries = {"max_restarts": compute.max_retries, "max_task_retries": compute.max_retries}
            done = (
                ray.data.from_items(items, override_num_blocks=len(items))
                .map_batches(
                    ScoreActor,
                    fn_constructor_kwargs={
                        "inputs": ref,
                        "k": k,
                        "exchange": exchange,
                        "threshold": settings.evaluate.relevance_threshold,
                        "reason_candidates": settings.score.reason_candidates,
                    },
                    batch_size=1,
                    compute=ray.data.ActorPoolStrategy(size=min(compute.workers, len(items))),
                    num_cpus=compute.cpus_per_worker,
                    num_gpus=compute.gpus_per_worker,
                    # a killed actor restarts and its block is retried, up to max_retries times
                    ray_remote_args_fn=lambda: retries,
                )
                .take_all()
            )
        table = _collect(exchange, blocks, done)
    except JobFailedError:
        raise
    except Exception as exc:  # Ray's errors (a block out of retries, a lost cluster): the run fails
        raise JobFailedError(f"scoring on Ray failed: {type(exc).__name__}: {exc}") from exc
    finally:
        exchange.remove()
    rank_seconds = float(sum(row["rank_seconds"] for row in done)) if done else 0.0
    reason_seconds = float(sum(row["reason_seconds"] for row in done)) if done else 0.0
    log.info("scored %d blocks on %d Ray actors", len(blocks), compute.workers)
    return scored_table(table, inputs, start, rank_seconds, reason_seconds)


def _collect(exchange: Exchange, blocks: list[tuple[int, int]], done: list[dict[str, Any]]) -> pa.Table:
    """The parts of every block, in block order; JobFailedError when a block is missing."""
    finished = {int(row["first"]) for row in done}
    missing = [first for first, _ in blocks if first not in finished]
    if missing:
        raise JobFailedError(f"scoring on Ray lost {len(missing)} of {len(blocks)} user blocks")
    parts = [exchange.read(part_name(first)) for first, _ in blocks]
    return pa.concat_tables(parts) if parts else SCHEMA.empty_table()
