"""Helpers for the evaluation tests: tiny catalogues, rating frames and a small synthetic database."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import torch

from recdb.db import transaction
from recdb.db.sql import parse_named
from recdb.predictor import Catalog

_FIXTURES = Path(__file__).with_name("fixtures.sql")

GENRES = ["Action", "Comedy", "Drama", "Sci-Fi"]


def make_catalog(n_users: int, n_movies: int, seed: int = 0) -> Catalog:
    """Users 1..n with demographics, movies 1..m with one or two genres (ids = position + 1)."""
    rng = np.random.default_rng(seed)
    users = pl.DataFrame(
        {
            "user_id": pl.Series(np.arange(1, n_users + 1), dtype=pl.Int32),
            "gender": rng.choice(["M", "F"], n_users).tolist(),
            "age_group": rng.choice(["18-24", "25-34", "35-44"], n_users).tolist(),
            "occupation": rng.choice(["writer", "programmer"], n_users).tolist(),
        }
    )
    genres = [[GENRES[i % 4]] if i % 3 else [GENRES[i % 4], GENRES[(i + 1) % 4]] for i in range(n_movies)]
    movies = pl.DataFrame(
        {
            "movie_id": pl.Series(np.arange(1, n_movies + 1), dtype=pl.Int32),
            "title": [f"Movie {i}" for i in range(1, n_movies + 1)],
            "year": pl.Series([1990 + i % 20 for i in range(n_movies)], dtype=pl.Int32),
            "genres": genres,
        }
    )
    return Catalog(users=users, movies=movies)


def random_ratings(n_users: int, n_movies: int, density: float, seed: int = 0) -> pl.DataFrame:
    """Ratings with structure: two taste groups of users who like opposite halves of the catalogue."""
    rng = np.random.default_rng(seed)
    mask = rng.random((n_users, n_movies)) < density
    mask[:, 0] = True  # every user has a rating
    users, movies = np.nonzero(mask)
    likes = (users % 2) == (movies < n_movies // 2)
    rating = np.clip(np.where(likes, 4.3, 2.2) + rng.normal(0, 0.7, users.size), 1, 5).round()
    return pl.DataFrame(
        {
            "user_id": pl.Series(users + 1, dtype=pl.Int32),
            "movie_id": pl.Series(movies + 1, dtype=pl.Int32),
            "rating": pl.Series(rating, dtype=pl.Float32),
        }
    )


def synthetic_frames(n_users: int = 80, n_movies: int = 50, seed: int = 0) -> tuple[pl.DataFrame, ...]:
    """(users, movies, ratings) frames for :func:`load_frames`."""
    cat = make_catalog(n_users, n_movies, seed)
    ratings = random_ratings(n_users, n_movies, 0.3, seed).with_columns(
        rated_at=pl.Series(
            np.arange(random_ratings(n_users, n_movies, 0.3, seed).height, dtype=np.int64) + 10**9
        )
    )
    return cat.users, cat.movies, ratings


class FakePaper:
    """A stand-in for the paper's model: every user gets the same ranking (by a movie-only score)."""

    name = "paper"

    def bind(self, catalog: Catalog) -> None:
        self.n_movies = catalog.n_movies
        self.movie_score = torch.linspace(3.0, 4.0, catalog.n_movies)

    def rank_scores(self, user_rows: np.ndarray) -> torch.Tensor:
        return self.movie_score.unsqueeze(0).expand(len(user_rows), -1).clone()

    def predict(self, user_rows: np.ndarray, movie_cols: np.ndarray) -> torch.Tensor:
        return self.movie_score[torch.as_tensor(movie_cols, dtype=torch.long)]

    def item_vectors(self) -> torch.Tensor:
        return self.movie_score.unsqueeze(1)


def load_frames(
    con: duckdb.DuckDBPyConnection, users: pl.DataFrame, movies: pl.DataFrame, ratings: pl.DataFrame
) -> None:
    """Insert small frames into an empty, migrated database, straight into the core tables (no
    MovieLens layout describes them, so not through recdb's loader): users (user_id, gender, age_group,
    occupation), movies (movie_id, title, year, genres: list of str), ratings (user_id, movie_id,
    rating, rated_at: Unix seconds). The statements are in tests/evaluation/fixtures.sql."""
    q = parse_named(_FIXTURES.read_text(encoding="utf-8"), str(_FIXTURES))
    frames = {"fixture_users": users, "fixture_movies": movies, "fixture_ratings": ratings}
    with transaction(con):
        con.execute(q["insert_load"], {"source": "frames", "dataset": "synthetic"})
        for name, frame in frames.items():
            con.register(name, frame.to_arrow())
        try:
            for step in ("users", "movies", "genres", "movie_genres", "ratings"):
                con.execute(q[f"load_frame_{step}"])
        finally:
            for name in frames:
                con.unregister(name)
