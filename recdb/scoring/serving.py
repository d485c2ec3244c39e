"""The read-only consumer copy: a small DuckDB file that IDEs, dbt and BI tools keep open all day.

DuckDB allows one writer or many readers on a file, so a tool holding the main database open blocks
the nightly's writes. After each publish :func:`write_serving_copy` writes a separate file
(``database.serving_path``, default ``<db stem>-serving.duckdb`` beside the database) holding the
catalogue, the published run and the consumer views with their comments, in the configured storage
format. It is built under a temporary name in the same folder and renamed over the previous copy: a
reader that has the previous copy open keeps reading it (its file stays alive until it is closed), and
the next open sees the new run. The main database is only attached read-only here.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from recdb.db import execute, one, queries, transaction
from recdb.db.connection import duckdb_config
from recdb.errors import ConfigError, JobFailedError, RecdbError, first_line_of
from recdb.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServingCopy:
    path: Path
    run_id: int | None
    rows: int  # recommendations in the copy
    bytes: int
    seconds: float


def write_serving_copy(settings: Settings) -> ServingCopy | None:
    """Write the consumer copy of the published run; None when ``database.serving_path = ""``.

    Raises :class:`JobFailedError` (exit 4) naming the file when it cannot be written: the run is
    published in the main database, but readers of the copy still see the previous one.
    """
    target = settings.database.serving_file()
    if target is None:
        return None
    if target.resolve() == settings.database.path.resolve():  # the same file by another name (a link)
        raise ConfigError(f"database.serving_path {target} is the database itself (database.path)")
    started = time.monotonic()
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        # The job lock lets one writer at a time: any other temporary copy was left by a crash.
        for leftover in target.parent.glob(f".{target.name}.*.tmp*"):
            leftover.unlink(missing_ok=True)
        run_id, rows = _build(settings, tmp)
        _swap(tmp, target)
    except (OSError, RecdbError, duckdb.Error) as exc:
        raise JobFailedError(
            f"the serving copy {target} (setting database.serving_path) could not be written: "
            f"{first_line_of(str(exc))}; its readers still see the previous run"
        ) from exc
    finally:
        _remove(tmp)
    copy = ServingCopy(target, run_id, rows, target.stat().st_size, time.monotonic() - started)
    log.info("serving copy %s: run %s, %d rows, %.1f MB in %.2f s", target, run_id, rows,
             copy.bytes / 1e6, copy.seconds)  # fmt: skip
    return copy


def _build(settings: Settings, tmp: Path) -> tuple[int | None, int]:
    """Write ``tmp``: the main database's schema (tables, views, comments), the catalogue, the served run."""
    q = queries("scoring")
    con = duckdb.connect(":memory:", config=duckdb_config(settings.database))
    try:
        execute(con, q.attach_main, {"path": str(settings.database.path)})
        execute(con, q.attach_copy, {"path": str(tmp), "version": settings.database.storage_compatibility})
        execute(con, q.copy_schema)
        with transaction(con):
            execute(con, q.copy_catalogue)
            execute(con, q.copy_published_run)
            run_id, rows, expected = one(con, q.serving_summary) or (None, 0, 0)
            if rows != expected:
                raise JobFailedError(f"the copy holds {rows} recommendations of run {run_id}, not {expected}")
        execute(con, q.detach_copy)
    finally:
        con.close()
    return (None if run_id is None else int(run_id)), int(rows)


def _swap(tmp: Path, target: Path) -> None:
    """Rename ``tmp`` over ``target`` after flushing it; a stale ``target.wal`` goes first (DuckDB would
    replay it onto the new file), which only a read-write open of the copy could have left."""
    if tmp.with_name(tmp.name + ".wal").exists():
        raise JobFailedError(f"{tmp} kept a write-ahead log after it was closed")
    fd = os.open(tmp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    target.with_name(target.name + ".wal").unlink(missing_ok=True)
    os.replace(tmp, target)


def _remove(tmp: Path) -> None:
    for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
        leftover.unlink(missing_ok=True)
