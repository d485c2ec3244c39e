"""Test fixtures: small synthetic frames straight into the core tables.

Real files go through recdb's loader, :func:`recdb.ingest.load.load_dataset`; this inserts hand-made
frames that no MovieLens layout describes (tests only; the jobs never use this module).
"""

from __future__ import annotations

import duckdb
import polars as pl

from recdb.db import queries, transaction


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
