"""Run the real ``recdb`` CLI in this process, with nightly stages faked and/or pause points added.

Used by the tests that need a real process (flock is per process; SIGTERM, kill -9) but want quick
stages, or want to know when the job has reached a point. Everything here patches the job from the
test side; the product has no hook for it. Environment:

- ``RECDB_FAKE_STAGES``: the stages to replace by quick fakes (default: all four; e.g.
  ``train,score,evaluate`` keeps the real load; empty: the real stages). The fakes touch no table of
  the other stages; they only let the nightly job record its runs.
- ``RECDB_FAKE_STAGE_S``: how long each fake stage sleeps.
- ``RECDB_TEST_PAUSE_AT``: comma-separated points (``load``, ``train``, ``score``, ``evaluate``,
  ``finish``), or ``*`` for all. A stage's point is reached when its ``run_stages`` row says 'running'
  and its work has not started (the stage function is wrapped); ``finish`` after the last stage, when
  the run is about to record its end as succeeded or skipped (``records.finish_run`` is wrapped).
- ``RECDB_TEST_PAUSE_FILE``: a file the shim appends ``<point> <pid>`` to on reaching a point.
- ``RECDB_TEST_PAUSE_S``: how long to sleep there (default 0: announce and carry on).
"""

from __future__ import annotations

import functools
import os
import sys
import time
from collections.abc import Callable
from typing import Any

from recdb.jobs.cli import main
from recdb.nightly import pipeline, records, stages
from recdb.nightly.stages import StageOutcome

STAGES = ("load", "train", "score", "evaluate")


def _fake(stage: str) -> Callable[..., StageOutcome]:
    def run(settings: Any, **kwargs: Any) -> StageOutcome:
        time.sleep(float(os.environ.get("RECDB_FAKE_STAGE_S", "0")))
        if stage == "load":
            return StageOutcome(rows=1, metrics={}, ids={"load_id": None}, action="initial")
        return StageOutcome(rows=1, metrics={}, ids={})

    return run


def _pausing_at(point: str) -> bool:
    wanted = {name.strip() for name in os.environ.get("RECDB_TEST_PAUSE_AT", "").split(",")}
    return point in wanted or "*" in wanted


def _reach(point: str) -> None:
    """Announce ``point`` in the marker file (flushed to disk: the test reads it) and sleep there."""
    marker = os.environ.get("RECDB_TEST_PAUSE_FILE")
    if marker:
        with open(marker, "a", encoding="utf-8") as fh:
            fh.write(f"{point} {os.getpid()}\n")
            fh.flush()
            os.fsync(fh.fileno())
    seconds = float(os.environ.get("RECDB_TEST_PAUSE_S", "0") or 0)
    if seconds > 0:
        time.sleep(seconds)


def _pause_before(point: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        _reach(point)
        return fn(*args, **kwargs)

    return run


def _pause_before_the_end(finish_run: Callable[..., None]) -> Callable[..., None]:
    """``finish`` is the run's successful end: a failed run records its end without pausing."""

    @functools.wraps(finish_run)
    def run(settings: Any, run_id: int, *, status: str, **kwargs: Any) -> None:
        if status != "failed":
            _reach("finish")
        finish_run(settings, run_id, status=status, **kwargs)

    return run


def patch_nightly() -> None:
    """Fake the stages ``RECDB_FAKE_STAGES`` names, then add the pause points asked for."""
    faked = [s.strip() for s in os.environ.get("RECDB_FAKE_STAGES", ",".join(STAGES)).split(",") if s.strip()]
    for name in faked:
        setattr(stages, name, _fake(name))
    if faked:  # fake stages publish nothing: a rerun on unchanged data is never skipped as current
        pipeline._has_published = lambda con: False  # type: ignore[attr-defined]
    for name in STAGES:
        if _pausing_at(name):
            setattr(stages, name, _pause_before(name, getattr(stages, name)))
    if _pausing_at("finish"):
        records.finish_run = _pause_before_the_end(records.finish_run)  # type: ignore[assignment]


if __name__ == "__main__":
    patch_nightly()
    sys.exit(main(sys.argv[1:]))
