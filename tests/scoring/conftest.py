"""Fixtures for the scoring tests: a small synthetic database (sql/scoring/synthetic.sql) and fake models.

The catalogue has users without ratings (cold start) and movies nobody rated, so every test sees both.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from recdb.db import open_db
from recdb.db.sql import parse_named
from recdb.scoring.fakes import DotPredictor, fake_loader, fill_synthetic
from recdb.settings import Settings

USERS, MOVIES, PER_USER, COLD_USERS, COLD_MOVIES, K = 120, 90, 25, 6, 7, 10

_CHECKS = Path(__file__).with_name("checks.sql")


def query(settings: Settings, name: str, **params: Any) -> list[tuple[Any, ...]]:
    """Run the named query of tests/scoring/checks.sql on a read-only connection; all rows."""
    sql = parse_named(_CHECKS.read_text(encoding="utf-8"), str(_CHECKS))[name]
    with open_db(settings.database, read_only=True) as con:
        return con.execute(sql, params or None).fetchall()


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
