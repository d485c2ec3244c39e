"""Fixtures for the model tests: a small database of the demo generator's planted-structure data."""

from __future__ import annotations

from pathlib import Path

import pytest

from recdb.ingest import load_dataset
from recdb.settings import Settings


@pytest.fixture(scope="session")
def demo_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """20k ratings (about 120 users, 950 movies) in ML-1M format, generated once per session."""
    from recdb.ingest.demo import generate_demo

    return generate_demo(tmp_path_factory.mktemp("demo"), ratings=20_000, seed=0)


@pytest.fixture
def demo_settings(settings: Settings, demo_files: Path) -> Settings:
    """Settings for a database holding the demo data, with small, fast training defaults."""
    load_dataset(settings, demo_files)
    return settings.model_copy(
        update={
            "train": settings.train.model_copy(
                update={"epochs": 6, "batch_size": 1024, "learning_rate": 0.01, "threads": 1, "device": "cpu"}
            ),
            "model": settings.model.model_copy(update={"embed_dim": 16, "hidden_dim": 32}),
        }
    )
