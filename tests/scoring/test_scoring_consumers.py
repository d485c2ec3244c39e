"""The consumer side: recdb recommend / export / predict, and every example query in sql/queries/."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import polars as pl
import pytest

import recdb.training.registry as registry
from recdb.db import open_db, queries
from recdb.jobs.cli import main
from recdb.scoring.job import score_all
from recdb.settings import Settings
from tests.scoring.scoring_support import USERS, K
from tests.scoring_fakes import ContentPredictor, DotPredictor, fake_loader


@pytest.fixture
def scored(synthetic_db: Settings, dot_loader) -> Settings:  # type: ignore[no-untyped-def]
    """Two published runs (so "changes since the previous run" has something to compare)."""
    score_all(synthetic_db, k=K, loader=fake_loader(ContentPredictor(), 1))
    score_all(synthetic_db, k=K, loader=dot_loader)
    return synthetic_db


def test_recommend_prints_the_published_list(scored: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", str(scored.database.path), "recommend", "3", "--limit", "4", "--format", "csv"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "rank,movie_id,title,year,genres,predicted_rating,reason"
    assert [line.split(",")[0] for line in lines[1:]] == ["1", "2", "3", "4"]
    assert all(line.split(",")[-1].startswith("because you liked ") for line in lines[1:])


def test_recommend_unknown_user_is_a_usage_error(
    scored: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--db", str(scored.database.path), "recommend", "999999"]) == 2
    assert "999999" in capsys.readouterr().err


def test_recommend_before_any_run_says_so(synthetic_db: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", str(synthetic_db.database.path), "recommend", "1"]) == 2
    assert "recdb score" in capsys.readouterr().err


def test_export_writes_the_latest_run_as_parquet(scored: Settings, tmp_path: Path) -> None:
    out = tmp_path / "export"
    assert main(["--db", str(scored.database.path), "export", str(out)]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    frame = pl.read_parquet(out / manifest["file"])
    assert manifest["file"] == f"recommendations-run{manifest['run_id']}.parquet"
    assert frame.height == manifest["rows"] == USERS * K
    assert frame["run_id"].unique().to_list() == [manifest["run_id"]]
    assert frame.columns == [
        "run_id",
        "user_id",
        "rank",
        "movie_id",
        "title",
        "year",
        "genres",
        "predicted_rating",
        "because_movie_id",
        "because_title",
        "reason",
    ]


def test_predict_gives_clipped_ratings_for_any_pair(
    scored: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(registry, "load_predictor", fake_loader(DotPredictor(dim=16, seed=3), 1))
    # user 120 has no ratings (cold start); movie 269 (= 3 * 90 - 1) was never rated.
    assert main(["--db", str(scored.database.path), "predict", "120", "2", "269", "--format", "json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.strip().splitlines()]
    assert [r["movie_id"] for r in rows] == [2, 269]
    assert all(1.0 <= r["predicted_rating"] <= 5.0 for r in rows)


def test_predict_unknown_movie_is_a_usage_error(
    scored: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(registry, "load_predictor", fake_loader(DotPredictor(), 1))
    assert main(["--db", str(scored.database.path), "predict", "1", "3"]) == 2
    assert "movie(s) 3" in capsys.readouterr().err


def test_every_example_query_runs_on_a_scored_database(scored: Settings) -> None:
    example = queries("queries")
    setters = queries("scoring")
    assert example.names() == [
        "catalogue_coverage",
        "genre_mix",
        "list_changes",
        "movie_audience",
        "user_top_k",
    ]
    with open_db(scored.database, read_only=True) as con:
        con.execute(setters.set_user_id, {"value": 3})
        con.execute(setters.set_movie_id, {"value": 2})
        results = {name: _run(con, example[name]) for name in example.names()}
    assert len(results["user_top_k"]) == K
    assert results["catalogue_coverage"][0]["users"] == USERS
    assert results["genre_mix"]
    changes = results["list_changes"]
    assert changes and {c["change"] for c in changes} <= {"new", "dropped", "up", "down", "same"}
    assert all(r["rank"] >= 1 for r in results["movie_audience"])


def _run(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
