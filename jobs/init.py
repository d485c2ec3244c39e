"""``recdb init``: create the database file and apply the schema migrations."""

from __future__ import annotations

import click

from recdb.jobs.common import App


@click.command("init")
@click.pass_obj
def command(app: App) -> None:
    """Create the database (if needed) and apply pending schema migrations.

    \b
    Example:
      recdb --db var/recdb.duckdb init
    """
    from recdb.db.admin import init_database

    settings = app.settings()
    with app.job_lock():
        applied = init_database(settings.database)
        click.echo(
            f"{settings.database.path}: {len(applied)} migration(s) applied"
            if applied
            else f"{settings.database.path}: schema up to date"
        )
