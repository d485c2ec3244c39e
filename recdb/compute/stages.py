"""Which engine runs which nightly stage, as ``run_stages`` records it (no Ray or torch import)."""

from __future__ import annotations

from recdb.settings import Settings

# The stages ``compute.engine`` applies to; load and evaluate run in the nightly process.
ENGINE_STAGES = ("train", "score")


def stage_engine(settings: Settings, stage: str) -> tuple[str, int]:
    """(engine, workers) of ``stage``: ``compute.engine`` and ``compute.workers`` for train and score
    on Ray; ("local", 1) otherwise."""
    compute = settings.compute
    if compute.engine == "ray" and stage in ENGINE_STAGES:
        return "ray", compute.workers
    return "local", 1
