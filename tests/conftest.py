"""Shared test fixtures: real MovieLens location, isolated settings, a fresh database path.

Real data is read from ``$RECDB_MOVIELENS_DIR`` (``.ci/run`` points it at ``../shared/data/movielens``);
tests marked ``realdata`` are skipped where it is absent. The folder is read-only: never write into it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from recdb.settings import Settings, load_settings

_DEFAULT_ML = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "movielens"


def movielens_root() -> Path | None:
    root = Path(os.environ.get("RECDB_MOVIELENS_DIR", _DEFAULT_ML))
    return root if root.is_dir() else None


@pytest.fixture(scope="session")
def ml_root() -> Path:
    """The folder holding ml-100k, ml-1m and ml-latest-small (skips the test when absent)."""
    root = movielens_root()
    if root is None:
        pytest.skip("real MovieLens not found: set RECDB_MOVIELENS_DIR")
    return root


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No RECDB_* variable from the developer's shell leaks into a test."""
    for key in list(os.environ):
        if key.startswith("RECDB_") and key != "RECDB_MOVIELENS_DIR":
            monkeypatch.delenv(key, raising=False)
    yield


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings with every path inside the test's temporary folder and small, fast defaults."""
    return load_settings(
        overrides={
            "database": {"path": tmp_path / "recdb.duckdb", "checkpoint_dir": tmp_path / "models"},
            "data": {"cache_dir": tmp_path / "cache"},
            "demo": {"dir": tmp_path / "demo"},
            "evaluate": {"report_dir": tmp_path / "reports"},
        }
    )
