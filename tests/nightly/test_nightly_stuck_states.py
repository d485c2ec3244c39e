"""Misreported and stuck states (hostile testing #58, #60, #66): what a failed run says it left
served, stage and model rows that stay 'running'/'training' forever, a run left 'running' when a
reader held the database, and a deleted checkpoint skipped over every night.
"""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path
from typing import Any

import pytest

from recdb.db import open_db, queries
from recdb.errors import BusyError, ExitCode, JobFailedError
from recdb.ingest.demo import generate_demo
from recdb.ingest.load import load_dataset
from recdb.nightly import records
from recdb.nightly.lock import job_lock
from recdb.nightly.pipeline import StageFailedError, run_nightly
from recdb.nightly.status import collect_status
from recdb.settings import Settings
from recdb.training.splits import ensure_split
from tests.nightly.nightly_support import FakeStages, checks, insert_running_run, real_stages_missing
from tests.settings_support import with_sections

_DISK_FULL = OSError(28, "No space left on device")


def _run_rows(settings: Settings) -> list[tuple]:
    with open_db(settings.database, read_only=True) as con:
        return con.execute(checks()["run_rows"]).fetchall()


def _stage_status(settings: Settings, run_id: int) -> dict[str, str]:
    with open_db(settings.database, read_only=True) as con:
        rows = con.execute(checks()["stage_rows"], {"run_id": run_id}).fetchall()
    return {r[0]: r[1] for r in rows}


def _failing(real: Any, stage: str, status: str | None = None) -> Any:
    """A records function that fails (disk full) for one stage, and for one status when given."""

    def record(settings: Settings, run_id: int, name: str, **kwargs: Any) -> None:
        if name == stage and (status is None or kwargs.get("status") == status):
            raise _DISK_FULL
        real(settings, run_id, name, **kwargs)

    return record


@pytest.mark.parametrize(
    ("function", "stage", "status"),
    [("start_stage", "evaluate", None), ("finish_stage", "score", "succeeded")],
)
def test_a_failure_after_the_publish_says_the_new_run_was_published(
    settings: Settings,
    fake_stages: FakeStages,
    monkeypatch: pytest.MonkeyPatch,
    function: str,
    stage: str,
    status: str | None,
) -> None:
    monkeypatch.setattr(records, function, _failing(getattr(records, function), stage, status))
    with pytest.raises(StageFailedError) as info:
        run_nightly(settings)
    message = str(info.value)
    assert info.value.exit_code == ExitCode.JOB_FAILED
    assert message.startswith(f"nightly run 1 failed in stage {stage}: OSError: [Errno 28] No space left")
    assert message.endswith("(the new recommendations, score run 1, were published)"), message
    assert "still served" not in message
    assert _run_rows(settings)[0][:2] == (1, "failed")


def test_a_failed_run_leaves_no_stage_running(
    settings: Settings, fake_stages: FakeStages, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The stage's own failure record cannot be written (the disk is full for a moment), the run's can.
    monkeypatch.setattr(records, "finish_stage", _failing(records.finish_stage, "train", "failed"))
    fake_stages.fail["train"] = JobFailedError("training diverged")
    with pytest.raises(StageFailedError):
        run_nightly(settings)
    assert _stage_status(settings, 1) == {"load": "succeeded", "train": "failed"}


def test_a_model_left_training_by_a_dead_process_is_marked_failed(
    settings: Settings, fake_stages: FakeStages, tmp_path: Path
) -> None:
    load_dataset(settings, generate_demo(tmp_path / "data", ratings=2000, seed=0))
    q = queries("training")
    with open_db(settings.database) as con:
        split_id = ensure_split(con, settings.train)
        params = {"architecture": "hybrid", "config": "{}", "load_id": 1, "split_id": split_id}
        (killed,) = con.execute(q.insert_model, params).fetchone()  # type: ignore[misc]
    run_nightly(settings)
    with open_db(settings.database, read_only=True) as con:
        status, message = con.execute(
            "SELECT status, message FROM models WHERE model_id = ?", [killed]
        ).fetchone()  # type: ignore[misc]
    assert status == "failed" and message.startswith("abandoned: ") and "died" in message


def test_a_database_held_at_publish_fails_the_run_with_exit_4(
    settings: Settings, fake_stages: FakeStages
) -> None:
    held = f"database {settings.database.path} is still locked by another process after 10 s: IO Error"
    fake_stages.fail["score"] = BusyError(held)
    with pytest.raises(StageFailedError) as info:
        run_nightly(settings)
    assert info.value.exit_code == ExitCode.JOB_FAILED  # a run that failed pages; exit 5 means "did nothing"
    assert "consumers must close it between queries" in str(info.value)
    assert _run_rows(settings)[0][:3] == (1, "failed", 4)


def test_recording_the_failure_waits_for_a_reader_to_let_go(
    settings: Settings, fake_stages: FakeStages, monkeypatch: pytest.MonkeyPatch
) -> None:
    real, attempts = records.finish_run, []

    def held_once(*args: Any, **kwargs: Any) -> None:
        attempts.append(kwargs["status"])
        if len(attempts) == 1:
            raise BusyError("database is still locked by another process after 10 s")
        real(*args, **kwargs)

    monkeypatch.setattr(records, "finish_run", held_once)
    fake_stages.fail["score"] = BusyError("database is still locked by another process after 10 s")
    with pytest.raises(StageFailedError):
        run_nightly(settings)
    assert attempts == ["failed", "failed"]
    assert _run_rows(settings)[0][:2] == (1, "failed")  # not left 'running'


def test_status_alerts_about_a_running_run_whose_process_holds_no_lock(
    settings: Settings, fake_stages: FakeStages
) -> None:
    run_nightly(settings)
    host = socket.gethostname()
    mine = insert_running_run(settings, host=host, pid=os.getpid())
    with job_lock(settings, "recdb nightly"):  # its process holds the lock: running, all is well
        assert not any("recorded 'running'" in a for a in collect_status(settings)["alerts"])
    status = collect_status(settings)  # the lock is free: nobody is running it
    assert status["orphaned_run"] == mine
    assert any(f"nightly run {mine} is recorded 'running'" in a for a in status["alerts"])


@pytest.mark.slow
def test_a_deleted_checkpoint_is_retrained_not_skipped_and_alerted(
    settings: Settings, tmp_path: Path
) -> None:
    if real_stages_missing():
        pytest.skip(real_stages_missing() or "")
    data = generate_demo(tmp_path / "data", ratings=3000, seed=0)
    tiny = with_sections(
        settings,
        data={"source": str(data)},
        train={"epochs": 1, "negatives": 16, "threads": 1},
        model={"embed_dim": 8, "hidden_dim": 16, "word_dim": 8, "title_filters": 4},
        score={"k": 10},
        nightly={"evaluate": False},
    )
    first = run_nightly(tiny)
    assert first.status == "succeeded" and collect_status(tiny)["alerts"] == []
    # the served model is the refit (the train stage's metrics: "refit")
    checkpoint = json.loads(records_metrics(tiny, first.run_id, "train"))["refit"]["checkpoint_path"]
    Path(checkpoint).unlink()
    alerts = collect_status(tiny)["alerts"]
    assert alerts == [
        f"the served model {first.model_id}'s checkpoint {checkpoint} is missing: "
        "recdb predict fails until a nightly retrains (recdb nightly --force)"
    ]
    second = run_nightly(tiny)  # the data did not change, but the model is unusable
    assert second.status == "succeeded" and second.model_id != first.model_id
    assert collect_status(tiny)["alerts"] == []


def records_metrics(settings: Settings, run_id: int, stage: str) -> str:
    with open_db(settings.database, read_only=True) as con:
        rows = con.execute(checks()["stage_rows"], {"run_id": run_id}).fetchall()
    return next(r[4] for r in rows if r[0] == stage)
