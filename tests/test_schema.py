"""The schema: migrations apply once, and every published table, view and column is documented."""

from __future__ import annotations

from recdb.db import connect
from recdb.db.admin import init_database
from recdb.db.connection import migration_files
from recdb.settings import Settings


def test_migrations_apply_once_in_order(settings: Settings) -> None:
    first = init_database(settings.database)
    assert first == [p.stem for p in migration_files()]
    assert init_database(settings.database) == []  # nothing pending on the second open


def test_every_table_view_and_column_has_a_comment(settings: Settings) -> None:
    init_database(settings.database)
    con = connect(settings.database, read_only=True)
    try:
        undocumented = con.execute(
            """
            SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' AND coalesce(comment, '') = ''
            UNION ALL
            SELECT view_name FROM duckdb_views()
            WHERE schema_name = 'main' AND NOT internal AND coalesce(comment, '') = ''
            UNION ALL
            SELECT c.table_name || '.' || c.column_name
            FROM duckdb_columns() c
            JOIN (
                SELECT table_name AS name FROM duckdb_tables() WHERE schema_name = 'main'
                UNION ALL
                SELECT view_name FROM duckdb_views() WHERE schema_name = 'main' AND NOT internal
            ) published ON c.table_name = published.name
            WHERE c.schema_name = 'main' AND coalesce(c.comment, '') = ''
            """
        ).fetchall()
    finally:
        con.close()
    assert undocumented == [], f"add COMMENT ON for: {sorted(r[0] for r in undocumented)}"
