"""Reading query results from DuckDB into Polars through Arrow (no per-row Python)."""

from __future__ import annotations

from typing import Any

import duckdb
import polars as pl

from recdb.db import queries
from recdb.predictor import Catalog


def read_frame(
    con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any] | None = None
) -> pl.DataFrame:
    """Run a named query's text with bound parameters and return the rows as a Polars frame."""
    frame = pl.from_arrow(con.sql(sql, params=params).to_arrow_table())
    assert isinstance(frame, pl.DataFrame)
    return frame


def read_catalog(con: duckdb.DuckDBPyConnection) -> Catalog:
    """Every user and movie (the ``catalog`` queries), as :class:`recdb.predictor.Catalog`."""
    q = queries("catalog")
    return Catalog(users=read_frame(con, q.catalog_users), movies=read_frame(con, q.catalog_movies))


def fetch_one(
    con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any] | None = None
) -> tuple[Any, ...] | None:
    """The first row of a query (or None), reading the result to the end so the connection is free again."""
    rows = con.execute(sql, params or {}).fetchall()
    return rows[0] if rows else None
