"""The real nightly with nightly.warm_start = true: after appended ratings it trains from the last model."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from recdb.db import open_db
from recdb.settings import Settings
from tests.nightly.nightly_support import checks, demo_versions, real_stages_missing, recdb_cmd, tiny_env

pytestmark = pytest.mark.slow


def _nightly(settings: Settings, source: Path) -> subprocess.CompletedProcess[str]:
    env = tiny_env(settings, RECDB_DATA__SOURCE=str(source), RECDB_NIGHTLY__WARM_START="true")
    return subprocess.run(recdb_cmd("nightly"), env=env, text=True, capture_output=True, timeout=600)


def _train_metrics(settings: Settings, run_id: int) -> dict:
    with open_db(settings.database, read_only=True) as con:
        rows = con.execute(checks()["stage_rows"], {"run_id": run_id}).fetchall()
    train = {r[0]: r for r in rows}["train"]
    assert train[1] == "succeeded", train
    return json.loads(train[4])


def test_appended_ratings_warm_start_from_the_previous_model(settings: Settings, tmp_path: Path) -> None:
    if reason := real_stages_missing():
        pytest.skip(reason)
    older, newer = demo_versions(tmp_path / "data")

    first = _nightly(settings, older)
    assert first.returncode == 0, first.stderr
    assert _train_metrics(settings, 1)["warm_start_from"] is None  # no model yet: from scratch

    second = _nightly(settings, newer)
    assert second.returncode == 0, second.stderr
    assert "cannot warm-start" not in second.stderr
    metrics = _train_metrics(settings, 2)
    # night 1 trained model 1 on the split and served its refit, model 2: the warm start is from model 1
    # (the refit has seen today's test ratings), and night 2's split model is 3
    assert metrics["model_id"] == 3 and metrics["warm_start_from"] == 1
    with open_db(settings.database, read_only=True) as con:
        config = con.execute("SELECT config FROM models WHERE model_id = 3").fetchone()
        epochs = con.execute("SELECT count(*) FROM training_history WHERE model_id = 3").fetchone()
    assert config is not None and json.loads(config[0])["warm_start_from"] == 1
    assert epochs is not None and epochs[0] == metrics["epochs"]
