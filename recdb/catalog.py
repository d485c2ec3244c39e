"""Reading the scoring catalogue (users and movies with features) from DuckDB into Polars."""

from __future__ import annotations

import duckdb

from recdb.db.frames import query_frame
from recdb.db.sql import queries
from recdb.predictor import Catalog


def load_catalog(con: duckdb.DuckDBPyConnection) -> Catalog:
    """Every user and movie in the database, through Arrow (no Python loops over rows)."""
    q = queries("catalog")
    return Catalog(users=query_frame(con, q.catalog_users), movies=query_frame(con, q.catalog_movies))
