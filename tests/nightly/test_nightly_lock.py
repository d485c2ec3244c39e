"""The job lock: one job at a time, an immediate busy exit naming the holder, stale locks taken over."""

from __future__ import annotations

import fcntl
import json
import logging
import os
import signal
import subprocess
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from recdb.db import open_db
from recdb.errors import BusyError, ExitCode
from recdb.nightly.lock import job_lock, lock_path, read_holder
from recdb.settings import Settings
from tests.nightly.nightly_support import checks, cli_env, fake_nightly_cmd, recdb_cmd


def test_second_holder_is_refused_with_the_first_ones_name(settings: Settings) -> None:
    # Another open file description holding the flock stands for another process (the real-process
    # version is test_second_nightly_exits_busy_at_once...).
    path = lock_path(settings.database)
    path.parent.mkdir(parents=True, exist_ok=True)
    started = (datetime.now(timezone.utc) - timedelta(minutes=5)).isoformat(timespec="seconds")
    record = {
        "pid": os.getpid(),
        "host": os.uname().nodename,
        "started_at": started,
        "command": "recdb load x",
    }
    fd = os.open(path, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.write(fd, json.dumps(record).encode())
        with pytest.raises(BusyError) as info, job_lock(settings, "recdb nightly"):
            pass
    finally:
        os.close(fd)
    message = str(info.value)
    assert f"pid {os.getpid()}" in message and "`recdb load x`" in message and started in message
    assert info.value.exit_code == ExitCode.BUSY
    with job_lock(settings, "again") as holder:  # released: taken over (the record was left behind)
        assert read_holder(path) == holder
    assert path.read_text() == ""  # released cleanly: the record is emptied


def test_the_lock_is_reentrant_within_a_process(settings: Settings) -> None:
    with job_lock(settings, "recdb nightly") as outer, job_lock(settings, "recdb load") as inner:
        assert inner is outer
        assert read_holder(lock_path(settings.database)) == outer  # the inner exit keeps the lock
    assert read_holder(lock_path(settings.database)) is None


def test_a_stale_lock_record_is_taken_over_and_logged(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    path = lock_path(settings.database)
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "pid": 999_999_999,
        "host": os.uname().nodename,
        "started_at": (datetime.now(timezone.utc) - timedelta(hours=3)).isoformat(timespec="seconds"),
        "command": "recdb nightly",
    }
    path.write_text(json.dumps(record))
    with caplog.at_level(logging.WARNING), job_lock(settings, "recdb nightly") as holder:
        assert holder.pid == os.getpid()
    assert (
        "stale lock file" in caplog.text
        and "pid 999999999" in caplog.text
        and "no longer running" in caplog.text
    )


def test_unwritable_lock_folder_is_a_clear_error(tmp_path: Path, settings: Settings) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    settings.database.path = blocker / "recdb.duckdb"
    with pytest.raises(Exception) as info, job_lock(settings, "recdb nightly"):
        pass
    assert "lock" in str(info.value) and str(blocker) in str(info.value)


def _wait_for(marker: Path, text: str, proc: subprocess.Popen[str], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if marker.exists() and text in marker.read_text():
            return
        if proc.poll() is not None:
            raise AssertionError(
                f"exited {proc.returncode} before {text!r}: {proc.stderr.read() if proc.stderr else ''}"
            )
        time.sleep(0.05)
    raise AssertionError(f"process never reached {text!r}")


@pytest.mark.slow
def test_second_nightly_exits_busy_at_once_and_a_killed_holder_is_taken_over(
    settings: Settings, tmp_path: Path, spawned: list[subprocess.Popen[str]]
) -> None:
    marker = tmp_path / "reached"
    env = cli_env(
        settings, RECDB_TEST_PAUSE_AT="load", RECDB_TEST_PAUSE_FILE=str(marker), RECDB_TEST_PAUSE_S="120"
    )
    first = subprocess.Popen(
        fake_nightly_cmd("nightly"), env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    spawned.append(first)
    _wait_for(marker, "load", first)

    started = time.monotonic()
    second = subprocess.run(
        recdb_cmd("nightly"), env=cli_env(settings), text=True, capture_output=True, timeout=60
    )
    assert second.returncode == ExitCode.BUSY
    lines = second.stderr.strip().splitlines()
    assert len(lines) == 1, second.stderr  # one clear line for cron
    assert f"pid {first.pid}" in lines[0] and "nightly" in lines[0] and "started 20" in lines[0]
    assert time.monotonic() - started < 30  # at once: no waiting for the lock (process start-up only)

    status = subprocess.run(
        recdb_cmd("status", "--json"), env=cli_env(settings), text=True, capture_output=True, timeout=60
    )
    assert status.returncode == 0, status.stderr
    lock = json.loads(status.stdout)["lock"]
    assert lock["state"] == "held" and lock["pid"] == first.pid

    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    third = subprocess.run(
        fake_nightly_cmd("nightly"), env=cli_env(settings), text=True, capture_output=True, timeout=120
    )
    assert third.returncode == 0, third.stderr
    assert "stale lock file" in third.stderr and f"pid {first.pid}" in third.stderr
    assert "was left 'running' by a process that died" in third.stderr
    with open_db(settings.database, read_only=True) as con:
        runs = con.execute(checks()["run_rows"]).fetchall()
        stages = con.execute(checks()["stage_rows"], {"run_id": 1}).fetchall()
    assert runs[0][:2] == (1, "abandoned") and runs[1][:3] == (2, "succeeded", 0)
    assert [s[:2] for s in stages] == [("load", "abandoned")]


@pytest.mark.slow
def test_sigterm_records_the_run_as_failed_with_one_line(settings: Settings, tmp_path: Path) -> None:
    marker = tmp_path / "reached"
    env = cli_env(
        settings, RECDB_TEST_PAUSE_AT="train", RECDB_TEST_PAUSE_FILE=str(marker), RECDB_TEST_PAUSE_S="120"
    )
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    proc = subprocess.Popen(fake_nightly_cmd("nightly"), env=env, text=True, **pipes)  # type: ignore[call-overload]
    try:
        _wait_for(marker, "train", proc)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == ExitCode.JOB_FAILED
    expected = (
        "recdb: error: nightly run 1 failed in stage train: terminated by SIGTERM"
        " (no recommendations are published yet)"
    )
    assert err.strip().splitlines() == [expected]
    with open_db(settings.database, read_only=True) as con:
        runs = con.execute(checks()["run_rows"]).fetchall()
    assert runs[0][:4] == (1, "failed", 4, "terminated by SIGTERM")
    assert lock_path(settings.database).read_text() == ""  # released cleanly
