"""Benchmark of the compute engines: local vs Ray with 1 and 2 workers, seconds per stage and memory.

    .venv/bin/python bench/scale.py --ratings 1000000 --epochs 2
    .venv/bin/python bench/scale.py --data /work/shared/data/movielens/ml-1m --epochs 3 --engines local,ray2

The data are loaded once into a template database (kept in ``--workdir`` with the demo data, so a later
run skips both); for each engine (``local``, ``ray1``, ``ray2``: ``compute.workers`` 1 or 2 on a local
cluster of that many CPUs) a fresh process works on its own copy of it: it starts the Ray cluster (timed
apart: ``cluster_start_s``), trains ``--epochs`` epochs and scores every user (``train_s``, ``score_s``,
as the nightly would record them). It reports the driver's peak RSS and CPU time (user + sys, the driver
process only) and, for Ray, the peak RSS of each Ray worker process (sampled from /proc: VmHWM of every
process below the driver). ``overhead`` is each Ray stage's time minus the local one. Also the test
metrics, so the engines' models can be compared. Figures are printed and written to
``bench/out/scale-<data>.json``. On a shared machine, wall times include waiting for the CPUs: compare the CPU
figures too.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent / "out"
ENGINES = {"local": ("local", 1), "ray1": ("ray", 1), "ray2": ("ray", 2)}


class ProcessPeaks:
    """Samples VmHWM (peak RSS) of every process below this one, by name, every ``every`` seconds."""

    def __init__(self, every: float = 0.5) -> None:
        self.every, self._stop = every, threading.Event()
        self.peaks: dict[int, tuple[str, int]] = {}
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> ProcessPeaks:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        me = os.getpid()
        while not self._stop.wait(self.every):
            parents: dict[int, int] = {}
            for entry in Path("/proc").iterdir():
                if entry.name.isdigit():
                    try:
                        stat = (entry / "stat").read_text()
                        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
                    except (OSError, ValueError, IndexError):
                        continue
            for pid in parents:
                p, seen = pid, 0
                while p in parents and p != me and seen < 64:
                    p, seen = parents[p], seen + 1
                if p != me or pid == me:
                    continue
                try:
                    name = (Path("/proc") / str(pid) / "cmdline").read_bytes().split(b"\0")[0].decode()
                    status = (Path("/proc") / str(pid) / "status").read_text()
                except OSError:
                    continue
                hwm = next(
                    (int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM")), 0
                )
                if hwm > self.peaks.get(pid, ("", 0))[1]:
                    self.peaks[pid] = (name, hwm)

    def workers(self) -> dict[str, list[float]]:
        """Peak RSS in MB of Ray's worker processes (``ray::...``), by process name."""
        out: dict[str, list[float]] = {}
        for name, kb in self.peaks.values():
            if name.startswith("ray::"):
                out.setdefault(name, []).append(round(kb / 1024, 1))
        return out


def engine_settings(engine: str, epochs: int, db: Path) -> Any:
    from recdb.settings import load_settings

    kind, workers = ENGINES[engine]
    return load_settings(
        overrides={
            "database": {"path": db / "recdb.duckdb", "checkpoint_dir": db / "models"},
            "train": {"epochs": epochs},
            "compute": {"engine": kind, "workers": workers, "exchange_dir": str(db / "exchange")},
        }
    )


def loaded_template(data: str, root: Path) -> Path:
    """The data loaded once into ``root/template/recdb.duckdb`` (kept: each engine starts from a copy)."""
    from recdb.ingest.load import load_dataset

    db = root / "template"
    if not (db / "loaded").is_file():
        db.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        load_dataset(engine_settings("local", 1, db), Path(data))
        (db / "loaded").write_text(f"{time.perf_counter() - t0:.1f}\n")
    return db / "recdb.duckdb"


def one_engine(engine: str, epochs: int, db: Path) -> dict[str, Any]:
    """(Start Ray,) train and score in this process with ``engine`` on the loaded copy; the figures."""
    from recdb.scoring.job import score_all
    from recdb.training.trainer import train_model

    kind, workers = ENGINES[engine]
    settings = engine_settings(engine, epochs, db)
    out: dict[str, Any] = {"engine": engine, "workers": workers}
    with ProcessPeaks() as peaks:
        t0 = time.perf_counter()
        if kind == "ray":  # one cluster for both stages, as on a real cluster (ray_address = auto)
            import ray

            ray.init(num_cpus=workers, include_dashboard=False, logging_level=logging.WARNING)
        out["cluster_start_s"] = round(time.perf_counter() - t0, 2)
        cpu0 = _cpu()
        t0 = time.perf_counter()
        trained = train_model(settings)
        out["train_s"] = round(time.perf_counter() - t0, 2)
        out["epochs"] = trained.epochs
        out["epoch_s"] = [round(row["seconds"], 2) for row in trained.history]
        t0 = time.perf_counter()
        scored = score_all(settings, model_id=trained.model_id)
        out["score_s"] = round(time.perf_counter() - t0, 2)
        out["driver_cpu_s"] = round(_cpu() - cpu0, 2)
        if kind == "ray":
            ray.shutdown()
    out["users"], out["rows"] = scored.users, scored.rows
    out["test"] = {k: round(v, 5) for k, v in trained.test_metrics.items()}
    out["driver_peak_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    out["worker_peak_mb"] = peaks.workers()
    return out


# The cost model's data shapes (docs/scaling.md): ratings → users, movies, title words. Users grow with
# the ratings (~150 ratings per user, as in the MovieLens releases), movies and words slower.
SHAPES = {
    "25M": {"ratings": 25e6, "users": 162e3, "movies": 62e3},
    "100M": {"ratings": 100e6, "users": 650e3, "movies": 100e3},
    "1B": {"ratings": 1e9, "users": 6.5e6, "movies": 300e3},
}


def cost_model(per_worker: dict[str, float], workers: list[int]) -> list[dict[str, Any]]:
    """Seconds per stage for each shape and worker count, from per-worker throughputs (see
    docs/scaling.md for the terms and the assumptions, which are the keys of ``per_worker``)."""
    p = per_worker
    rows = []
    for name, shape in SHAPES.items():
        train_ratings = 0.7 * shape["ratings"]
        steps = train_ratings / p["batch"]
        params = (shape["users"] + shape["movies"]) * p["params_per_row"] + p["params_fixed"]
        grad_bytes = 4 * params
        pairs = shape["users"] * shape["movies"]
        valid = min(shape["users"], p["metric_users"]) * shape["movies"] / p["pairs_per_s"]
        for w in workers:
            # ring all-reduce: each worker sends and receives 2 (w - 1) / w of the gradient per step
            sync = (
                0.0
                if w == 1
                else steps * (2 * (w - 1) / w * grad_bytes / p["bandwidth"] + 2 * (w - 1) * p["latency"])
            )
            epoch = train_ratings / (w * p["ratings_per_s"]) + sync + valid
            train = p["epochs"] * epoch + p["blend_rankings"] * valid + p["start_s"]
            # the same with sparse embedding gradients: only the batch's rows (and the dense rest) travel
            sparse_bytes = 4 * (2 * p["batch"] * p["params_per_row"] + p["params_fixed"])
            sparse = (
                0.0
                if w == 1
                else steps * (2 * (w - 1) / w * sparse_bytes / p["bandwidth"] + 2 * (w - 1) * p["latency"])
            )
            sparse_train = p["epochs"] * (epoch - sync + sparse) + p["blend_rankings"] * valid + p["start_s"]
            score = (
                pairs / (w * p["pairs_per_s"])
                + shape["users"] * p["k"] / p["publish_rows_per_s"]
                + p["start_s"]
            )
            rows.append(
                {
                    "shape": name,
                    "workers": w,
                    "epoch_s": round(epoch),
                    "sync_share": round(sync / epoch, 2),
                    "train_s": round(train),
                    "train_sparse_s": round(sparse_train),
                    "score_s": round(score),
                }
            )
    return rows


# Per-worker (1 CPU core) figures; the defaults are the quiet-machine local figures of
# docs/benchmarks.md halved (2 cores), the start cost from this script's Ray runs. Override with --per-worker.
PER_WORKER = {
    "ratings_per_s": 28_000.0,  # training ratings/s, sampled softmax (> 10k movies): 56k/s on 2 cores
    "pairs_per_s": 89e6,  # scoring: rank scores + mask + top-k, 178M pairs/s on 2 cores
    "publish_rows_per_s": 9.5e6,  # the publish transaction: 15.2M rows in 1.6 s
    "batch": 16384,  # train.batch_size: the global batch, split over the workers
    "params_per_row": 33,  # embed_dim 32 + a bias per user and movie row (the rest is small)
    "params_fixed": 2e6,  # towers, title words, genres
    "bandwidth": 1.25e9,  # bytes/s between workers: 10 Gb/s
    "latency": 50e-6,  # s per all-reduce hop
    "metric_users": 10_000,  # train.metric_users: the valid NDCG@10 sample, on rank 0 each epoch
    "epochs": 8,
    "blend_rankings": 6,  # γ grid: one valid ranking per value, once
    "k": 100,
    "start_s": 20.0,  # cluster join + worker start (import torch, recdb) per stage
}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="a MovieLens folder (default: demo data of --ratings ratings)")
    parser.add_argument(
        "--ratings", type=int, default=1_000_000, help="demo ratings when --data is not given"
    )
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument(
        "--workdir",
        help="keep the demo data and the loaded database here, for later runs (default: a temp folder)",
    )
    parser.add_argument("--engines", default="local,ray1,ray2")
    parser.add_argument("--cost-model", action="store_true", help="print the cost model's table only")
    parser.add_argument("--per-worker", default="{}", help="JSON overriding the cost model's inputs")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: run one engine in this process
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.cost_model:
        inputs = PER_WORKER | json.loads(args.per_worker)
        table = cost_model(inputs, [1, 4, 16, 64])
        OUT.mkdir(exist_ok=True)
        (OUT / "scale-cost.json").write_text(json.dumps({"inputs": inputs, "table": table}, indent=2) + "\n")
        for row in table:
            print(json.dumps(row))
        return
    if args.one:
        print(json.dumps(one_engine(args.one, args.epochs, Path(args.db))))
        return
    with tempfile.TemporaryDirectory(prefix="recdb-scale-") as tmp:
        root = Path(args.workdir) if args.workdir else Path(tmp)
        data = args.data
        if data is None:
            from recdb.ingest.demo import generate_demo

            demo = root / "demo"
            data = str(
                demo
                if (demo / "ratings.dat").is_file()
                else generate_demo(demo, ratings=args.ratings, seed=0)
            )
        template = loaded_template(data, root)
        results = []
        for engine in args.engines.split(","):
            db = Path(tmp) / engine
            db.mkdir()
            shutil.copyfile(template, db / "recdb.duckdb")
            cmd = [sys.executable, __file__, "--one", engine, "--epochs", str(args.epochs), "--db", str(db)]
            done = subprocess.run(cmd, check=True, capture_output=True, text=True)
            results.append(json.loads(done.stdout.strip().splitlines()[-1]))
            print(json.dumps(results[-1]), flush=True)
            shutil.rmtree(db)
    local = next((r for r in results if r["engine"] == "local"), None)
    if local is not None:
        for r in results:
            r["overhead_s"] = {s: round(r[s] - local[s], 2) for s in ("train_s", "score_s")}
    summary = {"data": args.data or f"demo {args.ratings}", "epochs": args.epochs, "results": results}
    OUT.mkdir(exist_ok=True)
    label = Path(args.data).name if args.data else f"demo{args.ratings}"
    (OUT / f"scale-{label}.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
