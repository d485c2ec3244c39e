"""A consumer process querying latest_recommendations in a loop during a full nightly sees only whole runs."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from nightly_support import check_reader_snapshot, real_stages_missing, recdb_cmd, snapshot, tiny_env

pytestmark = pytest.mark.slow

READER = Path(__file__).with_name("nightly_reader.py")


def test_reader_sees_only_whole_runs_during_a_nightly(settings, tmp_path: Path, spawned) -> None:  # type: ignore[no-untyped-def]
    reason = real_stages_missing()
    if reason:
        pytest.skip(reason)
    from recdb.ingest.demo import generate_demo

    data = generate_demo(tmp_path / "demo-data", ratings=5000, seed=0)
    env = tiny_env(settings, RECDB_DATA__SOURCE=str(data))
    first = subprocess.run(recdb_cmd("nightly"), env=env, text=True, capture_output=True, timeout=600)
    assert first.returncode == 0, first.stderr
    before = snapshot(settings.database.path)["published_run"]

    out, stop = tmp_path / "reader.jsonl", tmp_path / "stop"
    reader = subprocess.Popen(
        [sys.executable, str(READER), str(settings.database.path), str(out), str(stop)], env=env
    )
    spawned.append(reader)
    forced = subprocess.run(
        recdb_cmd("nightly", "--force"), env=env, text=True, capture_output=True, timeout=600
    )
    assert forced.returncode == 0, forced.stderr
    after = snapshot(settings.database.path)["published_run"]
    assert after != before
    deadline = time.monotonic() + 60  # let the reader see the new run before stopping it
    while time.monotonic() < deadline and f'"run_id": {after},' not in out.read_text():
        time.sleep(0.1)
    stop.touch()
    assert reader.wait(timeout=60) == 0, out.read_text()[-2000:]

    lines = [json.loads(line) for line in out.read_text().splitlines()]
    errors = [line for line in lines if "error" in line]
    assert not errors, errors[:3]
    snapshots = [line for line in lines if "runs" in line]
    for seen in snapshots:
        check_reader_snapshot(seen)
    runs_seen = [seen["run_id"] for seen in snapshots]
    assert runs_seen[0] == before and runs_seen[-1] == after
    assert runs_seen == sorted(runs_seen)  # never back to an older run
    retries = [line for line in lines if "retry" in line]
    print(f"{len(snapshots)} snapshots, {len(retries)} retries while the job held the write lock")
