"""Fixtures for the model tests: a small database of the demo generator's planted-structure data."""

from __future__ import annotations

from pathlib import Path

import pytest
from settings_support import demo_database
from settings_support import demo_files as generate

from recdb.settings import Settings


@pytest.fixture(scope="session")
def demo_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """20k ratings (about 120 users, 950 movies) in ML-1M format, generated once per session."""
    return generate(tmp_path_factory, 20_000)


@pytest.fixture
def demo_settings(settings: Settings, demo_files: Path) -> Settings:
    """Settings for a database holding the demo data, with small, fast training defaults."""
    return demo_database(
        settings,
        demo_files,
        train={"epochs": 6, "batch_size": 1024, "learning_rate": 0.01, "threads": 1, "device": "cpu"},
        model={"embed_dim": 16, "hidden_dim": 32},
    )
