"""The lists' quality beyond accuracy, per published run: recomputed here in Python, shown by status."""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import numpy as np
import pytest

from recdb.db import open_db
from recdb.evaluation.plots import plot_list_quality
from recdb.nightly.status import collect_status, format_status
from recdb.scoring.job import score_all
from recdb.scoring.quality import quality_over_runs
from recdb.settings import Settings
from tests.scoring.scoring_support import MOVIES, K, query
from tests.scoring_fakes import DotPredictor, fake_loader


def _expected(settings: Settings, run_id: int) -> tuple[float, float, float]:
    """(coverage, diversity@10, mean popularity percentile) by their column comments' definitions."""
    rows = query(settings, "quality_inputs", run_id=run_id)
    coverage = len({r[2] for r in rows}) / MOVIES
    lists: dict[int, list[set[int]]] = {}
    for user, rank, _, genres in rows:
        if rank <= 10:
            lists.setdefault(user, []).append(set(genres))
    per_user = [
        np.mean([1 - len(a & b) / len(a | b) if a | b else 0.0 for a, b in combinations(sets, 2)])
        for sets in lists.values()
        if len(sets) > 1
    ]
    counts = dict(query(settings, "movie_rating_counts"))
    ordered = sorted(counts.values())
    # percent_rank: (number of movies with a strictly lower count) / (movies - 1)
    percentile = {m: ordered.index(n) / (len(ordered) - 1) for m, n in counts.items()}
    novelty = float(np.mean([percentile[r[2]] for r in rows]))
    return coverage, float(np.mean(per_user)), novelty


def test_each_run_records_coverage_diversity_novelty_and_overlap(synthetic_db: Settings) -> None:
    synthetic_db.score.retain_runs = (
        1  # the previous run's rows are dropped by this publish: after the figures
    )
    first = score_all(synthetic_db, k=K, loader=fake_loader(DotPredictor(dim=8, seed=1), 1))
    (row,) = query(synthetic_db, "quality_of_run", run_id=first.run_id)
    assert row[3:] == (None, None, 0)  # nothing to compare with yet
    assert row[:3] == pytest.approx(_expected(synthetic_db, first.run_id))
    same = score_all(synthetic_db, k=K, loader=fake_loader(DotPredictor(dim=8, seed=1), 1))
    (row,) = query(synthetic_db, "quality_of_run", run_id=same.run_id)
    assert row[3:] == (first.run_id, 1.0, first.users)
    other = score_all(synthetic_db, k=K, loader=fake_loader(DotPredictor(dim=8, seed=2), 1))
    (row,) = query(synthetic_db, "quality_of_run", run_id=other.run_id)
    assert row[3] == same.run_id and 0.0 <= row[4] < 0.5 and row[5] == first.users
    assert row[:3] == pytest.approx(_expected(synthetic_db, other.run_id))


def test_status_shows_the_figures_and_alerts_when_the_lists_changed_too_much(synthetic_db: Settings) -> None:
    score_all(synthetic_db, k=K, loader=fake_loader(DotPredictor(dim=8, seed=1), 1))
    run = score_all(synthetic_db, k=K, loader=fake_loader(DotPredictor(dim=8, seed=2), 1))
    synthetic_db.nightly.min_list_overlap = 0.0  # disabled
    status = collect_status(synthetic_db)
    quality = status["list_quality"]
    assert quality["run_id"] == run.run_id and quality["previous_run_id"] == run.run_id - 1
    assert not any("min_list_overlap" in a for a in status["alerts"])
    assert f"lists (run {run.run_id}): coverage " in format_status(status)
    synthetic_db.nightly.min_list_overlap = 0.99
    status = collect_status(synthetic_db)
    assert any("nightly.min_list_overlap" in a and f"score run {run.run_id}" in a for a in status["alerts"])
    assert status["ok"] is False


def test_the_evaluation_report_plots_the_figures_over_runs(synthetic_db: Settings, tmp_path: Path) -> None:
    with open_db(synthetic_db.database, read_only=True) as con:
        assert not plot_list_quality(tmp_path / "none.png", quality_over_runs(con))  # no run yet
    ids = [
        score_all(synthetic_db, k=K, loader=fake_loader(DotPredictor(dim=8, seed=s), 1)).run_id
        for s in (1, 2)
    ]
    with open_db(synthetic_db.database, read_only=True) as con:
        quality = quality_over_runs(con, limit=5)
    assert quality["run_id"].to_list() == ids and quality["overlap_at_10"][0] is None
    assert plot_list_quality(tmp_path / "q.png", quality) and (tmp_path / "q.png").stat().st_size > 0
