"""A real second process reads latest_recommendations in a loop while `recdb score` publishes.

Checks the consumer protocol of docs/consumers.md end to end: the reader never errs beyond the
documented retry, never waits longer than its bound, and only ever sees whole runs (one run id per
read, users x k rows); the writer never fails to get the lock.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from recdb.scoring.job import score_all
from recdb.settings import Settings
from tests.scoring.scoring_support import USERS, K

HERE = Path(__file__).parent
RUNS = 4


@pytest.mark.slow
def test_reader_sees_only_whole_runs_while_score_runs(
    synthetic_db: Settings, dot_loader, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    score_all(synthetic_db, k=K, loader=dot_loader)  # a published run exists before the reader starts
    db = str(synthetic_db.database.path)
    stop, out = tmp_path / "stop", tmp_path / "reader.json"
    reader = subprocess.Popen(
        [sys.executable, HERE / "reader_loop.py", db, HERE / "reader_loop.sql", stop, out]
    )
    try:
        time.sleep(0.5)
        writer = subprocess.run(
            [sys.executable, HERE / "score_loop.py", db, str(RUNS), str(K)],
            capture_output=True,
            text=True,
            timeout=300,
        )
        time.sleep(0.3)
    finally:
        stop.touch()
        reader.wait(timeout=60)
    assert writer.returncode == 0, writer.stderr
    result = json.loads(out.read_text())
    longest = max(result["waits"])
    print(f"reads {len(result['reads'])}, retries {result['retries']}, longest wait {longest:.2f} s")
    assert result["errors"] == []
    assert longest <= 10.0
    runs_seen = set()
    for read in result["reads"]:
        assert len(read) == 1, f"a read saw several runs: {read}"
        ((run_id, n_rows),) = read
        assert n_rows == USERS * K
        runs_seen.add(run_id)
    assert len(result["reads"]) > 10
    assert len(runs_seen) >= 2, f"the reader saw only runs {runs_seen}: it did not overlap the publishes"
