"""The atomic publish: insert a run's rows, check the contract, move the pointer, apply retention.

The contract is checked first without any lock (``recdb.scoring.contract.precheck``); then ONE
transaction on a short-lived read-write connection inserts the rows, confirms the check still holds
(re-running it if the data changed meanwhile), records the lists' quality beyond accuracy
(``score_run_quality``, sql/scoring/quality.sql), moves ``latest_run`` and deletes expired runs. A
consumer sees either the previous run or the whole new one, never part of it. A failing check rolls
everything back (the previous run stays latest) and the run is recorded as 'failed' in a separate
small transaction.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb
import pyarrow as pa

from recdb.db import execute, open_db, queries, scalar, transaction
from recdb.errors import ContractError
from recdb.scoring.contract import STAGED, Snapshot, Terms, check_in_transaction, precheck
from recdb.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScoredRun:
    """A scored run held in memory, waiting to be published."""

    table: pa.Table  # user_id int32, rank int16, movie_id int32, predicted_rating float32
    snapshot: Snapshot  # the data it was scored from
    model_id: int | None
    predictor: str
    started_at: datetime
    k: int
    min_rating: float
    max_rating: float
    score_seconds: float

    @property
    def users(self) -> int:
        return self.snapshot.users.num_rows

    @property
    def movies(self) -> int:
        return self.snapshot.movies.num_rows

    @property
    def terms(self) -> Terms:
        return Terms(k=self.k, min_rating=self.min_rating, max_rating=self.max_rating)


@dataclass(frozen=True)
class Published:
    run_id: int
    publish_seconds: float  # the transaction, insert to commit
    lock_seconds: float  # the whole read-write connection: open, transaction, close (checkpoint)
    precheck_seconds: float  # the contract checks before taking the lock


def publish_run(settings: Settings, run: ScoredRun) -> Published:
    """Publish ``run`` atomically; raises :class:`ContractError` (nothing published) when a check fails."""
    try:
        precheck_seconds = precheck(run.table, run.snapshot, run.terms)
    except ContractError as exc:
        run_id = record_failure(settings, run, str(exc))
        log.error("run %d not published: %s", run_id, exc)
        raise ContractError(f"run {run_id} not published: {exc}") from None
    q = queries("scoring")
    opened = time.monotonic()
    with open_db(settings.database) as con:
        start = time.monotonic()
        run_id = scalar(con, q.next_run_id)
        try:
            with transaction(con):
                inserted = _insert_rows(con, run_id, run.table)
                check_in_transaction(con, run_id, inserted, run.table, run.snapshot, run.terms)
                checked = time.monotonic()
                seconds = checked - start
                _record(con, run_id, run, status="published", publish_seconds=seconds, error=None)
                execute(con, q.insert_run_quality, {"run_id": run_id})  # before retention drops old rows
                execute(con, q.move_latest, {"run_id": run_id})
                execute(con, q.expire_runs, {"retain": settings.score.retain_runs})
                execute(con, q.delete_expired_rows)
        except ContractError as exc:
            log.error("run %d not published: %s", run_id, exc)
            with transaction(con):
                _record(con, run_id, run, status="failed", publish_seconds=None, error=str(exc))
            raise ContractError(f"run {run_id} not published: {exc}") from None
        committed = time.monotonic()
    lock_seconds = time.monotonic() - opened
    log.info("published run %d: %d rows; database held %.2f s (insert and checks %.2f s, retention and "
             "commit %.2f s, close %.2f s)", run_id, run.table.num_rows, lock_seconds, seconds,
             committed - checked, time.monotonic() - committed)  # fmt: skip
    return Published(
        run_id=int(run_id),
        publish_seconds=seconds,
        lock_seconds=lock_seconds,
        precheck_seconds=precheck_seconds,
    )


def record_failure(settings: Settings, run: ScoredRun, error: str) -> int:
    """Record a run that failed before its publish transaction as 'failed'; returns its id."""
    q = queries("scoring")
    with open_db(settings.database) as con, transaction(con):
        run_id = scalar(con, q.next_run_id)
        _record(con, run_id, run, status="failed", publish_seconds=None, error=error)
    return int(run_id)


def _insert_rows(con: duckdb.DuckDBPyConnection, run_id: int, table: pa.Table) -> int:
    """Insert the staged rows under ``run_id``; returns the number inserted."""
    con.register(STAGED, table)
    try:
        return int(scalar(con, queries("scoring").insert_recommendations, {"run_id": run_id}))
    except duckdb.ConstraintException as exc:  # NOT NULL / CHECK on the table: the no-NULLs rule
        raise ContractError(
            f"inserting run {run_id} broke a table constraint (rule no_nulls): {exc}"
        ) from None
    finally:
        con.unregister(STAGED)


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
        "load_id": run.snapshot.load_id,
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
    execute(con, queries("scoring").insert_run, values)
