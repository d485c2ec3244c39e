"""Filling the core tables for tests and benchmarks without ``recdb.ingest`` (which may not be present).

``load_ml1m_direct`` reads the ML-1M ``.dat`` files with DuckDB; ``load_frames`` inserts small
synthetic Polars frames. Both create one ``loads`` row. The jobs never use this module.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from recdb.db import queries, transaction


def load_ml1m_direct(con: duckdb.DuckDBPyConnection, folder: Path, load_id: int = 1) -> None:
    """Load ML-1M's users, movies, genres and ratings from ``folder`` into an empty database."""
    q = queries("training")
    params = {"load_id": load_id, "dir": str(folder)}
    with transaction(con):
        con.execute(q.fixture_load, {"load_id": load_id, "dataset": "ml-1m", "source": str(folder)})
        for name in ("users", "movies", "genres", "movie_genres", "ratings"):
            sql = q[f"fixture_ml1m_{name}"]
            con.execute(sql, {k: v for k, v in params.items() if f"${k}" in sql})


def load_frames(
    con: duckdb.DuckDBPyConnection,
    users: pl.DataFrame,
    movies: pl.DataFrame,
    ratings: pl.DataFrame,
    load_id: int = 1,
) -> None:
    """Insert frames: users (user_id, gender, age_group, occupation), movies (movie_id, title, year,
    genres list), ratings (user_id, movie_id, rating, rated_at as Unix seconds)."""
    q = queries("training")
    with transaction(con):
        con.execute(q.fixture_load, {"load_id": load_id, "dataset": "synthetic", "source": "frames"})
        con.register("fixture_users", users.to_arrow())
        con.register("fixture_movies", movies.to_arrow())
        con.register("fixture_ratings", ratings.to_arrow())
        try:
            con.execute(q.fixture_frame_users, {"load_id": load_id})
            con.execute(q.fixture_frame_movies, {"load_id": load_id})
            con.execute(q.fixture_frame_genres)
            con.execute(q.fixture_frame_movie_genres)
            con.execute(q.fixture_frame_ratings, {"load_id": load_id})
        finally:
            for name in ("fixture_users", "fixture_movies", "fixture_ratings"):
                con.unregister(name)
