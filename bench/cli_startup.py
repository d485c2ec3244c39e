"""Benchmark the CLI's start-up: median wall time of ``recdb --help`` and ``recdb status --json``.

    .venv/bin/python bench/cli_startup.py --runs 15

Each run is a fresh process running what the installed ``recdb`` script runs (``recdb.jobs.cli.main``
under this interpreter; ``PYTHONPATH`` may point at another checkout's layout to compare), so the
figure is what a person or cron pays before a command does any work: Python start, imports, click. ``status``
runs against an empty database made once in a temporary folder (``recdb init``, not timed), so it also
pays for opening DuckDB. Figures are printed and written to ``bench/out/cli_startup.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"
# What the console script `recdb` does (pyproject.toml [project.scripts]).
RECDB = [sys.executable, "-c", "import sys; from recdb.jobs.cli import main; sys.exit(main())"]


def _time(args: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run([*RECDB, *args], env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def bench(runs: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="recdb-bench-") as tmp:
        # No config file or RECDB_ setting of the caller's: only the empty database counts.
        env = {key: value for key, value in os.environ.items() if not key.startswith("RECDB_")}
        env["RECDB_DATABASE__PATH"] = str(Path(tmp) / "empty.duckdb")
        subprocess.run([*RECDB, "init"], env=env, check=True, capture_output=True)
        commands = {"--help": ["--help"], "status --json": ["status", "--json"]}
        for args in commands.values():  # one warm-up each: the first run pays for cold file caches
            _time(args, env)
        times = {name: [_time(args, env) for _ in range(runs)] for name, args in commands.items()}
    return {
        "runs": runs,
        **{f"{name} median_s": round(statistics.median(t), 3) for name, t in times.items()},
        **{f"{name} min_s": round(min(t), 3) for name, t in times.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="runs of each command (median reported)")
    args = parser.parse_args()
    result = bench(args.runs)
    OUT.mkdir(exist_ok=True)
    (OUT / "cli_startup.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
