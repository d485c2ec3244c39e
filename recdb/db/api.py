"""Running named queries: one small function per kind of result, and one transaction helper.

Every query in ``sql/`` carries a marker for what it returns (see :mod:`recdb.db.sql`); the function
that runs it must match, so ``scalar(con, q.insert_tags)`` is refused before it reaches DuckDB. A
plain string (test SQL, a query built elsewhere) is run without that check.

Each function reads its result to the end, so the connection is free for the next query (DuckDB
refuses ``con.sql`` while an earlier result is unfinished).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import duckdb
import polars as pl

from recdb.db.sql import Query, Returns

if TYPE_CHECKING:
    import pyarrow as pa

log = logging.getLogger(__name__)

Params = Sequence[Any] | Mapping[str, Any] | None

_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_COMMENT = re.compile(r"--[^\n]*")


def _checked(sql: str, *returns: Returns) -> str:
    if isinstance(sql, Query) and sql.returns not in returns:
        raise TypeError(f"query {sql.name!r} returns {sql.returns}, not {' or '.join(returns)}")
    return sql


def _bound(params: Params) -> list[Any] | dict[str, Any] | None:
    if params is None:
        return None
    return dict(params) if isinstance(params, Mapping) else list(params)


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: Params = None) -> list[tuple[Any, ...]]:
    """Every row of a query (no marker), as tuples."""
    return con.execute(_checked(sql, "rows"), _bound(params)).fetchall()


def records(con: duckdb.DuckDBPyConnection, sql: str, params: Params = None) -> list[dict[str, Any]]:
    """Every row of a query (no marker, or ``^``), as ``{column: value}`` dicts."""
    cursor = con.execute(_checked(sql, "rows", "one"), _bound(params))
    names = [column[0] for column in cursor.description or ()]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def one(con: duckdb.DuckDBPyConnection, sql: str, params: Params = None) -> tuple[Any, ...] | None:
    """The first row of a ``^`` query, or None when it returns none."""
    found = con.execute(_checked(sql, "one"), _bound(params)).fetchall()
    return found[0] if found else None


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: Params = None) -> Any:
    """The first column of the first row of a ``$`` query; None when there is no row or it is NULL."""
    found = con.execute(_checked(sql, "scalar"), _bound(params)).fetchall()
    return found[0][0] if found else None


def execute(con: duckdb.DuckDBPyConnection, sql: str, params: Params = None) -> None:
    """Run a ``!`` statement (DDL, INSERT/UPDATE/DELETE, SET), ignoring any result."""
    con.execute(_checked(sql, "statement"), _bound(params)).fetchall()


def arrow(con: duckdb.DuckDBPyConnection, sql: str, params: Params = None) -> pa.Table:
    """A query's rows (no marker) as an Arrow table, without the copy ``execute().to_arrow_table()`` makes."""
    con.complete()  # an earlier unfinished result would make con.sql fail
    return con.sql(_checked(sql, "rows"), params=_bound(params)).to_arrow_table()


def frame(con: duckdb.DuckDBPyConnection, sql: str, params: Params = None) -> pl.DataFrame:
    """A query's rows (no marker) as a Polars frame, through Arrow (zero-copy where DuckDB allows it)."""
    result = pl.from_arrow(arrow(con, sql, params))
    assert isinstance(result, pl.DataFrame)
    return result


def bind(sql: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """The subset of ``values`` that ``sql`` names as ``$name`` (comments ignored).

    DuckDB rejects a value for a name the statement does not use, so a set of values shared by several
    queries goes through here; a name the statement uses but ``values`` lacks is a bug (KeyError).
    """
    names = set(_PARAM.findall(_COMMENT.sub("", sql)))
    missing = names - values.keys()
    if missing:
        raise KeyError(f"no value for SQL parameter(s) {sorted(missing)}")
    return {name: values[name] for name in names}


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Run the block in one transaction: committed on success, rolled back on any exception.

    The exception that ended the block is what propagates: a rollback that fails as well (the
    connection is broken, or the block already ended the transaction) is logged, not raised over it.
    """
    con.begin()
    try:
        yield con
    except BaseException:
        try:
            con.rollback()
        except Exception as rollback_error:
            log.warning("rollback failed too (the original error follows): %s", rollback_error)
        raise
    con.commit()
