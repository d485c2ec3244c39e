"""Evaluation at scale: the memory budget that skips dense baselines, the user sample, chunked ranking."""

from __future__ import annotations

import dataclasses

import duckdb
import numpy as np
import polars as pl
import pytest
import torch

from recdb.db import open_db
from recdb.evaluation import runner
from recdb.evaluation.baselines import all_baselines
from recdb.evaluation.core import evaluate_predictor
from recdb.evaluation.data import EvalSet, SplitData
from recdb.evaluation.runner import evaluate
from recdb.ranking import topk_curves
from recdb.settings import EvaluateSettings, Settings
from tests.evaluation.eval_support import (
    FakePaper,
    load_frames,
    make_catalog,
    random_ratings,
    synthetic_frames,
)
from tests.settings_support import with_sections

DENSE = {"ubcf", "item_knn", "ease"}


def split_of(n_users: int, n_movies: int, seed: int = 0) -> SplitData:
    """A random 80/20 split of the synthetic ratings (no database)."""
    ratings = random_ratings(n_users, n_movies, 0.4, seed)
    test = np.random.default_rng(seed).random(ratings.height) < 0.2
    return SplitData("s", "random", seed, ratings.filter(~test), ratings.filter(test))


def test_only_knn_and_ease_need_dense_matrices() -> None:
    need = {b.name: b.dense_bytes for b in all_baselines(EvaluateSettings())}
    assert {name for name, f in need.items() if f(6040, 3883) > 0} == DENSE
    budget = EvaluateSettings().max_dense_gb * 1e9
    assert all(f(6040, 3883) <= budget for f in need.values()), "ML-1M must run everything by default"
    assert all(f(162_541, 59_047) > budget for name, f in need.items() if name in DENSE)  # ML-25M


def test_sparse_masks_match_the_dense_definition() -> None:
    split, catalog = split_of(40, 30), make_catalog(40, 30)
    data = EvalSet.build(split, catalog, 4.0)
    fit, test = split.fit.to_numpy(), split.test.to_numpy()
    rated = torch.zeros(40, 30, dtype=torch.bool)
    rated[fit[:, 0].astype(int) - 1, fit[:, 1].astype(int) - 1] = True
    relevant = torch.zeros(40, 30, dtype=torch.bool)
    good = test[test[:, 2] >= 4.0]
    relevant[good[:, 0].astype(int) - 1, good[:, 1].astype(int) - 1] = True
    everyone = np.arange(40)
    assert torch.equal(data.rated_block(everyone), rated)
    assert torch.equal(data.relevant_block(everyone[::-1].copy()), relevant.flip(0))
    assert data.rank_users.tolist() == torch.nonzero(relevant.any(1)).squeeze(1).tolist()
    assert data.n_rank_candidates == data.rank_users.size


def test_chunked_ranking_equals_one_block() -> None:
    split, catalog = split_of(40, 30), make_catalog(40, 30)
    data = EvalSet.build(split, catalog, 4.0)
    model = FakePaper()
    model.bind(catalog)
    small = evaluate_predictor(model, data, max_k=10, chunk_users=3)
    whole = evaluate_predictor(model, data, max_k=10, chunk_users=1000)
    for name, curve in whole.curves.as_dict().items():
        np.testing.assert_array_equal(getattr(small.curves, name), curve)
    assert (small.mae, small.same_top10) == (whole.mae, whole.same_top10)
    # and both equal the dense reference computation
    users = torch.from_numpy(data.rank_users)
    scores = model.rank_scores(data.rank_users).masked_fill(data.rated_block(data.rank_users), float("-inf"))
    top = torch.topk(scores, 10, dim=1).indices  # FakePaper scores are distinct: no ties
    dense = topk_curves(top, data.relevant_block(users.numpy()), catalog.n_movies)
    np.testing.assert_allclose(whole.curves.ndcg, dense.ndcg, rtol=0, atol=1e-12)


def test_max_users_samples_deterministically() -> None:
    split, catalog = split_of(60, 30), make_catalog(60, 30)
    everyone = EvalSet.build(split, catalog, 4.0)
    first = EvalSet.build(split, catalog, 4.0, max_users=15)
    again = EvalSet.build(split, catalog, 4.0, max_users=15)
    assert first.rank_users.size == 15 and first.n_rank_candidates == everyone.rank_users.size > 15
    assert np.array_equal(first.rank_users, again.rank_users)
    assert np.all(np.diff(first.rank_users) > 0) and set(first.rank_users) <= set(everyone.rank_users)
    other_seed = EvalSet.build(dataclasses.replace(split, seed=1), catalog, 4.0, max_users=15)
    assert not np.array_equal(other_seed.rank_users, first.rank_users)
    assert np.array_equal(
        EvalSet.build(split, catalog, 4.0, max_users=10_000).rank_users, everyone.rank_users
    )
    model = FakePaper()
    model.bind(catalog)
    sampled = evaluate_predictor(model, first, max_k=5, chunk_users=4)
    full = evaluate_predictor(model, everyone, max_k=5, chunk_users=4)
    assert sampled.curves.n_users == 15 and sampled.n_test == full.n_test  # MAE over every test rating
    assert sampled.mae == full.mae


@pytest.mark.slow
def test_tiny_budget_skips_dense_baselines(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    from recdb.training.splits import ensure_split

    settings = with_sections(settings, evaluate={"max_dense_gb": 0.0, "max_users": 20})
    with open_db(settings.database) as con:
        load_frames(con, *synthetic_frames())
        split_id = ensure_split(con, settings.train)
    history = pl.DataFrame({"epoch": [1], "train_loss": [1.0], "valid_mae": [0.9], "valid_rmse": [1.1]})
    monkeypatch.setattr(runner, "_load_model", lambda con, s, model_id: runner.EvaluatedModel(
        7, "paper", split_id, FakePaper(), history))  # fmt: skip
    result = evaluate(settings, model_ids=[7])
    assert {s.method for s in result.skipped} == DENSE
    assert {r.method for r in result.results} == {"global_mean", "bias", "popularity", "demographic",
                                                  "genre_mean", "paper"}  # fmt: skip
    assert all(r.curves.n_users == 20 for r in result.results)
    claims = {c.key: c for c in result.claims}
    for key in ("beats_ubcf_mae", "beats_ubcf_prf_every_k"):
        assert claims[key].verdict == "not evaluated"
        assert claims[key].detail.startswith("not checked: ubcf was skipped")
        assert "evaluate.max_dense_gb" in claims[key].detail
    assert claims["identical_ranking"].verdict == "held"
    report = (result.report_dir / "report.md").read_text()
    for method in DENSE:
        assert f"**Skipped** `{method}`" in report
    assert "sample of 20 of the" in report and "evaluate.max_users = 20" in report
    assert "skipped ubcf" in result.summary()
    con = duckdb.connect(str(settings.database.path), read_only=True)
    try:
        methods = {m for (m,) in con.execute("SELECT DISTINCT method FROM evaluations").fetchall()}
        verdicts = con.execute(
            "SELECT verdict, detail FROM evaluation_claims WHERE claim = 'beats_ubcf_mae'"
        ).fetchall()
    finally:
        con.close()
    assert not methods & DENSE
    assert verdicts[0][0] == "not evaluated" and verdicts[0][1].startswith("not checked")
