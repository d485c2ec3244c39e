"""A split's ratings as evaluation inputs: Polars frames read from DuckDB, and catalogue positions.

:class:`SplitData` holds the frames (what baselines ``fit`` on); :class:`EvalSet` holds the test
ratings and the already-rated mask as torch tensors indexed by catalogue position (row = user,
column = movie), which is what the metric code needs.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import polars as pl
import torch

from recdb.db import queries
from recdb.db.frames import query_frame
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
    info = con.execute(q.split_info, [split_id]).fetchall()
    if not info:
        raise DataError(f"split {split_id!r} does not exist (table splits)")
    _, kind, seed, *_ = info[0]
    frame = query_frame(con, q.split_ratings, [split_id]).with_columns(pl.col("rating").cast(pl.Float32))
    cols = ["user_id", "movie_id", "rating"]
    fit = frame.filter(pl.col("part") != "test").select(cols)
    test = frame.filter(pl.col("part") == "test").select(cols)
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


@dataclass(frozen=True)
class EvalSet:
    """Test inputs by catalogue position.

    ``rated``: bool [n_users, n_movies], the train+valid ratings (masked to -inf before ranking).
    ``relevant``: bool [n_users, n_movies], test ratings >= the relevance threshold.
    ``rank_users``: rows of users with at least one relevant test movie (the top-k population).
    """

    split: SplitData
    catalog: Catalog
    test_rows: np.ndarray
    test_cols: np.ndarray
    test_ratings: torch.Tensor
    rated: torch.Tensor
    relevant: torch.Tensor
    rank_users: np.ndarray

    @classmethod
    def build(cls, split: SplitData, catalog: Catalog, relevance_threshold: float) -> EvalSet:
        n_users, n_movies = catalog.n_users, catalog.n_movies
        fit_rows, fit_cols, _ = positions(split.fit, catalog)
        rows, cols, ratings = positions(split.test, catalog)
        if rows.size < split.test.height:
            raise DataError(
                f"split {split.split_id!r}: {split.test.height - rows.size} test ratings name users or "
                "movies "
                "missing from the users/movies tables"
            )
        rated = torch.zeros(n_users, n_movies, dtype=torch.bool)
        rated[torch.from_numpy(fit_rows), torch.from_numpy(fit_cols)] = True
        relevant = torch.zeros(n_users, n_movies, dtype=torch.bool)
        keep = ratings >= relevance_threshold
        relevant[torch.from_numpy(rows[keep]), torch.from_numpy(cols[keep])] = True
        relevant &= ~rated  # a test rating is never also a training rating; guard against odd splits
        rank_users = torch.nonzero(relevant.any(dim=1)).squeeze(1).numpy()
        return cls(
            split=split,
            catalog=catalog,
            test_rows=rows,
            test_cols=cols,
            test_ratings=torch.from_numpy(ratings),
            rated=rated,
            relevant=relevant,
            rank_users=rank_users,
        )
