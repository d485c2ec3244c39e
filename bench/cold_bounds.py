"""What a point estimate can reach on recdb's cold-start splits: means against medians (issue 12).

    .venv/bin/python bench/cold_bounds.py --data /work/shared/data/movielens/ml-1m --seed 0

Loads the release into a temporary database, draws recdb's own ``cold_users`` and ``cold_movies``
splits (``recdb.training.splits.ensure_split``, the seed and fractions the quality bench uses), and
scores the simplest predictors of a held-out rating on the test part, fitted on train + valid:

* cold users (nothing known of the user): each movie's mean rating (shrunk toward the global mean by
  ``--shrink`` ratings), its median, the mean rounded to a star;
* cold movies (nothing known of the movie): each user's mean rating (same shrinkage), median, rounded.

Two more rows per split say what features can add to a mean:

* cold users: the per-movie mean plus gender, age group and occupation offsets fitted *on the test
  ratings themselves* (shrunk by ``--shrink``). No model can know the held-out users' offsets better
  than that, so its MAE is a ceiling for what demographic offsets to a mean can reach; and the
  per-movie mean plus movie × gender, movie × age group and movie × occupation offsets fitted on
  train + valid (shrunk by 20 ratings), what interactions of a movie with demographics add;
* cold movies: the per-user mean plus genre offsets and the user's own offsets per genre (fitted on
  train + valid, each rating spread evenly over its movie's genres), the simple form of what the
  hybrid's cold-movie term does (recdb.model.coldmovies).

MAE is minimised by the conditional *median*, RMSE by the conditional *mean*: the table shows how
far apart the two targets are for a rater nothing is known about, which is what the issue's cold-start
MAE targets measure. Figures go to ``bench/out/cold_bounds.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import polars as pl

from recdb.catalog import load_catalog
from recdb.db import open_db
from recdb.ingest.load import load_dataset
from recdb.settings import load_settings
from recdb.training.splits import ensure_split, load_split_ratings

# which id a cold split holds out, and the id the estimators group the known ratings by
GROUPED_BY = {"cold_users": "movie_id", "cold_movies": "user_id"}


def errors(test: pl.DataFrame, predicted: pl.Expr) -> dict[str, float]:
    err = test.select((pl.col("rating") - predicted).alias("e"))
    return {
        "mae": float(err.select(pl.col("e").abs().mean()).item()),
        "rmse": float(err.select((pl.col("e") ** 2).mean().sqrt()).item()),
    }


def bounds(ratings: pl.DataFrame, by: str, shrink: float) -> tuple[dict[str, dict[str, float]], pl.DataFrame]:
    """MAE / RMSE on the test part of each estimator fitted on the known (train + valid) part, and
    the test part with its ``mean`` column and residual ``e`` to it."""
    known = ratings.filter(pl.col("part") != "test")
    test = ratings.filter(pl.col("part") == "test")
    mu = float(known["rating"].mean())  # type: ignore[arg-type]
    median_all = float(known["rating"].median())  # type: ignore[arg-type]
    stats = known.group_by(by).agg(
        mean=(pl.col("rating").sum() + shrink * mu) / (pl.len() + shrink),
        median=pl.col("rating").median(),
    )
    test = test.join(stats, on=by, how="left").with_columns(
        pl.col("mean").fill_null(mu), pl.col("median").fill_null(median_all)
    )
    found = {
        "global mean": errors(test, pl.lit(mu)),
        f"mean per {by}": errors(test, pl.col("mean")),
        f"median per {by}": errors(test, pl.col("median")),
        f"mean per {by}, rounded": errors(test, pl.col("mean").round()),
    }
    return found, test.with_columns(e=pl.col("rating") - pl.col("mean"))


def demographic_ceiling(test: pl.DataFrame, users: pl.DataFrame, shrink: float) -> dict[str, float]:
    """The per-movie mean plus gender, age and occupation offsets fitted on the test ratings (in turn)."""
    t = test.join(users.select("user_id", "gender", "age_group", "occupation"), on="user_id", how="left")
    predicted = pl.col("mean")
    for n, column in enumerate(("gender", "age_group", "occupation")):
        offset = t.group_by(column).agg((pl.col("e").sum() / (pl.len() + shrink)).alias(f"o{n}"))
        t = t.join(offset, on=column, how="left").with_columns(e=pl.col("e") - pl.col(f"o{n}"))
        predicted = predicted + pl.col(f"o{n}")
    return errors(t, predicted)


def demographic_interactions(
    ratings: pl.DataFrame, test: pl.DataFrame, users: pl.DataFrame, shrink: float
) -> dict[str, float]:
    """The per-movie mean plus movie × gender, × age and × occupation offsets fitted on train + valid."""
    demographics = users.select("user_id", "gender", "age_group", "occupation")
    known = ratings.filter(pl.col("part") != "test")
    mu = float(known["rating"].mean())  # type: ignore[arg-type]
    movies = known.group_by("movie_id").agg(mean=(pl.col("rating").sum() + shrink * mu) / (pl.len() + shrink))
    known = known.join(movies, on="movie_id").join(demographics, on="user_id", how="left")
    known = known.with_columns(e=pl.col("rating") - pl.col("mean"))
    t = test.join(demographics, on="user_id", how="left")
    predicted = pl.col("mean")
    for n, column in enumerate(("gender", "age_group", "occupation")):
        keys = ["movie_id", column]
        offset = known.group_by(keys).agg((pl.col("e").sum() / (pl.len() + 20)).alias(f"i{n}"))
        known = known.join(offset, on=keys, how="left").with_columns(e=pl.col("e") - pl.col(f"i{n}"))
        t = t.join(offset, on=keys, how="left").with_columns(pl.col(f"i{n}").fill_null(0.0))
        predicted = predicted + pl.col(f"i{n}")
    return errors(t, predicted)


def genre_offsets(
    ratings: pl.DataFrame, test: pl.DataFrame, movies: pl.DataFrame, shrink: float
) -> dict[str, float]:
    """The per-user mean plus genre and user × genre offsets fitted on train + valid."""
    known = ratings.filter(pl.col("part") != "test")
    mu = float(known["rating"].mean())  # type: ignore[arg-type]
    users = known.group_by("user_id").agg(mean=(pl.col("rating").sum() + shrink * mu) / (pl.len() + shrink))
    genres = movies.select("movie_id", "genres").explode("genres").drop_nulls("genres")
    genres = genres.with_columns(a=1.0 / pl.len().over("movie_id"))  # a rating's weight in each genre
    spread = known.join(users, on="user_id").with_columns(e=pl.col("rating") - pl.col("mean"))
    spread = spread.join(genres, on="movie_id")
    per_genre = spread.group_by("genres").agg(g=(pl.col("a") * pl.col("e")).sum() / (pl.col("a").sum() + 25))
    spread = spread.join(per_genre, on="genres").with_columns(e=pl.col("e") - pl.col("g"))
    per_user = spread.group_by("user_id", "genres").agg(
        ug=(pl.col("a") * pl.col("e")).sum() / (pl.col("a").sum() + 10)
    )
    offsets = (
        test.select("user_id", "movie_id")
        .unique()
        .join(genres, on="movie_id")
        .join(per_genre, on="genres", how="left")
        .join(per_user, on=["user_id", "genres"], how="left")
        .group_by("user_id", "movie_id")
        .agg(offset=(pl.col("a") * (pl.col("g").fill_null(0) + pl.col("ug").fill_null(0))).sum())
    )
    t = test.join(offsets, on=["user_id", "movie_id"], how="left")
    return errors(t, pl.col("mean") + pl.col("offset").fill_null(0.0))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, required=True, help="a MovieLens folder or zip")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--shrink", type=float, default=5.0, help="ratings of prior weight on μ")
    parser.add_argument("--out", type=Path, default=Path("bench/out/cold_bounds.json"))
    args = parser.parse_args(argv)
    found: dict[str, dict[str, dict[str, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="recdb-bench-cold-") as scratch:
        settings = load_settings(overrides={"database": {"path": Path(scratch) / "bench.duckdb"}})
        load_dataset(settings, args.data)
        with open_db(settings.database) as con:
            catalog = load_catalog(con)
            for kind, by in GROUPED_BY.items():
                train = settings.train.model_copy(update={"split": kind, "seed": args.seed})
                ratings = load_split_ratings(con, ensure_split(con, train))
                found[kind], test = bounds(ratings, by, args.shrink)
                if kind == "cold_users":
                    name = "mean per movie + demographic offsets fitted on the test ratings (a ceiling)"
                    found[kind][name] = demographic_ceiling(test, catalog.users, args.shrink)
                    name = "mean per movie + movie x demographic offsets"
                    found[kind][name] = demographic_interactions(ratings, test, catalog.users, args.shrink)
                else:
                    name = "mean per user + genre and user x genre offsets"
                    found[kind][name] = genre_offsets(ratings, test, catalog.movies, args.shrink)
    for kind, rows in found.items():
        print(f"\n{kind} (seed {args.seed}): test part, estimators fitted on train + valid")
        print("| estimator | MAE | RMSE |\n|---|---|---|")
        for name, e in rows.items():
            print(f"| {name} | {e['mae']:.4f} | {e['rmse']:.4f} |")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"data": str(args.data), "seed": args.seed, "bounds": found}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
