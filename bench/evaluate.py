"""Benchmark ``recdb evaluate`` on ML-1M: every baseline (and models, when given) on the 80/20 seed-0 split.

    .venv/bin/python bench/evaluate.py --data /work/shared/data/movielens/ml-1m
    .venv/bin/python bench/evaluate.py --model-db var/recdb.duckdb --model 3 --model 4

Loads the data into a benchmark database (reused when it already holds ratings), makes sure the random
80/20 split with seed 0 exists, runs ``evaluate`` and prints the total time and P@10, R@10, F1@10,
NDCG@10, MAE and RMSE per method. Results also go to ``bench/out/evaluate.json``.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

import duckdb

from recdb.db import one, open_db, queries
from recdb.settings import Settings, load_settings

OUT = Path(__file__).resolve().parent / "out"
DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "movielens" / "ml-1m"


def has_ratings(path: Path) -> bool:
    if not path.exists():
        return False
    con = duckdb.connect(str(path), read_only=True)
    try:
        return bool(one(con, queries("training").ratings_snapshot)[1])  # (load_id, n)
    except duckdb.Error:
        return False
    finally:
        con.close()


def prepare(settings: Settings, data: Path) -> float:
    """Load ``data`` unless the database already has ratings; ensure the split; returns seconds."""
    start = time.perf_counter()
    if not has_ratings(settings.database.path):
        from recdb.ingest.load import load_dataset

        load_dataset(settings, data)
    from recdb.training.splits import ensure_split

    with open_db(settings.database) as con:
        ensure_split(con, settings.train)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="ML-1M folder (read-only)")
    parser.add_argument("--db", type=Path, default=OUT / "evaluate-ml1m.duckdb", help="benchmark database")
    parser.add_argument(
        "--model-db", type=Path, help="an existing database with trained models (not reloaded)"
    )
    parser.add_argument("--model", type=int, action="append", default=[], help="model id (repeatable)")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(asctime)s %(message)s"
    )
    OUT.mkdir(parents=True, exist_ok=True)
    db = args.model_db or args.db
    settings = load_settings(
        overrides={
            "database": {"path": db},
            "evaluate": {"report_dir": OUT / "reports"},
            "train": {"seed": 0},
        }
    )
    prep = 0.0 if args.model_db else prepare(settings, args.data)
    from recdb.evaluation.report import summary_table
    from recdb.evaluation.runner import evaluate

    start = time.perf_counter()
    result = evaluate(settings, baselines_only=not args.model, model_ids=args.model)
    total = time.perf_counter() - start
    print(summary_table(result.results))
    print()
    print(f"{'method':<14}{'fit s':>8}{'eval s':>8}")
    for r in result.results:
        print(f"{r.method:<14}{r.fit_seconds:8.1f}{r.eval_seconds:8.1f}")
    for claim in result.claims:
        print(f"claim [{claim.method}] {claim.key}: {claim.verdict} ({claim.detail})")
    print(f"\nprepare (load + split) {prep:.1f} s; evaluate total {total:.1f} s (budget 120 s)")
    print(f"report: {result.report_dir / 'report.md'}")
    payload = {
        "db": str(db),
        "evaluate_seconds": total,
        "prepare_seconds": prep,
        "report": str(result.report_dir / "report.md"),
        "methods": [
            {
                "method": r.method,
                "model_id": r.model_id,
                "split_id": r.split_id,
                "mae": r.mae,
                "rmse": r.rmse,
                "p10": float(r.curves.precision[9]),
                "r10": float(r.curves.recall[9]),
                "f1_10": float(r.curves.f1[9]),
                "ndcg10": float(r.curves.ndcg[9]),
                "fit_seconds": r.fit_seconds,
                "eval_seconds": r.eval_seconds,
            }
            for r in result.results
        ],
    }
    (OUT / "evaluate.json").write_text(json.dumps(payload, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
