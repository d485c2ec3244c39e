"""Fixtures for the nightly tests: fake stages (fast, deterministic) and helpers to run real processes.

The fakes replace the adapters in ``recdb.nightly.stages`` (which call ingest, training, scoring and
evaluation), so the orchestration, lock and records are tested without training anything. The
end-to-end tests in ``test_nightly_e2e.py`` and the crash tests use the real stages.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from recdb.db.admin import init_database
from recdb.errors import JobFailedError
from recdb.nightly import pipeline, stages
from recdb.nightly.stages import StageOutcome
from recdb.settings import DatabaseSettings, Settings

REPO = Path(__file__).resolve().parents[2]
PYTHON = sys.executable


@dataclass
class FakeStages:
    """Stand-ins for the four stages; tests set ``actions``/``fail`` and read ``calls``."""

    actions: list[str] = field(default_factory=lambda: ["initial"])
    fail: dict[str, BaseException] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    models: int = 0
    published: bool = False
    warm_supported: bool = False

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
        used = warm_start_from if self.warm_supported else None
        return StageOutcome(
            rows=80,
            metrics={
                "model_id": self.models,
                "warm_start_from": used,
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

    def _call(self, stage: str, kwargs: dict[str, Any]) -> None:
        self.calls.append((stage, kwargs))
        if stage in self.fail:
            raise self.fail[stage]

    def stages_called(self) -> list[str]:
        return [name for name, _ in self.calls]


@pytest.fixture(scope="session")
def migrated_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with every migration applied, made once: copying it is faster than migrating."""
    path = tmp_path_factory.mktemp("template") / "template.duckdb"
    init_database(DatabaseSettings(path=path))
    return path


@pytest.fixture
def fake_stages(monkeypatch: pytest.MonkeyPatch, settings: Settings, migrated_db: Path) -> FakeStages:
    """Fake stages, and the test's database already migrated."""
    shutil.copyfile(migrated_db, settings.database.path)
    fake = FakeStages()
    for name in ("load", "train", "score", "evaluate"):
        monkeypatch.setattr(stages, name, getattr(fake, name))
    monkeypatch.setattr(pipeline, "_ready_model", lambda con: fake.models or None)
    monkeypatch.setattr(pipeline, "_has_published", lambda con: fake.published)
    return fake


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
    """A real ``recdb`` process whose stages are the fakes (see fake_nightly.py)."""
    return [PYTHON, str(Path(__file__).with_name("fake_nightly.py")), *args]


def recdb_cmd(*args: str) -> list[str]:
    """The real CLI in a new process, as cron runs it."""
    return [PYTHON, "-m", "recdb.jobs.cli", *args]


@pytest.fixture
def spawned() -> Iterator[list[subprocess.Popen[str]]]:
    """Processes a test starts; any still running at the end are killed (by pid, ours only)."""
    procs: list[subprocess.Popen[str]] = []
    yield procs
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
