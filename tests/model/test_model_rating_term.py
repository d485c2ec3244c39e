"""The hybrid's rating term α · (e_u · W) on predicted ratings: its formula (the user's own residuals
through EASE's W), cold users and uncovered movies, checkpoints, the α grid against the Predictor, and
that scoring, evaluation, ``recdb.predict`` and training all get it through the Predictor contract
(``Catalog.rated`` / ``Catalog.rated_ratings``)."""

from __future__ import annotations

import io
from dataclasses import replace

import numpy as np
import pytest
import torch

from recdb.catalog import load_catalog
from recdb.db import open_db
from recdb.model.network import ModelConfig
from recdb.model.towers import build_model
from recdb.ranking import MovieSets
from recdb.settings import Settings
from recdb.training.checkpoint import load_checkpoint, model_from_checkpoint
from recdb.training.predictor import NetworkPredictor
from recdb.training.trainer import train_model
from tests.model.test_model_item_item import SIZES, _catalog_tensors
from tests.settings_support import tiny_model_config, with_sections

SCALE = (1.0, 5.0)


def _tiny_hybrid() -> torch.nn.Module:
    torch.manual_seed(0)
    return build_model(ModelConfig.from_parts("hybrid", tiny_model_config(), SIZES), 3.5)


def _predictor(
    model: torch.nn.Module, history: MovieSets | None, stars: np.ndarray | None
) -> NetworkPredictor:
    predictor = NetworkPredictor(model, None, "hybrid", SCALE)  # type: ignore[arg-type]
    predictor.bind_encoded(_catalog_tensors(), history, stars)
    return predictor


def _history() -> tuple[MovieSets, np.ndarray]:
    # user 0 rated columns 0, 3 (vocab 1, 4) and 1 (vocab 2: outside W); user 1 column 2; user 2 none
    return MovieSets.from_rated(np.array([0, 1, 0, 0]), np.array([0, 2, 3, 1]), np.array([5, 1, 2, 4.0]), 3)  # type: ignore[return-value]


def test_correction_is_alpha_times_residuals_times_w_and_zero_for_cold_users_and_new_movies() -> None:
    model = _tiny_hybrid()
    w = torch.tensor([[0.0, 0.3, -0.2], [0.1, 0.0, 0.4], [0.5, -0.6, 0.0]])  # over vocab rows 1, 3, 4
    model.rating_item.set_weights(torch.tensor([1, 3, 4]), w)
    model.rating_item.blend.fill_(2.0)
    history, stars = _history()
    towers = _predictor(model, None, None)  # no history: the towers alone
    rows, cols = np.repeat(np.arange(3), 5), np.tile(np.arange(5), 3)
    base = towers.predict(rows, cols).reshape(3, 5)
    predictor = _predictor(model, history, stars)
    got_base, correction = predictor.rating_parts(rows, cols)
    torch.testing.assert_close(got_base.reshape(3, 5), base)
    assert correction is not None
    # e_u over W's rows (columns 0, 2, 3 = vocab 1, 3, 4): user 0's residuals on columns 0 and 3
    e0 = torch.tensor([5.0 - base[0, 0], 0.0, 2.0 - base[0, 3]])
    e1 = torch.tensor([0.0, 1.0 - base[1, 2], 0.0])
    expected = torch.zeros(3, 5)
    expected[0, [0, 2, 3]] = 2.0 * (e0 @ w)
    expected[1, [0, 2, 3]] = 2.0 * (e1 @ w)
    torch.testing.assert_close(correction.reshape(3, 5), expected)
    assert correction.reshape(3, 5)[:, [1, 4]].abs().max() == 0  # outside W, and the new movie
    assert correction.reshape(3, 5)[2].abs().max() == 0  # the cold user
    torch.testing.assert_close(predictor.predict(rows, cols), (got_base + correction).clamp(*SCALE))
    # any order and repetition of pairs gives the same figures (computed per chunk of distinct users)
    order = np.array([14, 0, 3, 3, 7, 11, 5])
    torch.testing.assert_close(
        predictor.predict(rows[order], cols[order]), predictor.predict(rows, cols)[order]
    )
    # without the stars (a catalogue that carries none) the predictions are the towers'
    torch.testing.assert_close(_predictor(model, history, None).predict(rows, cols), base.reshape(-1))
    # and the list scores do not change with it
    torch.testing.assert_close(predictor.rank_scores(np.arange(3)), towers.rank_scores(np.arange(3)))


def test_rating_term_round_trips_through_weights_only_load() -> None:
    model = _tiny_hybrid()
    model.rating_item.set_weights(torch.tensor([1, 2]), torch.tensor([[0.0, 0.5], [0.25, 0.0]]))
    model.rating_item.blend.fill_(3.0)
    buffer = io.BytesIO()
    torch.save({"state_dict": model.state_dict()}, buffer)
    buffer.seek(0)
    fresh = _tiny_hybrid()  # an empty W: the load takes the stored shapes
    fresh.load_state_dict(torch.load(buffer, weights_only=True)["state_dict"])
    history, stars = _history()
    rows, cols = np.repeat(np.arange(3), 5), np.tile(np.arange(5), 3)
    want = _predictor(model, history, stars).predict(rows, cols)
    torch.testing.assert_close(_predictor(fresh, history, stars).predict(rows, cols), want)
    assert not torch.equal(want, _predictor(model, None, None).predict(rows, cols))


@pytest.mark.slow
def test_scoring_evaluation_predict_and_training_agree_on_the_corrected_ratings(
    tiny_settings: Settings,
) -> None:
    from recdb.evaluation.runner import evaluate
    from recdb.scoring.consumers import predict_pairs
    from recdb.scoring.inputs import rated_with_stars
    from recdb.scoring.job import score_all
    from recdb.training.refit import refit_model
    from recdb.training.registry import load_predictor

    settings = with_sections(tiny_settings, train={"epochs": 1, "rating_item_blend": 4.0})
    result = train_model(settings)
    assert result.rating_blend == 4.0
    state = load_checkpoint(result.checkpoint_path)  # weights_only=True inside
    assert float(state["state_dict"]["rating_item.blend"]) == 4.0
    assert state["state_dict"]["rating_item.weights"].numel() > 0
    with open_db(settings.database) as con:
        stored = con.execute(
            "SELECT rating_blend FROM models WHERE model_id = ?", [result.model_id]
        ).fetchall()
        assert stored == [(4.0,)]
    # evaluation (train+valid as the history, its stars) reports training's test MAE / RMSE
    report = evaluate(settings, model_id=result.model_id)
    ours = next(r for r in report.results if r.model_id == result.model_id)
    assert ours.mae == pytest.approx(result.test_metrics["mae"], abs=1e-6)
    assert ours.rmse == pytest.approx(result.test_metrics["rmse"], abs=1e-6)
    # the published predicted ratings are the predictor's with every stored rating as the history
    run_id = score_all(settings, k=5).run_id
    with open_db(settings.database) as con:
        catalog = load_catalog(con)
        pairs = con.execute("SELECT user_id, movie_id, rating FROM ratings").fetchnumpy()
        published = con.execute(
            "SELECT user_id, movie_id, predicted_rating FROM recommendations WHERE run_id = ? "
            "ORDER BY user_id, rank",
            [run_id],
        ).fetchnumpy()
        predictor, _ = load_predictor(con, settings, result.model_id)
    rated, stars = rated_with_stars(catalog, pairs["user_id"], pairs["movie_id"], pairs["rating"])
    predictor.bind(replace(catalog, rated=rated, rated_ratings=stars))
    users = catalog.users["user_id"].to_numpy()
    movies = catalog.movies["movie_id"].to_numpy()
    rows = np.searchsorted(users, published["user_id"])
    cols = np.searchsorted(movies, published["movie_id"])
    expected = predictor.predict(rows, cols).numpy()
    np.testing.assert_allclose(published["predicted_rating"], expected, atol=1e-5)
    predictor.bind(catalog)  # without the history: the towers alone, which differ
    assert not np.allclose(predictor.predict(rows, cols).numpy(), expected, atol=1e-5)
    # recdb.predict reads the users' ratings itself
    few = slice(0, 20)
    found = predict_pairs(
        settings,
        published["user_id"][few].tolist(),
        published["movie_id"][few].tolist(),
        model_id=result.model_id,
    )
    np.testing.assert_allclose(found["predicted_rating"].to_numpy(), expected[few], atol=1e-5)
    # a refit keeps its evaluated model's α, with W fitted on every rating it trains on
    refit = refit_model(settings, result.model_id)
    assert refit.rating_blend == 4.0
    assert load_checkpoint(refit.checkpoint_path)["state_dict"]["rating_item.weights"].numel() > 0


@pytest.mark.slow
def test_the_alpha_grid_equals_the_predictors_own_ratings(tiny_settings: Settings) -> None:
    """α is chosen from one pass (clip(base + α·c)); each α's figure must be the Predictor's own."""
    from recdb.training.data import prepare_data
    from recdb.training.loop import bound_predictor
    from recdb.training.metrics import rating_errors
    from recdb.training.ratingterm import choose_rating_blend, fit_rating_term
    from recdb.training.splits import load_split_ratings

    settings = with_sections(tiny_settings, train={"epochs": 1})
    result = train_model(settings)
    with open_db(settings.database) as con:
        data = prepare_data(load_catalog(con), load_split_ratings(con, result.split_id), settings.features)
    model, _ = model_from_checkpoint(load_checkpoint(result.checkpoint_path))
    cpu = torch.device("cpu")
    assert fit_rating_term(model, data, settings.train, cpu, ["train"]) is not None
    tried = choose_rating_blend(model, data, [0.0, 2.0, 30.0], cpu)
    valid = data.parts["valid"]
    for alpha in (0.0, 2.0, 30.0):
        model.rating_item.blend.fill_(alpha)
        predictor = bound_predictor(model, data, cpu, ["train"])
        own = rating_errors(predictor.predict(valid.users.numpy(), valid.movies.numpy()), valid.ratings)
        assert tried[alpha]["rmse"] == pytest.approx(own["rmse"], abs=1e-6), alpha
        assert tried[alpha]["mae"] == pytest.approx(own["mae"], abs=1e-6), alpha
    assert tried[30.0] != tried[0.0]
    # an old checkpoint (written before the term) loads with it off
    state = load_checkpoint(result.checkpoint_path)
    for name in ("movies", "weights", "blend"):
        state["state_dict"].pop(f"rating_item.{name}")
    old, _ = model_from_checkpoint(state)
    assert float(old.rating_item.blend) == 0.0 and old.rating_item.bind(torch.tensor([1, 2])) is None
