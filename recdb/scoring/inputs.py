"""The scoring job's inputs, read in ONE short read transaction and then held in memory.

The job closes its connection right after this read, so read-only consumers can open the database
while it scores (DuckDB allows one writer process or many readers, never both).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from typing import Any, Protocol

import duckdb
import numpy as np
import pyarrow as pa

from recdb.catalog import load_catalog
from recdb.db import arrow, one, open_db, queries, scalar, transaction
from recdb.predictor import Catalog, Predictor
from recdb.ranking import MovieSets
from recdb.settings import Settings

log = logging.getLogger(__name__)

# Scale used when the ratings table is empty (nothing to learn it from): MovieLens' widest, 0.5-5.
_DEFAULT_SCALE = (0.5, 5.0)


class PredictorLoader(Protocol):
    """``recdb.training.registry.load_predictor``'s signature; tests pass fakes with the same one."""

    def __call__(
        self, con: duckdb.DuckDBPyConnection, settings: Settings, model_id: int | None = None
    ) -> tuple[Predictor, Any]: ...


@dataclass(frozen=True)
class ScoreInputs:
    catalog: Catalog
    rated: MovieSets  # already-rated movies per user row
    rated_pairs: pa.Table  # user_id, movie_id, rating as read: the contract pre-check's `ratings`
    predictor: Predictor
    model_id: int | None
    load_id: int | None
    min_rating: float
    max_rating: float


def read_inputs(
    settings: Settings, model_id: int | None, loader: PredictorLoader
) -> tuple[ScoreInputs, float]:
    """Catalogue, rated pairs, rating scale and model from one snapshot; returns (inputs, seconds the
    database was held).

    Only the reads happen while the read-write connection is open; building the rated-pairs matrix
    (a sort of every rating) waits until it is closed. The model is loaded after the data transaction
    commits, on the same connection: the loader may open its own transaction, and no other process
    can write while this one holds the file anyway.
    """
    q = queries("scoring")
    opened = time.monotonic()
    with open_db(settings.database) as con:
        with transaction(con):
            catalog = load_catalog(con)
            pairs = arrow(con, q.rated_pairs)
            lo, hi = one(con, q.rating_scale) or (None, None)
            load_id = scalar(con, q.newest_load)
        predictor, record = loader(con, settings, model_id)
    held = time.monotonic() - opened
    rated, stars = rated_with_stars(
        catalog, pairs["user_id"].to_numpy(), pairs["movie_id"].to_numpy(), pairs["rating"].to_numpy()
    )
    scale = (float(lo), float(hi)) if lo is not None and hi is not None else _DEFAULT_SCALE
    log.info(
        "read %d users, %d movies, %d rated pairs (database held %.2f s); model %s (%s); scale %.1f-%.1f",
        catalog.n_users, catalog.n_movies, rated.indices.size, held, getattr(record, "model_id", None),
        predictor.name, *scale,
    )  # fmt: skip
    inputs = ScoreInputs(
        # the users' history and its stars, for a model that scores or predicts with them
        catalog=replace(catalog, rated=rated, rated_ratings=stars),
        rated=rated,
        rated_pairs=pairs,
        predictor=predictor,
        model_id=getattr(record, "model_id", None),
        load_id=None if load_id is None else int(load_id),
        min_rating=scale[0],
        max_rating=scale[1],
    )
    return inputs, held


def rated_csr(catalog: Catalog, user_ids: np.ndarray, movie_ids: np.ndarray) -> MovieSets:
    """Map rated (user_id, movie_id) pairs, in any order, to a CSR matrix over catalogue positions."""
    return rated_with_stars(catalog, user_ids, movie_ids, None)[0]


def rated_with_stars(
    catalog: Catalog, user_ids: np.ndarray, movie_ids: np.ndarray, ratings: np.ndarray | None
) -> tuple[MovieSets, np.ndarray | None]:
    """:func:`rated_csr`, and the pairs' ``ratings`` aligned with its pairs (``Catalog.rated_ratings``)."""
    users = catalog.users["user_id"].to_numpy()
    movies = catalog.movies["movie_id"].to_numpy()
    rows = np.searchsorted(users, user_ids)
    cols = np.searchsorted(movies, movie_ids).astype(np.int64)
    # Foreign keys guarantee every rated id is in the catalogue; this guards the invariant cheaply.
    if rows.size and (
        rows.max() >= users.size
        or cols.max() >= movies.size
        or not np.array_equal(users[rows], user_ids)
        or not np.array_equal(movies[cols], movie_ids)
    ):
        raise AssertionError("a rated pair names a user or movie missing from the catalogue")
    return MovieSets.from_rated(rows, cols, ratings, users.size)
