"""Fixtures for the nightly tests: fake stages (fast, deterministic), a migrated database, processes.

The fakes replace the adapters in ``recdb.nightly.stages`` (which call ingest, training, scoring and
evaluation), so the orchestration, lock and records are tested without training anything. The
end-to-end, crash and reliability tests run the real stages in real processes.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from recdb.db.admin import init_database
from recdb.nightly import pipeline, stages
from recdb.settings import DatabaseSettings, Settings
from tests.nightly.nightly_support import FakeStages


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
    for name in ("load", "train", "gate", "refit", "score", "evaluate"):
        monkeypatch.setattr(stages, name, getattr(fake, name))
    monkeypatch.setattr(pipeline, "_ready_model", lambda con: fake.models or None)
    monkeypatch.setattr(pipeline, "_has_published", lambda con: fake.published)
    return fake


@pytest.fixture
def spawned() -> Iterator[list[subprocess.Popen[str]]]:
    """Processes a test starts; any still running at the end are killed (by pid, ours only)."""
    procs: list[subprocess.Popen[str]] = []
    yield procs
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
