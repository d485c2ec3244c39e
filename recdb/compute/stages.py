"""Which engine runs which nightly stage, as ``run_stages`` records it (no Ray or torch import)."""

from __future__ import annotations

from recdb.settings import Settings

# The stages ``compute.engine`` applies to (evaluate: its ranking of the rank users, the expensive part;
# the baselines' fits and the rating metrics stay in the nightly process); load runs in the process.
ENGINE_STAGES = ("train", "score", "evaluate")


def stage_engine(settings: Settings, stage: str) -> tuple[str, int]:
    """(engine, workers) of ``stage``: ``compute.engine`` and ``compute.workers`` for train, score and
    evaluate on Ray; ("local", 1) otherwise."""
    compute = settings.compute
    if compute.engine == "ray" and stage in ENGINE_STAGES:
        return "ray", compute.workers
    return "local", 1
