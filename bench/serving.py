"""Benchmark of the serving copy (issue 14): seconds to write it after a publish, and its size.

Loads a MovieLens release (default ML-1M from $RECDB_MOVIELENS_DIR) into a temporary database,
publishes one run of top-k lists scored by a random 64-d two-tower model (the ranking path of the
default architecture; the copy does not depend on the model), then writes the serving copy
``--runs`` times and reports the best and the median, wall and CPU (user+sys) seconds, with the
sizes of the copy and of the main database.

Usage:
  RECDB_MOVIELENS_DIR=/work/shared/data/movielens .venv/bin/python bench/serving.py
  .venv/bin/python bench/serving.py --release ml-latest-small --k 10
Prints the figures and writes them to bench/out/serving-<release>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from recdb.ingest.load import load_dataset
from recdb.scoring.job import score_all
from recdb.scoring.serving import write_serving_copy
from recdb.settings import load_settings

# The fake model is test support (tests/scoring_fakes.py), not installed.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.scoring_fakes import DotPredictor, fake_loader

OUT = Path(__file__).resolve().parent / "out"


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--release", default="ml-1m", help="folder under $RECDB_MOVIELENS_DIR")
    p.add_argument("--k", type=int, default=100)
    p.add_argument("--runs", type=int, default=3)
    return p.parse_args()


def main() -> int:
    args = parse()
    source = Path(os.environ.get("RECDB_MOVIELENS_DIR", "../shared/data/movielens")) / args.release
    with tempfile.TemporaryDirectory(prefix="recdb-serving-") as tmp:
        db = Path(tmp) / "recdb.duckdb"
        quiet = load_settings(
            overrides={"database": {"path": db, "serving_path": ""}, "score": {"k": args.k}}
        )
        load_dataset(quiet, source)
        scored = score_all(quiet, loader=fake_loader(DotPredictor(dim=64, seed=0), model_id=None))
        settings = load_settings(overrides={"database": {"path": db}, "score": {"k": args.k}})
        walls, cpus, copy = [], [], None
        for _ in range(args.runs):
            cpu0, wall0 = time.process_time(), time.monotonic()
            copy = write_serving_copy(settings)
            walls.append(time.monotonic() - wall0)
            cpus.append(time.process_time() - cpu0)
        assert copy is not None
        figures = {
            "release": args.release,
            "k": args.k,
            "rows": copy.rows,
            "users": scored.users,
            "movies": scored.movies,
            "copy_mb": round(copy.bytes / 1e6, 1),
            "database_mb": round(db.stat().st_size / 1e6, 1),
            "wall_s_best": round(min(walls), 2),
            "wall_s_median": round(statistics.median(walls), 2),
            "cpu_s_best": round(min(cpus), 2),  # this process only; DuckDB's threads count here too
            "publish_lock_s": round(scored.publish_lock_seconds, 2),
            "cores": os.cpu_count(),
        }
    print(json.dumps(figures, indent=2))
    OUT.mkdir(exist_ok=True)
    (OUT / f"serving-{args.release}.json").write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
