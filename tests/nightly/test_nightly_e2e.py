"""The real nightly (ingest, training, scoring) in real processes, as cron runs it, on tiny demo data.

Includes the concurrent-reader check: a consumer process (nightly_reader.py) queries
latest_recommendations in a loop throughout a full nightly and must only ever see whole runs.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from recdb.errors import ExitCode
from recdb.settings import Settings
from tests.nightly.nightly_support import (
    check_reader_snapshot,
    demo_versions,
    real_stages_missing,
    recdb_cmd,
    snapshot,
    tiny_env,
)

pytestmark = pytest.mark.slow

READER = Path(__file__).with_name("nightly_reader.py")


@pytest.fixture
def real_stages() -> None:
    reason = real_stages_missing()
    if reason:
        pytest.skip(reason)


def nightly(settings: Settings, source: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = tiny_env(settings, RECDB_DATA__SOURCE=str(source))
    return subprocess.run(recdb_cmd("nightly", *args), env=env, text=True, capture_output=True, timeout=600)


def status(settings: Settings) -> dict:
    done = subprocess.run(
        recdb_cmd("status", "--json"), env=tiny_env(settings), text=True, capture_output=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_nightly_publishes_skips_unchanged_data_and_retrains_with_a_reader_throughout(
    settings: Settings, tmp_path: Path, real_stages: None, spawned: list[subprocess.Popen[bytes]]
) -> None:
    older, newer = demo_versions(tmp_path / "data")

    first = nightly(settings, older)
    assert first.returncode == 0, first.stderr
    assert first.stdout == ""  # quiet on success when not on a terminal
    assert "error" not in first.stderr.lower()
    seen = snapshot(settings.database.path)
    assert seen["ratings"] == 4500 and seen["published_run"] is not None
    state = status(settings)
    assert state["runs"][0]["status"] == "succeeded" and state["ok"], state["alerts"]
    assert [s["stage"] for s in state["runs"][0]["stages"]] == ["load", "train", "score", "evaluate"]
    assert state["published"]["run_id"] == seen["published_run"] and state["published"]["age_hours"] < 1

    again = nightly(settings, older)
    assert again.returncode == 0, again.stderr
    state = status(settings)
    assert state["runs"][0]["status"] == "skipped"
    assert {s["stage"]: s["status"] for s in state["runs"][0]["stages"]}["train"] == "skipped"
    assert snapshot(settings.database.path)["published_run"] == seen["published_run"]

    # The appended ratings retrain and rescore, while a consumer process reads in a loop throughout.
    out, stop = tmp_path / "reader.jsonl", tmp_path / "stop"
    reader_cmd = [sys.executable, str(READER), str(settings.database.path), str(out), str(stop)]
    reader = subprocess.Popen(reader_cmd, env=tiny_env(settings))
    spawned.append(reader)
    appended = nightly(settings, newer)
    assert appended.returncode == 0, appended.stderr
    state = status(settings)
    run = state["runs"][0]
    # a new model was trained (runs.model_id is the served refit; its evaluated model comes before it)
    assert run["status"] == "succeeded" and run["model_id"] > state["runs"][2]["model_id"]
    after = snapshot(settings.database.path)
    assert after["ratings"] == 5000 and after["published_run"] != seen["published_run"]
    check_reader_log(out, stop, reader, before=seen["published_run"], after=after["published_run"])


def check_reader_log(
    out: Path, stop: Path, proc: subprocess.Popen[bytes], *, before: int, after: int
) -> None:
    """The consumer saw only whole runs: the old one, then the new one, never a mix or a partial run."""
    deadline = time.monotonic() + 60  # let it see the new run before stopping it
    while time.monotonic() < deadline and f'"run_id": {after},' not in out.read_text():
        time.sleep(0.1)
    stop.touch()
    assert proc.wait(timeout=60) == 0, out.read_text()[-2000:]
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    errors = [line for line in lines if "error" in line]
    assert not errors, errors[:3]
    snapshots = [line for line in lines if "runs" in line]
    for one in snapshots:
        check_reader_snapshot(one)
    runs_seen = [one["run_id"] for one in snapshots]
    assert runs_seen[0] == before and runs_seen[-1] == after
    assert runs_seen == sorted(runs_seen)  # never back to an older run
    retries = sum("retry" in line for line in lines)
    print(f"reader: {len(snapshots)} snapshots, {retries} retries while a job held the write lock")


def test_a_data_error_exits_3_with_one_line_and_keeps_the_published_run(
    settings: Settings, tmp_path: Path, real_stages: None
) -> None:
    older, _ = demo_versions(tmp_path / "data")
    assert nightly(settings, older).returncode == 0
    before = snapshot(settings.database.path)
    broken = tmp_path / "broken"
    shutil.copytree(older, broken)
    with (broken / "ratings.dat").open("ab") as fh:
        fh.write(b"1::1::9::978300760\n")  # a rating outside 1..5
    failed = nightly(settings, broken)
    assert failed.returncode == ExitCode.DATA
    lines = failed.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("recdb: error: nightly run 2 failed in stage load:"), (
        failed.stderr
    )
    assert "ratings.dat" in lines[0]
    assert snapshot(settings.database.path) == before
    assert status(settings)["alerts"][0].startswith("last nightly run 2 failed")
