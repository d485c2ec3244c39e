"""``recdb info``: what is loaded (rows per table, data sets, loads history)."""

from __future__ import annotations

import click

from recdb.ingest.info import database_info
from recdb.jobs.common import App


@click.command("info")
@click.pass_obj
def command(app: App) -> None:
    """Show what the database holds: rows per table, the data set(s) and the history of loads.

    Opens the database read-only, so it can run while other readers have it open.

    \b
    Example:
      recdb info
      recdb --db var/recdb.duckdb info
    """
    click.echo(database_info(app.settings()).render())
