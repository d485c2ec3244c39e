"""Benchmark ``recdb nightly`` end to end: per-stage times and peak memory at growing data sizes.

    .venv/bin/python bench/nightly.py --ratings 1000000                    # demo data, 1M ratings
    .venv/bin/python bench/nightly.py --ratings 1000000,5000000,25000000   # the scale series
    .venv/bin/python bench/nightly.py --data ../shared/data/movielens/ml-1m --ratings ''

For each data set it generates the demo data first (``generate_demo``, timed apart, reused from
``bench/out/nightly-data/`` when already there), then runs ``recdb nightly`` as a child process on a
fresh database in a temporary folder, exactly as cron would, and reads the stage times from
``run_stages``. Peak RSS is the child's own (``os.wait4`` rusage: the nightly process, torch included).
A second nightly on the same data measures the "nothing changed" path. Extra settings go through the
environment as usual (e.g. ``RECDB_TRAIN__EPOCHS=5``, ``RECDB_NIGHTLY__EVALUATE=false``).
Figures are printed and written to ``bench/out/nightly.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb

from recdb.db import rows
from recdb.db.sql import parse_named

OUT = Path(__file__).resolve().parent / "out"
# The stage and data checks the nightly tests use (test support, not installed with recdb).
CHECKS = Path(__file__).resolve().parents[1] / "tests" / "nightly" / "checks.sql"
STAGES = ("load", "train", "score", "evaluate")


def run_child(cmd: list[str], env: dict[str, str]) -> tuple[int, float, float, str]:
    """Run a command; returns (exit code, seconds, peak RSS in MiB of that child, stderr tail)."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        tail = err.read().decode(errors="replace")[-2000:]
    return proc.returncode, time.perf_counter() - started, usage.ru_maxrss / 1024.0, tail


def stage_times(db: Path, run_id: int) -> dict[str, Any]:
    checks = parse_named(CHECKS.read_text(encoding="utf-8"), str(CHECKS))
    con = duckdb.connect(str(db), read_only=True)
    try:
        stages = rows(con, checks["stage_rows"], {"run_id": run_id})
        counts = rows(con, checks["data_snapshot"])[0]
    finally:
        con.close()
    out: dict[str, Any] = {
        stage: {"status": status, "seconds": seconds, "rows": n} for stage, status, n, seconds, *_ in stages
    }
    out["ratings_in_db"] = int(counts[0]) if counts else None
    return out


def bench_one(name: str, data: Path, workdir: Path, base_env: dict[str, str]) -> dict[str, Any]:
    db = workdir / name / "recdb.duckdb"
    env = {
        **base_env,
        "RECDB_DATABASE__PATH": str(db),
        "RECDB_DATABASE__CHECKPOINT_DIR": str(workdir / name / "models"),
        "RECDB_EVALUATE__REPORT_DIR": str(workdir / name / "reports"),
        "RECDB_DATA__SOURCE": str(data),
    }
    cmd = [sys.executable, "-m", "recdb.jobs.cli", "nightly"]
    code, seconds, rss, tail = run_child(cmd, env)
    result: dict[str, Any] = {
        "data": str(data),
        "exit_code": code,
        "seconds": round(seconds, 1),
        "peak_rss_mib": round(rss),
    }
    if code != 0:
        result["error"] = tail.strip().splitlines()[-1] if tail.strip() else "?"
        return result
    result["stages"] = stage_times(db, 1)
    code2, seconds2, rss2, _ = run_child(cmd, env)
    result["unchanged_rerun"] = {
        "exit_code": code2,
        "seconds": round(seconds2, 1),
        "peak_rss_mib": round(rss2),
    }
    return result


def demo_data(ratings: int, seed: int) -> tuple[Path, float]:
    from recdb.ingest.demo import generate_demo

    folder = OUT / "nightly-data" / f"demo-{ratings}"
    started = time.perf_counter()
    generate_demo(folder, ratings=ratings, seed=seed)  # reuses the files when already generated
    return folder, time.perf_counter() - started


def report(name: str, result: dict[str, Any]) -> str:
    if result["exit_code"] != 0:
        return f"{name:>12}  FAILED exit {result['exit_code']}: {result.get('error')}"
    stages = result["stages"]
    cells = [f"{(stages.get(s) or {}).get('seconds') or 0:8.1f}" for s in STAGES]
    return (
        f"{name:>12}  {stages.get('ratings_in_db') or 0:>11,}  " + "  ".join(cells)
        + f"  {result['seconds']:8.1f}  {result['peak_rss_mib']:>8,}"
        + f"  {result['unchanged_rerun']['seconds']:8.1f}"
    )  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--ratings", default="1000000", help="comma-separated demo sizes ('' for none)")
    parser.add_argument(
        "--data", type=Path, action="append", default=[], help="a real release folder (repeatable)"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--workdir", type=Path, default=None, help="where the databases go (default: a temp dir)"
    )
    parser.add_argument("--out", type=Path, default=OUT / "nightly.json", help="where the JSON goes")
    args = parser.parse_args()

    OUT.mkdir(parents=True, exist_ok=True)
    base_env = {k: v for k, v in os.environ.items()}
    base_env.setdefault("RECDB_LOG__LEVEL", "WARNING")
    results: dict[str, Any] = {
        "env": {k: v for k, v in os.environ.items() if k.startswith("RECDB_")},
        "runs": {},
    }
    header = f"{'data':>12}  {'ratings':>11}  " + "  ".join(f"{s:>8}" for s in STAGES)
    header += f"  {'total s':>8}  {'RSS MiB':>8}  {'rerun s':>8}"
    print(header)
    if args.workdir is not None:
        Path(args.workdir).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="recdb-bench-nightly-", dir=args.workdir) as tmp:
        jobs: list[tuple[str, Path, float | None]] = []
        for size in [int(s) for s in args.ratings.split(",") if s.strip()]:
            folder, gen_s = demo_data(size, args.seed)
            jobs.append(
                (f"demo-{size // 1_000_000}M" if size >= 1_000_000 else f"demo-{size}", folder, gen_s)
            )
        jobs.extend((path.name, path, None) for path in args.data)
        for name, folder, gen_s in jobs:
            result = bench_one(name, folder, Path(tmp), base_env)
            if gen_s is not None:
                result["generate_seconds"] = round(gen_s, 1)
            results["runs"][name] = result
            print(report(name, result), flush=True)
    args.out.write_text(json.dumps(results, indent=2))
    print(f"stage seconds from run_stages; peak RSS of the nightly process; written to {args.out}")
    return 0 if all(r["exit_code"] == 0 for r in results["runs"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
