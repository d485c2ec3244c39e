"""Train / valid / test splits of the ratings, drawn once and stored in DuckDB (splits, split_ratings).

Every consumer (training, evaluation, each baseline) reads the same rows from ``split_ratings``, so
their figures are comparable. A split is named by its parameters and data snapshot
(``random-s0-t0.2-v0.1-l1``); :func:`ensure_split` returns the existing one or draws it.

Kinds (``train.split``):

- ``random``: the paper's protocol, a seeded random 80/20 split. Each rating draws a uniform number
  from a hash of (seed, user_id, movie_id): below ``test_fraction`` it is test; otherwise a second draw
  below ``valid_fraction`` makes it valid. The fractions hold up to sampling noise (±0.04 % of 1M
  ratings), and — why a hash rather than a permutation — a rating's part never depends on the other
  ratings: when the nightly appends ratings, every old rating keeps its part, so a model warm-started
  from yesterday's never meets its own training ratings in today's valid or test part.
- ``time``: the latest ``test_fraction`` of the ratings by ``rated_at`` are test, the latest
  ``valid_fraction`` of the rest are valid (ties broken by user_id, movie_id). New data moves this
  boundary by design.
- ``cold_users`` / ``cold_movies``: each user (movie) is cold when the hash of (seed, id) falls below
  ``cold_fraction``; ALL their ratings are test, so the model never sees them. Valid is drawn from the
  remaining ratings as in ``random``.
"""

from __future__ import annotations

import logging

import duckdb
import numpy as np
import polars as pl

from recdb.db import execute, frame, one, queries, scalar, transaction
from recdb.errors import DataError
from recdb.settings import TrainSettings

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
    load_id, n_ratings = one(con, q.ratings_snapshot) or (None, 0)
    if load_id is None or not n_ratings:
        raise DataError("no ratings in the database to split; run `recdb load` first")
    split_id = split_id_for(train, int(load_id))
    if scalar(con, q.split_exists, {"split_id": split_id}) != 0:
        return split_id
    source = frame(con, q.split_ratings_source)
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
        execute(
            con,
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
            execute(con, q.insert_split_ratings, {"split_id": split_id})
        finally:
            con.unregister("split_parts")
    log.info("drew split %s: train %d, valid %d, test %d", split_id, n_train, n_valid, n_test)
    return split_id


def assign_parts(
    ratings: pl.DataFrame, kind: str, seed: int, test_fraction: float, valid_fraction: float
) -> pl.Series:
    """The part ('train'/'valid'/'test') of each row of ``ratings`` (user_id, movie_id, rated_at).

    Pure and deterministic: a row's part depends only on its own ids and the seed (``time``: on the
    order of ``rated_at``), never on the frame's order.
    """
    users = ratings["user_id"].to_numpy().astype(np.uint64)
    movies = ratings["movie_id"].to_numpy().astype(np.uint64)
    pair = (users << np.uint64(32)) | movies
    n = ratings.height
    if kind == "random":
        is_test = hash_uniform(pair, seed, _TEST_STREAM) < test_fraction
    elif kind == "time":
        is_test = np.zeros(n, dtype=bool)
        is_test[_time_order(ratings)[n - round(n * test_fraction) :]] = True
    elif kind in COLD_KINDS:
        ids = users if kind == "cold_users" else movies
        draw = hash_uniform(ids, seed, _COLD_STREAM)
        # a tiny data set may draw no one: hold out the one id with the lowest draw instead
        is_test = draw < max(test_fraction, float(draw.min()) if n else 0.0)
    else:
        raise ValueError(f"unknown split kind {kind!r}")
    if kind == "time":  # valid = the latest of the remaining ratings, like the test part
        rest = np.flatnonzero(~is_test)
        rest = rest[np.argsort(_time_order(ratings).argsort()[rest], kind="stable")]
        is_valid = np.zeros(n, dtype=bool)
        is_valid[rest[len(rest) - round(len(rest) * valid_fraction) :]] = True
    else:
        is_valid = ~is_test & (hash_uniform(pair, seed, _VALID_STREAM) < valid_fraction)
    part = np.full(n, "train", dtype=object)
    part[is_valid] = "valid"
    part[is_test] = "test"
    return pl.Series("part", part, dtype=pl.Utf8)


# Independent draws from one seed: the stream number is mixed into the key.
_TEST_STREAM, _VALID_STREAM, _COLD_STREAM = 1, 2, 3
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def hash_uniform(keys: np.ndarray, seed: int, stream: int) -> np.ndarray:
    """A uniform float in [0, 1) per uint64 key, a pure function of (key, seed, stream) (SplitMix64)."""
    salt = np.uint64((seed * 0x100000001B3 + stream) & 0xFFFFFFFFFFFFFFFF)
    with np.errstate(over="ignore"):  # uint64 arithmetic wraps on purpose
        z = keys.astype(np.uint64) + salt * _GOLDEN + _GOLDEN
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * 2.0**-53


def _time_order(ratings: pl.DataFrame) -> np.ndarray:
    """Row positions sorted by (rated_at, user_id, movie_id): a total order, so ties are deterministic."""
    return np.lexsort(
        (ratings["movie_id"].to_numpy(), ratings["user_id"].to_numpy(), ratings["rated_at"].to_numpy())
    )


def load_split_ratings(con: duckdb.DuckDBPyConnection, split_id: str) -> pl.DataFrame:
    """The ratings of a split: user_id, movie_id, rating, part (train / valid / test)."""
    return frame(con, queries("training").split_part_ratings, {"split_id": split_id})
