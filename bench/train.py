"""Benchmark of training on real ML-1M: speed, accuracy, top-10 quality and cold start.

    .venv/bin/python bench/train.py --data /work/shared/data/movielens/ml-1m
    .venv/bin/python bench/train.py --data ... --architecture paper --seeds 0,1,2 --splits random
    .venv/bin/python bench/train.py --data ... --seeds 0,1,2 --db /tmp/b/bench.duckdb   # keep the models

Loads ML-1M into a temporary database (``recdb.ingest.load_dataset``; the DuckDB fixture loader when
ingest is unavailable), trains on the 80/20 random split for each architecture and seed, and prints
seconds per epoch (training only, and with validation), ratings/s, time to early stop, test MAE /
RMSE, NDCG@10 and P@10 (relevant = test ratings >= 4, candidates = movies not rated in train+valid).
Then the cold_users / cold_movies splits: the model's MAE on the held-out users / movies against the
demographic-mean and genre-mean baselines (fitted on train+valid). Figures go to bench/out/train.json.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import polars as pl

from recdb.catalog import load_catalog
from recdb.db import one, open_db, queries
from recdb.settings import Settings, load_settings
from recdb.training.splits import load_split_ratings
from recdb.training.trainer import train_model

log = logging.getLogger("bench.train")


def load_data(settings: Settings, data: Path) -> str:
    """Fill the temporary database; returns which loader was used."""
    from recdb.ingest.load import load_dataset

    load_dataset(settings, data)
    return "recdb.ingest.load_dataset"


def run(settings: Settings, architecture: str, split: str, seed: int) -> dict[str, Any]:
    s = settings.model_copy(
        update={
            "model": settings.model.model_copy(update={"architecture": architecture}),
            "train": settings.train.model_copy(update={"split": split, "seed": seed}),
        }
    )
    result = train_model(s)
    with open_db(s.database, read_only=True) as con:
        info = one(con, queries("training").split_info, {"split_id": result.split_id})
    n_train = int(info[6])  # type: ignore[index]
    train_s = [h["train_seconds"] for h in result.history]
    epoch_s = [h["seconds"] for h in result.history]
    row = {
        "architecture": architecture,
        "split": split,
        "seed": seed,
        "model_id": result.model_id,
        "split_id": result.split_id,
        "epochs": result.epochs,
        "best_epoch": result.best_epoch,
        "seconds_to_early_stop": round(result.seconds, 1),
        "train_seconds_per_epoch": round(statistics.mean(train_s), 2),
        "seconds_per_epoch_with_validation": round(statistics.mean(epoch_s), 2),
        "ratings_per_second": round(n_train / statistics.mean(train_s)),
        "rank_blend": result.rank_blend,
        "valid": result.valid_metrics,
        "test": result.test_metrics,
    }
    print(
        f"{architecture:6s} {split:11s} seed {seed}: {result.epochs} epochs (best {result.best_epoch}), "
        f"{row['train_seconds_per_epoch']} s/epoch train "
        f"({row['seconds_per_epoch_with_validation']} with valid), "
        f"{row['ratings_per_second']:,} ratings/s, {row['seconds_to_early_stop']} s to early stop | test "
        f"MAE {result.test_metrics['mae']:.4f} RMSE {result.test_metrics['rmse']:.4f} "
        f"NDCG@10 {result.test_metrics['ndcg10']:.4f} P@10 {result.test_metrics['precision10']:.4f}"
        + (f" (rank blend γ {result.rank_blend:g})" if result.rank_blend is not None else ""),
        flush=True,
    )
    return row


def cold_baseline_mae(settings: Settings, split_id: str, kind: str) -> dict[str, float]:
    """Test MAE on a cold split of the fallbacks, fitted on train+valid (damped means, λ = 5).

    cold_users: ``demographic mean`` (the mean rating of the user's gender × age × occupation cell) and
    ``demographic + movie bias`` (μ + b_i + the cell's mean residual r − μ − b_i, as the evaluation's
    demographic baseline predicts). cold_movies: ``genre mean`` (mean over the movie's genres of the
    genre's mean rating) and ``genre + user bias`` (μ + b_u + mean over its genres of the residual
    r − μ − b_u).
    """
    with open_db(settings.database, read_only=True) as con:
        rows = load_split_ratings(con, split_id)
        catalog = load_catalog(con)
    fit = rows.filter(pl.col("part") != "test")
    test = rows.filter(pl.col("part") == "test")
    mu = float(fit["rating"].mean())  # type: ignore[arg-type]
    damp = 5.0

    def damped(frame: pl.DataFrame, key: str | list[str], value: pl.Expr, name: str) -> pl.DataFrame:
        return frame.group_by(key).agg((value.sum() / (pl.len() + damp)).alias(name))

    b_i = damped(fit, "movie_id", pl.col("rating") - mu, "b_i")
    fit = fit.join(b_i, on="movie_id")
    b_u = damped(fit, "user_id", pl.col("rating") - mu - pl.col("b_i"), "b_u")
    fit = fit.join(b_u, on="user_id")
    if kind == "cold_users":
        keys = ["gender", "age_group", "occupation"]
        f = fit.join(catalog.users, on="user_id")
        cells = damped(f, keys, pl.col("rating") - mu, "plain").join(
            damped(f, keys, pl.col("rating") - mu - pl.col("b_i"), "resid"), on=keys
        )
        t = (
            test.join(catalog.users, on="user_id")
            .join(cells, on=keys, how="left")
            .join(b_i, on="movie_id", how="left")
        )
        simple = mu + pl.col("plain").fill_null(0)
        biased = mu + pl.col("b_i").fill_null(0) + pl.col("resid").fill_null(0)
        names = ("demographic mean", "demographic + movie bias")
    else:
        genres = catalog.movies.select("movie_id", "genres").explode("genres")
        g = fit.join(genres, on="movie_id")
        by_genre = damped(g, "genres", pl.col("rating") - mu, "plain").join(
            damped(g, "genres", pl.col("rating") - mu - pl.col("b_u"), "resid"), on="genres"
        )
        per_movie = (
            genres.join(by_genre, on="genres", how="left")
            .group_by("movie_id")
            .agg(pl.col("plain").mean(), pl.col("resid").mean())
        )
        t = test.join(per_movie, on="movie_id", how="left").join(b_u, on="user_id", how="left")
        simple = mu + pl.col("plain").fill_null(0)
        biased = mu + pl.col("b_u").fill_null(0) + pl.col("resid").fill_null(0)
        names = ("genre mean", "genre + user bias")
    out = {}
    for name, pred in zip(names, (simple, biased), strict=True):
        out[name] = float(t.select((pred.clip(1, 5) - pl.col("rating")).abs().mean()).item())
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, required=True, help="the ml-1m folder")
    parser.add_argument("--architecture", default="hybrid,paper", help="comma-separated: hybrid,paper")
    parser.add_argument("--seeds", default="0", help="comma-separated seeds of split and training")
    parser.add_argument(
        "--splits",
        default="random,cold_users,cold_movies",
        help="which of random,cold_users,cold_movies to run",
    )
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (train.threads)")
    parser.add_argument("--epochs", type=int, default=None, help="maximum epochs (train.epochs)")
    parser.add_argument("--out", type=Path, default=Path("bench/out/train.json"))
    parser.add_argument(
        "--db",
        type=Path,
        default=None,
        help="keep the database (and checkpoints beside it) here, e.g. for `recdb evaluate --model ...`",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    architectures = [a for a in args.architecture.split(",") if a]
    seeds = [int(s) for s in args.seeds.split(",") if s]
    out: dict[str, Any] = {"runs": [], "cold": [], "means": {}}
    with tempfile.TemporaryDirectory(prefix="recdb-bench-train-") as scratch:
        tmp = str(args.db.parent) if args.db is not None else scratch
        train_over = {
            k: v for k, v in {"threads": args.threads, "epochs": args.epochs}.items() if v is not None
        }
        settings = load_settings(
            overrides={
                "database": {
                    "path": args.db or Path(tmp) / "bench.duckdb",
                    "checkpoint_dir": Path(tmp) / "models",
                },
                "train": train_over,
            }
        )
        t0 = time.perf_counter()
        out["loader"] = load_data(settings, args.data)
        out["load_seconds"] = round(time.perf_counter() - t0, 1)
        splits = args.splits.split(",")
        for arch in architectures if "random" in splits else []:
            for seed in seeds:
                out["runs"].append(run(settings, arch, "random", seed))
            runs = [r for r in out["runs"] if r["architecture"] == arch]
            means = {
                m: statistics.mean(r["test"][m] for r in runs)
                for m in ("mae", "rmse", "ndcg10", "precision10")
            }
            out["means"][arch] = {"seeds": seeds, **means}
            print(
                f"{arch}: mean of {len(seeds)} seeds: " + ", ".join(f"{k} {v:.4f}" for k, v in means.items())
            )
        for kind in (k for k in ("cold_users", "cold_movies") if k in splits):
            row = run(settings, architectures[0], kind, seeds[0])
            row["baselines_mae"] = cold_baseline_mae(settings, row["split_id"], kind)
            out["cold"].append(row)
            base = ", ".join(f"{k} {v:.4f}" for k, v in row["baselines_mae"].items())
            print(f"{kind}: model MAE {row['test']['mae']:.4f} vs {base}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
