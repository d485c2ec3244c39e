"""Train / valid / test splits of the ratings, drawn once and stored in DuckDB (splits, split_ratings).

Every consumer (training, evaluation, each baseline) reads the same rows from ``split_ratings``, so
their figures are comparable. A split is named by its parameters and data snapshot
(``random-s0-t0.2-v0.1-l1``); :func:`ensure_split` returns the existing one or draws it.

Kinds (``train.split``):

- ``random``: the paper's protocol. A seeded permutation of the ratings ordered by (user_id, movie_id);
  the first ``test_fraction`` of it is test, the next ``valid_fraction`` of the rest is valid.
- ``time``: the latest ``test_fraction`` of the ratings by ``rated_at`` are test, the latest
  ``valid_fraction`` of the rest are valid (ties broken by user_id, movie_id).
- ``cold_users`` / ``cold_movies``: ``cold_fraction`` of the users (movies) that have ratings are drawn;
  ALL their ratings are test, so the model never sees them. Valid is a random ``valid_fraction`` of
  the remaining ratings.
"""

from __future__ import annotations

import logging

import duckdb
import numpy as np
import polars as pl

from recdb.db import queries, transaction
from recdb.db.frames import query_frame
from recdb.errors import DataError
from recdb.settings import TrainSettings
from recdb.training.frames import fetch_one

log = logging.getLogger(__name__)

COLD_KINDS = ("cold_users", "cold_movies")


def split_id_for(train: TrainSettings, load_id: int) -> str:
    """The name of the split these settings describe on this data snapshot."""
    return f"{train.split}-s{train.seed}-t{_test_fraction(train):g}-v{train.valid_fraction:g}-l{load_id}"


def _test_fraction(train: TrainSettings) -> float:
    return train.cold_fraction if train.split in COLD_KINDS else train.test_fraction


def ensure_split(con: duckdb.DuckDBPyConnection, train: TrainSettings) -> str:
    """Return the split_id for ``train``'s split settings, drawing and storing the split if missing.

    Raises :class:`DataError` when there are no ratings (or too few to split).
    """
    q = queries("training")
    load_id, n_ratings = fetch_one(con, q.ratings_snapshot) or (None, 0)
    if load_id is None or not n_ratings:
        raise DataError("no ratings in the database to split; run `recdb load` first")
    split_id = split_id_for(train, int(load_id))
    if fetch_one(con, q.split_exists, {"split_id": split_id}) != (0,):
        return split_id
    source = query_frame(con, q.split_ratings_source)
    parts = source.select("user_id", "movie_id").with_columns(
        part=assign_parts(source, train.split, train.seed, _test_fraction(train), train.valid_fraction)
    )
    counts = {p: int(n) for p, n in parts.group_by("part").len().iter_rows()}
    n_train, n_valid, n_test = (counts.get(p, 0) for p in ("train", "valid", "test"))
    if n_train == 0 or n_test == 0:
        raise DataError(
            f"split {split_id}: {n_ratings} ratings are too few to split (train {n_train}, test {n_test})"
        )
    with transaction(con):
        con.execute(
            q.insert_split,
            {
                "split_id": split_id,
                "kind": train.split,
                "seed": train.seed,
                "test_fraction": _test_fraction(train),
                "valid_fraction": train.valid_fraction,
                "load_id": int(load_id),
                "n_train": n_train,
                "n_valid": n_valid,
                "n_test": n_test,
            },
        )
        con.register("split_parts", parts.to_arrow())
        try:
            con.execute(q.insert_split_ratings, {"split_id": split_id})
        finally:
            con.unregister("split_parts")
    log.info("drew split %s: train %d, valid %d, test %d", split_id, n_train, n_valid, n_test)
    return split_id


def assign_parts(
    ratings: pl.DataFrame, kind: str, seed: int, test_fraction: float, valid_fraction: float
) -> pl.Series:
    """The part ('train'/'valid'/'test') of each row of ``ratings`` (user_id, movie_id, rated_at).

    Pure and deterministic: the same frame (in the same order) and seed give the same parts.
    """
    n = ratings.height
    rng = np.random.default_rng(seed)
    is_test = np.zeros(n, dtype=bool)
    if kind == "random":
        is_test[rng.permutation(n)[: round(n * test_fraction)]] = True
    elif kind == "time":
        order = _time_order(ratings)
        is_test[order[n - round(n * test_fraction) :]] = True
    elif kind in COLD_KINDS:
        column = "user_id" if kind == "cold_users" else "movie_id"
        ids = ratings[column].to_numpy()
        candidates = np.unique(ids)
        n_cold = max(1, round(len(candidates) * test_fraction))
        is_test = np.isin(ids, rng.choice(candidates, size=n_cold, replace=False))
    else:
        raise ValueError(f"unknown split kind {kind!r}")
    rest = np.flatnonzero(~is_test)
    if kind == "time":  # valid = the latest of the remaining ratings, like the test part
        rest = rest[np.argsort(_time_order(ratings).argsort()[rest], kind="stable")]
        valid_rows = rest[len(rest) - round(len(rest) * valid_fraction) :]
    else:
        valid_rows = rng.permutation(rest)[: round(len(rest) * valid_fraction)]
    part = np.full(n, "train", dtype=object)
    part[valid_rows] = "valid"
    part[is_test] = "test"
    return pl.Series("part", part, dtype=pl.Utf8)


def _time_order(ratings: pl.DataFrame) -> np.ndarray:
    """Row positions sorted by (rated_at, user_id, movie_id): a total order, so ties are deterministic."""
    return np.lexsort(
        (ratings["movie_id"].to_numpy(), ratings["user_id"].to_numpy(), ratings["rated_at"].to_numpy())
    )


def load_split_ratings(con: duckdb.DuckDBPyConnection, split_id: str) -> pl.DataFrame:
    """The ratings of a split: user_id, movie_id, rating, part (train / valid / test)."""
    return query_frame(con, queries("training").split_part_ratings, {"split_id": split_id})
