"""The ``runs`` and ``run_stages`` records, each write in its own short read-write transaction.

The nightly job must not hold DuckDB's read-write connection while it trains or scores (consumers could
not open the file), so every record here opens the database, writes one transaction and closes it.
A record that cannot be written (disk full, file read-only) raises; the caller decides whether that
ends the run.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from recdb.compute.stages import stage_engine
from recdb.db import execute, one, open_db, queries, rows, scalar, transaction
from recdb.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PreviousRun:
    """The newest finished run before the current one (what the skip decision looks at)."""

    run_id: int
    status: str
    data_load_id: int | None
    model_id: int | None
    score_run_id: int | None


@contextmanager
def write_session(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    """One short read-write transaction. Migrations ran when the run began (abandon_dead_runs), so
    later records skip them: every open costs tens of milliseconds."""
    with open_db(settings.database, migrate=False) as con, transaction(con):
        yield con


@dataclass(frozen=True)
class Begun:
    """What :func:`begin_run` did: the new run, and what dead processes had left 'running'/'training'."""

    run_id: int
    dead_runs: list[tuple[int, int, str]]  # (run_id, pid, host)
    dead_models: list[int]


def begin_run(
    settings: Settings, *, reason: str, trigger: str, forced: bool, command: str, host: str, pid: int
) -> Begun:
    """Apply migrations, mark what dead processes left behind and insert this run as 'running', in one
    transaction.

    Only called while holding the job lock, which every job that writes (nightly, train, load...)
    takes: a 'running' run or stage, or a 'training' model, is a process that died (kill -9, the OOM
    killer, power loss) before it could record its end. Runs and stages become 'abandoned', models
    'failed' (their status has no 'abandoned'), each with ``reason``.
    """
    q = queries("nightly")
    params = {"trigger": trigger, "forced": forced, "command": command, "host": host, "pid": pid}
    with open_db(settings.database) as con, transaction(con):
        dead = rows(con, q.running_runs)
        if dead:
            execute(con, q.abandon_running_runs, {"reason": reason})
        execute(con, q.abandon_running_stages, {"reason": reason})
        models = [int(r[0]) for r in rows(con, q.training_models)]
        if models:
            execute(con, q.abandon_training_models, {"reason": f"abandoned: {reason}"})
        run_id = scalar(con, q.insert_run, params)
    return Begun(int(run_id), [(int(r[0]), int(r[1]), str(r[2])) for r in dead], models)


def set_run_ids(con: duckdb.DuckDBPyConnection, run_id: int, **ids: int | None) -> None:
    """Record what the run produced so far (load_id, data_load_id, model_id, score_run_id, eval_id)."""
    execute(con, queries("nightly").update_run_ids, _id_params(run_id, ids))


RUN_IDS = ("load_id", "data_load_id", "model_id", "score_run_id", "eval_id")


def _id_params(run_id: int, ids: dict[str, int | None]) -> dict[str, Any]:
    unknown = set(ids) - set(RUN_IDS)
    if unknown:
        raise ValueError(f"not a runs id column: {sorted(unknown)}")
    return {"run_id": run_id, **dict.fromkeys(RUN_IDS), **ids}


def finish_run(settings: Settings, run_id: int, *, status: str, exit_code: int, error: str | None) -> None:
    """Record the run's end; a failed run also marks its stage still 'running' failed (same transaction)."""
    params = {"run_id": run_id, "status": status, "exit_code": exit_code, "error": error}
    with write_session(settings) as con:
        execute(con, queries("nightly").finish_run, params)
        if status == "failed":
            execute(con, queries("nightly").fail_running_stages, {"run_id": run_id, "error": error})


def start_stage(settings: Settings, run_id: int, stage: str) -> None:
    with write_session(settings) as con:
        execute(con, queries("nightly").start_stage, {"run_id": run_id, "stage": stage})
        engine, workers = stage_engine(settings, stage)
        params = {"run_id": run_id, "stage": stage, "engine": engine, "workers": workers}
        execute(con, queries("nightly").set_stage_engine, params)


def skip_stages(settings: Settings, run_id: int, names: list[str], reason: str) -> None:
    """Record stages that had nothing to do, in one transaction."""
    metrics = json.dumps({"skipped": reason})
    with write_session(settings) as con:
        for stage in names:
            execute(
                con, queries("nightly").skip_stage, {"run_id": run_id, "stage": stage, "metrics": metrics}
            )


def finish_stage(
    settings: Settings,
    run_id: int,
    stage: str,
    *,
    status: str,
    seconds: float,
    rows: int | None = None,
    metrics: dict[str, Any] | None = None,
    error: str | None = None,
    ids: dict[str, int | None] | None = None,
) -> None:
    """Record a stage's end, and in the same transaction the ids it produced (``runs.model_id``...)."""
    params = {
        "run_id": run_id,
        "stage": stage,
        "status": status,
        "seconds": round(seconds, 3),
        "rows": rows,
        "metrics": to_json(metrics) if metrics is not None else None,
        "error": error,
    }
    with write_session(settings) as con:
        execute(con, queries("nightly").finish_stage, params)
        if ids:
            execute(con, queries("nightly").update_run_ids, _id_params(run_id, ids))


def previous_run(con: duckdb.DuckDBPyConnection, run_id: int) -> PreviousRun | None:
    row = one(con, queries("nightly").previous_run, {"run_id": run_id})
    if row is None:
        return None
    return PreviousRun(int(row[0]), str(row[1]), row[2], row[3], row[4])


def newest_load_id(con: duckdb.DuckDBPyConnection) -> int | None:
    """The newest load that changed the data, or None when nothing was loaded (or loads is missing)."""
    if not relation_exists(con, "loads"):
        return None
    load_id = scalar(con, queries("nightly").newest_load_id)
    return None if load_id is None else int(load_id)


def missing_checkpoints(con: duckdb.DuckDBPyConnection, model_id: int | None) -> list[tuple[int, str]]:
    """(model_id, path) of each checkpoint the published recommendations need that is not on disk:
    the served run's model (``recdb predict`` loads it) and ``model_id`` (the next score's model)."""
    if not (relation_exists(con, "models") and relation_exists(con, "served_run")):
        return []
    needed = rows(con, queries("nightly").needed_checkpoints, {"model_id": model_id})
    return [(int(m), str(p)) for m, p in needed if p is None or not Path(p).is_file()]


def relation_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether a table or view of that name exists (other stages' tables may not be migrated yet)."""
    q = queries("nightly")
    return any(scalar(con, query, {"name": name}) for query in (q.table_exists, q.view_exists))


def to_json(values: dict[str, Any]) -> str:
    """JSON for the metrics column: NaN/inf become null (JSON has no NaN), unknown types become strings."""

    def clean(value: Any) -> Any:
        if isinstance(value, float) and not math.isfinite(value):
            return None
        if isinstance(value, dict):
            return {str(k): clean(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [clean(v) for v in value]
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        if hasattr(value, "item"):  # numpy / torch scalars
            return clean(value.item())
        return str(value)

    return json.dumps(clean(values), sort_keys=True)
