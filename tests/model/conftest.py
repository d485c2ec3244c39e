"""Fixtures for the model and training tests: databases of the demo generator's planted-structure data.

Two sizes: ``demo_settings`` (20k ratings, a small network, six epochs) for the tests that check what
the model learns, and ``tiny_settings`` (5k ratings, a tiny network, three epochs) for the tests of
the training machinery (history rows, warm starts).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from recdb.settings import Settings
from tests.settings_support import demo_database
from tests.settings_support import demo_files as generate


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


@pytest.fixture(scope="session")
def tiny_demo_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """5k demo ratings in ML-1M format, generated once per session."""
    return generate(tmp_path_factory, 5000)


@pytest.fixture
def tiny_settings(settings: Settings, tiny_demo_files: Path) -> Settings:
    """Settings for a database holding the tiny demo data; three epochs of a tiny network on one thread."""
    return demo_database(
        settings,
        tiny_demo_files,
        train={"epochs": 3, "batch_size": 512, "negatives": 16, "threads": 1, "device": "cpu"},
        model={"embed_dim": 8, "hidden_dim": 16, "word_dim": 8, "title_filters": 4},
    )
