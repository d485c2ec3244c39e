"""``score_all``: the scoring job from reading inputs to the published run.

Three phases, and the database is held read-write only in the first and last, both short:
1. read the catalogue, rated pairs, rating scale and model (one read transaction), then close;
2. score every user against every movie in chunks (no connection open: readers may query);
3. publish the run atomically with its contract checks (``recdb.scoring.publish``).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from datetime import datetime, timezone

from recdb.compute.engine import score_users
from recdb.errors import ConfigError, ContractError
from recdb.scoring.compute import SCHEMA
from recdb.scoring.contract import snapshot_of
from recdb.scoring.inputs import PredictorLoader, read_inputs
from recdb.scoring.publish import ScoredRun, publish_run, record_failure
from recdb.scoring.serving import write_serving_copy
from recdb.settings import Settings
from recdb.training import registry

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScoreResult:
    run_id: int
    model_id: int | None
    users: int
    seconds: float  # end to end: read, score, publish
    movies: int = 0
    k: int = 0
    rows: int = 0
    score_seconds: float = 0.0  # phase 2
    rank_pairs_per_s: float = 0.0  # rank scores + mask + top-k, user-movie pairs per second
    reason_seconds: float = 0.0  # the reasons, within score_seconds
    publish_seconds: float = 0.0  # the publish transaction
    precheck_seconds: float = 0.0  # the contract checks, before the write lock
    read_lock_seconds: float = 0.0  # phase 1: how long the database was held read-write
    publish_lock_seconds: float = 0.0  # phase 3: how long the database was held read-write
    serving_seconds: float = 0.0  # writing the consumer copy (database.serving_path), after the publish


def score_all(
    settings: Settings,
    *,
    model_id: int | None = None,
    k: int | None = None,
    loader: PredictorLoader | None = None,
) -> ScoreResult:
    """Score every user (cold-start users included) against every movie and publish the top-k lists.

    ``model_id`` None → the newest ready model; ``k`` None → ``settings.score.k``. ``loader`` replaces
    ``recdb.training.registry.load_predictor`` (tests, benchmarks). Raises :class:`ContractError`
    (exit 4) when the run breaks its contract: nothing is published and the previous run stays latest.
    """
    k = settings.score.k if k is None else k
    if not 1 <= k <= 10_000:  # the bound of settings.score.k (rank is a SMALLINT)
        raise ConfigError(f"k must be between 1 and 10000 (--k / score.k), got {k}")
    if loader is None:
        loader = registry.load_predictor  # looked up now, so a test can patch the registry
    started_at, t0 = datetime.now(timezone.utc), time.monotonic()
    inputs, read_lock = read_inputs(settings, model_id, loader)
    run = ScoredRun(
        table=SCHEMA.empty_table(),
        snapshot=snapshot_of(inputs),
        model_id=inputs.model_id,
        predictor=inputs.predictor.name,
        started_at=started_at,
        k=k,
        min_rating=inputs.min_rating,
        max_rating=inputs.max_rating,
        score_seconds=0.0,
    )
    try:
        scored = score_users(settings, inputs, k=k)
    except Exception as exc:
        run_id = record_failure(settings, run, f"scoring failed: {type(exc).__name__}: {exc}")
        log.error("scoring run %d failed", run_id)
        raise
    del inputs  # free the model and the rated-pairs matrix before the checks and the publish
    run = replace(run, table=scored.table, score_seconds=scored.seconds)
    published = publish_run(settings, run)
    # After the publish transaction, never inside it: readers of the copy must not hold up the publish.
    serving = write_serving_copy(settings)
    return ScoreResult(
        run_id=published.run_id,
        model_id=run.model_id,
        users=run.users,
        seconds=time.monotonic() - t0,
        movies=run.movies,
        k=k,
        rows=run.table.num_rows,
        score_seconds=scored.seconds,
        rank_pairs_per_s=scored.pairs / max(scored.rank_seconds, 1e-9),
        reason_seconds=scored.reason_seconds,
        publish_seconds=published.publish_seconds,
        precheck_seconds=published.precheck_seconds,
        read_lock_seconds=read_lock,
        publish_lock_seconds=published.lock_seconds,
        serving_seconds=serving.seconds if serving is not None else 0.0,
    )


__all__ = ["ContractError", "ScoreResult", "score_all"]
