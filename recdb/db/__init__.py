"""DuckDB access: opening the database, running migrations, transactions and named SQL queries."""

from recdb.db.connection import connect, open_db, transaction
from recdb.db.sql import queries

__all__ = ["connect", "open_db", "queries", "transaction"]
