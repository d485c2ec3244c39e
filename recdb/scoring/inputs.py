"""The scoring job's inputs, read in ONE short read transaction and then held in memory.

The job closes its connection right after this read, so read-only consumers can open the database
while it scores (DuckDB allows one writer process or many readers, never both).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Protocol

import duckdb
import numpy as np

from recdb.catalog import load_catalog
from recdb.db import queries, transaction
from recdb.predictor import Catalog, Predictor
from recdb.scoring.params import fetch_frame
from recdb.settings import Settings

log = logging.getLogger(__name__)

# Scale used when the ratings table is empty (nothing to learn it from): MovieLens' widest, 0.5-5.
_DEFAULT_SCALE = (0.5, 5.0)


class ModelRecordLike(Protocol):
    """What scoring needs from ``recdb.training.registry.ModelRecord``."""

    model_id: int


class PredictorLoader(Protocol):
    """``recdb.training.registry.load_predictor``'s signature; tests pass fakes with the same one."""

    def __call__(
        self, con: duckdb.DuckDBPyConnection, settings: Settings, model_id: int | None = None
    ) -> tuple[Predictor, Any]: ...


@dataclass(frozen=True)
class RatedCSR:
    """Already-rated pairs as a CSR matrix over catalogue positions: row i's columns are
    ``indices[indptr[i]:indptr[i + 1]]`` (ascending)."""

    indptr: np.ndarray  # int64 [n_users + 1]
    indices: np.ndarray  # int64 [n_pairs]

    def counts(self) -> np.ndarray:
        """Rated movies per user row."""
        return np.diff(self.indptr)


@dataclass(frozen=True)
class ScoreInputs:
    catalog: Catalog
    rated: RatedCSR
    predictor: Predictor
    model_id: int | None
    load_id: int | None
    min_rating: float
    max_rating: float


def read_inputs(
    con: duckdb.DuckDBPyConnection, settings: Settings, model_id: int | None, loader: PredictorLoader
) -> ScoreInputs:
    """Catalogue, rated pairs, rating scale and model, all from one snapshot of the database.

    The model is loaded after the data transaction commits, on the same connection: the loader may
    open its own transaction, and no other process can write while this one holds the file anyway.
    """
    q = queries("scoring")
    with transaction(con):
        catalog = _load_catalog(con)
        pairs = con.execute(q.rated_pairs).fetchnumpy()
        lo, hi = con.execute(q.rating_scale).fetchone() or (None, None)
        (load_id,) = con.execute(q.newest_load).fetchone() or (None,)
    predictor, record = loader(con, settings, model_id)
    rated = rated_csr(catalog, pairs["user_id"], pairs["movie_id"])
    scale = (float(lo), float(hi)) if lo is not None and hi is not None else _DEFAULT_SCALE
    log.info(
        "read %d users, %d movies, %d rated pairs; model %s (%s); scale %.1f-%.1f",
        catalog.n_users, catalog.n_movies, rated.indices.size, getattr(record, "model_id", None),
        predictor.name, *scale,
    )  # fmt: skip
    return ScoreInputs(
        catalog=catalog,
        rated=rated,
        predictor=predictor,
        model_id=getattr(record, "model_id", None),
        load_id=None if load_id is None else int(load_id),
        min_rating=scale[0],
        max_rating=scale[1],
    )


def _load_catalog(con: duckdb.DuckDBPyConnection) -> Catalog:
    """``recdb.catalog.load_catalog``; falls back to DuckDB 2.0's ``to_arrow_table`` where that
    module still calls ``fetch_arrow_table`` (removed in DuckDB 2.0). Drop once catalog.py is fixed."""
    try:
        return load_catalog(con)
    except AttributeError:
        q = queries("catalog")
        return Catalog(users=fetch_frame(con, q.catalog_users), movies=fetch_frame(con, q.catalog_movies))


def rated_csr(catalog: Catalog, user_ids: np.ndarray, movie_ids: np.ndarray) -> RatedCSR:
    """Map rated (user_id, movie_id) pairs, sorted by user then movie, to catalogue positions."""
    users = catalog.users["user_id"].to_numpy()
    movies = catalog.movies["movie_id"].to_numpy()
    rows = np.searchsorted(users, np.asarray(user_ids))
    cols = np.searchsorted(movies, np.asarray(movie_ids)).astype(np.int64)
    # Foreign keys guarantee every rated id is in the catalogue; this guards the invariant cheaply.
    if rows.size and (
        rows.max() >= users.size
        or cols.max() >= movies.size
        or not np.array_equal(users[rows], user_ids)
        or not np.array_equal(movies[cols], movie_ids)
    ):
        raise AssertionError("a rated pair names a user or movie missing from the catalogue")
    indptr = np.zeros(users.size + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=users.size), out=indptr[1:])
    return RatedCSR(indptr=indptr, indices=cols)
