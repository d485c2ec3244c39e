"""Benchmark the demo data generator: time, peak memory and file sizes at a given size.

Usage: .venv/bin/python bench/demo.py --ratings 1000000 [--seed 0] [--out DIR] [--keep]

Prints the figures and writes them as JSON to bench/out/demo_<ratings>.json. The data goes to a
temporary folder (removed afterwards unless --keep or --out is given).
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from recdb.ingest.demo import make_demo


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--ratings", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, help="write the data here (kept)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    out = args.out or Path(tempfile.mkdtemp(prefix="recdb-demo-bench-")) / "demo"
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    cpu_before = time.process_time()
    started = time.perf_counter()
    info = make_demo(out, ratings=args.ratings, seed=args.seed, force=True)
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu_before
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    sizes = {p.name: p.stat().st_size for p in sorted(out.iterdir())}
    result = {
        "ratings": info.ratings,
        "users": info.users,
        "movies": info.movies,
        "seed": args.seed,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "ratings_per_second": round(info.ratings / seconds),
        "peak_rss_mb": round(peak_kb / 1024, 1),
        "rss_before_mb": round(rss_before / 1024, 1),
        "file_bytes": sizes,
    }
    print(f"demo data: {info.ratings:,} ratings, {info.users:,} users, {info.movies:,} movies -> {out}")
    print(f"time {seconds:.1f} s wall, {cpu:.1f} s CPU ({result['ratings_per_second']:,} ratings/s)")
    print(f"peak RSS {result['peak_rss_mb']:,} MB (imports alone {result['rss_before_mb']} MB)")
    for name, size in sizes.items():
        print(f"  {name:12s} {size / 1e6:10.1f} MB")
    bench_out = Path(__file__).resolve().parent / "out"
    bench_out.mkdir(exist_ok=True)
    (bench_out / f"demo_{args.ratings}.json").write_text(json.dumps(result, indent=2) + "\n")
    if args.out is None and not args.keep:
        shutil.rmtree(out.parent, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
