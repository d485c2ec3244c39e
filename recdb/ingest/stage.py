"""Reading a located release into TEMP staging tables with DuckDB's CSV reader (no Python row loops).

Each file is read once, typed, in file order, so ``rowid + first_line`` is a row's line number; what the
reader cannot parse lands in its rejects table with the line, and becomes a :class:`DataError` here.
Staging writes nothing to the database file: TEMP tables live in the connection.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

import duckdb

from recdb.db import bind, execute, queries, rows, scalar
from recdb.errors import DataError, first_line_of
from recdb.ingest.layouts import CSV_HEADERS
from recdb.ingest.scan import InputFile
from recdb.ingest.source import Release

log = logging.getLogger(__name__)

STAGED_TABLES = {"ratings": "stg_ratings", "movies": "stg_movies", "users": "stg_users", "tags": "stg_tags"}


def first_line(release: Release) -> int:
    """Line number of a staged table's rowid 0 (after the header line, in the CSV releases)."""
    return 2 if release.layout.header else 1


def stage_release(
    con: duckdb.DuckDBPyConnection, release: Release, staged: Callable[[], object] = lambda: None
) -> None:
    """Create stg_ratings, stg_movies, stg_users and stg_tags from the release's files; ``staged`` is
    called after each file (the load's progress bar)."""
    q = queries("ingest")
    execute(con, q.stage_macros)
    # Movies and users first, ratings (the big file) last: a broken small file fails fast.
    for role in ("movies", "users", "tags", "ratings"):
        file = release.files.get(role)
        if file is None:
            continue
        if release.layout.header:
            _check_header(file)
        query = release.layout.stage_queries[role]
        # The .dat readers take the separator as a parameter; u.item, u.user and the CSV readers fix theirs.
        values = {"path": str(file.path), "encoding": file.encoding, "delim": release.layout.delimiter}
        try:
            execute(con, query, bind(query, values))
        except (duckdb.InvalidInputException, duckdb.ConversionException) as exc:
            raise DataError(f"cannot read the file: {_short(str(exc))}", file=file.label) from None
        _raise_rejects(con, file)
        rows = count_rows(con, STAGED_TABLES[role])
        if rows == 0 and role != "tags":
            raise DataError(f"no data rows: an empty {role} file", file=file.label)
        log.debug("staged %s: %d rows", file.label, rows)
        staged()
    if "tags" not in release.files:
        execute(con, q.stage_no_tags)
    if "users" not in release.files:
        execute(con, q.stage_users_from_activity)


def count_rows(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return int(scalar(con, queries("ingest").staged_count, {"table": table}) or 0)


def _check_header(file: InputFile) -> None:
    """A CSV release file must start with its exact header (else the columns could mean anything)."""
    expected = CSV_HEADERS[file.role]
    with open(file.path, "rb") as fh:
        head = fh.readline().decode("utf-8", errors="replace").strip().lstrip("\ufeff")
    if head != expected:
        raise DataError(f"expected the header {expected!r}, found {head[:80]!r}", file=file.label, line=1)


def _raise_rejects(con: duckdb.DuckDBPyConnection, file: InputFile) -> None:
    """Turn the reader's rejected rows (wrong field count, non-numeric value, bad UTF-8) into a DataError."""
    rejected = rows(con, queries("ingest").rejected_rows)
    if not rejected:
        return
    line, column, error_type, csv_line, message, total = rejected[0]
    if error_type in ("MISSING COLUMNS", "TOO MANY COLUMNS"):
        what = f"wrong number of fields ({_short(message)}); check the separator"
    elif error_type == "CAST" and (big := re.search(r'string "(\d{10,})" to \'INTEGER\'', message or "")):
        what = f"field {column!r} = {big.group(1)} is too large (ids must be below 2^31)"
    elif error_type == "CAST":
        what = f"field {column!r} is not a number: {_short(message)}"
    elif error_type == "INVALID ENCODING":
        what = "invalid UTF-8 (the CSV releases are UTF-8; was the file re-encoded?)"
    else:
        what = f"{error_type.lower()}: {_short(message)}"
    first_lines = ", ".join(str(file.physical_line(int(r[0]))) for r in rejected)
    more = f" ({total} bad rows{'+' if total >= 1000 else ''}; first lines: {first_lines})"
    raise DataError(
        f"{what}: {_short(csv_line, 80)!r}{more if total > 1 else ''}",
        file=file.label,
        line=file.physical_line(int(line)),
    )


def _short(text: str | None, limit: int = 160) -> str:
    text = first_line_of(text or "")
    return text if len(text) <= limit else text[: limit - 3] + "..."
