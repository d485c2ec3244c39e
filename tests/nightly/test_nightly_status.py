"""``recdb status`` (text and JSON), its alerts, and the log set-up cron relies on."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from recdb.errors import ExitCode, JobFailedError
from recdb.jobs.cli import main
from recdb.logs import JsonFormatter, setup_logging
from recdb.nightly.lock import lock_path
from recdb.nightly.pipeline import StageFailedError, run_nightly
from recdb.nightly.status import alerts, collect_status, format_status
from recdb.settings import LogSettings, Settings
from tests.nightly.nightly_support import FakeStages


def hours_ago(hours: float) -> str:
    """A lock record's ``started_at`` relative to now (UTC), well inside nightly.alert_age_hours."""
    return (datetime.now(timezone.utc) - timedelta(hours=hours)).isoformat(timespec="seconds")


def test_status_lists_runs_stages_and_alerts(settings: Settings, fake_stages: FakeStages) -> None:
    run_nightly(settings)
    fake_stages.fail["train"] = JobFailedError("training diverged")
    with pytest.raises(StageFailedError):
        run_nightly(settings)
    status = collect_status(settings)
    assert [r["status"] for r in status["runs"]] == ["failed", "succeeded"]
    assert [s["stage"] for s in status["runs"][1]["stages"]] == ["load", "train", "score", "evaluate"]
    assert status["runs"][0]["stages"][1]["error"] == "training diverged"
    assert status["metrics"]["train"]["valid"] == {"mae": 0.7} and status["metrics"]["run_id"] == 1
    assert status["last_success"]["run_id"] == 1
    assert status["lock"]["state"] == "free"
    # the fakes publish nothing in the real tables
    assert status["alerts"] == [
        "last nightly run 2 failed: training diverged",
        "no recommendations are published",
    ]
    text = format_status(status)
    assert (
        "ALERT: last nightly run 2 failed" in text and "train failed" in text and "valid: mae 0.7000" in text
    )


def test_alert_rules() -> None:
    base = {"runs": [{"run_id": 3, "status": "succeeded", "error": None}], "lock": {"state": "free"},
            "published": {"run_id": 9, "age_hours": 3.0}}  # fmt: skip
    assert alerts(base, 26) == []
    assert "30.0 h old" in alerts({**base, "published": {"run_id": 9, "age_hours": 30.0}}, 26)[0]
    hung = {**base, "lock": {"state": "held", "age_hours": 40.0, "command": "recdb nightly", "pid": 7}}
    assert alerts(hung, 26) == ["a job has held the lock for 40.0 h: recdb nightly (pid 7)"]
    assert alerts({**base, "lock": {"state": "stale", "age_hours": 99.0}}, 26) == []
    assert (
        "abandoned" in alerts({**base, "runs": [{"run_id": 4, "status": "abandoned", "error": "x"}]}, 26)[0]
    )


def test_status_command_json_and_check(
    settings: Settings, fake_stages: FakeStages, capsys: pytest.CaptureFixture[str]
) -> None:
    run_nightly(settings)
    lock = lock_path(settings.database)
    record = {"pid": os.getpid(), "host": os.uname().nodename,
              "started_at": hours_ago(1), "command": "recdb nightly"}  # fmt: skip
    lock.write_text(json.dumps(record))
    assert main(["--db", str(settings.database.path), "status", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["runs"][0]["status"] == "succeeded" and out["lock"]["state"] == "held"
    assert out["lock"]["pid"] == os.getpid() and out["ok"] is False
    assert main(["--db", str(settings.database.path), "status", "--check"]) == ExitCode.JOB_FAILED
    captured = capsys.readouterr()
    assert "lock: held: recdb nightly" in captured.out
    assert captured.err.strip().splitlines() == ["recdb: error: no recommendations are published"]


def test_status_of_a_missing_database_names_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.duckdb"
    assert main(["--db", str(missing), "status"]) == ExitCode.USAGE
    assert str(missing) in capsys.readouterr().err


def test_file_only_records_stay_off_stderr_and_json_carries_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log_file = tmp_path / "logs" / "recdb.log"
    setup_logging(LogSettings(file=log_file, json_format=True), verbosity=0)
    try:
        log = logging.getLogger("recdb.nightly.test")
        log.error("nightly run 4 failed in stage train: boom", extra={"run_id": 4, "file_only": True})
        log.warning("stale lock taken over", extra={"run_id": 5, "stage": "load"})
        err = capsys.readouterr().err
        assert "boom" not in err and "stale lock taken over" in err
        lines = [json.loads(line) for line in log_file.read_text().splitlines()]
        assert (
            lines[0]["message"].endswith("boom") and lines[0]["run_id"] == 4 and lines[0]["level"] == "ERROR"
        )
        assert lines[1]["stage"] == "load"
    finally:
        for handler in list(logging.getLogger().handlers):
            logging.getLogger().removeHandler(handler)
            handler.close()


def test_json_formatter_is_one_line_per_record() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "a\nb", None, None)
    assert "\n" not in JsonFormatter().format(record)


@pytest.mark.slow
def test_status_while_a_job_holds_the_write_lock_reports_the_job(
    settings: Settings, fake_stages: FakeStages, tmp_path: Path
) -> None:
    run_nightly(settings)
    ready = tmp_path / "ready"
    hold = (
        "import duckdb, pathlib, sys, time; con = duckdb.connect(sys.argv[1]); "
        "pathlib.Path(sys.argv[2]).touch(); time.sleep(60)"
    )
    writer = subprocess.Popen([sys.executable, "-c", hold, str(settings.database.path), str(ready)])
    try:
        record = {"pid": writer.pid, "host": os.uname().nodename,
                  "started_at": hours_ago(1), "command": "recdb load big"}  # fmt: skip
        lock_path(settings.database).write_text(json.dumps(record))
        while not ready.exists():
            time.sleep(0.05)
        status = collect_status(settings)
    finally:
        writer.kill()
        writer.wait()
    assert status["database_busy"] and status["lock"]["state"] == "held"
    assert status["alerts"] == []  # a long write is not an alert; a lock held too long is
