"""Baselines on real MovieLens 100K: sanity of the whole pipeline on real data (ordering of methods)."""

from __future__ import annotations

from pathlib import Path

import pytest

from recdb.evaluation.runner import evaluate
from recdb.settings import Settings


@pytest.mark.slow
@pytest.mark.realdata
def test_ml100k_baselines(settings: Settings, ml_root: Path) -> None:
    from recdb.ingest.load import load_dataset

    load_dataset(settings, ml_root / "ml-100k")
    result = evaluate(settings, baselines_only=True)
    by = {r.method: r for r in result.results}
    ndcg = {m: float(r.curves.ndcg[9]) for m, r in by.items()}
    # the classic ordering on MovieLens: personalised CF > popularity > no signal
    assert min(ndcg["ease"], ndcg["ubcf"], ndcg["item_knn"]) > ndcg["popularity"] > ndcg["global_mean"]
    assert by["ubcf"].mae is not None and 0.70 < by["ubcf"].mae < 0.80
    assert by["bias"].mae is not None and by["bias"].mae < by["global_mean"].mae  # type: ignore[operator]
    assert (result.report_dir / "report.md").is_file()
