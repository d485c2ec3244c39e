"""A database that a real (tiny) ``recdb nightly`` published, made once for the consumer tests.

Tests that write copy it (:func:`own_copy`); the checkpoint of its model stays where the nightly wrote
it, which the copies' ``models`` rows name.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from recdb.settings import Settings, load_settings
from tests.nightly.nightly_support import recdb_cmd, tiny_env


@dataclass(frozen=True)
class Published:
    settings: Settings
    env: dict[str, str]  # for a `recdb` subprocess on this database

    @property
    def db(self) -> Path:
        return self.settings.database.path

    @property
    def serving(self) -> Path:
        path = self.settings.database.serving_file()
        assert path is not None
        return path


def settings_in(root: Path, demo_dir: Path | None = None) -> Settings:
    return load_settings(
        overrides={
            "database": {"path": root / "recdb.duckdb", "checkpoint_dir": root / "models"},
            "data": {"cache_dir": root / "cache"},
            "demo": {"dir": demo_dir or root / "demo"},
            "evaluate": {"report_dir": root / "reports"},
        }
    )


def published_in(root: Path, demo_dir: Path | None = None) -> Published:
    settings = settings_in(root, demo_dir)
    return Published(settings, tiny_env(settings, RECDB_TRAIN__EPOCHS="1"))


@pytest.fixture(scope="session")
def published(tmp_path_factory: pytest.TempPathFactory) -> Published:
    """A tiny nightly (demo data, one epoch, no evaluation) with its serving copy."""
    made = published_in(tmp_path_factory.mktemp("published"))
    done = subprocess.run(recdb_cmd("nightly"), env=made.env, text=True, capture_output=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert made.serving.is_file()
    return made


def own_copy(published: Published, root: Path) -> Published:
    """The published database (and its serving copy) copied under ``root``, sharing the demo data."""
    made = published_in(root, published.settings.demo.dir)
    shutil.copyfile(published.db, made.db)
    shutil.copyfile(published.serving, made.serving)
    return made
