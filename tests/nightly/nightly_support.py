"""Helpers shared by the nightly tests: fake stages, subprocess commands and environments, the check
queries of ``checks.sql`` and a run row as a dead process leaves it.

(A uniquely named module rather than ``conftest``: several test folders have a conftest.py, and
``from conftest import`` could pick up another folder's.)
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from recdb.db import queries
from recdb.db.sql import parse_named
from recdb.errors import JobFailedError
from recdb.nightly import records
from recdb.nightly.gate import GateDecision
from recdb.nightly.stages import StageOutcome
from recdb.settings import Settings

REPO = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
CHECKS = Path(__file__).with_name("checks.sql")


@cache
def checks() -> dict[str, str]:
    """The consistency checks of tests/nightly/checks.sql (run_rows, stage_rows, snapshots), by name."""
    return parse_named(CHECKS.read_text(encoding="utf-8"), str(CHECKS))


def insert_running_run(settings: Settings, *, host: str, pid: int) -> int:
    """Insert a nightly run's row with status 'running' and nothing else, as a process that died (or
    that is still running elsewhere) leaves it; returns its run_id."""
    params = {"trigger": "scheduled", "forced": False, "command": "recdb nightly", "host": host, "pid": pid}
    with records.write_session(settings) as con:
        row = con.execute(queries("nightly").insert_run, params).fetchone()
    assert row is not None
    return int(row[0])


@dataclass
class FakeStages:
    """Stand-ins for the four stages; tests set ``actions``/``fail`` and read ``calls``."""

    actions: list[str] = field(default_factory=lambda: ["initial"])
    fail: dict[str, BaseException] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    models: int = 0
    published: bool = False

    def load(self, settings: Settings) -> StageOutcome:
        self._call("load", {})
        action = self.actions.pop(0) if len(self.actions) > 1 else self.actions[0]
        load_id = None if action == "unchanged" else len([c for c in self.calls if c[0] == "load"])
        return StageOutcome(
            rows=0 if action == "unchanged" else 100,
            metrics={"action": action},
            ids={"load_id": load_id},
            action=action,
        )

    def train(self, settings: Settings, *, warm_start_from: int | None = None) -> StageOutcome:
        self._call("train", {"warm_start_from": warm_start_from})
        self.models += 1
        return StageOutcome(
            rows=80,
            metrics={
                "model_id": self.models,
                "warm_start_from": warm_start_from,
                "valid": {"mae": 0.7},
                "test": {"mae": 0.71},
            },
            ids={"model_id": self.models},
        )

    def score(self, settings: Settings, *, model_id: int | None) -> StageOutcome:
        self._call("score", {"model_id": model_id})
        self.published = True
        return StageOutcome(rows=10, metrics={"run_id": self.models}, ids={"score_run_id": self.models})

    def evaluate(self, settings: Settings, *, model_id: int | None) -> StageOutcome:
        self._call("evaluate", {"model_id": model_id})
        return StageOutcome(rows=5, metrics={"eval_id": self.models}, ids={"eval_id": self.models})

    def gate(self, settings: Settings, *, run_id: int, model_id: int) -> GateDecision:
        # not in calls: the gate and the refit run inside the train stage
        return GateDecision("first", model_id, "fake gate: nothing published")

    def refit(self, settings: Settings, *, model_id: int) -> StageOutcome:
        return StageOutcome(rows=100, metrics={"model_id": model_id}, ids={"model_id": model_id})

    def _call(self, stage: str, kwargs: dict[str, Any]) -> None:
        self.calls.append((stage, kwargs))
        if stage in self.fail:
            raise self.fail[stage]

    def stages_called(self) -> list[str]:
        return [name for name, _ in self.calls]


def demo_versions(root: Path) -> tuple[Path, Path]:
    """A demo data set and an older copy without its last 500 ratings (so the newer one appends)."""
    from recdb.ingest.demo import generate_demo

    full = generate_demo(root / "v2", ratings=5000, seed=0)
    older = root / "v1"
    shutil.copytree(full, older)
    lines = (older / "ratings.dat").read_bytes().splitlines(keepends=True)
    (older / "ratings.dat").write_bytes(b"".join(lines[:-500]))
    return older, full


def fail_with(message: str) -> JobFailedError:
    return JobFailedError(message)


def cli_env(settings: Settings, **extra: str) -> dict[str, str]:
    """Environment for a ``recdb`` subprocess using the test's settings (paths in tmp_path, tiny data)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECDB_") or k == "RECDB_MOVIELENS_DIR"}
    env.update(
        {
            "RECDB_DATABASE__PATH": str(settings.database.path),
            "RECDB_DATABASE__CHECKPOINT_DIR": str(settings.database.checkpoint_dir),
            "RECDB_DATA__CACHE_DIR": str(settings.data.cache_dir),
            "RECDB_DEMO__DIR": str(settings.demo.dir),
            "RECDB_EVALUATE__REPORT_DIR": str(settings.evaluate.report_dir),
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra)
    return env


def fake_nightly_cmd(*args: str) -> list[str]:
    """A real ``recdb`` process whose stages are the fakes, or the real stages with pause points (see
    fake_nightly.py)."""
    return [PYTHON, str(Path(__file__).with_name("fake_nightly.py")), *args]


def recdb_cmd(*args: str) -> list[str]:
    """The real CLI in a new process, as cron runs it."""
    return [PYTHON, "-m", "recdb.jobs.cli", *args]


# Settings for a real nightly that finishes in seconds: tiny demo data, a tiny network, two epochs.
TINY_ENV = {
    "RECDB_DEMO__RATINGS": "5000",
    "RECDB_TRAIN__EPOCHS": "2",
    "RECDB_TRAIN__NEGATIVES": "16",
    "RECDB_TRAIN__THREADS": "1",
    "RECDB_MODEL__EMBED_DIM": "8",
    "RECDB_MODEL__HIDDEN_DIM": "16",
    "RECDB_MODEL__WORD_DIM": "8",
    "RECDB_MODEL__TITLE_FILTERS": "4",
    "RECDB_SCORE__K": "10",
    "RECDB_DATABASE__THREADS": "1",
    # No gate: two 2-epoch models of 5,000 ratings differ by noise; tests/nightly/test_nightly_publish_gate.py
    # tests the gate itself.
    "RECDB_NIGHTLY__GATE_METRICS": "[]",
}


def real_stages_missing() -> str | None:
    """Why the real stages cannot run yet (another engineer's API not there), or None."""
    import importlib

    for module, name in (
        ("recdb.ingest.load", "load_dataset"),
        ("recdb.training.trainer", "train_model"),
        ("recdb.scoring.job", "score_all"),
    ):
        try:
            getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError) as exc:
            return f"{module}.{name} not available yet: {exc}"
    return None


def evaluation_missing() -> str | None:
    import importlib

    try:
        importlib.import_module("recdb.evaluation.runner").evaluate  # noqa: B018
    except (ImportError, AttributeError) as exc:
        return f"recdb.evaluation.runner.evaluate not available yet: {exc}"
    return None


def tiny_env(settings: Settings, **extra: str) -> dict[str, str]:
    """``cli_env`` with the tiny real-run settings (evaluation on only when it exists and is asked for)."""
    env = cli_env(settings, **TINY_ENV)
    env.setdefault("RECDB_NIGHTLY__EVALUATE", "false")
    env.update(extra)
    return env


def wait_for_point(marker: Path, point: str, proc: Any, timeout: float = 180.0) -> bool:
    """Wait until fake_nightly.py wrote ``point`` to ``marker`` (True), or the process ended first (False)."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if marker.exists() and any(
            line.split()[0] == point for line in marker.read_text().splitlines() if line
        ):
            return True
        if proc.poll() is not None:
            return False
        time.sleep(0.02)
    raise AssertionError(f"the job never reached {point!r} in {timeout} s")


def snapshot(db: Path) -> dict[str, Any]:
    """What a consumer sees right now, checked: the data is whole and the published run is whole.

    Returns ``{"ratings": n, "published_run": id or None}``; raises AssertionError on any partial state.
    """
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        ratings, loads, expected = con.execute(checks()["data_snapshot"]).fetchone()  # type: ignore[misc]
        assert ratings == expected, (
            f"partial load visible: {ratings} ratings, the newest load says {expected}"
        )
        cursor = con.execute(checks()["reader_snapshot"])
        names = [d[0] for d in cursor.description]
        seen = dict(zip(names, cursor.fetchone(), strict=True))  # type: ignore[arg-type]
    finally:
        con.close()
    check_reader_snapshot(seen)
    return {"ratings": ratings, "loads": loads, "published_run": seen["run_id"] if seen["runs"] else None}


def check_reader_snapshot(seen: dict[str, Any]) -> None:
    """A consumer's snapshot shows either nothing (before the first publish) or exactly one whole run."""
    if not seen["runs"]:
        assert seen["users"] == 0 and seen["rows"] == 0, seen
        return
    assert seen["runs"] == 1, f"rows of {seen['runs']} runs visible at once: {seen}"
    assert seen["status"] == "published", seen
    assert seen["broken_lists"] == 0, seen
    assert seen["users"] == seen["users_expected"] and seen["rows"] == seen["rows_expected"], seen
