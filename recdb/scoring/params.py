"""Query helpers: binding named parameters (DuckDB rejects values for ``$names`` a statement does
not use) and fetching results as Arrow / Polars."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import duckdb
import polars as pl
import pyarrow as pa

_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_COMMENT = re.compile(r"--[^\n]*")

Values = Mapping[str, Any] | None


def bind(sql: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """The subset of ``values`` that ``sql`` names (comments ignored); a missing one is a bug here."""
    names = set(_PARAM.findall(_COMMENT.sub("", sql)))
    missing = names - values.keys()
    if missing:
        raise KeyError(f"no value for SQL parameter(s) {sorted(missing)}")
    return {name: values[name] for name in names}


def fetch_arrow(
    con: duckdb.DuckDBPyConnection, sql: str, values: Mapping[str, Any] | None = None
) -> pa.Table:
    """Run a query into Arrow without the extra copy of ``execute(...).to_arrow_table()``.

    DuckDB 2.0 refuses ``con.sql`` while an earlier ``execute`` result is unfinished (e.g. after
    ``fetchone``); ``complete()`` finishes it first.
    """
    con.complete()
    return con.sql(sql, params=dict(values) if values else None).to_arrow_table()


def fetch_frame(
    con: duckdb.DuckDBPyConnection, sql: str, values: Mapping[str, Any] | None = None
) -> pl.DataFrame:
    frame = pl.from_arrow(fetch_arrow(con, sql, values))
    assert isinstance(frame, pl.DataFrame)
    return frame
