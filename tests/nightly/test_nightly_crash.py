"""kill -9 of a real ``recdb nightly`` in each stage: the database stays consistent, the previously
published recommendations stay served (whole), and the next nightly completes.

Each kill waits for an event, never for a time: the job runs with ``-v`` and the test sends SIGKILL the
moment a log line from inside the stage's real work appears on stderr (loading, after a training epoch,
after scoring, before publishing...). So that a kill can never land after the run recorded its end (on
a fast machine the rest of a tiny run takes milliseconds), each killed run is the real CLI with the real
stages run through tests/nightly/fake_nightly.py, which holds it at ``finish`` (``RECDB_TEST_PAUSE_AT=
finish``, a long ``RECDB_TEST_PAUSE_S``: it wraps the record of the run's end); the ``finish`` case
itself is killed while held there. After each kill the test checks that the run is still recorded
'running' (the next run marks exactly those 'abandoned'). The other runs are plain ``recdb nightly``.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
from pathlib import Path

import pytest

from recdb.db import open_db
from recdb.settings import Settings
from tests.nightly.nightly_support import (
    checks,
    evaluation_missing,
    fake_nightly_cmd,
    real_stages_missing,
    recdb_cmd,
    snapshot,
    tiny_env,
    wait_for_point,
)

pytestmark = pytest.mark.slow

# A log line printed inside each stage's work (with -v), and the wait for it (a stuck job, not speed).
INSIDE = {
    "load": r"loading \S+ \(",  # read the files, before the load's transaction
    "train": r"model \d+ epoch 1:",  # one epoch of two done
    "score": r"scored \d+ user-movie pairs",  # computed, before the publish transaction
    "evaluate": r"stage evaluate started",  # the evaluation's row says 'running'; its work follows
}
WAIT_S = 300.0


def kill_in(settings: Settings, env: dict[str, str], tmp_path: Path, point: str) -> None:
    """Start a nightly and SIGKILL it inside ``point`` (see the module docstring)."""
    marker = tmp_path / f"reached-{point}"
    env = {
        **env,
        "RECDB_FAKE_STAGES": "",  # the real stages
        "RECDB_TEST_PAUSE_AT": "finish",
        "RECDB_TEST_PAUSE_FILE": str(marker),
        "RECDB_TEST_PAUSE_S": str(WAIT_S),
    }
    pipes = {"stdout": subprocess.DEVNULL, "stderr": subprocess.PIPE}
    proc = subprocess.Popen(fake_nightly_cmd("-v", "nightly"), env=env, text=True, **pipes)  # type: ignore[call-overload]
    found = threading.Event()
    lines: list[str] = []
    reader = threading.Thread(target=_read_lines, args=(proc, INSIDE.get(point), lines, found), daemon=True)
    reader.start()  # always drains stderr, so the job never blocks on a full pipe
    try:
        if point == "finish":
            wait_for_point(marker, "finish", proc, timeout=WAIT_S)
        elif not found.wait(WAIT_S):
            raise AssertionError(f"the job never logged {INSIDE[point]!r} in {WAIT_S} s")
        assert proc.poll() is None, f"nightly ended before {point}: {''.join(lines)[-2000:]}"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
        reader.join(timeout=30)
    with open_db(settings.database, read_only=True) as con:
        runs = con.execute(checks()["run_rows"]).fetchall()
    assert runs and runs[-1][1] == "running", f"the kill in {point} did not land inside the run: {runs}"


def _read_lines(
    proc: subprocess.Popen[str], pattern: str | None, lines: list[str], found: threading.Event
) -> None:
    """Collect the job's stderr; set ``found`` at the first line matching ``pattern``, or at EOF."""
    assert proc.stderr is not None
    wanted = re.compile(pattern) if pattern else None
    for line in proc.stderr:
        lines.append(line)
        if wanted is not None and wanted.search(line):
            found.set()
    found.set()  # EOF: the job ended (kill_in then sees it is no longer running)


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
    kill_in(settings, env, tmp_path, "load")
    killed.append("load")
    first = snapshot(db) if db.exists() else {"ratings": 0, "published_run": None}
    assert first["published_run"] is None and first["ratings"] in (0, 5000)

    done = subprocess.run(recdb_cmd("nightly"), env=env, text=True, capture_output=True, timeout=600)
    assert done.returncode == 0, done.stderr
    published = snapshot(db)["published_run"]
    assert published is not None

    # 2. in training, scoring (computed, about to publish) and evaluation, with --force so that each
    #    run retrains; after each kill a consumer still sees one whole published run.
    forced = {**env, "RECDB_NIGHTLY__FORCE": "true"}
    points: list[tuple[str, dict[str, str]]] = [("train", {}), ("score", {})]
    if evaluation_missing() is None:
        points.append(("evaluate", {"RECDB_NIGHTLY__EVALUATE": "true"}))
    points.append(("finish", {}))  # after publishing, before the run records its end
    for point, extra in points:
        kill_in(settings, {**forced, **extra}, tmp_path, point)
        killed.append(point)
        now = snapshot(db)["published_run"]
        assert now is not None and now >= published  # the old run, or a newer one published whole
        published = now

    # 3. the next nightly (not forced) completes: the killed runs did not succeed, so it retrains.
    done = subprocess.run(recdb_cmd("nightly"), env=env, text=True, capture_output=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert snapshot(db)["published_run"] > published
    with open_db(settings.database, read_only=True) as con:
        runs = con.execute(checks()["run_rows"]).fetchall()
    statuses = [r[1] for r in runs]
    assert statuses[-1] == "succeeded" and "running" not in statuses
    assert statuses.count("abandoned") == len(killed), (killed, runs)
