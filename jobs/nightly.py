"""``recdb nightly``: what cron runs: load, train, score and publish, evaluate, under the job lock."""

from __future__ import annotations

import sys

import click

from recdb.jobs.common import App


@click.command("nightly")
@click.option(
    "--force",
    is_flag=True,
    default=None,
    help="Retrain and rescore even if the data did not change (nightly.force).",
)
@click.option(
    "--evaluate/--no-evaluate", "evaluate", default=None, help="Run the evaluation stage (nightly.evaluate)."
)
@click.option(
    "--force-publish",
    is_flag=True,
    default=None,
    help="Publish even if the gate refuses the new model; recorded as 'forced' (nightly.force_publish).",
)
@click.option(
    "--source",
    default=None,
    help="Data to load: folder, zip, release name or demo (data.source).",
)
@click.pass_obj
def command(
    app: App, force: bool | None, evaluate: bool | None, force_publish: bool | None, source: str | None
) -> None:
    """Load new data, retrain, rescore and publish, then evaluate: one locked, recorded run.

    Only one recdb job runs at a time: if another holds the lock (<database>.lock) this exits at once
    with code 5, naming the running process. When the data did not change since the last successful
    run, training and scoring are skipped (exit 0) unless --force. The model trained on the split is
    gated against the one behind the published lists (refused: exit 4, the old lists stay served,
    unless --force-publish), then refit on every rating; the refit is published. Quiet on success
    when not on a terminal; on failure one line on stderr and a non-zero exit code (see docs/operations.md).
    Every run and stage is recorded in the runs and run_stages tables; see `recdb status`.

    \b
    Example:
      recdb nightly
      recdb --config /etc/recdb.toml nightly --source ml-latest-small
      # crontab: 30 2 * * * cd /srv/recdb && .venv/bin/recdb --config recdb.toml nightly
    """
    from recdb.nightly.pipeline import run_nightly

    settings = app.settings(
        nightly={"force": force, "evaluate": evaluate, "force_publish": force_publish},
        data={"source": source},
    )
    result = run_nightly(settings)
    if sys.stdout.isatty() or app.verbosity > 0:
        click.echo(f"nightly run {result.run_id} {result.status} in {result.seconds:.1f} s: {result.message}")
        for stage in result.stages:
            rows = f", {stage.rows} rows" if stage.rows is not None else ""
            click.echo(f"  {stage.stage:9} {stage.status:9} {stage.seconds:7.1f} s{rows}")
