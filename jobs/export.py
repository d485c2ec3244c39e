"""``recdb export``: write the latest published run as Parquet for tools outside DuckDB."""

from __future__ import annotations

from pathlib import Path

import click

from recdb.jobs.common import App


@click.command("export")
@click.argument("out_dir", metavar="DIR", type=click.Path(file_okay=False, path_type=Path))
@click.pass_obj
def command(app: App, out_dir: Path) -> None:
    """Write the latest run to DIR/recommendations-run<ID>.parquet and DIR/manifest.json.

    The Parquet file has the columns of latest_recommendations; manifest.json names the file, the
    run, its model and row count, and is replaced last, so readers should open it first. Opens the
    database read-only. Prints the file written.

    \b
    Example:
      recdb export var/export
      python -c "import polars as pl; print(pl.read_parquet('var/export/recommendations-run7.parquet'))"
    """
    settings = app.settings()
    from recdb.scoring.consumers import export_latest

    result = export_latest(settings, out_dir)
    click.echo(f"{result.path} ({result.rows} rows, run {result.run_id})")
