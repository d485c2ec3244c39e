"""Adapters from the nightly job to each stage's public API (ingest, training, scoring, evaluation).

Each adapter calls one stage and turns its result into a :class:`StageOutcome` for ``run_stages``.
Tests replace these functions with fakes.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, field, is_dataclass
from typing import Any

import polars as pl

from recdb.db import open_db, queries, scalar
from recdb.evaluation.runner import evaluate as run_evaluation
from recdb.ingest.load import load_dataset
from recdb.nightly.forward import measure_forward
from recdb.nightly.gate import GateDecision, run_gate
from recdb.nightly.records import relation_exists
from recdb.scoring.job import score_all
from recdb.settings import Settings
from recdb.training.refit import refit_model
from recdb.training.trainer import train_model

log = logging.getLogger(__name__)


@dataclass
class StageOutcome:
    """What a stage reports: a row count, metrics for ``run_stages.metrics`` and ids for ``runs``."""

    rows: int | None = None
    metrics: dict[str, Any] = field(default_factory=dict)
    ids: dict[str, int | None] = field(default_factory=dict)
    action: str | None = None  # load only: 'initial' | 'append' | 'replace' | 'unchanged'


def load(settings: Settings) -> StageOutcome:
    """New data from ``data.source`` (folder, zip or release name; none → the demo data)."""
    result = load_dataset(settings, None, replace=settings.data.replace)
    metrics = _fields(result)
    return StageOutcome(
        rows=int(result.ratings_added),
        metrics=metrics,
        ids={"load_id": result.load_id},
        action=str(result.action),
    )


def train(settings: Settings, *, warm_start_from: int | None = None) -> StageOutcome:
    """Train a model on the current data, from ``warm_start_from``'s weights when given.

    ``metrics["warm_start_from"]`` is the model training actually started from: None for a full
    retrain, including when the warm start was refused (training logged why).
    """
    cpu = time.process_time()
    result = train_model(settings, warm_start_from=warm_start_from)
    split_id = result.split_id or None
    metrics: dict[str, Any] = {
        "model_id": result.model_id,
        "checkpoint_path": str(result.checkpoint_path),
        "warm_start_from": result.warm_start_from,
        "split_id": split_id,
        "epochs": result.epochs,
        "best_epoch": result.best_epoch,
        "valid": dict(result.valid_metrics or {}),
        "test": dict(result.test_metrics or {}),
        "n_train_ratings": result.n_train_ratings,
        "seconds": round(result.seconds, 3),
        "cpu_seconds": round(time.process_time() - cpu, 3),
    }
    rows = _training_ratings(settings, split_id) if split_id else None
    return StageOutcome(rows=rows, metrics=metrics, ids={"model_id": int(result.model_id)})


def gate(settings: Settings, *, run_id: int, model_id: int) -> GateDecision:
    """The gate before publishing: the new evaluated model against the one behind the served lists."""
    return run_gate(settings, run_id=run_id, model_id=model_id)


def refit(settings: Settings, *, model_id: int) -> StageOutcome:
    """Refit the evaluated model's configuration on every rating (the model that will be served)."""
    cpu = time.process_time()
    result = refit_model(settings, model_id)
    metrics: dict[str, Any] = {
        "model_id": result.model_id,
        "evaluated_model_id": model_id,
        "checkpoint_path": str(result.checkpoint_path),
        "warm_start_from": result.warm_start_from,
        "epochs": result.epochs,
        "n_train_ratings": result.n_train_ratings,
        "seconds": round(result.seconds, 3),
        "cpu_seconds": round(time.process_time() - cpu, 3),
    }
    return StageOutcome(rows=result.n_train_ratings, metrics=metrics, ids={"model_id": int(result.model_id)})


def forward(settings: Settings, *, run_id: int) -> dict[str, Any] | None:
    """Measure the served lists on the ratings loaded since they were scored (None: nothing to measure)."""
    return measure_forward(settings, run_id=run_id)


def score(settings: Settings, *, model_id: int | None) -> StageOutcome:
    """Score every user with the model and publish the run atomically (scoring's own transaction)."""
    result = score_all(settings, model_id=model_id)
    metrics = _fields(result)
    return StageOutcome(rows=int(result.users), metrics=metrics, ids={"score_run_id": int(result.run_id)})


def evaluate(settings: Settings, *, model_id: int | None) -> StageOutcome:
    """Evaluate the model and the baselines on the model's split; keeps a small summary of the metrics."""
    result = run_evaluation(settings, model_id=model_id)
    frame = getattr(result, "metrics", None)
    rows = int(frame.height) if frame is not None and hasattr(frame, "height") else None
    metrics: dict[str, Any] = {"eval_id": result.eval_id, "report_dir": str(result.report_dir)}
    metrics["summary"] = _evaluation_summary(frame)
    return StageOutcome(rows=rows, metrics=metrics, ids={"eval_id": int(result.eval_id)})


def _evaluation_summary(frame: Any) -> dict[str, float]:
    """Headline numbers of the model (MAE, RMSE, NDCG@10, P@10) when the frame has the usual columns.

    The evaluation frame's layout belongs to the evaluation module; this reads it defensively and
    returns {} rather than failing the nightly over a summary.
    """
    try:
        cols = set(frame.columns)
        if not {"metric", "value"} <= cols:
            return {}
        # Every method (the model and the baselines) on the main split: MAE, RMSE and the @10 list metrics.
        wanted = pl.col("metric").is_in(["mae", "rmse", "ndcg", "precision"])
        if "k" in cols:
            wanted = wanted & (pl.col("k").is_null() | (pl.col("k") == 10))
        if "split" in cols:
            wanted = wanted & ~pl.col("split").cast(pl.Utf8).str.starts_with("cold")
        picked = frame.filter(wanted)
        out: dict[str, float] = {}
        for row in picked.iter_rows(named=True):  # a handful of summary rows, not data
            key = "_".join(str(row[c]) for c in ("method", "metric", "k") if c in row and row[c] is not None)
            out[key] = float(row["value"])
        return dict(list(out.items())[:80])
    except Exception:  # a summary must never fail the run
        log.debug("could not summarise the evaluation frame", exc_info=True)
        return {}


def _fields(result: Any) -> dict[str, Any]:
    if is_dataclass(result) and not isinstance(result, type):
        return {
            k: (str(v) if not isinstance(v, (int, float, str, bool, type(None))) else v)
            for k, v in asdict(result).items()
        }
    return {k: v for k, v in vars(result).items() if isinstance(v, (int, float, str, bool, type(None)))}


def _training_ratings(settings: Settings, split_id: str) -> int | None:
    """The size of the split's training part, for ``run_stages.rows`` (one short read)."""
    with open_db(settings.database, migrate=False) as con:
        if not relation_exists(con, "splits"):
            return None
        size = scalar(con, queries("nightly").split_train_size, {"split_id": split_id})
    return None if size is None else int(size)
