"""Quality table of issue 12: the default model against EASE, UBCF, item kNN and the paper, on ML-1M.

    .venv/bin/python bench/quality.py --data /work/shared/data/movielens/ml-1m --seeds 0,1,2
    .venv/bin/python bench/quality.py --data ... --seeds 0 --architecture hybrid --cold

Loads ML-1M into a temporary database, trains each architecture (every setting at its default) on
the random 80/20 split of each seed, then runs recdb's own evaluation (``recdb.evaluation.runner.
evaluate``: every baseline fitted on train+valid of the same splits, relevant = test ratings ≥ 4,
full ranking over unrated movies) once over all the models, and prints per method the mean over the
seeds of P@10, NDCG@10, MAE and RMSE, its train (models) or fit (baselines) time, the default model's
ratios to EASE, and the evaluation's claims. ``--cold`` adds the cold_users / cold_movies splits
(seed of the first one) and prints the cold-start claim with its fallbacks. Train times are wall
clock with the process CPU time beside them (a busy machine inflates the wall figure).
Figures go to ``bench/out/quality.json``.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from recdb.evaluation.runner import evaluate
from recdb.ingest.load import load_dataset
from recdb.settings import Settings, load_settings
from recdb.training.trainer import train_model

SHOWN = ("hybrid", "ease", "ubcf", "item_knn", "paper", "popularity", "bias")


def train(settings: Settings, architecture: str, split: str, seed: int) -> dict[str, Any]:
    s = settings.model_copy(
        update={
            "model": settings.model.model_copy(update={"architecture": architecture}),
            "train": settings.train.model_copy(update={"split": split, "seed": seed}),
        }
    )
    cpu = time.process_time()
    result = train_model(s)
    return {
        "architecture": architecture,
        "split": split,
        "seed": seed,
        "model_id": result.model_id,
        "seconds": round(result.seconds, 1),
        "cpu_seconds": round(time.process_time() - cpu, 1),
        "epochs": result.epochs,
        "rank_blend": result.rank_blend,
        "valid": result.valid_metrics,
    }


def table(results: list[Any], models: list[dict[str, Any]]) -> tuple[str, dict[str, dict[str, float]]]:
    """The issue's table (mean over splits) and the means per method."""
    per: dict[str, list[Any]] = defaultdict(list)
    for r in results:
        if r.split_kind == "random":
            per[r.method].append(r)
    means: dict[str, dict[str, float]] = {}
    lines = ["| method | P@10 | NDCG@10 | MAE | RMSE | train / fit s (CPU s) |", "|---|---|---|---|---|---|"]
    for method in [m for m in SHOWN if m in per] + sorted(set(per) - set(SHOWN)):
        rs = per[method]
        row = {
            "precision10": statistics.mean(float(r.curves.precision[9]) for r in rs),
            "ndcg10": statistics.mean(float(r.curves.ndcg[9]) for r in rs),
            "mae": statistics.mean(r.mae for r in rs) if rs[0].mae is not None else float("nan"),
            "rmse": statistics.mean(r.rmse for r in rs) if rs[0].rmse is not None else float("nan"),
        }
        trained = [m for m in models if m["architecture"] == method and m["split"] == "random"]
        if trained:
            row["seconds"] = statistics.mean(m["seconds"] for m in trained)
            row["cpu_seconds"] = statistics.mean(m["cpu_seconds"] for m in trained)
            took = f"{row['seconds']:.1f} ({row['cpu_seconds']:.1f})"
        else:
            row["seconds"] = statistics.mean(r.fit_seconds for r in rs)
            took = f"{row['seconds']:.1f}"
        means[method] = row
        lines.append(
            f"| {method} | {row['precision10']:.4f} | {row['ndcg10']:.4f} | {row['mae']:.4f} | "
            f"{row['rmse']:.4f} | {took} |"
        )
    return "\n".join(lines), means


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, required=True, help="the ml-1m folder")
    parser.add_argument("--architecture", default="hybrid,paper", help="comma-separated: hybrid,paper")
    parser.add_argument("--seeds", default="0,1,2", help="comma-separated seeds of split and training")
    parser.add_argument("--cold", action="store_true", help="also the cold_users / cold_movies splits")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (train.threads)")
    parser.add_argument("--out", type=Path, default=Path("bench/out/quality.json"))
    parser.add_argument(
        "--db", type=Path, default=None, help="keep the database here (checkpoints beside it)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    architectures = [a for a in args.architecture.split(",") if a]
    seeds = [int(s) for s in args.seeds.split(",") if s]
    with tempfile.TemporaryDirectory(prefix="recdb-bench-quality-") as scratch:
        folder = Path(args.db.parent if args.db is not None else scratch)
        settings = load_settings(
            overrides={
                "database": {"path": args.db or folder / "bench.duckdb", "checkpoint_dir": folder / "models"},
                "train": {"threads": args.threads} if args.threads else {},
                "evaluate": {"report_dir": folder / "reports"},
            }
        )
        load_dataset(settings, args.data)
        models = [train(settings, a, "random", seed) for a in architectures for seed in seeds]
        if args.cold:
            models += [
                train(settings, architectures[0], kind, seeds[0]) for kind in ("cold_users", "cold_movies")
            ]
        t0 = time.perf_counter()
        report = evaluate(settings, model_ids=[m["model_id"] for m in models])
        eval_seconds = time.perf_counter() - t0
    text, means = table(report.results, models)
    print(f"ML-1M, random 80/20, seeds {seeds} (mean); evaluation {eval_seconds:.0f} s\n{text}")
    ease = means.get("ease")
    for arch in architectures:
        if ease and arch in means:
            print(
                f"{arch} / EASE: NDCG@10 x{means[arch]['ndcg10'] / ease['ndcg10']:.3f}, "
                f"P@10 x{means[arch]['precision10'] / ease['precision10']:.3f} (target x1.03)"
            )
    for claim in report.claims:
        print(f"claim [{claim.method}] {claim.key}: {claim.verdict} ({claim.detail})")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    out = {"seeds": seeds, "models": models, "means": means, "eval_seconds": eval_seconds,
           "claims": [c.__dict__ for c in report.claims]}  # fmt: skip
    args.out.write_text(json.dumps(out, indent=2, default=str))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
