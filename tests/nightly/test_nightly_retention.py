"""Retention at the end of a successful nightly (hostile testing #59): old checkpoints, report folders
and evaluation rows go, each deletion logged; the served model's and the newest model's checkpoints stay.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from recdb.db import open_db, queries
from recdb.errors import JobFailedError
from recdb.ingest.demo import generate_demo
from recdb.ingest.load import load_dataset
from recdb.nightly.pipeline import StageFailedError, run_nightly
from recdb.scoring.job import score_all
from recdb.settings import Settings
from recdb.training.splits import ensure_split
from tests.nightly.nightly_support import FakeStages
from tests.scoring_fakes import DotPredictor, fake_loader

_INSERT_EVAL_RUN = """
    INSERT INTO evaluation_runs VALUES (?, now(), [], ['s'], true, ['popularity'], ?, 1.0)
"""
_INSERT_METRICS = """
    INSERT INTO evaluations SELECT ?, now(), NULL, 'popularity', 's', 'ndcg', i, 0.5 FROM range(1, 11) t(i)
"""


def _history(settings: Settings, tmp_path: Path, models: int, evaluations: int) -> None:
    """``models`` ready models with checkpoint files (model 2 published), ``evaluations`` evaluation
    runs with report folders and 10 metric rows each, and a temp file a killed save left behind."""
    load_dataset(settings, generate_demo(tmp_path / "data", ratings=2000, seed=0))
    folder = Path(settings.database.checkpoint_dir)
    folder.mkdir(parents=True)
    (folder / "model-99.pt.tmp").write_bytes(b"half")
    q = queries("training")
    with open_db(settings.database) as con:
        split_id = ensure_split(con, settings.train)
        for _ in range(models):
            params = {"architecture": "hybrid", "config": "{}", "load_id": 1, "split_id": split_id}
            (model_id,) = con.execute(q.insert_model, params).fetchone()  # type: ignore[misc]
            path = folder / f"model-{model_id}.pt"
            path.write_bytes(b"weights")
            metrics = dict.fromkeys(("valid_mae", "valid_rmse", "valid_ndcg10", "test_mae", "test_rmse"), 1.0)
            metrics |= {
                "test_ndcg10": 0.1,
                "test_precision10": 0.1,
                "epochs": 1,
                "rank_blend": 0.0,
                "item_blend": 0.0,
                "rating_blend": 0.0,
            }
            con.execute(q.finish_model, {**metrics, "model_id": model_id, "checkpoint_path": str(path)})
        for eval_id in range(1, evaluations + 1):
            report = Path(settings.evaluate.report_dir) / f"eval-{eval_id:04d}-20260101-000000"
            report.mkdir(parents=True)
            (report / "report.md").write_text("# report")
            con.execute(_INSERT_EVAL_RUN, [eval_id, str(report)])
            con.execute(_INSERT_METRICS, [eval_id])
    score_all(settings, k=5, loader=fake_loader(DotPredictor(dim=4), 2))  # consumers are served model 2


def _state(settings: Settings) -> tuple[list[str], list[str], list[int], list[tuple[int, int]]]:
    files = sorted(p.name for p in Path(settings.database.checkpoint_dir).iterdir())
    reports = sorted(p.name[:9] for p in Path(settings.evaluate.report_dir).iterdir())
    with open_db(settings.database, read_only=True) as con:
        marked = [
            r[0]
            for r in con.execute(
                "SELECT model_id FROM models WHERE checkpoint_deleted_at IS NOT NULL ORDER BY 1"
            ).fetchall()
        ]
        rows = con.execute("SELECT eval_id, count(*) FROM evaluations GROUP BY 1 ORDER BY 1").fetchall()
    return files, reports, marked, rows  # fmt: skip


def test_a_successful_nightly_applies_retention_and_logs_each_deletion(
    settings: Settings, fake_stages: FakeStages, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _history(settings, tmp_path, models=5, evaluations=4)
    settings.nightly.retain_models = 2
    settings.nightly.retain_reports = 2
    settings.nightly.retain_evaluations = 3
    before = _state(settings)

    fake_stages.fail["evaluate"] = JobFailedError("evaluation failed")
    with pytest.raises(StageFailedError):
        run_nightly(settings)
    assert _state(settings) == before  # a failed run deletes nothing

    del fake_stages.fail["evaluate"]
    with caplog.at_level(logging.INFO, logger="recdb.nightly.retention"):
        assert run_nightly(settings).status == "succeeded"
    files, reports, marked, rows = _state(settings)
    # newest 2 (4, 5) + the served model 2; 1 and 3 go, and the temp file a killed save left.
    assert files == ["model-2.pt", "model-4.pt", "model-5.pt"]
    assert marked == [1, 3]
    assert reports == ["eval-0003", "eval-0004"]
    assert rows == [(2, 10), (3, 10), (4, 10)]
    logged = caplog.text
    assert "deleted model 1's checkpoint" in logged and "deleted model 3's checkpoint" in logged
    assert "model-99.pt.tmp" in logged
    assert (
        "deleted evaluation 1's report folder" in logged and "deleted evaluation 2's report folder" in logged
    )
    assert "deleted 10 evaluations rows of evaluation runs 1..1" in logged

    caplog.clear()
    with caplog.at_level(logging.INFO, logger="recdb.nightly.retention"):
        run_nightly(settings, force=True)
    assert _state(settings) == (files, reports, marked, rows) and "deleted" not in caplog.text


def test_zero_keeps_everything(settings: Settings, fake_stages: FakeStages, tmp_path: Path) -> None:
    _history(settings, tmp_path, models=3, evaluations=2)
    settings.nightly.retain_models = settings.nightly.retain_reports = 0
    settings.nightly.retain_evaluations = 0
    files, reports, marked, rows = _state(settings)
    run_nightly(settings)
    after = _state(settings)
    assert after[1:] == (reports, marked, rows) and after[0] == [f for f in files if not f.endswith(".tmp")]
