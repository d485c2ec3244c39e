"""score_all end to end on the synthetic catalogue: coverage, exclusions, contract, atomicity, retention."""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
import torch

import recdb.scoring.compute as compute
from recdb.db import open_db
from recdb.errors import ContractError, ExitCode, JobFailedError
from recdb.scoring.contract import Snapshot, snapshot_of
from recdb.scoring.inputs import read_inputs
from recdb.scoring.job import score_all
from recdb.scoring.publish import ScoredRun, publish_run
from recdb.settings import Settings
from tests.scoring.scoring_support import COLD_MOVIES, COLD_USERS, MOVIES, USERS, K, query
from tests.scoring_fakes import ConstantPredictor, ContentPredictor, DotPredictor, fake_loader


def test_every_user_gets_k_unrated_movies(synthetic_db: Settings, dot_loader) -> None:  # type: ignore[no-untyped-def]
    result = score_all(synthetic_db, k=K, loader=dot_loader)
    assert (result.users, result.movies, result.rows) == (USERS, MOVIES, USERS * K)
    lists = query(synthetic_db, "per_user_lists")
    assert len(lists) == USERS and all(row[1:] == (K, 1, K) for row in lists)
    assert query(synthetic_db, "rated_recommended") == [(0,)]
    # The view's joins kept every row of the run.
    assert query(synthetic_db, "all_rows") == [(USERS * K,)]


def test_cold_start_users_and_never_rated_movies_appear(synthetic_db: Settings) -> None:
    class PreferNew(DotPredictor):
        """Ranks the never-rated movies (the last columns) first: they must surface if scored at all."""

        def rank_scores(self, user_rows: np.ndarray) -> torch.Tensor:
            scores = super().rank_scores(user_rows)
            scores[:, -COLD_MOVIES:] += 100.0
            return scores

    score_all(synthetic_db, k=K, loader=fake_loader(PreferNew(dim=8), 1))
    assert query(synthetic_db, "cold_users_listed") == [(COLD_USERS,)]
    assert query(synthetic_db, "never_rated_movies_listed") == [(COLD_MOVIES,)]


def test_ties_are_broken_by_movie_id(synthetic_db: Settings) -> None:
    score_all(synthetic_db, k=K, loader=fake_loader(ConstantPredictor(), 1))
    # Every score equal: each user's list is their K lowest unrated movie ids, in order.
    assert query(synthetic_db, "published_lists") == query(synthetic_db, "lowest_unrated_movies", k=K)


def test_runs_are_deterministic_under_heavy_ties(synthetic_db: Settings) -> None:
    first = score_all(synthetic_db, k=K, loader=fake_loader(ContentPredictor(), 1))
    synthetic_db.score.chunk_users = 7  # other chunk boundaries must not change anything
    second = score_all(synthetic_db, k=K, loader=fake_loader(ContentPredictor(), 1))
    assert query(synthetic_db, "run_lists", run_id=first.run_id) == query(
        synthetic_db, "run_lists", run_id=second.run_id
    )


def test_users_with_fewer_candidates_than_k(synthetic_db: Settings, dot_loader) -> None:  # type: ignore[no-untyped-def]
    big_k = MOVIES - 3  # warm users have rated more than 3 movies: their lists are shorter than k
    score_all(synthetic_db, k=big_k, loader=dot_loader)
    rows = query(synthetic_db, "list_vs_candidates")
    assert all(n == min(big_k, candidates) for _, n, candidates in rows)
    assert any(n < big_k for _, n, _ in rows)


def test_predicted_ratings_are_clipped_to_the_scale(synthetic_db: Settings) -> None:
    score_all(synthetic_db, k=K, loader=fake_loader(ConstantPredictor(rating=9.0), 1))
    assert query(synthetic_db, "rating_range") == [(5.0, 5.0)]


def test_failed_contract_keeps_the_previous_run(synthetic_db: Settings, dot_loader) -> None:  # type: ignore[no-untyped-def]
    good = score_all(synthetic_db, k=K, loader=dot_loader)

    class NaNRatings(DotPredictor):
        def predict(self, user_rows: np.ndarray, movie_cols: np.ndarray) -> torch.Tensor:
            out = super().predict(user_rows, movie_cols)
            out[::7] = float("nan")
            return out

    with pytest.raises(ContractError, match="no_nulls") as info:
        score_all(synthetic_db, k=K, loader=fake_loader(NaNRatings(dim=8), 2))
    assert info.value.exit_code == ExitCode.JOB_FAILED
    assert query(synthetic_db, "latest_run_ids") == [(good.run_id,)]
    assert query(synthetic_db, "all_rows") == [(USERS * K,)]
    assert query(synthetic_db, "runs") == [
        (good.run_id, "published", False),
        (good.run_id + 1, "failed", True),
    ]


def _run(settings: Settings, table: pa.Table, snapshot: Snapshot | None = None) -> ScoredRun:
    """A ScoredRun of ``table`` against the database's current data (or ``snapshot``)."""
    inputs, _ = read_inputs(settings, None, fake_loader(DotPredictor(), 1))
    return ScoredRun(
        table=table,
        snapshot=snapshot or snapshot_of(inputs),
        model_id=1,
        predictor="x",
        started_at=datetime.now(timezone.utc),
        k=K,
        min_rating=1.0,
        max_rating=5.0,
        score_seconds=0.0,
    )


def _table(rows: list[tuple]) -> pa.Table:
    return pa.table(
        {
            "user_id": pa.array([r[0] for r in rows], pa.int32()),
            "rank": pa.array([r[1] for r in rows], pa.int16()),
            "movie_id": pa.array([r[2] for r in rows], pa.int32()),
            "predicted_rating": pa.array([r[3] for r in rows], pa.float32()),
            "because_movie_id": pa.array([r[4] for r in rows], pa.int32()),
            "reason": pa.array([r[5] for r in rows], pa.string()),
        }
    )


# Each corruption takes the run's table and a movie that user 1 (the first rows) has rated.
def _more_rank(t: pa.Table, rated: int) -> pa.Table:
    return t.set_column(1, "rank", pc.add(t["rank"], pa.scalar(1, pa.int16())))


def _low_ratings(t: pa.Table, rated: int) -> pa.Table:
    return t.set_column(3, "predicted_rating", pa.array(np.full(t.num_rows, 0.1, np.float32)))


def _with_because(t: pa.Table, row: int, movie: int | None) -> pa.Table:
    because = t["because_movie_id"].to_pylist()
    because[row] = movie
    return t.set_column(4, "because_movie_id", pa.array(because, pa.int32()))


def _with_movie(t: pa.Table, row: int, movie: int) -> pa.Table:
    movies = t["movie_id"].to_numpy().copy()
    movies[row] = movie
    return t.set_column(2, "movie_id", pa.array(movies, pa.int32()))


@pytest.mark.parametrize(
    ("corrupt", "rule"),
    [
        (_more_rank, "ranks_without_gaps"),
        (lambda t, rated: pa.concat_tables([t, t.slice(0, 1)]), "unique_user_rank"),
        (lambda t, rated: t.slice(0, t.num_rows - K), "every_user_present"),
        (_low_ratings, "rating_scale"),
        (lambda t, rated: _with_movie(t, 1, t["movie_id"][0].as_py()), "unique_user_movie"),
        (lambda t, rated: _with_movie(t, 0, rated), "not_already_rated"),
        (lambda t, rated: _with_movie(t, 0, 1), "known_ids"),  # synthetic movie ids are 3i - 1
        (lambda t, rated: _with_because(t, 0, t["movie_id"][0].as_py()), "because_rated"),  # not rated
        (lambda t, rated: _with_because(t, 0, None), "reason_given"),
    ],
)
def test_each_contract_check_catches_its_rule(synthetic_db: Settings, dot_loader, corrupt, rule) -> None:  # type: ignore[no-untyped-def]
    good = score_all(synthetic_db, k=K, loader=dot_loader)
    ((rated,),) = query(synthetic_db, "a_movie_user_1_rated")
    table = _table(query(synthetic_db, "run_rows", run_id=good.run_id))
    run = _run(synthetic_db, corrupt(table, rated))
    with pytest.raises(ContractError, match=rf"rule {rule}\b"):
        publish_run(synthetic_db, run)
    assert query(synthetic_db, "latest_run_ids") == [(good.run_id,)]


def test_data_changed_while_scoring_is_checked_in_the_transaction(synthetic_db: Settings, dot_loader) -> None:  # type: ignore[no-untyped-def]
    """The pre-check saw a snapshot without user 1's first rating; the database has it: the transaction
    notices the data differs, re-runs the checks on the database and refuses the run."""
    good = score_all(synthetic_db, k=K, loader=dot_loader)
    ((rated,),) = query(synthetic_db, "a_movie_user_1_rated")
    inputs, _ = read_inputs(synthetic_db, None, dot_loader)
    snap = snapshot_of(inputs)
    keep = pc.invert(pc.and_(pc.equal(snap.ratings["user_id"], 1), pc.equal(snap.ratings["movie_id"], rated)))
    stale = Snapshot(
        users=snap.users, movies=snap.movies, ratings=snap.ratings.filter(keep), load_id=snap.load_id
    )
    table = _with_movie(_table(query(synthetic_db, "run_rows", run_id=good.run_id)), 0, rated)
    with pytest.raises(ContractError, match=r"rule not_already_rated"):
        publish_run(synthetic_db, _run(synthetic_db, table, stale))
    assert query(synthetic_db, "latest_run_ids") == [(good.run_id,)]


def test_an_already_rated_movie_fails_the_contract(
    synthetic_db: Settings, dot_loader, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    good = score_all(synthetic_db, k=K, loader=dot_loader)
    monkeypatch.setattr(compute, "mask_rated", lambda *a, **kw: None)  # the bug: forget to mask
    with pytest.raises(ContractError, match=r"every_user_present|not_already_rated"):
        score_all(synthetic_db, k=K, loader=dot_loader)
    assert query(synthetic_db, "latest_run_ids") == [(good.run_id,)]


def test_retention_keeps_the_last_runs(synthetic_db: Settings, dot_loader) -> None:  # type: ignore[no-untyped-def]
    synthetic_db.score.retain_runs = 2
    ids = [score_all(synthetic_db, k=3, loader=dot_loader).run_id for _ in range(4)]
    assert query(synthetic_db, "retained_runs") == [(i,) for i in ids[-2:]]
    assert query(synthetic_db, "statuses") == [("expired",), ("expired",), ("published",), ("published",)]


def test_a_model_that_breaks_records_a_failed_run(synthetic_db: Settings) -> None:
    class Broken(DotPredictor):
        def rank_scores(self, user_rows: np.ndarray) -> torch.Tensor:
            return torch.full((len(user_rows), 3), float("nan"))

    with pytest.raises(JobFailedError, match="shape"):
        score_all(synthetic_db, k=K, loader=fake_loader(Broken(), 1))
    assert query(synthetic_db, "statuses") == [("failed",)]
    with open_db(synthetic_db.database, read_only=True):
        pass  # the job released the file


def test_a_predictor_returning_views_of_its_state_is_not_modified(synthetic_db: Settings) -> None:
    class Cached(DotPredictor):
        """Precomputes every score and returns slices (views) of that matrix."""

        def bind(self, catalog):  # type: ignore[no-untyped-def]
            super().bind(catalog)
            self.full = self.users @ self.movies.T
            self.before = self.full.clone()

        def rank_scores(self, user_rows: np.ndarray) -> torch.Tensor:
            return self.full[int(user_rows[0]) : int(user_rows[-1]) + 1]

    predictor = Cached(dim=8)
    synthetic_db.score.chunk_users = 50
    score_all(synthetic_db, k=K, loader=fake_loader(predictor, 1))
    assert torch.equal(predictor.full, predictor.before)
    assert query(synthetic_db, "rated_recommended") == [(0,)]
