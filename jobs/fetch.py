"""``recdb fetch``: download, verify and unpack an official GroupLens MovieLens release."""

from __future__ import annotations

from pathlib import Path

import click

from recdb.jobs.common import App


@click.command("fetch")
@click.argument("name")
@click.option("--base-url", help="Where the zips are (data.base_url, default files.grouplens.org).")
@click.option(
    "--cache-dir", type=click.Path(file_okay=False, path_type=Path), help="Cache folder (data.cache_dir)."
)
@click.option("--no-verify", is_flag=True, help="Accept a zip whose checksum is unknown or does not match.")
@click.option("--refresh", is_flag=True, help="Download again even if cached (ml-latest changes over time).")
@click.pass_obj
def command(
    app: App, name: str, base_url: str | None, cache_dir: Path | None, no_verify: bool, refresh: bool
) -> None:
    """Download release NAME into the cache, verify its checksum and unpack it.

    NAME is one of ml-100k, ml-1m, ml-10m, ml-20m, ml-25m, ml-32m, ml-latest, ml-latest-small.
    A release already fetched is not downloaded again; `recdb load NAME` then loads it from the
    cache. Exit codes: 0 fetched (or already there), 2 unknown NAME or bad option, 3 download failed
    (no network, HTTP error, checksum mismatch: nothing is left in the cache).

    \b
    Example:
      recdb fetch ml-1m && recdb load ml-1m
      recdb fetch ml-latest --refresh && recdb load ml-latest   # pick up GroupLens' update
      RECDB_DATA__BASE_URL=http://mirror.local/movielens/ recdb fetch ml-25m
      recdb load ~/Downloads/ml-1m.zip          # offline: load a local copy instead
    """
    from recdb.ingest.fetch import fetch_release

    settings = app.settings(data={"base_url": base_url, "cache_dir": cache_dir})
    folder = fetch_release(settings.data, name, verify=not no_verify, refresh=refresh)
    click.echo(f"{name}: {folder} (load it with `recdb load {name}`)")
