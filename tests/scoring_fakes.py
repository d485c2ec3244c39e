"""Small stand-in predictors and a synthetic catalogue, for tests and benchmarks of scoring only.

They implement :class:`recdb.predictor.Predictor` without training anything, so scoring can be built,
tested and benchmarked independently of the real model. Test support, not part of the installed
package: the tests import it from ``tests/`` (on their path), ``bench/score.py`` puts ``tests/`` on its
path. The catalogue's statements are in ``tests/scoring/synthetic.sql``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import polars as pl
import torch

from recdb.db import bind, transaction
from recdb.db.sql import parse_named
from recdb.predictor import Catalog, Predictor, genre_vectors
from recdb.settings import Settings

_SYNTHETIC = Path(__file__).resolve().parent / "scoring" / "synthetic.sql"


class DotPredictor:
    """Random user and movie "towers" of width ``dim``; score = dot product, rating = 3 + score.

    The shape of the default architecture's ranking path (a matrix multiply per chunk of users), so
    benchmarks measure scoring, not a model. Vectors are seeded per id, so they do not depend on which
    other users or movies are in the catalogue.
    """

    name = "fake-dot"

    def __init__(self, dim: int = 64, seed: int = 0) -> None:
        self.dim, self.seed = dim, seed
        self.users = torch.empty(0, dim)
        self.movies = torch.empty(0, dim)

    def bind(self, catalog: Catalog) -> None:
        self.users = _vectors(catalog.users["user_id"].to_numpy(), self.dim, self.seed)
        self.movies = _vectors(catalog.movies["movie_id"].to_numpy(), self.dim, self.seed + 1)

    def rank_scores(self, user_rows: np.ndarray) -> torch.Tensor:
        return self.users[torch.from_numpy(np.asarray(user_rows, dtype=np.int64))] @ self.movies.T

    def predict(self, user_rows: np.ndarray, movie_cols: np.ndarray) -> torch.Tensor:
        u = self.users[torch.from_numpy(np.asarray(user_rows, dtype=np.int64))]
        m = self.movies[torch.from_numpy(np.asarray(movie_cols, dtype=np.int64))]
        return 3.0 + (u * m).sum(dim=1)

    def item_vectors(self) -> torch.Tensor:
        return self.movies


class ContentPredictor:
    """Cold-start capable and tie-heavy: scores from demographics and genres only, never from ids.

    Users with the same gender and age group share a score row, and movies with the same genres share
    a column value, so ties are everywhere: the deterministic tie-break is what orders the lists.
    """

    name = "fake-content"

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self.user_keys = torch.empty(0)
        self.movie_values = torch.empty(0, 0)
        self.genres = torch.empty(0, 0)

    def bind(self, catalog: Catalog) -> None:
        genres = catalog.movies.select(pl.col("genres").list.len().alias("n"))["n"].to_numpy()
        users = catalog.users.select(
            (pl.col("gender").fill_null("?") + pl.col("age_group").fill_null("?")).hash(self.seed).alias("h")
        )["h"].to_numpy()
        self.user_keys = torch.from_numpy((users % 5).astype(np.float32))
        # Per (user key, genre count) a small integer score: heavy, deliberate ties.
        self.movie_values = torch.from_numpy(genres.astype(np.float32))
        self.genres = genre_vectors(catalog)

    def rank_scores(self, user_rows: np.ndarray) -> torch.Tensor:
        keys = self.user_keys[torch.from_numpy(np.asarray(user_rows, dtype=np.int64))]
        return torch.remainder(keys[:, None] + self.movie_values[None, :], 3.0)

    def predict(self, user_rows: np.ndarray, movie_cols: np.ndarray) -> torch.Tensor:
        keys = self.user_keys[torch.from_numpy(np.asarray(user_rows, dtype=np.int64))]
        cols = self.movie_values[torch.from_numpy(np.asarray(movie_cols, dtype=np.int64))]
        return 2.0 + torch.remainder(keys + cols, 3.0)

    def item_vectors(self) -> torch.Tensor:
        return self.genres


class ConstantPredictor:
    """Every movie scores the same for everyone: the lists are the lowest unrated movie ids."""

    name = "fake-constant"

    def __init__(self, rating: float = 3.5) -> None:
        self.rating = rating
        self.n_movies = 0

    def bind(self, catalog: Catalog) -> None:
        self.n_movies = catalog.n_movies

    def rank_scores(self, user_rows: np.ndarray) -> torch.Tensor:
        return torch.zeros(len(user_rows), self.n_movies)

    def predict(self, user_rows: np.ndarray, movie_cols: np.ndarray) -> torch.Tensor:
        return torch.full((len(user_rows),), self.rating)

    def item_vectors(self) -> torch.Tensor:
        return torch.ones(self.n_movies, 1)


@dataclass(frozen=True)
class FakeRecord:
    """Stands in for ``recdb.training.registry.ModelRecord``."""

    model_id: int | None
    architecture: str = "fake"
    status: str = "ready"


def fake_loader(predictor: Predictor, model_id: int | None = None) -> Any:
    """A ``load_predictor`` replacement that always returns ``predictor``."""

    def load(con: duckdb.DuckDBPyConnection, settings: Settings, wanted: int | None = None) -> Any:
        return predictor, FakeRecord(model_id if wanted is None else wanted)

    return load


def fill_synthetic(
    con: duckdb.DuckDBPyConnection,
    *,
    users: int,
    movies: int,
    per_user: int,
    cold_users: int = 0,
    cold_movies: int = 0,
    seed: int = 0,
) -> None:
    """Fill an empty, migrated database with the synthetic catalogue of ``tests/scoring/synthetic.sql``."""
    q = _synthetic_queries()
    values = {"users": users, "movies": movies, "per_user": per_user, "cold_users": cold_users,
              "cold_movies": cold_movies, "seed": seed}  # fmt: skip
    with transaction(con):
        for name in ("synthetic_load", "synthetic_genres", "synthetic_users", "synthetic_movies",
                     "synthetic_movie_genres", "synthetic_ratings"):  # fmt: skip
            sql = q[name]
            con.execute(sql, bind(sql, values))


@cache
def _synthetic_queries() -> dict[str, str]:
    return parse_named(_SYNTHETIC.read_text(encoding="utf-8"), str(_SYNTHETIC))


def _vectors(ids: np.ndarray, dim: int, seed: int) -> torch.Tensor:
    """Deterministic pseudo-random vectors per id (scaled so dot products stay near 1)."""
    rng = np.random.default_rng(seed)
    table = rng.standard_normal((int(ids.max(initial=0)) + 1, dim), dtype=np.float32) / np.float32(
        np.sqrt(dim)
    )
    return torch.from_numpy(table[ids])
