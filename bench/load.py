"""Benchmark ``recdb load``: time to load a release into a fresh database (best of N) and rows/s.

    .venv/bin/python bench/load.py --data ../shared/data/movielens/ml-1m
    .venv/bin/python bench/load.py --demo-ratings 25000000 --repeat 1   # scale run on generated data

Each repetition loads into a new database file whose schema is created first (``recdb init``; not
timed, reported apart), so the figure is what ``recdb load`` costs on a fresh install. Also reported:
the time of a no-op reload (same files again) and the peak resident memory of this process.
Figures are printed and written to ``bench/out/load.json``.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

from recdb.db.admin import init_database
from recdb.ingest.load import load_dataset
from recdb.settings import Settings, load_settings

OUT = Path(__file__).resolve().parent / "out"


def _settings(db: Path, threads: int | None) -> Settings:
    return load_settings(
        overrides={"database": {"path": db, "threads": threads}, "log": {"level": "WARNING"}}
    )


def bench(data: Path, repeat: int, threads: int | None) -> dict[str, object]:
    times: list[float] = []
    init_s: list[float] = []
    result = None
    reload_s = float("nan")
    for i in range(repeat):
        with tempfile.TemporaryDirectory(prefix="recdb-bench-") as tmp:
            settings = _settings(Path(tmp) / "bench.duckdb", threads)
            started = time.perf_counter()
            init_database(settings.database)
            init_s.append(time.perf_counter() - started)
            started = time.perf_counter()
            result = load_dataset(settings, data)
            times.append(time.perf_counter() - started)
            if i == 0:
                started = time.perf_counter()
                assert load_dataset(settings, data).action == "unchanged"
                reload_s = time.perf_counter() - started
    assert result is not None
    best = min(times)
    return {
        "data": str(data),
        "dataset": result.dataset,
        "ratings": result.ratings,
        "users": result.users,
        "movies": result.movies,
        "tags": result.tags,
        "load_s_best": round(best, 3),
        "load_s_all": [round(t, 3) for t in times],
        "ratings_per_s": round(result.ratings / best),
        "init_s": round(min(init_s), 3),
        "reload_noop_s": round(reload_s, 3),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--data", type=Path, help="a release folder or zip (e.g. ../shared/data/movielens/ml-1m)"
    )
    parser.add_argument(
        "--demo-ratings", type=int, help="generate demo data of this many ratings and load it"
    )
    parser.add_argument("--demo-dir", type=Path, default=OUT / "demo", help="where generated data is kept")
    parser.add_argument("--repeat", type=int, default=3, help="loads into fresh databases; the best counts")
    parser.add_argument("--threads", type=int, help="DuckDB threads (database.threads; default: all cores)")
    args = parser.parse_args(argv)
    if (args.data is None) == (args.demo_ratings is None):
        parser.error("give exactly one of --data and --demo-ratings")
    data = args.data
    if args.demo_ratings is not None:
        from recdb.ingest.demo import generate_demo

        started = time.perf_counter()
        data = generate_demo(args.demo_dir / str(args.demo_ratings), ratings=args.demo_ratings, seed=0)
        print(f"demo data: {data} ({time.perf_counter() - started:.1f} s, kept for the next run)")
    figures = bench(data, args.repeat, args.threads)
    print(
        f"{figures['dataset']}: {figures['ratings']:,} ratings loaded in {figures['load_s_best']:.2f} s "
        f"(best of {args.repeat}: {figures['load_s_all']}), {figures['ratings_per_s']:,} ratings/s; "
        f"schema init {figures['init_s']:.2f} s; no-op reload {figures['reload_noop_s']:.2f} s; "
        f"peak RSS {figures['peak_rss_mib']} MiB"
    )
    OUT.mkdir(exist_ok=True)
    (OUT / "load.json").write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
