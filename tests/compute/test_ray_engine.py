"""The Ray engine on a local 2-CPU cluster and tiny demo data: the same lists as the local engine, a
killed scoring actor publishes a complete run or nothing, a nightly trains and scores on Ray, and an
evaluation ranked on Ray has the local engine's figures, a killed ranking actor's block retried."""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from typing import Any

import polars as pl
import pytest
import torch

from recdb.catalog import load_catalog
from recdb.compute import ray_eval
from recdb.compute.engine import ranker
from recdb.db import open_db
from recdb.errors import JobFailedError
from recdb.evaluation.core import ranking
from recdb.evaluation.data import EvalSet, read_split
from recdb.evaluation.runner import evaluate
from recdb.nightly.pipeline import run_nightly
from recdb.scoring.job import score_all
from recdb.settings import Settings, load_settings
from recdb.training.registry import load_predictor
from recdb.training.trainer import train_model
from tests.compute import ray_support
from tests.compute.ray_support import ParkedPredictor, parked_loader, query
from tests.settings_support import demo_database, demo_files, tiny_model_config, with_sections

# one worker runs them all (pytest-xdist), so they share one local cluster
pytestmark = [pytest.mark.ray, pytest.mark.slow, pytest.mark.xdist_group("ray")]


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
        evaluate={"chunk_users": 16, "max_k": 20},  # a few blocks per method, over both actors
        nightly={"evaluate": False},
    )
    model_id = train_model(settings).model_id
    return settings, model_id


def _on_ray(settings: Settings) -> Settings:
    return with_sections(settings, compute={"engine": "ray"})


def _lists(settings: Settings, run_id: int) -> list[tuple[Any, ...]]:
    return query(settings, "lists", run_id=run_id)


def _park_and_kill(gate: Path, work: Any) -> dict[str, Any]:
    """Run ``work()`` in a thread while ``gate/armed`` parks a ParkedPredictor's block; kill the actor
    process that parked it, then let it go. The outcome: {"result": ...} or {"error": exception}."""
    (gate / "armed").touch()
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["result"] = work()
        except Exception as exc:  # the run failing is allowed where the caller says so
            outcome["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    deadline = time.monotonic() + 120
    while not (gate / "pid").exists() and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    pid = int((gate / "pid").read_text())
    (gate / "armed").unlink()
    os.kill(pid, signal.SIGKILL)
    thread.join(timeout=180)
    assert not thread.is_alive()
    return outcome


@pytest.mark.parametrize("retries", [3, 0], ids=["retried", "no-retries"])
def test_a_killed_scoring_actor_publishes_a_complete_run_or_nothing(
    trained: tuple[Settings, int], tmp_path: Path, ray_session: ModuleType, retries: int
) -> None:
    settings, model_id = trained
    settings = with_sections(settings, compute={"max_retries": retries})
    ray_session.cloudpickle.register_pickle_by_value(ray_support)  # the actors need not import tests/
    served_before = query(settings, "served")
    loader = parked_loader(tmp_path)
    outcome = _park_and_kill(tmp_path, lambda: score_all(_on_ray(settings), model_id=model_id, loader=loader))
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


def test_an_evaluation_ranked_on_ray_has_the_local_engine_s_figures(
    trained: tuple[Settings, int], caplog: pytest.LogCaptureFixture
) -> None:
    settings, model_id = trained
    local = evaluate(settings, model_id=model_id)
    with caplog.at_level(logging.INFO, logger=ray_eval.__name__):
        remote = evaluate(_on_ray(settings), model_id=model_id)
    ranked_on_ray = [r for r in caplog.records if r.name == ray_eval.__name__ and "Ray actors" in r.message]
    assert len(ranked_on_ray) == len(remote.results) > 1  # the model and every baseline ranked there
    timings = pl.col("metric").is_in(["fit_seconds", "eval_seconds"])
    figures = [r.metrics.filter(~timings).sort("method", "metric", "k") for r in (local, remote)]
    assert figures[0].equals(figures[1])
    assert {"ndcg", "precision", "recall"} <= set(figures[0].filter(pl.col("k") > 1)["metric"])


def test_a_killed_ranking_actor_s_block_is_retried(
    trained: tuple[Settings, int], tmp_path: Path, ray_session: ModuleType
) -> None:
    settings, model_id = trained
    ray_session.cloudpickle.register_pickle_by_value(ray_support)
    ev = settings.evaluate
    with open_db(settings.database) as con:
        catalog = load_catalog(con)
        predictor, record = load_predictor(con, settings, model_id)
        split = read_split(con, record.split_id)
    data = EvalSet.build(split, catalog, ev.relevance_threshold)
    predictor.bind(replace(catalog, rated=data.rated))
    parked = ParkedPredictor(predictor, tmp_path, first_row=int(data.rank_users[0]))

    def rank_on_ray() -> Any:
        with ranker(_on_ray(settings)) as rank:
            return rank(parked, data, ev.max_k, ev.chunk_users)

    outcome = _park_and_kill(tmp_path, rank_on_ray)
    assert "result" in outcome, outcome.get("error")
    got, expected = outcome["result"], ranking(predictor, data, ev.max_k, ev.chunk_users)
    assert torch.equal(got.top, expected.top) and torch.equal(got.hits, expected.hits)
    assert torch.equal(got.raw10, expected.raw10)


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
