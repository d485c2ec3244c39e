"""``recdb load``: read a MovieLens release (folder, zip or fetched name) into the database."""

from __future__ import annotations

import click

from recdb.jobs.common import App


@click.command("load")
@click.argument("source", required=False, metavar="[PATH_OR_NAME]")
@click.option(
    "--replace",
    is_flag=True,
    default=False,
    help="Replace the data set already loaded by this one (data.replace). Without it, loading a "
    "different data set is refused.",
)
@click.pass_obj
def command(app: App, source: str | None, replace: bool) -> None:
    """Load a MovieLens release into the database, in one transaction.

    PATH_OR_NAME is a folder or a zip of any GroupLens layout (ml-100k, ml-1m, ml-10m, ml-20m and
    later CSV releases), the name of a release fetched with `recdb fetch`, or `demo` (the generated
    demo data, in demo.dir). Without it: the data.source setting; unset, the demo data when no config
    file is used, else exit 2.

    Loading the same files again changes nothing; a newer copy of the same data set adds only its
    new ratings. Bad input exits with code 3, naming the file and line; the database is unchanged.

    \b
    Example:
      recdb load ../shared/data/movielens/ml-1m
      recdb load ml-latest-small.zip
      recdb fetch ml-25m && recdb load ml-25m
      recdb load ../shared/data/movielens/ml-100k --replace
    """
    from recdb.ingest.load import load_dataset

    settings = app.settings(data={"replace": True if replace else None})
    with app.job_lock():
        click.echo(load_dataset(settings, source, replace=replace).summary())
