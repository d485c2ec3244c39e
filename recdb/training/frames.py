"""Small DuckDB read helpers for training (frames come from :func:`recdb.db.frames.query_frame`)."""

from __future__ import annotations

from typing import Any

import duckdb


def fetch_one(
    con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any] | None = None
) -> tuple[Any, ...] | None:
    """The first row of a query (or None), reading the result to the end so the connection is free again."""
    rows = con.execute(sql, params or {}).fetchall()
    return rows[0] if rows else None
