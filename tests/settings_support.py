"""Test helpers shared across test folders: settings with some sections changed, demo-data databases."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from recdb.settings import Settings


def with_sections(settings: Settings, **sections: dict[str, Any]) -> Settings:
    """A copy of ``settings`` with fields of named sections replaced, e.g. ``train={"epochs": 2}``."""
    return settings.model_copy(
        update={name: getattr(settings, name).model_copy(update=fields) for name, fields in sections.items()}
    )


def demo_files(factory: pytest.TempPathFactory, ratings: int) -> Path:
    """``ratings`` demo ratings (seed 0) in ML-1M format, in a fresh temporary folder."""
    from recdb.ingest.demo import generate_demo

    return generate_demo(factory.mktemp(f"demo-{ratings}"), ratings=ratings, seed=0)


def demo_database(settings: Settings, files: Path, **sections: dict[str, Any]) -> Settings:
    """Load ``files`` into the settings' database; the settings with ``sections`` changed."""
    from recdb.ingest.load import load_dataset

    load_dataset(settings, files)
    return with_sections(settings, **sections)


def tiny_model_config(**changes: Any) -> dict[str, Any]:
    """A tiny network's model config (no dropout, so outputs are deterministic), with ``changes``."""
    base: dict[str, Any] = {
        "embed_dim": 4,
        "hidden_dim": 8,
        "title_filters": 2,
        "title_windows": [2, 3],
        "word_dim": 4,
        "dropout": 0.0,
        "id_dropout": 0.0,
    }
    return base | changes
