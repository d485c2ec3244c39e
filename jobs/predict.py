"""``recdb predict``: ad-hoc predicted ratings of a user for some movies, from the model."""

from __future__ import annotations

import click

from recdb.jobs.common import DB_ID, App


@click.command("predict")
@click.argument("user_id", type=DB_ID)
@click.argument("movie_ids", nargs=-1, required=True, type=DB_ID)
@click.option("--model", "model_id", type=DB_ID, help="Model id (default: the newest ready model).")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True
)
@click.pass_obj
def command(app: App, user_id: int, movie_ids: tuple[int, ...], model_id: int | None, fmt: str) -> None:
    """Predict USER_ID's rating of each MOVIE_ID (clipped to the release's scale).

    Works for any user and movie in the database, rated or not; the user's actual rating is shown
    beside the prediction when there is one. Opens the database read-only.

    \b
    Example:
      recdb predict 1 1193 661 914
      recdb predict --model 3 --format csv 42 2571
    """
    settings = app.settings()
    from recdb.scoring.consumers import predict_report

    click.echo(predict_report(settings, user_id, list(movie_ids), model_id=model_id, fmt=fmt))  # type: ignore[arg-type]
