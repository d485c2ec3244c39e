"""Training end to end on the demo data: learns, is reproducible, checkpoints round-trip, cold start works."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
import torch

from recdb.catalog import load_catalog
from recdb.db import open_db
from recdb.settings import Settings
from recdb.training.registry import load_predictor
from recdb.training.splits import load_split_ratings
from recdb.training.trainer import train_model
from tests.settings_support import with_sections

pytestmark = pytest.mark.slow


def _global_mean_rmse(settings: Settings, split_id: str) -> float:
    with open_db(settings.database) as con:
        rows = load_split_ratings(con, split_id)
    mean = rows.filter(pl.col("part") == "train")["rating"].mean()
    test = rows.filter(pl.col("part") == "test")["rating"].to_numpy()
    return math.sqrt(float(((test - mean) ** 2).mean()))


def test_hybrid_learns_reproducibly_and_round_trips(demo_settings: Settings) -> None:
    first = train_model(demo_settings)
    baseline = _global_mean_rmse(demo_settings, first.split_id)
    assert first.test_metrics["rmse"] < 0.95 * baseline, (first.test_metrics, baseline)
    assert first.test_metrics["ndcg10"] > 0.0

    second = train_model(demo_settings)  # same seed, same data: identical metrics on CPU
    assert second.test_metrics == first.test_metrics
    assert second.valid_metrics == first.valid_metrics

    with open_db(demo_settings.database) as con:
        history = con.execute(
            "SELECT count(*) FROM training_history WHERE model_id = ?", [first.model_id]
        ).fetchall()
        status = con.execute(
            "SELECT status, test_mae FROM models WHERE model_id = ?", [first.model_id]
        ).fetchall()
        catalog = load_catalog(con)
        predictor, record = load_predictor(con, demo_settings, first.model_id)
    assert history[0][0] == first.epochs and status[0][0] == "ready"
    assert status[0][1] == pytest.approx(first.test_metrics["mae"])
    assert record.architecture == "hybrid" and record.split_id == first.split_id

    # the checkpoint is plain data and reproduces the trained model's predictions exactly
    state = torch.load(first.checkpoint_path, weights_only=True)
    assert state["architecture"] == "hybrid" and "optimizer" in state and "encoders" in state
    predictor.bind(catalog)
    again, _ = load_predictor_again(demo_settings, first.model_id)
    again.bind(catalog)
    rows = np.arange(catalog.n_users)
    cols = np.arange(catalog.n_movies)
    torch.testing.assert_close(predictor.rank_scores(rows[:7]), again.rank_scores(rows[:7]), rtol=0, atol=0)
    pred = predictor.predict(rows[:5].repeat(3), cols[:15])
    assert pred.dtype == torch.float32 and pred.shape == (15,)
    assert float(pred.min()) >= 1.0 and float(pred.max()) <= 5.0


def load_predictor_again(settings: Settings, model_id: int):  # type: ignore[no-untyped-def]
    with open_db(settings.database, read_only=True) as con:
        return load_predictor(con, settings, model_id)


def test_cold_start_predictions_use_features(demo_settings: Settings) -> None:
    result = train_model(demo_settings)
    with open_db(demo_settings.database) as con:
        catalog = load_catalog(con)
        predictor, _ = load_predictor(con, demo_settings, result.model_id)
    users = pl.DataFrame(
        {
            "user_id": [10_001, 10_002],  # never seen: unknown id
            "gender": ["F", "M"],
            "age_group": ["18-24", "56+"],
            "occupation": ["K-12 student", "retired"],
        },
        schema_overrides={"user_id": pl.Int32},
    )
    movies = catalog.movies.head(50).with_columns(pl.col("movie_id") + 100_000)  # unseen ids, real features
    from recdb.predictor import Catalog

    predictor.bind(Catalog(users=users, movies=movies))
    scores = predictor.rank_scores(np.array([0, 1]))
    ratings = predictor.predict(np.array([0, 1] * 50), np.repeat(np.arange(50), 2))
    assert torch.isfinite(scores).all() and torch.isfinite(ratings).all()
    assert not torch.equal(scores[0], scores[1])  # demographics change the prediction
    assert float(ratings.std()) > 0  # genres and titles differentiate unseen movies


def test_paper_architecture_trains(demo_settings: Settings) -> None:
    settings = with_sections(demo_settings, model={"architecture": "paper"})
    result = train_model(settings)
    assert math.isfinite(result.test_metrics["mae"])
    with open_db(settings.database) as con:
        predictor, record = load_predictor(con, settings)
        catalog = load_catalog(con)
    assert record.architecture == "paper"
    predictor.bind(catalog)
    scores = predictor.rank_scores(np.arange(3))
    assert scores.shape == (3, catalog.n_movies)
