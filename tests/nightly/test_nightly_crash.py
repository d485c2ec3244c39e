"""kill -9 of a real ``recdb nightly`` in each stage: the database stays consistent, the previously
published recommendations stay served (whole), and the next nightly completes.

The job announces each stage through the documented test hook (``RECDB_TEST_PAUSE_AT`` with
``RECDB_TEST_PAUSE_S=0``: announce and carry on); the test then waits a moment so that the kill lands
inside the stage's real work, not at its edge, and sends SIGKILL.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from nightly_support import (
    evaluation_missing,
    real_stages_missing,
    recdb_cmd,
    snapshot,
    tiny_env,
    wait_for_point,
)

from recdb.db import open_db, queries
from recdb.settings import Settings

pytestmark = pytest.mark.slow


def kill_in(settings: Settings, env: dict[str, str], tmp_path: Path, point: str, delay: float) -> bool:
    """Start a nightly, SIGKILL it ``delay`` s after it reaches ``point``; True if it was still running."""
    marker = tmp_path / f"reached-{point}-{delay}"
    env = {
        **env,
        "RECDB_TEST_PAUSE_AT": point,
        "RECDB_TEST_PAUSE_FILE": str(marker),
        "RECDB_TEST_PAUSE_S": "0",
    }
    proc = subprocess.Popen(
        recdb_cmd("nightly"), env=env, text=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        reached = wait_for_point(marker, point, proc)
        assert reached or proc.returncode == 0, (
            f"nightly failed before {point}: {proc.stderr.read() if proc.stderr else ''}"
        )
        time.sleep(delay)
        alive = proc.poll() is None
        if alive:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        return alive
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
        if proc.stderr:
            proc.stderr.close()


def test_kill_9_in_every_stage(settings: Settings, tmp_path: Path) -> None:
    reason = real_stages_missing()
    if reason:
        pytest.skip(reason)
    from recdb.ingest.demo import generate_demo

    data = generate_demo(tmp_path / "demo-data", ratings=5000, seed=0)
    # Evaluation is off except in the run killed during it: it would only make every run longer.
    env = tiny_env(settings, RECDB_DATA__SOURCE=str(data), RECDB_NIGHTLY__EVALUATE="false")
    db = settings.database.path
    killed: list[str] = []

    # 1. during the very first load: nothing or everything of the data, nothing published.
    if kill_in(settings, env, tmp_path, "load", 0.3):
        killed.append("load")
    first = snapshot(db) if db.exists() else {"ratings": 0, "published_run": None}
    assert first["published_run"] is None and first["ratings"] in (0, 5000)

    done = subprocess.run(recdb_cmd("nightly"), env=env, text=True, capture_output=True, timeout=600)
    assert done.returncode == 0, done.stderr
    published = snapshot(db)["published_run"]
    assert published is not None

    # 2. in training, scoring (late enough to be computing or publishing) and evaluation, with --force
    #    so that each run retrains; after each kill a consumer still sees one whole published run.
    forced = {**env, "RECDB_NIGHTLY__FORCE": "true"}
    points: list[tuple[str, float, dict[str, str]]] = [("train", 1.0, {}), ("score", 0.3, {})]
    if evaluation_missing() is None:
        points.append(("evaluate", 0.5, {"RECDB_NIGHTLY__EVALUATE": "true"}))
    points.append(("finish", 0.0, {}))  # after publishing, before the run records its end
    for point, delay, extra in points:
        if kill_in(settings, {**forced, **extra}, tmp_path, point, delay):
            killed.append(f"{point}+{delay}s")
        now = snapshot(db)["published_run"]
        assert now is not None and now >= published  # the old run, or a newer one published whole
        published = now

    # 3. the next nightly (not forced) completes: the killed runs did not succeed, so it retrains.
    done = subprocess.run(recdb_cmd("nightly"), env=env, text=True, capture_output=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert snapshot(db)["published_run"] > published
    with open_db(settings.database, read_only=True) as con:
        runs = con.execute(queries("nightly").run_rows).fetchall()
    statuses = [r[1] for r in runs]
    assert statuses[-1] == "succeeded" and "running" not in statuses
    assert statuses.count("abandoned") == len(killed), (killed, runs)
    assert len(killed) >= 3, f"too few kills landed inside a stage: {killed}"
