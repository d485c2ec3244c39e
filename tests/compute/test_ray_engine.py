"""The Ray engine on a local 2-CPU cluster and tiny demo data: the same lists as the local engine, a
killed scoring actor publishes a complete run or nothing, and a nightly trains and scores on Ray."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from recdb.errors import JobFailedError
from recdb.nightly.pipeline import run_nightly
from recdb.scoring.job import score_all
from recdb.settings import Settings, load_settings
from recdb.training.trainer import train_model
from tests.compute import ray_support
from tests.compute.ray_support import parked_loader, query
from tests.settings_support import demo_database, demo_files, tiny_model_config, with_sections

pytestmark = [pytest.mark.ray, pytest.mark.slow]


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory, ray_session: ModuleType) -> tuple[Settings, int]:
    """Tiny demo data and a model trained on the local engine; settings for the ray engine."""
    root = tmp_path_factory.mktemp("ray-engine")
    base = load_settings(
        overrides={
            "database": {"path": root / "recdb.duckdb", "checkpoint_dir": root / "models", "threads": 1},
            "data": {"cache_dir": root / "cache"},
            "demo": {"dir": root / "demo"},
            "evaluate": {"report_dir": root / "reports"},
            "compute": {"exchange_dir": str(root / "exchange"), "workers": 2},
        }
    )
    files = demo_files(tmp_path_factory, 5000)
    settings = demo_database(
        base,
        files,
        data={"source": str(files)},
        model=tiny_model_config(),
        train={"epochs": 2, "negatives": 16, "threads": 1},
        score={"k": 10, "chunk_users": 16},
        nightly={"evaluate": False},
    )
    model_id = train_model(settings).model_id
    return settings, model_id


def _on_ray(settings: Settings) -> Settings:
    return with_sections(settings, compute={"engine": "ray"})


def _lists(settings: Settings, run_id: int) -> list[tuple[Any, ...]]:
    return query(settings, "lists", run_id=run_id)


@pytest.mark.parametrize("retries", [3, 0], ids=["retried", "no-retries"])
def test_a_killed_scoring_actor_publishes_a_complete_run_or_nothing(
    trained: tuple[Settings, int], tmp_path: Path, ray_session: ModuleType, retries: int
) -> None:
    settings, model_id = trained
    settings = with_sections(settings, compute={"max_retries": retries})
    ray_session.cloudpickle.register_pickle_by_value(ray_support)  # the actors need not import tests/
    (tmp_path / "armed").touch()
    outcome: dict[str, Any] = {}

    def score() -> None:
        try:
            loader = parked_loader(tmp_path)
            outcome["result"] = score_all(_on_ray(settings), model_id=model_id, loader=loader)
        except Exception as exc:  # the run failing is allowed; publishing part of it is not
            outcome["error"] = exc

    served_before = query(settings, "served")
    thread = threading.Thread(target=score)
    thread.start()
    deadline = time.monotonic() + 120
    while not (tmp_path / "pid").exists() and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    pid = int((tmp_path / "pid").read_text())
    (tmp_path / "armed").unlink()
    os.kill(pid, signal.SIGKILL)
    thread.join(timeout=180)
    assert not thread.is_alive()
    users, served = query(settings, "users"), query(settings, "served")
    if retries:  # Ray restarted the actor and retried its block: a whole run
        assert "result" in outcome, outcome.get("error")
        result = outcome["result"]
        assert served == [(result.run_id,)]
        listed = {row[0] for row in _lists(settings, result.run_id)}
        assert len(listed) == result.users == users[0][0]
    else:  # no retry left: the run fails, nothing is published, the previous run is still served
        assert isinstance(outcome.get("error"), JobFailedError), outcome
        assert served == served_before


def test_a_nightly_on_ray_trains_and_scores_there_and_the_local_engine_lists_the_same(
    trained: tuple[Settings, int],
) -> None:
    settings, local_model = trained
    result = run_nightly(_on_ray(settings), force=True)
    assert result.status == "succeeded", result.message
    [(run_id, model_id, score_run, served_model)] = query(settings, "newest_run")
    rows = query(settings, "stage_engines", run_id=run_id)
    engines = {stage: (engine, workers) for stage, engine, workers in rows}
    epochs = query(settings, "history_rows", model_id=model_id)
    rmse = dict(query(settings, "ready_rmse"))
    assert engines["train"] == ("ray", 2) and engines["score"] == ("ray", 2)
    assert engines["load"] == ("local", 1)
    assert epochs == [(settings.train.epochs,)]
    # tiny data, 2 epochs: the same loop on two shards lands near the local model (1 %: bench/scale.py)
    assert abs(rmse[model_id] - rmse[local_model]) / rmse[local_model] < 0.1
    # the Ray-trained (refit) model scored here publishes the lists Ray published
    local = score_all(settings, model_id=served_model)
    a, b = _lists(settings, local.run_id), _lists(settings, score_run)
    assert len(a) == len(b) > 0
    assert [row[:3] for row in a] == [row[:3] for row in b]
    assert max(abs(x[3] - y[3]) for x, y in zip(a, b, strict=True)) < 1e-5
    assert not any(Path(settings.compute.exchange_dir).iterdir())  # each job removed its folder
