"""``recdb demo-data``: generate ML-1M-format demo data with planted structure into a folder."""

from __future__ import annotations

from pathlib import Path

import click

from recdb.jobs.common import App


@click.command("demo-data")
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--ratings", type=click.IntRange(min=1000), help="How many ratings (demo.ratings, default 100000)."
)
@click.option("--seed", type=int, help="Random seed (demo.seed); the same seed gives identical files.")
@click.option("--force", is_flag=True, help="Regenerate even if DIRECTORY already holds this seed and size.")
@click.pass_obj
def command(app: App, directory: Path | None, ratings: int | None, seed: int | None, force: bool) -> None:
    """Write generated ML-1M-format files (users.dat, movies.dat, ratings.dat) into DIRECTORY.

    The data has planted structure (tastes that depend on demographics, movie effects from genres and
    title words) so a model can beat the global mean on it. DIRECTORY defaults to demo.dir. The size
    scales from 1,000 to 25M+ ratings (users = ratings / 165; 1M ≈ ML-1M, 25M ≈ ML-25M in shape).

    \b
    Example:
      recdb demo-data var/demo                       # 100k ratings, seconds
      recdb demo-data var/demo25m --ratings 25000000 --seed 1
      recdb load var/demo
    """
    from recdb.ingest.demo import make_demo

    settings = app.settings(demo={"ratings": ratings, "seed": seed, "dir": directory})
    demo = settings.demo
    info = make_demo(demo.dir, ratings=demo.ratings, seed=demo.seed, force=force)
    state = "wrote" if info.generated else "already up to date:"
    click.echo(
        f"{state} {info.path}: {info.ratings:,} ratings, {info.users:,} users, {info.movies:,} movies "
        f"(seed {info.seed})"
    )
