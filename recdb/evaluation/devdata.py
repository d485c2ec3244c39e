"""Test and benchmark fixtures: ML-1M files or small frames straight into the core tables.

recdb's real loader is :func:`recdb.ingest.load_dataset`; the benchmark and the tests use it when it is
installed and fall back to these minimal loaders otherwise. The jobs never use this module.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from recdb.db import queries, transaction


def load_ml1m_raw(con: duckdb.DuckDBPyConnection, folder: Path) -> None:
    """Load users/movies/genres/movie_genres/ratings from an ML-1M folder into an empty database."""
    q = queries("evaluation")
    with transaction(con):
        con.execute(q.insert_load, {"source": str(folder), "dataset": "ml-1m"})
        con.execute(q.load_ml1m_users, {"path": str(folder / "users.dat")})
        con.execute(q.load_ml1m_movies, {"path": str(folder / "movies.dat")})
        con.execute(q.load_ml1m_genres, {"path": str(folder / "movies.dat")})
        con.execute(q.load_ml1m_movie_genres, {"path": str(folder / "movies.dat")})
        con.execute(q.load_ml1m_ratings, {"path": str(folder / "ratings.dat")})


def load_frames(
    con: duckdb.DuckDBPyConnection, users: pl.DataFrame, movies: pl.DataFrame, ratings: pl.DataFrame
) -> None:
    """Insert small frames into an empty database: users (user_id, gender, age_group, occupation),
    movies (movie_id, title, year, genres: list of str), ratings (user_id, movie_id, rating, rated_at:
    Unix seconds)."""
    q = queries("evaluation")
    frames = {"fixture_users": users, "fixture_movies": movies, "fixture_ratings": ratings}
    with transaction(con):
        con.execute(q.insert_load, {"source": "frames", "dataset": "synthetic"})
        for name, frame in frames.items():
            con.register(name, frame.to_arrow())
        try:
            for step in ("users", "movies", "genres", "movie_genres", "ratings"):
                con.execute(q[f"load_frame_{step}"])
        finally:
            for name in frames:
                con.unregister(name)
