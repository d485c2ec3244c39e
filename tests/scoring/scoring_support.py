"""Sizes of the synthetic scoring catalogue and the checks.sql query helper, shared by the scoring tests.

(A uniquely named module rather than ``conftest``: several test folders have a conftest.py, and
``from conftest import`` could pick up another folder's.)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from recdb.db import open_db
from recdb.db.sql import parse_named
from recdb.settings import Settings

USERS, MOVIES, PER_USER, COLD_USERS, COLD_MOVIES, K = 120, 90, 25, 6, 7, 10

_CHECKS = Path(__file__).with_name("checks.sql")


def query(settings: Settings, name: str, **params: Any) -> list[tuple[Any, ...]]:
    """Run the named query of tests/scoring/checks.sql on a read-only connection; all rows."""
    sql = parse_named(_CHECKS.read_text(encoding="utf-8"), str(_CHECKS))[name]
    with open_db(settings.database, read_only=True) as con:
        return con.execute(sql, params or None).fetchall()
