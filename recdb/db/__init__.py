"""DuckDB access: opening the database, migrations, named SQL queries and the functions that run them.

``queries("area").name`` is a query of ``sql/<area>/``; :func:`rows`, :func:`one`, :func:`scalar`,
:func:`execute`, :func:`frame` and :func:`arrow` run it (the one its marker names, see
:mod:`recdb.db.sql`), and :func:`transaction` wraps a block in BEGIN/COMMIT.
"""

from recdb.db.api import arrow, bind, execute, frame, one, records, rows, scalar, transaction
from recdb.db.connection import connect, open_db
from recdb.db.sql import queries

__all__ = [
    "arrow",
    "bind",
    "connect",
    "execute",
    "frame",
    "one",
    "open_db",
    "queries",
    "records",
    "rows",
    "scalar",
    "transaction",
]
