"""Run the real ``recdb`` CLI in this process with the nightly stages replaced by quick fakes.

Used by the lock and full-disk tests, which need real processes (flock is per process) but not real
training. ``RECDB_FAKE_STAGES`` lists the stages to fake (default: all four; e.g. ``train,score,evaluate``
keeps the real load); ``RECDB_FAKE_STAGE_S`` makes each fake stage sleep that long. The fakes touch
no table of the other stages; they only let the nightly job record its runs.
"""

from __future__ import annotations

import os
import sys
import time

from recdb.jobs.cli import main
from recdb.nightly import pipeline, stages
from recdb.nightly.stages import StageOutcome


def _fake(stage: str):  # type: ignore[no-untyped-def]
    def run(settings, **kwargs):  # type: ignore[no-untyped-def]
        time.sleep(float(os.environ.get("RECDB_FAKE_STAGE_S", "0")))
        if stage == "load":
            return StageOutcome(rows=1, metrics={}, ids={"load_id": None}, action="initial")
        return StageOutcome(rows=1, metrics={}, ids={})

    return run


for _name in os.environ.get("RECDB_FAKE_STAGES", "load,train,score,evaluate").split(","):
    setattr(stages, _name.strip(), _fake(_name.strip()))
pipeline._has_published = lambda con: False  # type: ignore[attr-defined]

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
