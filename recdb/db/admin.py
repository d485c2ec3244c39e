"""Database administration used by ``recdb init`` and ``recdb info --verify``."""

from __future__ import annotations

from recdb.db.api import rows
from recdb.db.connection import apply_migrations, open_db
from recdb.db.sql import queries
from recdb.settings import DatabaseSettings


def init_database(settings: DatabaseSettings) -> list[str]:
    """Create the database file if missing and apply pending migrations; returns those applied."""
    with open_db(settings, migrate=False) as con:
        return apply_migrations(con)


def verify_database(settings: DatabaseSettings) -> int:
    """Read every value of every table, so DuckDB checks each data block's checksum; returns the count.

    Opening the file checks only its headers and length (see ``connect``): a block damaged in the
    middle shows up when a query reads it. Raises :class:`recdb.errors.DatabaseError` naming the file.
    """
    q = queries("info")
    with open_db(settings, read_only=True) as con:
        names = [row[0] for row in rows(con, q.list_tables)]
        for name in names:
            rows(con, q.verify_table, {"table": name})
    return len(names)
