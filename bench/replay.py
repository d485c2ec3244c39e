"""Replay ML-1M's history night by night through the real incremental ``recdb load`` path (issue 13).

    nice .venv/bin/python bench/replay.py --ml1m ../shared/data/movielens/ml-1m --cut 2001-01-01 \
        --nights 11 --step-days 7 --workdir /tmp/replay

Night 0 loads every rating before ``--cut`` and runs ``recdb nightly`` (a child process, as cron
would); each later night writes the next ``--step-days`` of ratings into the release (a folder in
``--workdir``, outside the repository: MovieLens is never copied into the project) and runs the nightly
again, which appends them. Per night: the stage seconds (load, train = split training + gate + refit,
score, evaluate; the refit's and the gate's own seconds from the train stage's metrics), wall and CPU
seconds of the child, the gate's decision, the forward hit rate of the previous night's lists and of
the popularity yardstick, and overlap@10 with the previous night's lists.

Timestamps: ml-1m/ratings.dat has 30 % imputed timestamps, all on ratings from the earliest 80 % by
time (before 2000-12-13; ml-1m/RECONSTRUCTED.md). ``partial/ratings_partial.csv`` says which: rows with
an imputed timestamp go to night 0 (their true time is before any cut from 2000-12-13 on, which the
script enforces), and every appended rating has its original timestamp. The values written are
ratings.dat's rows (same order, ids, ratings and times), so the release is the original file cut by time.
Figures go to bench/out/replay.json and bench/out/replay.png.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import polars as pl

from recdb.db import one, rows
from recdb.db.sql import parse_named

OUT = Path(__file__).resolve().parent / "out"
SQL = parse_named((Path(__file__).parent / "replay.sql").read_text(encoding="utf-8"), "bench/replay.sql")
# Every imputed timestamp belongs to a rating from before this instant (RECONSTRUCTED.md).
IMPUTED_BEFORE = dt.datetime(2000, 12, 13, 1, 31, tzinfo=dt.timezone.utc)


def nights_of_rows(
    ml1m: Path, cut: dt.datetime, step: dt.timedelta, nights: int, users_mod: int = 1
) -> np.ndarray:
    """The night (0 .. nights) each row of ratings.dat is loaded on; -1: after the last night, or a
    user left out (``users_mod`` > 1 keeps the users whose id is a multiple of it)."""
    partial = pl.read_csv(ml1m / "partial" / "ratings_partial.csv")
    known = partial["Timestamp"].to_numpy()
    imputed = partial["Timestamp"].is_null().to_numpy()
    start, width = cut.timestamp(), step.total_seconds()
    night = np.where(known < start, 0, 1 + np.floor((np.nan_to_num(known) - start) / width)).astype(np.int64)
    night[imputed] = 0
    night[night > nights] = -1
    night[partial["UserID"].to_numpy() % users_mod != 0] = -1
    return night


def run_child(cmd: list[str], env: dict[str, str]) -> tuple[int, float, float, str]:
    """(exit code, wall seconds, CPU seconds user+sys of the child, stderr tail)."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        err.seek(0)
        tail = err.read().decode(errors="replace")[-600:]
    return (
        os.waitstatus_to_exitcode(status),
        time.perf_counter() - started,
        usage.ru_utime + usage.ru_stime,
        tail,
    )


def night_figures(db: Path, previous_score_run: int | None) -> dict[str, Any]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        run_id, status, code, error, _, _ = one(con, SQL["night_run"])
        out: dict[str, Any] = {"run_id": run_id, "status": status, "exit_code": code, "error": error}
        for stage, _, seconds, _, metrics in rows(con, SQL["night_stages"], {"run_id": run_id}):
            out[f"{stage}_s"] = None if seconds is None else round(seconds, 1)
            if stage == "train" and metrics:
                train = json.loads(metrics)
                out["split_train_s"] = train.get("seconds")
                out["split_train_cpu_s"] = train.get("cpu_seconds")
                out["best_epoch"] = train.get("best_epoch")
                out["test_ndcg10"] = (train.get("test") or {}).get("ndcg10")
                refit = train.get("refit") or {}
                out["refit_s"], out["refit_cpu_s"] = refit.get("seconds"), refit.get("cpu_seconds")
                out["refit_epochs"] = refit.get("epochs")
        gate = one(con, SQL["night_gate"], {"run_id": run_id})
        if gate is not None:
            out["gate"], out["gate_reason"], out["gate_s"] = gate[0], gate[4], round(gate[5] or 0, 1)
        forward = one(con, SQL["night_forward"], {"run_id": run_id})
        if forward is not None:
            keys = [
                "measured_run",
                "users",
                "new_ratings",
                "hit_rate",
                "precision10",
                "pop_hit_rate",
                "pop_p10",
            ]
            out["forward"] = dict(zip(keys, forward, strict=True))
        served = one(con, SQL["served"])
        out["served_score_run"] = served[0] if served else None
        if previous_score_run is not None and out["served_score_run"] not in (None, previous_score_run):
            pair = {"previous": previous_score_run, "current": out["served_score_run"]}
            out["overlap10"] = one(con, SQL["overlap_at_10"], pair)[0]
    finally:
        con.close()
    return out


def replay(args: argparse.Namespace) -> list[dict[str, Any]]:
    cut = dt.datetime.fromisoformat(args.cut).replace(tzinfo=dt.timezone.utc)
    if cut < IMPUTED_BEFORE:
        raise SystemExit(
            f"--cut must be on or after {IMPUTED_BEFORE:%Y-%m-%d}: earlier rows have imputed times"
        )
    night = nights_of_rows(args.ml1m, cut, dt.timedelta(days=args.step_days), args.nights, args.users_mod)
    lines = (args.ml1m / "ratings.dat").read_bytes().splitlines(keepends=True)
    assert len(lines) == night.size, "ratings.dat and partial/ratings_partial.csv differ in rows"
    work = Path(tempfile.mkdtemp(prefix="recdb-replay-", dir=args.workdir))
    release = work / "release"
    release.mkdir()
    for name in ("movies.dat", "users.dat", "README"):
        shutil.copyfile(args.ml1m / name, release / name)
    env = {**os.environ, "RECDB_LOG__LEVEL": os.environ.get("RECDB_LOG__LEVEL", "WARNING")}
    env |= {"RECDB_DATABASE__PATH": str(work / "recdb.duckdb"), "RECDB_DATA__SOURCE": str(release),
            "RECDB_DATABASE__CHECKPOINT_DIR": str(work / "models"),
            "RECDB_EVALUATE__REPORT_DIR": str(work / "reports")}  # fmt: skip
    results: list[dict[str, Any]] = []
    previous: int | None = None
    try:
        for n in range(args.nights + 1):
            keep = (night >= 0) & (night <= n)
            (release / "ratings.dat").write_bytes(
                b"".join(line for line, k in zip(lines, keep, strict=True) if k)
            )
            code, wall, cpu, tail = run_child([sys.executable, "-m", "recdb.jobs.cli", "nightly"], env)
            figures = night_figures(work / "recdb.duckdb", previous)
            end = cut + dt.timedelta(days=args.step_days * n)
            figures |= {"night": n, "through": f"{end:%Y-%m-%d}", "ratings": int(keep.sum()),
                        "new_ratings": int((night == n).sum()), "wall_s": round(wall, 1),
                        "cpu_s": round(cpu, 1), "child_exit": code}  # fmt: skip
            if code not in (0, 4):
                figures["stderr"] = tail
            results.append(figures)
            print(json.dumps(figures, default=str), flush=True)
            if figures.get("served_score_run") is not None:
                previous = figures["served_score_run"]
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return results


def plot(results: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    measured = [r for r in results if r.get("forward")]
    fig, ax = plt.subplots(figsize=(7, 3.5))
    xs = [r["night"] for r in measured]
    ax.plot(xs, [r["forward"]["hit_rate"] for r in measured], marker="o", label="served lists (hit rate@10)")
    ax.plot(
        xs, [r["forward"]["pop_hit_rate"] for r in measured], marker="s", label="popularity (hit rate@10)"
    )
    ax.plot(xs, [r["forward"]["precision10"] for r in measured], marker="^", ls="--", label="served P@10")
    ax.set_xlabel("night (each appends the next week of ML-1M ratings)")
    ax.set_ylabel("on the ratings that arrived since")
    ax.set_ylim(0, None)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title("Forward figures of the previous night's lists (ML-1M replay)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--ml1m", type=Path, default=Path(__file__).resolve().parents[2] / "shared/data/movielens/ml-1m"
    )
    parser.add_argument("--cut", default="2001-01-01")
    parser.add_argument("--nights", type=int, default=11, help="nights after night 0")
    parser.add_argument("--step-days", type=int, default=7)
    parser.add_argument("--users-mod", type=int, default=1, help="keep users whose id is a multiple of it")
    parser.add_argument("--workdir", type=Path, default=None, help="where the temporary release and DB go")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--out", type=Path, default=OUT / "replay.json")
    parser.add_argument(
        "--from-log", type=Path, default=None, help="no replay: the JSON lines an unfinished replay printed"
    )
    args = parser.parse_args()
    started = time.perf_counter()
    if args.from_log is not None:
        lines = args.from_log.read_text(encoding="utf-8").splitlines()
        results = [json.loads(line) for line in lines if line.startswith("{")]
    else:
        results = replay(args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    settings = {k: v for k, v in os.environ.items() if k.startswith("RECDB_")}
    summary = {"cut": args.cut, "nights": args.nights, "step_days": args.step_days, "env": settings,
               "users_mod": args.users_mod,
               "seconds": round(time.perf_counter() - started, 1), "results": results}  # fmt: skip
    args.out.write_text(json.dumps(summary, indent=2, default=str) + "\n", encoding="utf-8")
    plot(results, args.out.with_suffix(".png"))
    print(f"wrote {args.out} and {args.out.with_suffix('.png')}")


if __name__ == "__main__":
    main()
