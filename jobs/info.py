"""``recdb info``: what is loaded (rows per table, data sets, loads history)."""

from __future__ import annotations

import logging

import click

from recdb.jobs.common import App

log = logging.getLogger(__name__)


@click.command("info")
@click.option(
    "--verify",
    is_flag=True,
    help="First read every stored value, so a damaged block fails with exit 6 (slower on a big database).",
)
@click.pass_obj
def command(app: App, verify: bool) -> None:
    """Show what the database holds: rows per table, the data set(s) and the history of loads.

    Opens the database read-only, so it can run while other readers have it open. A truncated file
    is always refused (exit 6); --verify also checks every data block's checksum.

    \b
    Example:
      recdb info
      recdb --db var/recdb.duckdb info --verify
    """
    from recdb.ingest.info import database_info

    settings = app.settings()
    if verify:
        from recdb.db.admin import verify_database

        log.info(
            "%s: %d tables read, every block checksum verified",
            settings.database.path,
            verify_database(settings.database),
        )
    click.echo(database_info(settings).render())
