"""The atomic publish: insert a run's rows, check the contract in SQL, move the pointer, apply retention.

All of it is ONE transaction on a short-lived read-write connection: a consumer sees either the
previous run or the whole new one, never part of it. A failing check rolls everything back (the
previous run stays latest) and the run is then recorded as 'failed' in a separate small transaction.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb
import pyarrow as pa

from recdb.db import open_db, queries, transaction
from recdb.errors import ContractError
from recdb.scoring.params import bind
from recdb.settings import Settings

log = logging.getLogger(__name__)

# The name the run's Arrow table is registered under; sql/scoring/publish.sql reads from it.
STAGED = "staged_recommendations"

# Contract checks in the order they run (cheap, local checks first); each is a query in contract.sql.
CHECKS = (
    "check_no_nulls",
    "check_unique_user_rank",
    "check_unique_user_movie",
    "check_ranks_without_gaps",
    "check_every_user_present",
    "check_known_ids",
    "check_not_already_rated",
    "check_rating_scale",
)


@dataclass(frozen=True)
class ScoredRun:
    """A scored run held in memory, waiting to be published."""

    table: pa.Table  # user_id int32, rank int16, movie_id int32, predicted_rating float32
    model_id: int | None
    predictor: str
    load_id: int | None
    started_at: datetime
    k: int
    users: int
    movies: int
    min_rating: float
    max_rating: float
    score_seconds: float


@dataclass(frozen=True)
class Published:
    run_id: int
    publish_seconds: float  # the transaction, insert to commit
    lock_seconds: float  # the whole read-write connection: open, transaction, close (checkpoint)


def publish_run(settings: Settings, run: ScoredRun) -> Published:
    """Publish ``run`` atomically; raises :class:`ContractError` (nothing published) when a check fails."""
    q = queries("scoring")
    opened = time.monotonic()
    with open_db(settings.database) as con:
        start = time.monotonic()
        (run_id,) = con.execute(q.next_run_id).fetchone() or (None,)
        assert run_id is not None
        try:
            with transaction(con):
                _insert_rows(con, run_id, run.table)
                check_contract(con, run_id, run)
                seconds = time.monotonic() - start
                _record(con, run_id, run, status="published", publish_seconds=seconds, error=None)
                con.execute(q.move_latest, {"run_id": run_id})
                con.execute(q.expire_runs, {"retain": settings.score.retain_runs})
                con.execute(q.delete_expired_rows)
        except ContractError as exc:
            log.error("run %d not published: %s", run_id, exc)
            with transaction(con):
                _record(con, run_id, run, status="failed", publish_seconds=None, error=str(exc))
            raise
    lock_seconds = time.monotonic() - opened
    log.info("published run %d: %d rows in %.2f s (database held %.2f s)", run_id, run.table.num_rows,
             seconds, lock_seconds)  # fmt: skip
    return Published(run_id=int(run_id), publish_seconds=seconds, lock_seconds=lock_seconds)


def record_failure(settings: Settings, run: ScoredRun, error: str) -> int:
    """Record a run that failed before publishing (e.g. the model broke) as 'failed'; returns its id."""
    q = queries("scoring")
    with open_db(settings.database) as con, transaction(con):
        (run_id,) = con.execute(q.next_run_id).fetchone() or (None,)
        _record(con, run_id, run, status="failed", publish_seconds=None, error=error)
    return int(run_id)


def _insert_rows(con: duckdb.DuckDBPyConnection, run_id: int, table: pa.Table) -> None:
    con.register(STAGED, table)
    try:
        con.execute(queries("scoring").insert_recommendations, {"run_id": run_id})
    except duckdb.ConstraintException as exc:  # NOT NULL / CHECK on the table: the no-NULLs rule
        raise ContractError(f"contract check check_no_nulls failed for run {run_id}: {exc}") from None
    finally:
        con.unregister(STAGED)


def check_contract(con: duckdb.DuckDBPyConnection, run_id: int, run: ScoredRun) -> None:
    """Run every check in ``CHECKS`` on the run's rows; the first that returns rows raises."""
    q = queries("scoring")
    values = {"run_id": run_id, "k": run.k, "min_rating": run.min_rating, "max_rating": run.max_rating}
    for name in CHECKS:
        sql = q[name]
        cursor = con.execute(sql, bind(sql, values))
        rows = cursor.fetchall()
        if rows:
            columns = [d[0] for d in cursor.description or []]
            examples = "; ".join(
                ", ".join(f"{c}={v}" for c, v in zip(columns, row, strict=True)) for row in rows
            )
            raise ContractError(f"contract check {name} failed for run {run_id}; examples: {examples}")
        log.debug("contract check %s passed", name)


def _record(
    con: duckdb.DuckDBPyConnection,
    run_id: int,
    run: ScoredRun,
    *,
    status: str,
    publish_seconds: float | None,
    error: str | None,
) -> None:
    values: dict[str, Any] = {
        "run_id": run_id,
        "model_id": run.model_id,
        "predictor": run.predictor,
        "load_id": run.load_id,
        "started_at": run.started_at,
        "k": run.k,
        "users": run.users,
        "movies": run.movies,
        "rows": run.table.num_rows,
        "min_rating": run.min_rating,
        "max_rating": run.max_rating,
        "score_seconds": run.score_seconds,
        "publish_seconds": publish_seconds,
        "status": status,
        "error": error,
    }
    con.execute(queries("scoring").insert_run, values)
