"""Scoring data the real loader produced (demo generator + load_dataset), with a fake and a real model."""

from __future__ import annotations

from pathlib import Path

import pytest

from recdb.ingest.demo import generate_demo
from recdb.ingest.load import load_dataset
from recdb.scoring.job import score_all
from recdb.settings import Settings
from tests.scoring.scoring_support import query
from tests.scoring_fakes import DotPredictor, fake_loader


@pytest.fixture
def demo_db(settings: Settings, tmp_path: Path) -> Settings:
    load_dataset(settings, generate_demo(tmp_path / "demo", ratings=5_000, seed=0))
    return settings


def test_demo_data_scores_and_publishes(demo_db: Settings) -> None:
    result = score_all(demo_db, k=20, loader=fake_loader(DotPredictor(dim=16), 1))
    assert result.users > 0 and result.rows > 0
    assert query(demo_db, "rated_recommended") == [(0,)]
    assert all(n == min(20, candidates) for _, n, candidates in query(demo_db, "list_vs_candidates"))


@pytest.mark.slow
def test_a_trained_model_scores_end_to_end(demo_db: Settings) -> None:
    from recdb.training.trainer import train_model

    demo_db.train.epochs = 1
    trained = train_model(demo_db)
    result = score_all(demo_db, k=10)  # the real registry: newest ready model
    assert result.model_id == trained.model_id
    assert query(demo_db, "rated_recommended") == [(0,)]
    assert all(n == min(10, candidates) for _, n, candidates in query(demo_db, "list_vs_candidates"))
