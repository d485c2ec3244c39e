"""The gate before publishing: the new model is published only if it is not worse than the served one.

Both sides are *evaluated* models, trained on a split's train part: the new one on today's split, the
one behind the published lists (the served refit's ``evaluated_model_id``) on an earlier night's. Both
are measured on today's test part: the hash-stable split keeps a rating in its part across nights, so
neither trained on it (the newer ratings in it are unseen by both). A refit has trained on every rating,
today's test part included, so it is never measured here: :func:`measure` refuses any model that fed
one of the test ratings to training or selection (``gate_seen_test_ratings``).

A metric fails when the new value is worse than the baseline's by more than ``nightly.gate_tolerance``
relative (lower is better for rmse and mae, higher for ndcg@10 and precision@10).
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb

from recdb.catalog import load_catalog
from recdb.compute.engine import ranker
from recdb.db import execute, one, open_db, queries, scalar, transaction
from recdb.errors import JobFailedError
from recdb.evaluation.core import evaluate_predictor
from recdb.evaluation.data import EvalSet, read_split
from recdb.settings import Settings
from recdb.training.registry import load_predictor

log = logging.getLogger(__name__)

LOWER_IS_BETTER = frozenset({"rmse", "mae"})


@dataclass
class GateDecision:
    """What the gate decided about one evaluated model (one ``gate_decisions`` row)."""

    decision: str  # passed | rejected | forced | first
    model_id: int
    reason: str
    baseline_model_id: int | None = None
    split_id: str | None = None
    metrics: dict[str, dict[str, Any]] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def publishes(self) -> bool:
        return self.decision != "rejected"

    def as_dict(self) -> dict[str, Any]:
        return {
            "decision": self.decision,
            "model_id": self.model_id,
            "baseline_model_id": self.baseline_model_id,
            "reason": self.reason,
            "metrics": self.metrics,
            "seconds": round(self.seconds, 3),
        }


def run_gate(settings: Settings, *, run_id: int, model_id: int) -> GateDecision:
    """Decide on ``model_id`` (the run's new evaluated model) and record the decision."""
    started = time.monotonic()
    ns = settings.nightly
    with open_db(settings.database, migrate=False) as con:
        baseline = one(con, queries("nightly").gate_baseline)
        split_id = _split(con, model_id)
        if baseline is None:
            decision = GateDecision("first", model_id, "nothing is published yet: no gate", split_id=split_id)
        elif not ns.gate_metrics:
            decision = GateDecision(
                "passed", model_id, "nightly.gate_metrics is empty: no gate", int(baseline[0])
            )
        else:
            figures = measure(con, settings, [model_id, int(baseline[0])], split_id)
            decision = judge(model_id, int(baseline[0]), figures, ns.gate_metrics, ns.gate_tolerance)
            decision.split_id = split_id
    if decision.decision == "rejected" and ns.force_publish:
        decision.decision = "forced"
        decision.reason = f"published anyway (--force-publish): {decision.reason}"
    decision.seconds = time.monotonic() - started
    _record(settings, run_id, decision)
    log.info("gate: %s: %s", decision.decision, decision.reason, extra={"run_id": run_id})
    return decision


def _split(con: duckdb.DuckDBPyConnection, model_id: int) -> str:
    row = one(con, queries("nightly").gate_model, {"model_id": model_id})
    if row is None:
        raise JobFailedError(f"gate: no model {model_id} in the models table")
    return str(row[1])


def measure(
    con: duckdb.DuckDBPyConnection, settings: Settings, model_ids: list[int], split_id: str
) -> dict[int, dict[str, float]]:
    """Each model's gate metrics on ``split_id``'s test part (the evaluation's protocol, top 10).

    Raises :class:`JobFailedError` for a model that trained or was selected on any of those ratings
    (a refit, or a split that put one of them in train or valid): its figures would be leaked.
    """
    q = queries("nightly")
    ev = settings.evaluate
    for model_id in model_ids:
        row = one(con, q.gate_model, {"model_id": model_id})
        if row is None:
            raise JobFailedError(f"gate: no model {model_id} in the models table")
        _, trained_split, trained_on, _ = row
        params = {"split_id": split_id, "trained_split_id": trained_split, "trained_on": trained_on}
        seen = int(scalar(con, q.gate_seen_test_ratings, params) or 0)
        if seen:
            raise JobFailedError(
                f"gate: model {model_id} (trained on {trained_on}) has trained on {seen} ratings of the "
                f"test part of split {split_id}; comparing it there would be leakage"
            )
    split = read_split(con, split_id)
    catalog = load_catalog(con)
    data = EvalSet.build(split, catalog, ev.relevance_threshold, ev.max_users)
    out: dict[int, dict[str, float]] = {}
    with ranker(settings) as rank:  # on compute.engine, as the evaluation ranks
        for model_id in model_ids:
            predictor, _ = load_predictor(con, settings, model_id)
            # the users' history (train+valid) as the evaluation hands it over: the hybrid's item-item
            # term reads it, so the gate measures the lists the model would publish
            predictor.bind(data.history(catalog))
            result = evaluate_predictor(
                predictor, data, max_k=10, chunk_users=ev.chunk_users, model_id=model_id, rank=rank
            )
            k = min(10, len(result.curves.ndcg)) - 1
            out[model_id] = {
                "rmse": _num(result.rmse),
                "mae": _num(result.mae),
                "ndcg@10": _num(result.curves.ndcg[k]),
                "precision@10": _num(result.curves.precision[k]),
            }
    return out


def judge(
    model_id: int,
    baseline_id: int,
    figures: dict[int, dict[str, float]],
    metrics: Sequence[str],
    tolerance: float,
) -> GateDecision:
    """Pass unless a metric of ``model_id`` is worse than ``baseline_id``'s beyond ``tolerance``, relative."""
    table: dict[str, dict[str, Any]] = {}
    failed: list[str] = []
    for metric in metrics:
        new, base = figures[model_id][metric], figures[baseline_id][metric]
        lower = metric in LOWER_IS_BETTER
        if not (math.isfinite(new) and math.isfinite(base)):
            table[metric] = {"new": _json(new), "baseline": _json(base), "limit": None, "ok": True}
            continue
        limit = base * (1 + tolerance) if lower else base * (1 - tolerance)
        ok = new <= limit if lower else new >= limit
        table[metric] = {"new": new, "baseline": base, "limit": limit, "ok": ok}
        if not ok:
            sign = ">" if lower else "<"
            failed.append(f"{metric} {new:.4f} {sign} {limit:.4f} (model {baseline_id}: {base:.4f})")
    shown = f"{tolerance:.0%} tolerance"
    if failed:
        reason = f"worse than model {baseline_id} (behind the published lists): " + "; ".join(failed)
        return GateDecision("rejected", model_id, f"{reason}; {shown}", baseline_id, metrics=table)
    reason = f"not worse than model {baseline_id} (behind the published lists) on " + ", ".join(metrics)
    return GateDecision("passed", model_id, f"{reason} ({shown})", baseline_id, metrics=table)


def _record(settings: Settings, run_id: int, decision: GateDecision) -> None:
    q = queries("nightly")
    with open_db(settings.database, migrate=False) as con, transaction(con):
        execute(
            con,
            q.insert_gate_decision,
            {
                "run_id": run_id,
                "model_id": decision.model_id,
                "baseline_model_id": decision.baseline_model_id,
                "split_id": decision.split_id,
                "decision": decision.decision,
                "tolerance": settings.nightly.gate_tolerance,
                "metrics": json.dumps(decision.metrics),
                "reason": decision.reason[:1000],
                "seconds": decision.seconds,
            },
        )
        execute(con, q.set_model_gate, {"model_id": decision.model_id, "gate": decision.decision})


def _json(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _num(value: float | None) -> float:
    return float("nan") if value is None else float(value)
