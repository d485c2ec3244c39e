"""Database administration used by ``recdb init``."""

from __future__ import annotations

from recdb.db.connection import apply_migrations, open_db
from recdb.settings import DatabaseSettings


def init_database(settings: DatabaseSettings) -> list[str]:
    """Create the database file if missing and apply pending migrations; returns those applied."""
    with open_db(settings, migrate=False) as con:
        return apply_migrations(con)
