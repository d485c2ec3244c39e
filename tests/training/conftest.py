"""Fixtures for the training tests: a database of tiny demo data and settings for a tiny, fast network."""

from __future__ import annotations

from pathlib import Path

import pytest
from settings_support import demo_database, demo_files

from recdb.settings import Settings


@pytest.fixture(scope="session")
def tiny_demo_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """5k demo ratings in ML-1M format, generated once per session."""
    return demo_files(tmp_path_factory, 5000)


@pytest.fixture
def tiny_settings(settings: Settings, tiny_demo_files: Path) -> Settings:
    """Settings for a database holding the tiny demo data; three epochs of a tiny network on one thread."""
    return demo_database(
        settings,
        tiny_demo_files,
        train={"epochs": 3, "batch_size": 512, "negatives": 16, "threads": 1, "device": "cpu"},
        model={"embed_dim": 8, "hidden_dim": 16, "word_dim": 8, "title_filters": 4},
    )
