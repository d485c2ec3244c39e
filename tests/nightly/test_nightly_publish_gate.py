"""Issue 13: the refit is served, the gate guards publishing, the served lists are measured forward.

One real scenario on tiny demo data (5,000 ratings, 1 epoch, a tiny network), each nightly in-process:
night 1 (nothing published: no gate) serves a refit; night 2 appends 500 ratings: the forward figures
of night 1's lists are recorded and a good model passes; night 3 trains a bad model (learning rate
1e-6) which the gate refuses (exit 4, the published run unchanged, status --check alerts); night 4
publishes it with --force-publish. Leakage: the gate is asked to measure the refit itself.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pytest

from recdb.db import open_db
from recdb.errors import ExitCode, JobFailedError, RecdbError
from recdb.jobs.cli import main
from recdb.nightly.gate import judge, measure
from recdb.nightly.pipeline import run_nightly
from recdb.nightly.status import collect_status, format_status
from recdb.settings import Settings
from tests.nightly.nightly_support import demo_versions
from tests.settings_support import tiny_model_config, with_sections


def _tiny(settings: Settings, source: Path, **changes: Any) -> Settings:
    # The hybrid's item-item term is off here: on 5,000 ratings it carries even an untrained network's
    # lists (that is its job), which would hide the bad model the scenario needs. The gate with the term
    # on: test_the_gate_measures_the_lists_the_evaluation_measures.
    train = {"epochs": 1, "negatives": 16, "threads": 1, "learning_rate": 0.03, "item_max_movies": 0}
    train |= changes.pop("train", {})
    nightly = {"evaluate": False, "gate_metrics": ["ndcg@10"], "gate_tolerance": 0.25}
    return with_sections(
        settings,
        data={"source": str(source)},
        train=train,
        model=tiny_model_config(),
        score={"k": 10},
        nightly=nightly | changes.pop("nightly", {}),
    )


def _sql(settings: Settings, query: str) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(settings.database.path), read_only=True)
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


def _served_run(settings: Settings) -> int:
    return int(_sql(settings, "SELECT run_id FROM latest_run")[0][0])


@pytest.mark.slow
def test_refit_gate_forward_force_publish(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    older, full = demo_versions(tmp_path / "demo")

    # night 1: nothing published → no gate; the refit on every rating is served
    first = run_nightly(_tiny(settings, older))
    assert first.status == "succeeded" and first.gate is not None and first.gate["decision"] == "first"
    evaluated, served = first.evaluated_model_id, first.model_id
    assert evaluated is not None and served is not None and served != evaluated
    rows = dict(
        (r[0], r[1:])
        for r in _sql(
            settings, "SELECT model_id, trained_on, evaluated_model_id, n_train_ratings FROM models"
        )
    )
    n_ratings = _sql(settings, "SELECT count(*) FROM ratings")[0][0]
    assert rows[served] == ("all", evaluated, n_ratings)  # 100 % of the ratings
    assert rows[evaluated][0] == "split" and rows[evaluated][2] < n_ratings
    assert _sql(settings, "SELECT model_id FROM served_run") == [(served,)]
    _check_no_leakage(settings, evaluated, served)

    # night 2: 500 ratings appended → night 1's lists measured on them; a good model passes the gate
    second = run_nightly(_tiny(settings, full))
    assert second.load_action == "append" and second.gate is not None
    assert second.gate["decision"] == "passed" and second.gate["baseline_model_id"] == evaluated
    forward = second.forward
    assert forward is not None and forward["users"] > 0 and forward["new_ratings"] > 0
    assert 0.0 <= forward["hit_rate"] <= 1.0 and 0.0 <= forward["pop_hit_rate"] <= 1.0
    assert _sql(settings, "SELECT count(*) FROM forward_measures")[0][0] == 1
    published = _served_run(settings)

    # night 3: a bad model (learning rate 1e-6) is refused: exit 4, the previous lists stay served
    bad = _tiny(settings, full, train={"learning_rate": 1e-6}, nightly={"force": True})
    with pytest.raises(RecdbError) as refused:
        run_nightly(bad)
    assert refused.value.exit_code == ExitCode.JOB_FAILED and "the gate refused" in str(refused.value)
    assert "previously published recommendations are still served" in str(refused.value)
    assert _served_run(settings) == published
    rejected, decision, metrics = _sql(
        settings, "SELECT model_id, decision, metrics FROM gate_decisions ORDER BY decided_at DESC LIMIT 1"
    )[0]
    assert decision == "rejected" and json.loads(metrics)["ndcg@10"]["ok"] is False
    assert _sql(settings, f"SELECT gate FROM models WHERE model_id = {rejected}") == [("rejected",)]
    status = collect_status(bad)
    assert any("gate refused" in alert for alert in status["alerts"]) and not status["ok"]
    assert "serving: model" in format_status(status)

    # night 4: the same bad model with --force-publish is published, recorded as forced
    forced = run_nightly(with_sections(bad, nightly=bad.nightly.model_dump() | {"force_publish": True}))
    assert forced.gate is not None and forced.gate["decision"] == "forced"
    assert _sql(settings, f"SELECT gate FROM models WHERE model_id = {forced.model_id}") == [("forced",)]
    assert _served_run(settings) != published

    # by hand: recdb evaluate refuses a refit; recdb train --refit trains and refits (no gate)
    db = str(settings.database.path)
    assert main(["--db", db, "evaluate", "--model", str(served)]) == ExitCode.USAGE
    monkeypatch.setenv("RECDB_DATABASE__CHECKPOINT_DIR", str(settings.database.checkpoint_dir))
    for key, value in tiny_model_config().items():
        monkeypatch.setenv(f"RECDB_MODEL__{key.upper()}", json.dumps(value))
    assert main(["--db", db, "train", "--refit", "--epochs", "1", "--threads", "1"]) == 0
    (trained_on, of, gate), (split_trained,) = (
        _sql(
            settings, "SELECT trained_on, evaluated_model_id, gate FROM models ORDER BY model_id DESC LIMIT 1"
        )[0],
        _sql(settings, "SELECT max(model_id) FROM models WHERE trained_on = 'split'")[0],
    )
    assert (trained_on, of, gate) == ("all", split_trained, None)


def _check_no_leakage(settings: Settings, evaluated: int, refit: int) -> None:
    """Leakage: the refit trained on the split's test ratings; the gate must refuse to score it there
    (and night 2's gate must compare with the evaluated model, asserted above as baseline_model_id)."""
    split_id = _sql(settings, f"SELECT split_id FROM models WHERE model_id = {evaluated}")[0][0]
    with open_db(settings.database, read_only=True) as con:
        assert measure(con, settings, [evaluated], split_id)[evaluated]["ndcg@10"] >= 0.0
        with pytest.raises(JobFailedError, match="leakage"):
            measure(con, settings, [refit], split_id)


def test_gate_judges_each_metric_with_a_relative_tolerance() -> None:
    figures = {1: {"rmse": 1.0, "ndcg@10": 0.30}, 2: {"rmse": 1.015, "ndcg@10": 0.298}}
    assert judge(2, 1, figures, ["rmse", "ndcg@10"], 0.02).decision == "passed"
    worse = judge(2, 1, figures, ["rmse", "ndcg@10"], 0.01)
    assert worse.decision == "rejected" and "rmse" in worse.reason and not worse.metrics["rmse"]["ok"]
    assert worse.metrics["ndcg@10"]["ok"]  # 0.298 >= 0.30 × 0.99
    nan = {1: {"rmse": float("nan")}, 2: {"rmse": 5.0}}
    assert judge(2, 1, nan, ["rmse"], 0.0).decision == "passed"  # nothing to compare against


@pytest.mark.slow
def test_the_gate_measures_the_lists_the_evaluation_measures(settings: Settings, tmp_path: Path) -> None:
    """The gate ranks with the users' history, as the evaluation does: with the hybrid's item-item term
    on (w fixed), its NDCG@10 and P@10 for a model are the evaluation's figures for that model."""
    _, full = demo_versions(tmp_path / "demo")
    tiny = _tiny(
        settings, full, train={"item_blend": 8.0, "item_max_movies": 4000}, nightly={"evaluate": True}
    )
    result = run_nightly(tiny)
    evaluated = result.evaluated_model_id
    assert result.status == "succeeded" and evaluated is not None
    [(split_id, blend)] = _sql(
        settings, f"SELECT split_id, item_blend FROM models WHERE model_id = {evaluated}"
    )
    assert blend == 8.0  # the term is on
    evaluation = dict(
        _sql(
            settings,
            f"SELECT metric, value FROM evaluations WHERE model_id = {evaluated} AND split_id = '{split_id}' "
            "AND k = 10 AND metric IN ('ndcg', 'precision')",
        )
    )
    with open_db(tiny.database, read_only=True) as con:
        gate = measure(con, tiny, [evaluated], split_id)[evaluated]
    assert gate["ndcg@10"] == pytest.approx(evaluation["ndcg"], abs=1e-9)
    assert gate["precision@10"] == pytest.approx(evaluation["precision"], abs=1e-9)
