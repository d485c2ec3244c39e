"""Query results as Polars frames, through Arrow (zero-copy where DuckDB allows it)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import duckdb
import polars as pl


def query_frame(
    con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | Mapping[str, Any] | None = None
) -> pl.DataFrame:
    """Run one query with bound parameters and return its result as a Polars frame."""
    bound = dict(params) if isinstance(params, Mapping) else (list(params) if params is not None else None)
    frame = pl.from_arrow(con.sql(sql, params=bound).to_arrow_table())
    assert isinstance(frame, pl.DataFrame)
    return frame
