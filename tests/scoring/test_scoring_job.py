"""score_all end to end on the synthetic catalogue: coverage, exclusions, contract, atomicity, retention."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
import torch
from conftest import COLD_MOVIES, COLD_USERS, MOVIES, USERS, K

from recdb.db import open_db
from recdb.errors import ContractError, ExitCode, JobFailedError
from recdb.scoring import score_all
from recdb.scoring.fakes import ConstantPredictor, ContentPredictor, DotPredictor, fake_loader
from recdb.scoring.publish import ScoredRun, publish_run
from recdb.settings import Settings


def latest(settings: Settings, sql: str) -> list[tuple]:
    with open_db(settings.database, read_only=True) as con:
        return con.execute(sql).fetchall()


def test_every_user_gets_k_unrated_movies(synthetic_db: Settings, dot_loader) -> None:  # type: ignore[no-untyped-def]
    result = score_all(synthetic_db, k=K, loader=dot_loader)
    assert (result.users, result.movies, result.rows) == (USERS, MOVIES, USERS * K)
    rows = latest(
        synthetic_db,
        "SELECT user_id, count(*), min(rank), max(rank) FROM latest_recommendations GROUP BY ALL",
    )
    assert len(rows) == USERS and all(r[1:] == (K, 1, K) for r in rows)
    # Never an already-rated movie; every run row has a title (the view's join kept them all).
    assert latest(
        synthetic_db, "SELECT count(*) FROM latest_recommendations JOIN ratings USING (user_id, movie_id)"
    ) == [(0,)]
    assert latest(synthetic_db, "SELECT count(*) FROM recommendations") == [(USERS * K,)]


def test_cold_start_users_and_never_rated_movies_appear(synthetic_db: Settings) -> None:
    # A model that prefers the never-rated movies, so they must surface if they are scored at all.
    class PreferNew(DotPredictor):
        def rank_scores(self, user_rows):  # type: ignore[no-untyped-def]
            scores = super().rank_scores(user_rows)
            scores[:, -COLD_MOVIES:] += 100.0
            return scores

    score_all(synthetic_db, k=K, loader=fake_loader(PreferNew(dim=8), 1))
    cold_users = latest(synthetic_db, "SELECT count(DISTINCT user_id) FROM latest_recommendations "
                        "WHERE user_id NOT IN (SELECT user_id FROM ratings)")  # fmt: skip
    assert cold_users == [(COLD_USERS,)]
    new_movies = latest(synthetic_db, "SELECT count(DISTINCT movie_id) FROM latest_recommendations "
                        "WHERE movie_id NOT IN (SELECT movie_id FROM ratings)")  # fmt: skip
    assert new_movies == [(COLD_MOVIES,)]


def test_ties_are_broken_by_movie_id(synthetic_db: Settings) -> None:
    score_all(synthetic_db, k=K, loader=fake_loader(ConstantPredictor(), 1))
    # Every score equal: each user's list is their K lowest unrated movie ids, in order.
    expected = latest(synthetic_db, """
        SELECT u.user_id, list(m.movie_id ORDER BY m.movie_id)[1:10]
        FROM users u, movies m
        WHERE NOT EXISTS (SELECT 1 FROM ratings r WHERE r.user_id = u.user_id AND r.movie_id = m.movie_id)
        GROUP BY u.user_id ORDER BY u.user_id""")  # fmt: skip
    got = latest(synthetic_db, "SELECT user_id, list(movie_id ORDER BY rank) FROM latest_recommendations "
                 "GROUP BY user_id ORDER BY user_id")  # fmt: skip
    assert got == expected


def test_runs_are_deterministic_under_heavy_ties(synthetic_db: Settings) -> None:
    lists = "SELECT list(movie_id ORDER BY user_id, rank) FROM recommendations WHERE run_id = ?"
    first = score_all(synthetic_db, k=K, loader=fake_loader(ContentPredictor(), 1))
    synthetic_db.score.chunk_users = 7  # other chunk boundaries must not change anything
    second = score_all(synthetic_db, k=K, loader=fake_loader(ContentPredictor(), 1))
    with open_db(synthetic_db.database, read_only=True) as con:
        a = con.execute(lists, [first.run_id]).fetchall()
        b = con.execute(lists, [second.run_id]).fetchall()
    assert a == b


def test_users_with_fewer_candidates_than_k(synthetic_db: Settings, dot_loader) -> None:  # type: ignore[no-untyped-def]
    big_k = MOVIES - 3  # warm users have rated more than 3 movies: their lists are shorter than k
    score_all(synthetic_db, k=big_k, loader=dot_loader)
    rows = latest(
        synthetic_db,
        """
        SELECT u.user_id, count(lr.rank), ? - (SELECT count(*) FROM ratings r WHERE r.user_id = u.user_id)
        FROM users u LEFT JOIN latest_recommendations lr USING (user_id) GROUP BY u.user_id""".replace(
            "?", str(MOVIES)
        ),
    )
    assert all(n == min(big_k, cand) for _, n, cand in rows)
    assert any(n < big_k for _, n, _ in rows)


def test_predicted_ratings_are_clipped_to_the_scale(synthetic_db: Settings) -> None:
    score_all(synthetic_db, k=K, loader=fake_loader(ConstantPredictor(rating=9.0), 1))
    assert latest(
        synthetic_db, "SELECT min(predicted_rating), max(predicted_rating) FROM latest_recommendations"
    ) == [(5.0, 5.0)]


def test_failed_contract_keeps_the_previous_run(synthetic_db: Settings, dot_loader) -> None:  # type: ignore[no-untyped-def]
    good = score_all(synthetic_db, k=K, loader=dot_loader)

    class NaNRatings(DotPredictor):
        def predict(self, user_rows, movie_cols):  # type: ignore[no-untyped-def]
            out = super().predict(user_rows, movie_cols)
            out[::7] = float("nan")
            return out

    with pytest.raises(ContractError, match="check_no_nulls") as info:
        score_all(synthetic_db, k=K, loader=fake_loader(NaNRatings(dim=8), 2))
    assert info.value.exit_code == ExitCode.JOB_FAILED
    assert latest(synthetic_db, "SELECT DISTINCT run_id FROM latest_recommendations") == [(good.run_id,)]
    assert latest(synthetic_db, "SELECT count(*) FROM recommendations") == [(USERS * K,)]
    runs = latest(synthetic_db, "SELECT run_id, status, error IS NOT NULL FROM score_runs ORDER BY run_id")
    assert runs == [(good.run_id, "published", False), (good.run_id + 1, "failed", True)]


@pytest.mark.parametrize(
    ("corrupt", "check"),
    [
        (
            lambda t: t.set_column(1, "rank", pc.add(t["rank"], pa.scalar(1, pa.int16()))),
            "check_ranks_without_gaps",
        ),
        (lambda t: pa.concat_tables([t, t.slice(0, 1)]), "check_unique_user_rank"),
        (lambda t: t.slice(0, t.num_rows - K), "check_every_user_present"),
        (
            lambda t: t.set_column(3, "predicted_rating", pa.array(np.full(t.num_rows, 0.1, np.float32))),
            "check_rating_scale",
        ),
    ],
)
def test_each_contract_check_catches_its_rule(synthetic_db: Settings, dot_loader, corrupt, check) -> None:  # type: ignore[no-untyped-def]
    good = score_all(synthetic_db, k=K, loader=dot_loader)
    with open_db(synthetic_db.database, read_only=True) as con:
        table = con.execute("SELECT user_id, rank, movie_id, predicted_rating FROM recommendations "
                            "ORDER BY user_id, rank").to_arrow_table()  # fmt: skip
    run = ScoredRun(table=corrupt(table), model_id=1, predictor="x", load_id=1, started_at=__import__("datetime").datetime.now(),
                    k=K, users=USERS, movies=MOVIES, min_rating=1.0, max_rating=5.0, score_seconds=0.0)  # fmt: skip
    with pytest.raises(ContractError, match=check):
        publish_run(synthetic_db, run)
    assert latest(synthetic_db, "SELECT DISTINCT run_id FROM latest_recommendations") == [(good.run_id,)]


def test_an_already_rated_movie_fails_the_contract(synthetic_db: Settings, dot_loader) -> None:  # type: ignore[no-untyped-def]
    class IgnoresMask(DotPredictor):
        pass

    import recdb.scoring.compute as compute

    good = score_all(synthetic_db, k=K, loader=dot_loader)
    original = compute.mask_rated
    compute.mask_rated = lambda *a, **kw: None  # the bug: forget to mask
    try:
        with pytest.raises(ContractError, match="check_not_already_rated|check_every_user_present"):
            score_all(synthetic_db, k=K, loader=fake_loader(IgnoresMask(dim=8), 1))
    finally:
        compute.mask_rated = original
    assert latest(synthetic_db, "SELECT DISTINCT run_id FROM latest_recommendations") == [(good.run_id,)]


def test_retention_keeps_the_last_runs(synthetic_db: Settings, dot_loader) -> None:  # type: ignore[no-untyped-def]
    synthetic_db.score.retain_runs = 2
    ids = [score_all(synthetic_db, k=3, loader=dot_loader).run_id for _ in range(4)]
    assert latest(synthetic_db, "SELECT DISTINCT run_id FROM recommendations ORDER BY 1") == [
        (i,) for i in ids[-2:]
    ]
    statuses = latest(synthetic_db, "SELECT status FROM score_runs ORDER BY run_id")
    assert statuses == [("expired",), ("expired",), ("published",), ("published",)]


def test_a_model_that_breaks_records_a_failed_run(synthetic_db: Settings) -> None:
    class Broken(DotPredictor):
        def rank_scores(self, user_rows):  # type: ignore[no-untyped-def]
            return torch.full((len(user_rows), 3), float("nan"))

    with pytest.raises(JobFailedError, match="shape"):
        score_all(synthetic_db, k=K, loader=fake_loader(Broken(), 1))
    assert latest(synthetic_db, "SELECT status FROM score_runs") == [("failed",)]
