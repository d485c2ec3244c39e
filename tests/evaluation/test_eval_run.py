"""End to end: evaluate() on a small synthetic database writes the report and the tables."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import duckdb
import polars as pl
import pytest

from recdb.db import open_db
from recdb.evaluation import runner
from recdb.evaluation.runner import evaluate
from recdb.jobs.cli import main
from recdb.settings import Settings
from tests.evaluation.eval_support import FakePaper, load_frames, synthetic_frames


@pytest.fixture
def small_db(settings: Settings) -> Settings:
    with open_db(settings.database) as con:
        load_frames(con, *synthetic_frames())
    return settings


def rows(settings: Settings, sql: str) -> list[tuple]:
    con = duckdb.connect(str(settings.database.path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.mark.slow
def test_baselines_only_run(small_db: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    db, reports = small_db.database.path, small_db.evaluate.report_dir
    code = main(["--db", str(db), "evaluate", "--baselines-only", "--report-dir", str(reports)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "NDCG@10" in out and "ubcf" in out and "report.md" in out
    eval_id, folder = rows(small_db, "SELECT eval_id, report_dir FROM evaluation_runs")[0]
    assert str(Path(folder) / "report.md") in out
    result = SimpleNamespace(eval_id=eval_id, report_dir=Path(folder))
    assert (result.report_dir / "report.md").is_file()
    for name in ("fig5_mae_random.png", "fig6_prf_random.png", "fig7_ndcg_random.png"):
        assert (result.report_dir / name).stat().st_size > 10_000
    text = (result.report_dir / "report.md").read_text()
    assert "## Claims" in text and "NOT EVALUATED" in text and "**k = 10**" in text
    methods = {m for (m,) in rows(small_db, "SELECT DISTINCT method FROM evaluations")}
    assert methods == {
        "global_mean",
        "bias",
        "popularity",
        "ubcf",
        "item_knn",
        "ease",
        "demographic",
        "genre_mean",
    }
    assert rows(small_db, "SELECT count(*) FROM evaluations WHERE metric = 'ndcg'")[0][0] == 8 * 50
    assert (
        rows(small_db, "SELECT count(*) FROM evaluations WHERE method = 'ease' AND metric = 'mae'")[0][0] == 0
    )
    assert rows(small_db, "SELECT baselines_only, report_dir FROM evaluation_runs")[0] == (
        True,
        str(result.report_dir),
    )
    # a second run gets a new id and folder
    again = evaluate(small_db, baselines_only=True)
    assert again.eval_id == result.eval_id + 1 and again.report_dir != result.report_dir


@pytest.mark.slow
def test_model_run_checks_the_claims(small_db: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    from recdb.training.splits import ensure_split

    with open_db(small_db.database) as con:
        split_id = ensure_split(con, small_db.train)
    history = pl.DataFrame({"epoch": [1, 2, 3], "train_loss": [1.2, 0.9, 0.8], "valid_mae": [0.9, 0.8, 0.79],
                            "valid_rmse": [1.1, 1.0, 0.99]})  # fmt: skip

    def fake_load(
        con: duckdb.DuckDBPyConnection, settings: Settings, model_id: int | None
    ) -> runner.EvaluatedModel:
        return runner.EvaluatedModel(model_id or 7, "paper", split_id, FakePaper(), history)

    monkeypatch.setattr(runner, "_load_model", fake_load)
    result = evaluate(small_db, model_ids=[7, 8])
    assert result.metrics.filter(pl.col("metric") == "precision").height == 10 * 50
    claims = {c.key: c for c in result.claims}
    assert claims["identical_ranking"].verdict == "held"
    assert claims["beats_ubcf_prf_every_k"].verdict == "did not hold"  # a non-personalised ranking loses
    assert claims["cold_start_solved"].verdict == "not evaluated"
    assert (result.report_dir / "fig3_training_loss.png").is_file()
    assert (result.report_dir / "fig4_valid_mae.png").is_file()
    assert "±" in (result.report_dir / "report.md").read_text()  # two model runs: mean ± sd
    assert rows(small_db, "SELECT count(*) FROM evaluation_claims WHERE method = 'paper'")[0][0] == 5
    assert (
        rows(small_db, "SELECT count(DISTINCT model_id) FROM evaluations WHERE method = 'paper'")[0][0] == 2
    )


def test_no_model_is_a_usage_error(small_db: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--db", str(small_db.database.path), "evaluate"])
    assert code == 2
    assert "--baselines-only" in capsys.readouterr().err
    assert rows(small_db, "SELECT count(*) FROM evaluation_runs")[0][0] == 0
