"""``recdb score``: score every user against every movie and publish the top-k lists."""

from __future__ import annotations

import click

from recdb.jobs.common import App


@click.command("score")
@click.option(
    "--model", "model_id", type=int, help="Model id to score with (default: the newest ready model)."
)
@click.option("--k", "k", type=click.IntRange(1, 10_000), help="List length per user (score.k, default 100).")
@click.option("--chunk-users", type=click.IntRange(1), help="Users scored per chunk (score.chunk_users).")
@click.pass_obj
def command(app: App, model_id: int | None, k: int | None, chunk_users: int | None) -> None:
    """Score every user (also users without ratings) against every movie and publish the top k.

    Excludes movies the user already rated, breaks score ties by lower movie id, and stores each
    listed movie's predicted rating clipped to the release's scale. The run is contract-checked in
    SQL and published atomically: latest_recommendations switches to it in one transaction. A
    failed check keeps the previous run and exits 4. Prints the run id.

    \b
    Example:
      recdb score                 # newest model, k from settings (100)
      recdb score --model 3 --k 20
    """
    settings = app.settings(score={"k": k, "chunk_users": chunk_users})
    from recdb.scoring.job import score_all

    with app.job_lock():
        result = score_all(settings, model_id=model_id, k=k)
        click.echo(
            f"run {result.run_id}: {result.users} users x {result.movies} movies, top {result.k}, "
            f"{result.rows} rows published in {result.seconds:.1f} s"
        )
