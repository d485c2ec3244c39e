"""Fixtures for the ingestion tests: migrated and loaded database templates, copied per test.

The tiny releases and the snapshot helper live in tests/ingest/ingest_support.py.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from recdb.ingest.load import load_dataset
from recdb.settings import Settings
from tests.ingest.ingest_support import TINY, write_release


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty database with every migration applied, made once (migrations cost ~0.5 s per database)."""
    from recdb.db.admin import init_database
    from recdb.settings import load_settings

    db = tmp_path_factory.mktemp("migrated") / "empty.duckdb"
    init_database(load_settings(overrides={"database": {"path": db}}).database)
    return db


@pytest.fixture(autouse=True)
def _migrated_db(migrated_template: Path, settings: Settings) -> None:
    """Every test's database starts as a copy of the migrated empty one."""
    settings.database.path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(migrated_template, settings.database.path)


@pytest.fixture(scope="session")
def loaded_templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A database file per tiny release, loaded once; tests copy it (migrations and a load cost ~1 s)."""
    from recdb.settings import load_settings

    root = tmp_path_factory.mktemp("templates")
    out: dict[str, Path] = {}
    for name in TINY:
        db = root / f"{name}.duckdb"
        settings = load_settings(overrides={"database": {"path": db}, "data": {"cache_dir": root / "cache"}})
        load_dataset(settings, write_release(root / "src", name))
        out[name] = db
    return out


@pytest.fixture
def loaded_db(loaded_templates: dict[str, Path], settings: Settings, tmp_path: Path) -> Callable[[str], Path]:
    """``loaded_db(name)``: this test's database, holding the tiny release ``name``."""

    def make(name: str) -> Path:
        shutil.copyfile(loaded_templates[name], settings.database.path)
        return settings.database.path

    return make
