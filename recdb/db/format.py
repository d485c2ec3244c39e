"""The storage format of a database file: which DuckDB versions can read it, and rewriting it.

DuckDB writes a new file in the format its ``storage_compatibility_version`` names (recdb sets it from
``database.storage_compatibility`` when :func:`recdb.db.connection.connect` creates the file) and keeps
an existing file's format. :func:`upgrade_format` rewrites an existing file into the configured format:
a copy beside it (``COPY FROM DATABASE`` into a file attached with ``STORAGE_VERSION``), checked table by
table, then renamed over the original. Until that rename the original is untouched, so a failure at any
point loses nothing.
"""

from __future__ import annotations

import logging
import os
import struct
from dataclasses import dataclass
from pathlib import Path

import duckdb

from recdb.db.api import execute, one, rows, scalar
from recdb.db.connection import duckdb_config, open_db
from recdb.db.sql import queries
from recdb.errors import ConfigError, DatabaseError
from recdb.settings import DatabaseSettings

log = logging.getLogger(__name__)

# The storage version number in a file's header (bytes 12-20, after the checksum and "DUCK") and the
# oldest DuckDB release that reads a recdb file of it; every later 1.x release reads it too. (DuckDB
# 1.0 reads version 64 too, but not the primary-key indexes duckdb 2 writes into it.)
READERS = {64: "1.1.0", 65: "1.2.0", 66: "1.3.0", 67: "1.4.0", 68: "1.5.0", 69: "2.0.0"}


@dataclass(frozen=True)
class FormatChange:
    path: Path
    before: int  # storage version number of the file before
    after: int
    tables: int
    rows: int


def storage_version(path: Path) -> int:
    """The storage version number in the file's header (64 for files DuckDB 1.0 and 1.1 write)."""
    try:
        with path.open("rb") as handle:
            header = handle.read(20)
    except OSError as exc:
        raise ConfigError(f"cannot read database {path} (setting database.path): {exc}") from None
    if len(header) < 20 or header[8:12] != b"DUCK":
        raise ConfigError(f"{path} is not a DuckDB database file (setting database.path)")
    return int(struct.unpack("<Q", header[12:20])[0])


def readable_from(version: int) -> str:
    """The oldest DuckDB release that opens a file of this storage version, e.g. ``"1.0"``."""
    return READERS.get(version, f"newer than {max(READERS.values())}")


def upgrade_format(settings: DatabaseSettings) -> FormatChange:
    """Rewrite the database file into ``settings.storage_compatibility``; the caller holds the job lock."""
    path = settings.path
    if not path.is_file():
        raise ConfigError(f"database {path} does not exist (setting database.path)")
    before = storage_version(path)
    # A read-write open applies pending migrations and, with the CHECKPOINT and the close, leaves no WAL:
    # a .wal left beside the file would be replayed onto the new one after the rename.
    with open_db(settings) as con:
        execute(con, queries("format").checkpoint)
    wal = path.with_name(path.name + ".wal")
    if wal.exists():
        raise DatabaseError(f"database {path} still has a write-ahead log {wal} after a checkpoint")
    tmp = path.with_name(f".{path.name}.format-{os.getpid()}.tmp")
    for leftover in path.parent.glob(f".{path.name}.format-*.tmp*"):  # a crashed rewrite's (job lock held)
        leftover.unlink(missing_ok=True)
    try:
        tables, total = _copy(settings, path, tmp)
        _fsync(tmp)
        os.replace(tmp, path)
        _fsync(path.parent)
    finally:
        _remove(tmp)
    after = storage_version(path)
    log.info("rewrote %s: storage version %d -> %d (%d tables, %d rows)", path, before, after, tables, total)
    return FormatChange(path=path, before=before, after=after, tables=tables, rows=total)


def _copy(settings: DatabaseSettings, source: Path, target: Path) -> tuple[int, int]:
    """Copy ``source`` into a new file ``target`` in the configured format; check it; (tables, rows)."""
    q = queries("format")
    con = duckdb.connect(":memory:", config=duckdb_config(settings))
    try:
        execute(con, q.attach_source, {"path": str(source)})
        execute(con, q.attach_target, {"path": str(target), "version": settings.storage_compatibility})
        execute(con, q.copy_database)
        names = [row[0] for row in rows(con, q.tables_of, {"database": "src"})]
        copied = [row[0] for row in rows(con, q.tables_of, {"database": "dst"})]
        if copied != names:
            raise DatabaseError(f"the copy of {source} has tables {copied}, not {names}; nothing changed")
        total = 0
        for name in names:
            want = scalar(con, q.count_rows_in, {"table": f"src.main.{name}"})
            got = scalar(con, q.count_rows_in, {"table": f"dst.main.{name}"})
            if want != got:
                raise DatabaseError(
                    f"the copy of {source} has {got} rows in {name}, not {want}; nothing changed"
                )
            total += int(want)
        objects = [one(con, q.objects_of, {"database": db}) for db in ("src", "dst")]
        if objects[0] != objects[1]:
            raise DatabaseError(
                f"the copy of {source} has (views, sequences, comments) {objects[1]}, not {objects[0]}; "
                "nothing changed"
            )
        execute(con, q.detach_both)
    except duckdb.Error as exc:
        raise DatabaseError(f"cannot rewrite {source} into storage {settings.storage_compatibility}: "
                            f"{str(exc).splitlines()[0]}; nothing changed") from None  # fmt: skip
    finally:
        con.close()
    return len(names), total


def _fsync(path: Path) -> None:
    """Flush a file (or a folder's entries) to disk, so a crash after the rename keeps the new file."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove(path: Path) -> None:
    for leftover in (path, path.with_name(path.name + ".wal")):
        leftover.unlink(missing_ok=True)
