"""``recdb status``: the last nightly runs, stage durations, metrics, the published run's age and list
quality (:mod:`recdb.scoring.quality`), alerts.

Read-only: it opens the database read-only and reads the lock file without locking it (taking the lock,
even briefly, could make a nightly starting at that instant exit busy).
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import duckdb

from recdb.db import open_db, queries, records
from recdb.db.api import Params
from recdb.errors import RecdbError
from recdb.nightly.lock import lock_path, read_holder
from recdb.nightly.records import missing_checkpoints, relation_exists
from recdb.nightly.unrecorded import read_unrecorded
from recdb.scoring.quality import format_quality, quality_alerts, run_quality
from recdb.settings import Settings


def collect_status(settings: Settings, *, limit: int = 5) -> dict[str, Any]:
    """Everything ``recdb status`` shows, as plain JSON-ready values; ``alerts`` lists what needs a person."""
    status: dict[str, Any] = {
        "database": str(settings.database.path),
        "checked_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "lock": _lock_state(settings),
        # A nightly that could not open the database left its failure beside it (recdb.nightly.unrecorded).
        "unrecorded_failure": read_unrecorded(settings.database),
    }
    q = queries("nightly")
    try:
        with open_db(settings.database, read_only=True) as con:
            status["runs"] = _runs(con, limit) if relation_exists(con, "runs") else []
            status["last_success"] = _one(con, q.last_success) if relation_exists(con, "runs") else None
            status["published"] = _published(con)
            status["list_quality"] = run_quality(con, (status["published"] or {}).get("run_id"))
            status["metrics"] = _metrics(con) if relation_exists(con, "run_stages") else {}
            status["data_set"] = _one(con, q.data_set_start) if relation_exists(con, "loads") else None
            status.update(_publishing(con))
            status["missing_checkpoints"] = [
                {"model_id": m, "path": p} for m, p in missing_checkpoints(con, None)
            ]
    except RecdbError as exc:
        held = status["lock"]["state"] == "held" or status["unrecorded_failure"] is not None
        if not held or "lock" not in str(exc).lower():
            raise
        # A job holds DuckDB's write lock for longer than the open retries (a big load or publish):
        # report the job, not a false "nothing published" alert.
        status.update(runs=[], last_success=None, published=None, metrics={}, database_busy=str(exc),
                      list_quality=None)  # fmt: skip
    # The lock read again after the runs: a 'running' run whose process held the lock at neither read
    # is dead (or could not record its end); one that started in between holds it at the second.
    status["orphaned_run"] = _orphaned_run(status["runs"], [status["lock"], _lock_state(settings)])
    status["alerts"] = alerts(status, settings.nightly.alert_age_hours)
    status["alerts"] += quality_alerts(status["list_quality"], settings.nightly.min_list_overlap)
    status["ok"] = not status["alerts"]
    return status


def alerts(status: dict[str, Any], max_age_hours: float) -> list[str]:
    """The conditions docs/operations.md says to page on, one line each."""
    out: list[str] = []
    runs = status["runs"]
    unrecorded = status.get("unrecorded_failure")
    if unrecorded is not None:
        out.append(
            f"a nightly failed without a record in the database at {unrecorded.get('failed_at')} "
            f"(exit {unrecorded.get('exit_code')}): {unrecorded.get('error')}; "
            f"see {unrecorded.get('path')}, cleared by the next nightly that succeeds"
        )
    if runs and runs[0]["status"] in ("failed", "abandoned"):
        last = runs[0]
        out.append(f"last nightly run {last['run_id']} {last['status']}: {last['error']}")
    if status.get("orphaned_run") is not None:
        out.append(
            f"nightly run {status['orphaned_run']} is recorded 'running' but its process does not hold "
            "the job lock: it died or could not record its end (the next nightly marks it abandoned)"
        )
    published = status["published"]
    data_set = status.get("data_set") or {}
    if status.get("database_busy"):
        pass  # unknown while the job writes; the lock's age below still catches a hung job
    elif published is None:
        line = "no recommendations are published"
        if data_set.get("action") == "replace":
            line += f" for the current data (load {data_set['load_id']} replaced the data set)"
        out.append(line)
    elif published.get("current_data") is False:
        out.append(
            f"no published recommendations for the current data: score run {published['run_id']} was "
            f"scored on the data set that load {data_set.get('load_id')} replaced; it is not served"
        )
    elif published["age_hours"] is not None and published["age_hours"] > max_age_hours:
        out.append(
            f"published recommendations (score run {published['run_id']}) are "
            f"{published['age_hours']:.1f} h old (> nightly.alert_age_hours = {max_age_hours:g})"
        )
    gate = status.get("gate") or {}
    if gate.get("decision") == "rejected":
        out.append(
            f"nightly run {gate['run_id']}: the gate refused model {gate['model_id']} "
            f"(the previous lists stay served): {gate['reason']}"
        )
    for missing in status.get("missing_checkpoints") or []:
        out.append(
            f"the served model {missing['model_id']}'s checkpoint {missing['path']} is missing: "
            "recdb predict fails until a nightly retrains (recdb nightly --force)"
        )
    lock = status["lock"]
    if lock["state"] == "held" and lock["age_hours"] is not None and lock["age_hours"] > max_age_hours:
        out.append(
            f"a job has held the lock for {lock['age_hours']:.1f} h: {lock['command']} (pid {lock['pid']})"
        )
    return out


def _orphaned_run(runs: list[dict[str, Any]], locks: list[dict[str, Any]]) -> int | None:
    """The newest run's id when it is 'running' but no lock read shows its process holding the lock."""
    if not runs or runs[0]["status"] != "running":
        return None
    run = runs[0]
    for lock in locks:
        if lock["state"] == "held" and (lock.get("pid"), lock.get("host")) == (run["pid"], run["host"]):
            return None
    return int(run["run_id"])


def _lock_state(settings: Settings) -> dict[str, Any]:
    path = lock_path(settings.database)
    holder = read_holder(path)
    if holder is None:
        return {"state": "free", "path": str(path)}
    alive = holder.alive()
    age = _age_hours(holder.started_at)
    # A record whose process is gone was left by a crash; the next job takes the lock over.
    state = "stale" if alive is False else "held"
    return {"state": state, "path": str(path), **holder.as_dict(), "age_hours": age}


def _age_hours(iso: str) -> float | None:
    try:
        started = datetime.fromisoformat(iso)
    except ValueError:
        return None
    if started.tzinfo is None:
        started = started.replace(tzinfo=timezone.utc)
    return round((datetime.now(timezone.utc) - started).total_seconds() / 3600.0, 2)


def _runs(con: duckdb.DuckDBPyConnection, limit: int) -> list[dict[str, Any]]:
    runs = _rows(con, queries("nightly").recent_runs, {"limit": limit})
    if not runs:
        return []
    stages = _rows(con, queries("nightly").stages_of_runs, {"min_run_id": min(r["run_id"] for r in runs)})
    for run in runs:
        run["stages"] = [
            {k: v for k, v in s.items() if k not in ("run_id", "metrics")}
            for s in stages
            if s["run_id"] == run["run_id"]
        ]
    return runs


def _published(con: duckdb.DuckDBPyConnection) -> dict[str, Any] | None:
    if not (relation_exists(con, "latest_run") and relation_exists(con, "score_runs")):
        return None
    row = _one(con, queries("nightly").published_run)
    if row is not None and row["age_hours"] is not None:
        row["age_hours"] = round(float(row["age_hours"]), 2)
    if row is not None and relation_exists(con, "served_run"):
        # False: published, but on a data set a replace load has swapped out (consumers see nothing).
        row["current_data"] = _one(con, queries("nightly").served_run_id) is not None
    return row


def _metrics(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for row in _rows(con, queries("nightly").last_trained_metrics):
        out["run_id"] = row["run_id"]
        out[row["stage"]] = json.loads(row["metrics"]) if row["metrics"] else {}
    return out


def _one(con: duckdb.DuckDBPyConnection, query: str) -> dict[str, Any] | None:
    found = _rows(con, query)
    return found[0] if found else None


def _rows(con: duckdb.DuckDBPyConnection, query: str, params: Params = None) -> list[dict[str, Any]]:
    return [{c: _plain(v) for c, v in row.items()} for row in records(con, query, params)]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if hasattr(value, "item"):  # Decimal / numpy scalars
        return value.item()
    return value


def format_status(status: dict[str, Any]) -> str:
    """The human view of :func:`collect_status`: a few aligned lines, alerts first."""
    lines: list[str] = [f"database {status['database']}"]
    if status.get("database_busy"):
        lines.append(f"database busy: {status['database_busy']}")
    for alert in status["alerts"]:
        lines.append(f"ALERT: {alert}")
    lock = status["lock"]
    if lock["state"] == "free":
        lines.append("lock: free")
    else:
        lines.append(
            f"lock: {lock['state']}: {lock['command']} (pid {lock['pid']} on {lock['host']}, "
            f"since {lock['started_at']})"
        )
    published = status["published"]
    if published:
        lines.append(
            f"published: score run {published['run_id']} (model {published['model_id']}, "
            f"{published['users']} users, top {published['k']}) at {published['published_at']}, "
            f"{published['age_hours']:.1f} h ago"
        )
    else:
        lines.append("published: nothing yet")
    lines.extend(_format_publishing(status))
    lines.extend(format_quality(status.get("list_quality")))
    lines.extend(_format_metrics(status["metrics"]))
    lines.append("")
    lines.append(f"{'run':>5}  {'started':19}  {'status':9}  {'secs':>7}  stages")
    for run in status["runs"]:
        stages = ", ".join(
            f"{s['stage']} {s['status'] if s['status'] != 'succeeded' else ''}{_secs(s['seconds'])}".replace(
                "  ", " "
            )
            for s in run["stages"]
        )
        lines.append(
            f"{run['run_id']:>5}  {run['started_at']:19}  {run['status']:9}  "
            f"{run['seconds'] or 0:>7.1f}  {stages}"
        )
        if run["error"]:
            lines.append(f"{'':>5}  error: {run['error']}")
    if not status["runs"]:
        lines.append("   no nightly runs yet")
    return "\n".join(lines)


def _format_metrics(metrics: dict[str, Any]) -> list[str]:
    if not metrics:
        return []
    parts: list[str] = []
    train = metrics.get("train", {})
    for split in ("valid", "test"):
        values = train.get(split) or {}
        shown = ", ".join(f"{k} {v:.4f}" for k, v in values.items() if isinstance(v, (int, float)))
        if shown:
            parts.append(f"{split}: {shown}")
    lines = [f"metrics (run {metrics.get('run_id')}, model {train.get('model_id')}): " + "; ".join(parts)]
    evaluation = metrics.get("evaluate") or {}
    if evaluation:
        lines.append(f"evaluation {evaluation.get('eval_id')}: report {evaluation.get('report_dir')}")
    return lines


def _secs(seconds: float | None) -> str:
    return f" {seconds:.1f}s" if seconds is not None else ""


def _publishing(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Which model serves (refit or split-trained, on how many ratings, its evaluated model's test
    figures), the last gate decision and the last forward measurement (issue 13's tables)."""
    q = queries("nightly")
    out: dict[str, Any] = {"serving": None, "gate": None, "forward": None}
    if relation_exists(con, "served_run") and relation_exists(con, "gate_decisions"):
        out["serving"] = _one(con, q.served_model)
        out["gate"] = _one(con, q.last_gate_decision)
        if out["gate"] and isinstance(out["gate"].get("metrics"), str):
            out["gate"]["metrics"] = json.loads(out["gate"]["metrics"])
    if relation_exists(con, "forward_measures"):
        out["forward"] = _one(con, q.last_forward_measure)
    return out


def _format_publishing(status: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    serving = status.get("serving")
    if serving:
        on = "all" if serving["trained_on"] == "all" else "the train part of"
        n_ratings = serving["n_train_ratings"] or "?"
        line = f"serving: model {serving['model_id']}, trained on {on} {n_ratings} ratings"
        if serving["trained_on"] == "all":
            line += f" (refit of model {serving['evaluated_model_id']})"
        figures = [
            f"{name} {serving[key]:.4f}"
            for name, key in (
                ("MAE", "test_mae"),
                ("RMSE", "test_rmse"),
                ("NDCG@10", "test_ndcg10"),
                ("P@10", "test_precision10"),
            )
            if serving.get(key) is not None
        ]
        lines.append(line)
        lines.append(
            f"evaluated: model {serving['evaluated_model_id']} on "
            f"{serving['evaluated_n_train_ratings'] or '?'} train ratings; "
            f"test {', '.join(figures) or 'not measured'}"
        )
    gate = status.get("gate")
    if gate:
        lines.append(f"gate (run {gate['run_id']}): {gate['decision']}: {gate['reason']}")
    forward = status.get("forward")
    if forward and forward.get("users"):
        lines.append(
            f"forward (score run {forward['score_run_id']}, {forward['users']} users, "
            f"{forward['new_ratings']} new ratings): hit rate@{forward['k']} {_share(forward['hit_rate'])}, "
            f"P@{forward['k']} {_share(forward['precision_at_k'])}; popularity "
            f"{_share(forward['pop_hit_rate'])}, {_share(forward['pop_precision_at_k'])}"
        )
    return lines


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"
