"""Runs the real `recdb score` command several times in one process, for test_scoring_concurrency.py.

The model registry is replaced by a fake predictor (there is no trained model in the test database);
everything else is the command as cron runs it. Exits with the first non-zero exit code.

Usage: python score_loop.py DB RUNS K
"""

from __future__ import annotations

import sys
from pathlib import Path

import recdb.training.registry as registry
from recdb.jobs.cli import main

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the checkout, for the tests package
from tests.scoring_fakes import DotPredictor, fake_loader


def run() -> int:
    db, runs, k = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    for i in range(runs):
        registry.load_predictor = fake_loader(DotPredictor(dim=16, seed=i), model_id=1)  # type: ignore[assignment]
        code = main(["--db", db, "score", "--k", k])
        if code:
            return code
    return 0


if __name__ == "__main__":
    sys.exit(run())
