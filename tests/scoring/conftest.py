"""Fixtures for the scoring tests: a small synthetic database (sql/scoring/synthetic.sql) and fake models.

The catalogue has users without ratings (cold start) and movies nobody rated, so every test sees both.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from recdb.db import open_db
from recdb.settings import Settings
from tests.scoring.scoring_support import COLD_MOVIES, COLD_USERS, MOVIES, PER_USER, USERS
from tests.scoring_fakes import DotPredictor, fake_loader, fill_synthetic


@pytest.fixture
def synthetic_db(settings: Settings) -> Settings:
    """``settings`` pointing at a migrated database holding the synthetic catalogue."""
    with open_db(settings.database) as con:
        fill_synthetic(
            con,
            users=USERS,
            movies=MOVIES,
            per_user=PER_USER,
            cold_users=COLD_USERS,
            cold_movies=COLD_MOVIES,
            seed=1,
        )
    return settings


@pytest.fixture
def dot_loader():  # type: ignore[no-untyped-def]
    return fake_loader(DotPredictor(dim=16, seed=3), model_id=1)


@pytest.fixture
def db_path(synthetic_db: Settings) -> Path:
    return synthetic_db.database.path
