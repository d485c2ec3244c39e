"""``recdb status``: the last nightly runs, stage times, metrics and the published recommendations' age."""

from __future__ import annotations

import json

import click

from recdb.errors import JobFailedError
from recdb.jobs.common import App


@click.command("status")
@click.option("--json", "as_json", is_flag=True, help="One JSON object, for monitoring.")
@click.option(
    "--runs",
    "limit",
    type=click.IntRange(1, 1000),
    default=5,
    show_default=True,
    help="How many runs to list.",
)
@click.option(
    "--check",
    is_flag=True,
    help="Exit 4 when there is an alert (last run failed, recommendations too old, lock held too long).",
)
@click.option(
    "--max-age-hours",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Alert when the published recommendations are older (nightly.alert_age_hours).",
)
@click.pass_obj
def command(app: App, as_json: bool, limit: int, check: bool, max_age_hours: float | None) -> None:
    """Show the last nightly runs, stage durations, metrics and the age of the published recommendations.

    Opens the database read-only, so it can run while a job runs. The JSON form (--json) has keys
    runs, last_success, published (age_hours), lock (state free/held/stale), metrics, alerts and ok.

    \b
    Example:
      recdb status
      recdb status --json | jq .published.age_hours
      recdb status --check --max-age-hours 26 || page-someone
    """
    from recdb.nightly.status import collect_status, format_status

    settings = app.settings(nightly={"alert_age_hours": max_age_hours})
    status = collect_status(settings, limit=limit)
    click.echo(json.dumps(status, indent=2, default=str) if as_json else format_status(status))
    if check and status["alerts"]:
        raise JobFailedError("; ".join(status["alerts"]))
