"""``recdb db``: maintenance of the database file itself (``recdb db upgrade-format``)."""

from __future__ import annotations

import click

from recdb.jobs.common import App


@click.group("db")
def command() -> None:
    """Maintain the database file (its storage format)."""


@command.command("upgrade-format")
@click.pass_obj
def upgrade_format(app: App) -> None:
    """Rewrite the database into the storage format of database.storage_compatibility.

    A file created before that setting (or by a newer DuckDB) may be unreadable for DuckDB 1.x readers
    (the 1.x CLI, IDE drivers, R). The file is copied beside itself in the configured format, checked
    table by table and renamed over the original, under the job lock; a failure leaves it unchanged.

    \b
    Example:
      recdb db upgrade-format
      duckdb -readonly var/recdb.duckdb "SELECT count(*) FROM latest_recommendations"
    """
    from recdb.db.format import readable_from, upgrade_format

    settings = app.settings()
    with app.job_lock():
        change = upgrade_format(settings.database)
    click.echo(
        f"{change.path}: storage version {change.before} -> {change.after} "
        f"(readable by DuckDB {readable_from(change.after)} and later); "
        f"{change.tables} tables, {change.rows} rows copied"
    )
