"""A split's ratings as evaluation inputs: Polars frames read from DuckDB, and catalogue positions.

:class:`SplitData` holds the frames (what baselines ``fit`` on); :class:`EvalSet` holds the test
ratings by catalogue position (row = user, column = movie) and the already-rated and relevant masks
as sparse matrices, expanded to dense torch blocks one user chunk at a time by the metric code.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import duckdb
import numpy as np
import polars as pl
import scipy.sparse as sp
import torch

from recdb.db import frame, one, queries
from recdb.errors import DataError
from recdb.predictor import Catalog

COLD_KINDS = ("cold_users", "cold_movies")


@dataclass(frozen=True)
class SplitData:
    """One split: ``fit`` = train+valid ratings (user_id, movie_id, rating), ``test`` likewise."""

    split_id: str
    kind: str
    seed: int
    fit: pl.DataFrame
    test: pl.DataFrame


def read_split(con: duckdb.DuckDBPyConnection, split_id: str) -> SplitData:
    """Read a split's parts; raises :class:`DataError` when it does not exist or has no test ratings."""
    q = queries("evaluation")
    info = one(con, q.split_info, [split_id])
    if info is None:
        raise DataError(f"split {split_id!r} does not exist (table splits)")
    _, kind, seed, *_ = info
    ratings = frame(con, q.split_ratings, [split_id]).with_columns(pl.col("rating").cast(pl.Float32))
    cols = ["user_id", "movie_id", "rating"]
    fit = ratings.filter(pl.col("part") != "test").select(cols)
    test = ratings.filter(pl.col("part") == "test").select(cols)
    if test.is_empty():
        raise DataError(f"split {split_id!r} has no test ratings (table split_ratings)")
    return SplitData(split_id=split_id, kind=str(kind), seed=int(seed), fit=fit, test=test)


def positions(ratings: pl.DataFrame, catalog: Catalog) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(user rows, movie columns, ratings) of the rows whose user and movie are in the catalogue."""
    users = catalog.users.select(pl.col("user_id").cast(pl.Int32)).with_row_index("row")
    movies = catalog.movies.select(pl.col("movie_id").cast(pl.Int32)).with_row_index("col")
    joined = (
        ratings.with_columns(pl.col("user_id").cast(pl.Int32), pl.col("movie_id").cast(pl.Int32))
        .join(users, on="user_id", how="inner")
        .join(movies, on="movie_id", how="inner")
    )
    return (
        joined["row"].to_numpy().astype(np.int64),
        joined["col"].to_numpy().astype(np.int64),
        joined["rating"].to_numpy().astype(np.float32),
    )


def cell_keys(rows: np.ndarray, cols: np.ndarray, n_cols: int) -> np.ndarray:
    """Sorted, distinct int64 keys ``row * n_cols + col`` of (row, col) pairs.

    A sort and a neighbour comparison: for tens of millions of keys this is several times faster
    than ``np.unique``, whose hash-based path dominated the evaluation set-up at 5M ratings.
    """
    keys = np.sort(rows.astype(np.int64) * n_cols + cols.astype(np.int64))
    if keys.size:
        keys = keys[np.concatenate(([True], keys[1:] != keys[:-1]))]
    return keys


def contains(sorted_keys: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """bool mask: which of ``keys`` occur in ``sorted_keys`` (sorted ascending), by bisection."""
    if not sorted_keys.size:
        return np.zeros(keys.shape, dtype=np.bool_)
    at = np.minimum(np.searchsorted(sorted_keys, keys), sorted_keys.size - 1)
    return sorted_keys[at] == keys


def bool_csr(keys: np.ndarray, n_rows: int, n_cols: int) -> sp.csr_matrix:
    """A boolean CSR matrix [n_rows, n_cols], True at the cells of ``keys`` (from :func:`cell_keys`)."""
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys // n_cols, minlength=n_rows), out=indptr[1:])
    return sp.csr_matrix((np.ones(keys.size, dtype=np.bool_), keys % n_cols, indptr), shape=(n_rows, n_cols))


def sample_users(users: np.ndarray, max_users: int | None, seed: int) -> np.ndarray:
    """A seeded random sample of ``max_users`` of ``users`` (sorted), or all of them when None/not fewer."""
    if max_users is None or users.size <= max_users:
        return users
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(users, size=max_users, replace=False))


@dataclass(frozen=True)
class EvalSet:
    """Test inputs by catalogue position.

    ``rated``: bool CSR [n_users, n_movies], the train+valid ratings (masked to -inf before ranking).
    ``relevant``: bool CSR [n_users, n_movies], test ratings >= the relevance threshold.
    ``rank_users``: rows of users with at least one relevant test movie (the top-k population), or a
    seeded sample of ``max_users`` of them (``n_rank_candidates`` counts all of them).

    The masks are sparse so that a 160k x 60k catalogue costs memory per rating, not per cell: the
    ranking code expands them one user chunk at a time (:meth:`rated_block`, :meth:`relevant_block`).
    """

    split: SplitData
    catalog: Catalog
    test_rows: np.ndarray
    test_cols: np.ndarray
    test_ratings: torch.Tensor
    rated: sp.csr_matrix
    relevant: sp.csr_matrix
    rank_users: np.ndarray
    n_rank_candidates: int
    rated_ratings: np.ndarray | None = None  # float32, the stars of ``rated``'s pairs (aligned)

    def history(self, catalog: Catalog) -> Catalog:
        """``catalog`` with the users' train+valid history and its stars, as a predictor is bound to it
        (the hybrid's item-item term ranks with the history, its rating term predicts with the stars)."""
        return replace(catalog, rated=self.rated, rated_ratings=self.rated_ratings)

    @classmethod
    def build(
        cls, split: SplitData, catalog: Catalog, relevance_threshold: float, max_users: int | None = None
    ) -> EvalSet:
        n_users, n_movies = catalog.n_users, catalog.n_movies
        fit_rows, fit_cols, fit_stars = positions(split.fit, catalog)
        rows, cols, ratings = positions(split.test, catalog)
        if rows.size < split.test.height:
            raise DataError(
                f"split {split.split_id!r}: {split.test.height - rows.size} test ratings name users or "
                "movies "
                "missing from the users/movies tables"
            )
        fit_keys = cell_keys(fit_rows, fit_cols, n_movies)
        stars = np.empty(fit_keys.size, dtype=np.float32)  # in the keys' (CSR) order
        stars[np.searchsorted(fit_keys, fit_rows * n_movies + fit_cols)] = fit_stars
        keep = ratings >= relevance_threshold
        # a test rating is never also a training rating; guard against odd splits
        keep &= ~contains(fit_keys, rows * n_movies + cols)
        relevant = bool_csr(cell_keys(rows[keep], cols[keep], n_movies), n_users, n_movies)
        candidates = np.flatnonzero(np.diff(relevant.indptr) > 0)
        return cls(
            split=split,
            catalog=catalog,
            test_rows=rows,
            test_cols=cols,
            test_ratings=torch.from_numpy(ratings),
            rated=bool_csr(fit_keys, n_users, n_movies),
            relevant=relevant,
            rank_users=sample_users(candidates, max_users, split.seed),
            n_rank_candidates=int(candidates.size),
            rated_ratings=stars,
        )

    def rated_block(self, rows: np.ndarray) -> torch.Tensor:
        """bool [len(rows), n_movies]: the movies each of ``rows`` rated in train+valid."""
        return _dense_rows(self.rated, rows)

    def relevant_block(self, rows: np.ndarray) -> torch.Tensor:
        """bool [len(rows), n_movies]: each of ``rows``' relevant test movies."""
        return _dense_rows(self.relevant, rows)

    def for_ranking(self) -> EvalSet:
        """A copy with what ranking reads (the catalogue, the masks, the rank users) and no rating
        frames or test pairs: what a compute engine ships to its workers (recdb.compute.ray_eval)."""
        fit, test = self.split.fit.clear(), self.split.test.clear()
        no_pairs = np.zeros(0, dtype=np.int64)
        return replace(
            self,
            split=replace(self.split, fit=fit, test=test),
            test_rows=no_pairs,
            test_cols=no_pairs,
            test_ratings=torch.zeros(0),
        )

    def n_relevant(self, rows: np.ndarray) -> torch.Tensor:
        """int64 [len(rows)]: the number of relevant test movies of each of ``rows``."""
        return torch.from_numpy(np.diff(self.relevant.indptr)[rows].astype(np.int64))


def _dense_rows(matrix: sp.csr_matrix, rows: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(matrix[np.asarray(rows, dtype=np.int64)].toarray())
