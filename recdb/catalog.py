"""Reading the scoring catalogue (users and movies with features) from DuckDB into Polars."""

from __future__ import annotations

import duckdb

from recdb.db import frame, queries
from recdb.predictor import Catalog


def load_catalog(con: duckdb.DuckDBPyConnection) -> Catalog:
    """Every user and movie in the database, through Arrow (no Python loops over rows)."""
    q = queries("catalog")
    return Catalog(users=frame(con, q.catalog_users), movies=frame(con, q.catalog_movies))
