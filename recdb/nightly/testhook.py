"""A test-only hook that makes the nightly job announce (and optionally wait at) named points.

The crash tests kill a real ``recdb nightly`` process with SIGKILL in each stage. To hit a stage they
must know when the process is in it, so the job calls :func:`checkpoint` at each point:

- ``RECDB_TEST_PAUSE_AT``: comma-separated point names (``locked``, ``load``, ``train``, ``score``,
  ``evaluate``, ``finish``), or ``*`` for all. Unset (always, outside the tests): the hook does nothing.
- ``RECDB_TEST_PAUSE_FILE``: a file the hook appends ``<point> <pid>`` to on reaching a point.
- ``RECDB_TEST_PAUSE_S``: how long to sleep there (default 0: announce and carry on, so a test can kill
  the process in the middle of the stage's real work).

A stage's point is reached after its ``run_stages`` row says 'running' and before the stage starts;
``finish`` after the last stage, before the run records its end.
These variables are documented in docs/operations.md as test-only; they never change what a run does.
"""

from __future__ import annotations

import os
import time

POINTS = ("locked", "load", "train", "score", "evaluate", "finish")


def checkpoint(point: str) -> None:
    """Announce reaching ``point`` (and sleep) when the test hook asks for it; otherwise nothing."""
    wanted = os.environ.get("RECDB_TEST_PAUSE_AT")
    if not wanted:
        return
    names = {name.strip() for name in wanted.split(",")}
    if point not in names and "*" not in names:
        return
    marker = os.environ.get("RECDB_TEST_PAUSE_FILE")
    if marker:
        with open(marker, "a", encoding="utf-8") as fh:
            fh.write(f"{point} {os.getpid()}\n")
            fh.flush()
            os.fsync(fh.fileno())
    seconds = float(os.environ.get("RECDB_TEST_PAUSE_S", "0") or 0)
    if seconds > 0:
        time.sleep(seconds)
