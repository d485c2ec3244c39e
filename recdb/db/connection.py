"""Opening the DuckDB database: read-write with migrations, or read-only for consumers.

DuckDB allows one read-write process or many read-only ones on a file. Jobs therefore open a
read-write connection only for short transactions (read inputs, publish results) and close it in
between, so analysts and downstream readers can open the file read-only the rest of the time.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import duckdb

from recdb.db.api import execute, one, rows, scalar, transaction
from recdb.db.sql import queries, sql_root
from recdb.errors import BusyError, ConfigError, DatabaseError, RecdbError, first_line_of
from recdb.logs import progress_enabled
from recdb.settings import DatabaseSettings

log = logging.getLogger(__name__)

# How long a job waits for another process to release the file before giving up.
_LOCK_RETRY_S = 10.0


def connect(
    settings: DatabaseSettings, *, read_only: bool = False, migrate: bool = True
) -> duckdb.DuckDBPyConnection:
    """Open the database file; a read-write open creates it and applies pending migrations."""
    path = settings.path
    if read_only and not path.exists():
        raise ConfigError(f"database {path} does not exist (setting database.path); run `recdb init` first")
    if not read_only:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(
                f"cannot create the folder for database {path} (setting database.path): {exc}"
            ) from None
    config = duckdb_config(settings)
    if not read_only and not path.exists():
        # Only a new file takes the setting: DuckDB keeps an existing file's format (and raising it
        # would lock out the 1.x readers); `recdb db upgrade-format` rewrites an existing one.
        config["storage_compatibility_version"] = settings.storage_compatibility
    con = _open_with_retry(path, read_only, config)
    try:
        _check_length(con, path)
        if not progress_enabled():
            # DuckDB draws its own progress bar on long queries; only a person at a terminal wants it
            # (cron logs would fill up with it).
            execute(con, queries("session").no_progress_bar)
        if migrate and not read_only:
            apply_migrations(con)
    except BaseException as exc:
        con.close()
        _raise_translated(exc, path)
    execute(con, queries("session").utc)
    return con


def duckdb_config(settings: DatabaseSettings) -> dict[str, str | bool | int | float | list[str]]:
    """DuckDB's configuration from the settings (threads, memory limit) for any connection recdb opens."""
    config: dict[str, str | bool | int | float | list[str]] = {}
    if settings.threads:
        config["threads"] = settings.threads
    if settings.memory_limit:
        config["memory_limit"] = settings.memory_limit
    return config


# DuckDB's file starts with a 4 KiB main header and two 4 KiB database headers, then the blocks.
_FILE_HEADER_BYTES = 3 * 4096


def _check_length(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Refuse a truncated file before anything reads (or writes) past its end.

    DuckDB only notices a missing block when a query needs it, so a file cut in half would open, and
    ``recdb info`` would show the row counts its intact metadata records.
    """
    row = one(con, queries("session").database_size)
    if row is None or not path.is_file():  # no such database, or ":memory:"
        return
    block_size, used_blocks = int(row[0]), int(row[1])
    expected = _FILE_HEADER_BYTES + block_size * used_blocks
    actual = path.stat().st_size
    if actual < expected:
        raise DatabaseError(
            f"database {path} is truncated: {actual:,} bytes, its header records {used_blocks} blocks "
            f"in use ({expected:,} bytes) (setting database.path); restore it from a backup"
        )


# What DuckDB says when a block fails its checksum, and when it lies past the end of the file.
_BAD_CHECKSUM = "Corrupt database file"
_SHORT_READ = "Could not read enough bytes from file"


def _translated(exc: BaseException, path: Path) -> BaseException:
    """A DuckDB error that means the database file is damaged becomes a one-line :class:`DatabaseError`."""
    message = str(exc)
    # A short read names the file it failed on (it could be a CSV being loaded); a checksum does not.
    damaged = _BAD_CHECKSUM in message or (_SHORT_READ in message and path.name in message)
    if isinstance(exc, duckdb.Error) and damaged:
        return DatabaseError(
            f"database {path} is corrupt (setting database.path): {first_line_of(message)}; "
            "restore it from a backup"
        )
    return exc


def _raise_translated(exc: BaseException, path: Path) -> NoReturn:
    """Raise :func:`_translated`'s error for ``exc`` (``exc`` itself, unchanged, when it is not damage)."""
    translated = _translated(exc, path)
    if translated is exc:
        raise exc
    raise translated from None


def _database_file(con: duckdb.DuckDBPyConnection) -> str:
    path = scalar(con, queries("migrations").database_file)
    return str(path) if path else "the database"


def _open_with_retry(
    path: Path, read_only: bool, config: dict[str, str | bool | int | float | list[str]]
) -> duckdb.DuckDBPyConnection:
    """Open the file, waiting briefly while another process holds DuckDB's file lock."""
    deadline = time.monotonic() + _LOCK_RETRY_S
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only, config=config)
        except duckdb.IOException as exc:
            message = str(exc)
            if "lock" in message.lower():
                if time.monotonic() < deadline:
                    time.sleep(0.1)
                    continue
                # Another process (a job, or a reader that kept the file open) still holds it.
                raise BusyError(
                    f"database {path} is still locked by another process after {_LOCK_RETRY_S:.0f} s: "
                    f"{first_line_of(message)}"
                ) from None
            if "not a valid DuckDB database file" in message:
                raise ConfigError(f"{path} is not a DuckDB database file (setting database.path)") from None
            translated = _translated(exc, path)
            if translated is not exc:
                raise translated from None
            raise RecdbError(
                f"cannot open database {path} (setting database.path): {first_line_of(message)}"
            ) from None
        except duckdb.Error as exc:  # "Corrupt database file" is a bare duckdb.Error
            _raise_translated(exc, path)


@contextmanager
def open_db(
    settings: DatabaseSettings, *, read_only: bool = False, migrate: bool = True
) -> Iterator[duckdb.DuckDBPyConnection]:
    """``with open_db(s) as con:`` — a connection that is closed (releasing the file) on exit."""
    con = connect(settings, read_only=read_only, migrate=migrate)
    try:
        yield con
    except duckdb.Error as exc:
        # A damaged block is found only when a query reads it: name the file, not a traceback.
        _raise_translated(exc, settings.path)
    finally:
        con.close()


def migration_files() -> list[Path]:
    """Schema migrations in the order they apply: ``sql/schema/NNNN_name.sql``."""
    return sorted((sql_root() / "schema").glob("[0-9][0-9][0-9][0-9]_*.sql"))


def apply_migrations(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply every migration not yet recorded in ``schema_migrations``, each in its own transaction."""
    q = queries("migrations")
    # Create and comment the bookkeeping table once: running the DDL on every read-write open would
    # write the catalogue (and the WAL) each time a job opens the file.
    if not scalar(con, q.has_schema_migrations):
        if scalar(con, q.count_foreign_relations):
            # Tables but no schema_migrations: another application's database. Writing recdb's tables
            # into it would change a file that is not ours (and then fail on a name clash).
            raise ConfigError(
                f"{_database_file(con)} holds tables but is not a recdb database (no schema_migrations); "
                "refusing to change it (setting database.path)"
            )
        with transaction(con):
            execute(con, q.create_schema_migrations)
            execute(con, q.comment_schema_migrations)
    applied = {row[0] for row in rows(con, q.applied_versions)}
    pending = [path for path in migration_files() if path.stem not in applied]
    if not pending:
        return []
    # Migrations run in the process's own zone: 0090-0094 turn the old local timestamps into instants,
    # reading them in the zone they were most likely written in. Every other query runs in UTC.
    execute(con, queries("session").local_zone)
    try:
        for path in pending:
            text = path.read_text(encoding="utf-8")
            with transaction(con):
                con.execute(text)
                execute(con, q.record_migration, [path.stem, hashlib.sha256(text.encode()).hexdigest()])
            log.debug("applied migration %s", path.stem)
    finally:
        execute(con, queries("session").utc)
    return [path.stem for path in pending]
