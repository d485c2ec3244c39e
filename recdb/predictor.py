"""The contract between models (trained or baseline) and the jobs that use them.

Scoring (``recdb.scoring``) and evaluation (``recdb.evaluation``) see every model, the paper's
network, the default hybrid and each baseline alike, through :class:`Predictor`: bind it to a
:class:`Catalog` (the users and movies to score, which may include users and movies the model never
saw: cold start), then ask for rank scores of chunks of users against every movie, and for predicted
ratings of (user, movie) pairs, and for the movies as vectors (which movies the model treats alike).
Rows and columns are positions in the bound catalogue's frames.
The catalogue may carry each user's already-rated movies (``Catalog.rated``): a model whose list
scores use the user's history (the hybrid's item-item term) reads it there, so scoring, evaluation
and training hand it over the same way; the stars of those ratings (``Catalog.rated_ratings``) come
with it, for a model whose predicted ratings use them (the hybrid's rating term).
A bound predictor must pickle, and its copy score the same: the Ray engine ships it to its workers
(:mod:`recdb.compute.ray_eval`).
``tests/evaluation/test_eval_contract.py`` runs the same checks on every implementation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import polars as pl
import torch

from recdb.ranking import UserRows


@dataclass(frozen=True)
class Catalog:
    """Who and what to score, as loaded by :func:`recdb.catalog.load_catalog`.

    ``users``: user_id (Int32), gender, age_group, occupation (Utf8, nullable), sorted by user_id.
    ``movies``: movie_id (Int32), title (Utf8), year (Int32, nullable), genres (List[Utf8]), sorted by
    movie_id. Position i in a frame is row/column i of every score matrix.
    """

    users: pl.DataFrame
    movies: pl.DataFrame
    #: The movie columns each user row has already rated (what the caller masks), for a model whose
    #: scores use a user's history (the hybrid's item-item term); None: no history, every user is
    #: scored from the towers alone. Scoring passes every stored rating, evaluation train+valid.
    rated: UserRows | None = None
    #: The ratings of ``rated``'s pairs, float32, aligned with ``rated.indices`` (the stars the caller
    #: knows), for a model whose predicted ratings use them (the hybrid's rating term corrects each
    #: prediction by the user's own residuals); None: predictions from the towers alone.
    rated_ratings: np.ndarray | None = None

    @property
    def n_users(self) -> int:
        return self.users.height

    @property
    def n_movies(self) -> int:
        return self.movies.height


@runtime_checkable
class Predictor(Protocol):
    """A model as the jobs see it. Implementations must be deterministic for a given state."""

    #: Short name used in tables and reports, e.g. "hybrid", "paper", "ubcf", "popularity".
    name: str

    def bind(self, catalog: Catalog) -> None:
        """Prepare to score this catalogue (e.g. encode every movie once)."""
        ...

    def rank_scores(self, user_rows: np.ndarray) -> torch.Tensor:
        """Scores for ranking, float32 ``[len(user_rows), catalog.n_movies]``; higher is better.

        Already-rated movies are *not* masked here: the caller masks them.
        """
        ...

    def predict(self, user_rows: np.ndarray, movie_cols: np.ndarray) -> torch.Tensor:
        """Predicted ratings for the pairs (user_rows[i], movie_cols[i]), float32 ``[n]``."""
        ...

    def item_vectors(self) -> torch.Tensor:
        """The bound catalogue's movies in the model's item space, float32 ``[catalog.n_movies, d]``.

        Cosine similarity in this space says which movies the model treats alike: scoring explains
        each recommendation by the user's liked movie closest to it. A model without an item space of
        its own returns :func:`genre_vectors`.
        """
        ...


def genre_vectors(catalog: Catalog) -> torch.Tensor:
    """One-hot genres per movie, float32 ``[n_movies, n_genres]`` (a zero row for a movie without any):
    the item space of a model that has none of its own (cosine of two movies = genre overlap)."""
    names = sorted(set(catalog.movies["genres"].explode().drop_nulls().to_list()))
    out = torch.zeros(catalog.n_movies, max(1, len(names)), dtype=torch.float32)
    codes = {name: i for i, name in enumerate(names)}
    pairs = (
        catalog.movies.select("genres")
        .with_row_index("row")
        .explode("genres")
        .drop_nulls()
        .select(pl.col("row").cast(pl.Int64), pl.col("genres").replace_strict(codes, return_dtype=pl.Int64))
    )
    if pairs.height:
        out[torch.tensor(pairs["row"].to_numpy()), torch.tensor(pairs["genres"].to_numpy())] = 1.0
    return out
