"""run_nightly with fake stages: stage order, records, the skip rule, failures and their exit codes."""

from __future__ import annotations

import json

import pytest

from recdb.db import open_db
from recdb.errors import DataError, ExitCode, JobFailedError
from recdb.nightly import records
from recdb.nightly.pipeline import StageFailedError, run_nightly
from recdb.settings import Settings
from tests.nightly.nightly_support import FakeStages, checks, insert_running_run
from tests.settings_support import with_sections


def _runs(settings: Settings) -> list[tuple]:
    with open_db(settings.database, read_only=True) as con:
        return con.execute(checks()["run_rows"]).fetchall()


def _stages(settings: Settings, run_id: int) -> dict[str, tuple]:
    with open_db(settings.database, read_only=True) as con:
        rows = con.execute(checks()["stage_rows"], {"run_id": run_id}).fetchall()
    return {r[0]: r[1:] for r in rows}


def test_first_run_runs_every_stage_and_records_them(settings: Settings, fake_stages: FakeStages) -> None:
    result = run_nightly(settings)
    assert result.status == "succeeded"
    assert fake_stages.stages_called() == ["load", "train", "score", "evaluate"]
    assert fake_stages.calls[2] == ("score", {"model_id": 1})  # scores the model it just trained
    assert [s.stage for s in result.stages] == ["load", "train", "score", "evaluate"]
    assert _runs(settings) == [(1, "succeeded", 0, None, 1, 1)]
    recorded = _stages(settings, 1)
    assert {k: v[0] for k, v in recorded.items()} == dict.fromkeys(
        ("load", "train", "score", "evaluate"), "succeeded"
    )
    assert recorded["train"][1] == 80 and recorded["train"][2] >= 0
    assert json.loads(recorded["train"][3])["valid"] == {"mae": 0.7}


def test_unchanged_data_skips_training_and_scoring(settings: Settings, fake_stages: FakeStages) -> None:
    fake_stages.actions = ["initial", "unchanged"]
    run_nightly(settings)
    result = run_nightly(settings)
    assert result.status == "skipped"
    assert "data unchanged since nightly run 1" in result.message
    assert fake_stages.stages_called() == ["load", "train", "score", "evaluate", "load"]
    assert {k: v[0] for k, v in _stages(settings, 2).items()} == {
        "load": "succeeded",
        "train": "skipped",
        "score": "skipped",
        "evaluate": "skipped",
    }
    assert _runs(settings)[1][:3] == (2, "skipped", 0)
    # a skipped run counts as current: the next unchanged run skips as well
    assert run_nightly(settings).status == "skipped"


def test_force_retrains_unchanged_data(settings: Settings, fake_stages: FakeStages) -> None:
    fake_stages.actions = ["initial", "unchanged"]
    run_nightly(settings)
    assert run_nightly(settings, force=True).status == "succeeded"
    assert fake_stages.stages_called().count("train") == 2
    forced = with_sections(settings, nightly={"force": True})
    assert run_nightly(forced).status == "succeeded"


def test_appended_ratings_retrain_and_rescore(settings: Settings, fake_stages: FakeStages) -> None:
    fake_stages.actions = ["initial", "append"]
    run_nightly(settings)
    result = run_nightly(settings)
    assert result.status == "succeeded" and result.model_id == 2 and result.load_action == "append"


def test_unchanged_after_a_failed_run_retrains(settings: Settings, fake_stages: FakeStages) -> None:
    fake_stages.actions = ["initial", "unchanged"]
    fake_stages.fail["score"] = JobFailedError("contract check failed")
    with pytest.raises(StageFailedError):
        run_nightly(settings)
    del fake_stages.fail["score"]
    fake_stages.published = True
    assert run_nightly(settings).status == "succeeded"  # the failed run published nothing new


def test_unchanged_without_published_recommendations_retrains(
    settings: Settings, fake_stages: FakeStages
) -> None:
    fake_stages.actions = ["initial", "unchanged"]
    run_nightly(settings)
    fake_stages.published = False  # e.g. someone dropped the published run
    assert run_nightly(settings).status == "succeeded"


def test_stage_failure_is_recorded_with_its_exit_code(settings: Settings, fake_stages: FakeStages) -> None:
    fake_stages.fail["train"] = JobFailedError("training diverged (loss is NaN)")
    with pytest.raises(StageFailedError) as info:
        run_nightly(settings)
    assert info.value.exit_code == ExitCode.JOB_FAILED
    message = str(info.value)
    assert message.startswith("nightly run 1 failed in stage train: training diverged")
    assert message.endswith("(no recommendations are published yet)")  # the first run: nothing served
    assert fake_stages.stages_called() == ["load", "train"]
    assert _runs(settings) == [(1, "failed", 4, "training diverged (loss is NaN)", None, None)]
    assert _stages(settings, 1)["train"][0] == "failed"


def test_a_failure_after_a_published_run_says_it_is_still_served(
    settings: Settings, fake_stages: FakeStages
) -> None:
    fake_stages.actions = ["initial", "append"]
    run_nightly(settings)
    fake_stages.fail["train"] = JobFailedError("training diverged (loss is NaN)")
    with pytest.raises(StageFailedError) as info:
        run_nightly(settings)
    assert str(info.value).endswith("(the previously published recommendations are still served)")


def test_data_error_keeps_the_data_exit_code(settings: Settings, fake_stages: FakeStages) -> None:
    fake_stages.fail["load"] = DataError("rating 7 outside 1..5", file="ratings.dat", line=12)
    with pytest.raises(StageFailedError) as info:
        run_nightly(settings)
    assert info.value.exit_code == ExitCode.DATA
    assert "stage load: ratings.dat:12: rating 7 outside 1..5" in str(info.value)


def test_environment_errors_are_job_failures(settings: Settings, fake_stages: FakeStages) -> None:
    fake_stages.fail["score"] = OSError(28, "No space left on device")
    with pytest.raises(StageFailedError) as info:
        run_nightly(settings)
    assert info.value.exit_code == ExitCode.JOB_FAILED
    assert "No space left on device" in str(info.value)


def test_a_bug_propagates_unchanged_and_is_recorded(settings: Settings, fake_stages: FakeStages) -> None:
    fake_stages.fail["evaluate"] = ZeroDivisionError("division by zero")
    with pytest.raises(ZeroDivisionError):
        run_nightly(settings)
    assert _runs(settings)[0][:4] == (1, "failed", 1, "ZeroDivisionError: division by zero")


def test_evaluation_can_be_switched_off(settings: Settings, fake_stages: FakeStages) -> None:
    settings.nightly.evaluate = False
    result = run_nightly(settings)
    assert fake_stages.stages_called() == ["load", "train", "score"]
    assert result.stages[-1].stage == "evaluate" and result.stages[-1].status == "skipped"


def test_runs_left_running_by_a_dead_process_are_abandoned(
    settings: Settings, fake_stages: FakeStages
) -> None:
    dead = insert_running_run(settings, host="h", pid=999999)
    records.start_stage(settings, dead, "train")
    result = run_nightly(settings)
    assert result.abandoned_runs == [dead]
    run = _runs(settings)[0]
    assert run[:2] == (dead, "abandoned") and "died" in run[3]
    assert _stages(settings, dead)["train"][0] == "abandoned"


def test_warm_start_trains_from_the_newest_ready_model(settings: Settings, fake_stages: FakeStages) -> None:
    fake_stages.actions = ["initial", "append"]
    run_nightly(settings)
    assert fake_stages.calls[1] == ("train", {"warm_start_from": None})  # off by default
    settings.nightly.warm_start = True
    run_nightly(settings)
    assert fake_stages.calls[-3] == ("train", {"warm_start_from": 1})
    assert json.loads(_stages(settings, 2)["train"][3])["warm_start_from"] == 1
