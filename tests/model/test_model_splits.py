"""Splits: deterministic, stored once, the right fractions, cold users / movies wholly in test."""

from __future__ import annotations

import numpy as np
import polars as pl

from recdb.db import open_db
from recdb.settings import Settings
from recdb.training.splits import assign_parts, ensure_split, load_split_ratings


def _frame(n_users: int = 50, n_movies: int = 40, seed: int = 0) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    pairs = rng.choice(n_users * n_movies, size=1000, replace=False)
    return pl.DataFrame(
        {"user_id": pairs // n_movies, "movie_id": pairs % n_movies, "rated_at": rng.uniform(0, 1e6, 1000)}
    ).sort("user_id", "movie_id")


def test_random_split_fractions_and_determinism() -> None:
    frame = _frame()
    parts = assign_parts(frame, "random", 0, 0.2, 0.1)
    counts = dict(parts.value_counts().iter_rows())
    # hashed draws: the fractions hold up to sampling noise (sd of the test count here is ~13)
    assert abs(counts["test"] - 200) < 50 and abs(counts["valid"] - 80) < 35
    assert parts.equals(assign_parts(frame, "random", 0, 0.2, 0.1))
    assert not parts.equals(assign_parts(frame, "random", 1, 0.2, 0.1))


def test_random_and_cold_parts_are_stable_when_ratings_are_appended() -> None:
    """A rating keeps its part when the data grows (or is reordered): warm starts never see test rows."""
    frame = _frame()
    old, more = frame.head(600), frame.tail(400)
    for kind in ("random", "cold_users", "cold_movies"):
        before = assign_parts(old, kind, 3, 0.2, 0.1)
        after = assign_parts(pl.concat([more, old]), kind, 3, 0.2, 0.1).tail(600)
        assert before.equals(after), kind


def test_hash_split_fractions_at_scale() -> None:
    pairs = pl.DataFrame({"user_id": np.arange(200_000) // 50, "movie_id": np.arange(200_000) % 977})
    counts = dict(assign_parts(pairs, "random", 0, 0.2, 0.1).value_counts().iter_rows())
    assert abs(counts["test"] / 200_000 - 0.2) < 0.005
    assert abs(counts["valid"] / 200_000 - 0.08) < 0.005


def test_time_split_tests_the_latest_ratings() -> None:
    frame = _frame()
    parts = assign_parts(frame, "time", 0, 0.2, 0.1)
    t = frame.with_columns(part=parts)
    latest_train = t.filter(pl.col("part") == "train")["rated_at"].max()
    assert latest_train < t.filter(pl.col("part") == "valid")["rated_at"].min()
    assert (
        t.filter(pl.col("part") == "valid")["rated_at"].max()
        < t.filter(pl.col("part") == "test")["rated_at"].min()
    )


def test_cold_splits_hold_out_whole_users_and_movies() -> None:
    frame = _frame()
    for kind, column in (("cold_users", "user_id"), ("cold_movies", "movie_id")):
        t = frame.with_columns(part=assign_parts(frame, kind, 0, 0.1, 0.1))
        test_ids = set(t.filter(pl.col("part") == "test")[column].to_list())
        seen_ids = set(t.filter(pl.col("part") != "test")[column].to_list())
        assert test_ids and not (test_ids & seen_ids)
        assert 0 < len(test_ids) < frame[column].n_unique() * 0.3


def test_ensure_split_stores_once(demo_settings: Settings) -> None:
    with open_db(demo_settings.database) as con:
        split_id = ensure_split(con, demo_settings.train)
        again = ensure_split(con, demo_settings.train)
        rows = load_split_ratings(con, split_id)
        n_ratings = con.execute("SELECT count(*) FROM ratings").fetchall()[0][0]
        info = con.execute(
            "SELECT n_train, n_valid, n_test FROM splits WHERE split_id = ?", [split_id]
        ).fetchall()[0]
    assert again == split_id == "random-s0-t0.2-v0.1-l1"
    assert rows.height == n_ratings == sum(info)
    assert abs(info[2] - n_ratings * 0.2) < 0.02 * n_ratings
