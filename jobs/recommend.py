"""``recdb recommend``: print a user's published recommendations."""

from __future__ import annotations

import click

from recdb.jobs.common import DB_ID, App


@click.command("recommend")
@click.argument("user_id", type=DB_ID)
@click.option("--limit", type=click.IntRange(1), help="Show only the first N (default: the whole list).")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True
)
@click.pass_obj
def command(app: App, user_id: int, limit: int | None, fmt: str) -> None:
    """Print USER_ID's list from the latest published run (latest_recommendations).

    Reads what `recdb score` published; does not load the model. Opens the database read-only and
    retries for a few seconds while a job is publishing.

    \b
    Example:
      recdb recommend 42 --limit 10
      recdb recommend 42 --format csv > user42.csv
    """
    settings = app.settings()
    from recdb.scoring.consumers import show_recommendations

    click.echo(show_recommendations(settings, user_id, limit=limit, fmt=fmt))  # type: ignore[arg-type]
