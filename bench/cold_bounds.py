"""What a point estimate can reach on recdb's cold-start splits: means against medians (issue 12).

    .venv/bin/python bench/cold_bounds.py --data /work/shared/data/movielens/ml-1m --seed 0

Loads the release into a temporary database, draws recdb's own ``cold_users`` and ``cold_movies``
splits (``recdb.training.splits.ensure_split``, the seed and fractions the quality bench uses), and
scores the simplest predictors of a held-out rating on the test part, fitted on train + valid:

* cold users (nothing known of the user): each movie's mean rating (shrunk toward the global mean by
  ``--shrink`` ratings), its median, the mean rounded to a star;
* cold movies (nothing known of the movie): each user's mean rating (same shrinkage), median, rounded.

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


def bounds(ratings: pl.DataFrame, by: str, shrink: float) -> dict[str, dict[str, float]]:
    """MAE / RMSE on the test part of each estimator fitted on the known (train + valid) part."""
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
    return {
        "global mean": errors(test, pl.lit(mu)),
        f"mean per {by}": errors(test, pl.col("mean")),
        f"median per {by}": errors(test, pl.col("median")),
        f"mean per {by}, rounded": errors(test, pl.col("mean").round()),
    }


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
            for kind, by in GROUPED_BY.items():
                train = settings.train.model_copy(update={"split": kind, "seed": args.seed})
                ratings = load_split_ratings(con, ensure_split(con, train))
                found[kind] = bounds(ratings, by, args.shrink)
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
