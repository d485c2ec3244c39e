"""Reading the scoring catalogue (users and movies with features) from DuckDB into Polars."""

from __future__ import annotations

import duckdb
import polars as pl

from recdb.db.sql import queries
from recdb.predictor import Catalog


def load_catalog(con: duckdb.DuckDBPyConnection) -> Catalog:
    """Every user and movie in the database, through Arrow (no Python loops over rows)."""
    q = queries("catalog")
    users = pl.from_arrow(con.execute(q.catalog_users).fetch_arrow_table())
    movies = pl.from_arrow(con.execute(q.catalog_movies).fetch_arrow_table())
    assert isinstance(users, pl.DataFrame) and isinstance(movies, pl.DataFrame)
    return Catalog(users=users, movies=movies)
