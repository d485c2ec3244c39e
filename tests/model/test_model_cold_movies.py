"""The hybrid's cold-movie term: a new movie's predicted rating from its genres and the user's own
residuals. Its formula (written out here apart from the code), that it leaves known movies and the
list scores alone, that it is off while training and for checkpoints written before it, and that
training, evaluation and scoring all get it through the Predictor contract."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from recdb.model.coldmovies import GENRE_SHRINK, USER_SHRINK
from recdb.ranking import MovieSets
from recdb.settings import Settings
from recdb.training.checkpoint import load_checkpoint, model_from_checkpoint
from recdb.training.trainer import train_model
from tests.model.test_model_item_item import _catalog_tensors
from tests.model.test_model_rating_term import SCALE, _predictor, _tiny_hybrid
from tests.settings_support import with_sections

NEW = 4  # the catalogue column with an unknown movie id (_catalog_tensors)


def _history() -> tuple[MovieSets, np.ndarray]:
    # user 0 rated columns 0, 1 and 3; user 1 columns 2 and 4 (the new movie, rated since training)
    rows, cols = np.array([0, 0, 0, 1, 1]), np.array([0, 1, 3, 2, 4])
    return MovieSets.from_rated(rows, cols, np.array([5.0, 1, 4, 2, 3]), 3)  # type: ignore[return-value]


def _genres_only_ratings(model: torch.nn.Module) -> torch.Tensor:
    """r̂⁰ [3 users, 5 movies]: every movie side built from its genres alone (no id, no title)."""
    t = _catalog_tensors()
    model.eval()
    with torch.no_grad():
        users = model.user_side(t.users)
        movies = model.movie_side(torch.zeros_like(t.movie_ids), t.genres, torch.zeros_like(t.titles))
        out = torch.stack([model.rating(users[[u] * 5], movies) for u in range(3)])
    return out.clamp(*SCALE)


def _expected_offset(r0: torch.Tensor, user: int, rated: dict[int, float], movie: int) -> float:
    """c_u + Σ_g a_ig d_ug by the module docstring's formula, one rating at a time."""
    genres = _catalog_tensors().genres
    weights = {
        col: {int(g): 1.0 / int((genres[col] > 0).sum()) for g in genres[col] if g > 0} for col in range(5)
    }
    e = {col: star - float(r0[user, col]) for col, star in rated.items()}
    c = sum(e.values()) / (len(e) + USER_SHRINK)
    offset = c
    for g, a_new in weights[movie].items():
        spread = sum(weights[col].get(g, 0.0) * (e[col] - c) for col in e)
        mass = sum(weights[col].get(g, 0.0) for col in e)
        offset += a_new * spread / (mass + GENRE_SHRINK)
    return offset


def test_a_new_movie_is_rated_from_its_genres_and_the_user_s_residuals() -> None:
    model = _tiny_hybrid()
    towers = _predictor(model, None, None)
    rows, cols = np.repeat(np.arange(3), 5), np.tile(np.arange(5), 3)
    before = towers.predict(rows, cols).reshape(3, 5)
    history, stars = _history()
    off = _predictor(model, history, stars).predict(rows, cols).reshape(3, 5)
    torch.testing.assert_close(off, before)  # a fresh network has the term off
    model.cold_movies.switch_on()
    predictor = _predictor(model, history, stars)
    got = predictor.predict(rows, cols).reshape(3, 5)
    r0 = _genres_only_ratings(model)
    rated = {0: {0: 5.0, 1: 1.0, 3: 4.0}, 1: {2: 2.0, NEW: 3.0}}
    for user in (0, 1):
        want = float(r0[user, NEW]) + _expected_offset(r0, user, rated[user], NEW)
        assert float(got[user, NEW]) == pytest.approx(min(max(want, 1.0), 5.0), abs=1e-5)
    # a user without history gets the genres-only rating; known movies keep the towers' rating
    assert float(got[2, NEW]) == pytest.approx(float(r0[2, NEW]), abs=1e-6)
    torch.testing.assert_close(got[:, :NEW], before[:, :NEW])
    assert float(got[0, NEW]) != pytest.approx(float(before[0, NEW]), abs=1e-4)
    # any order and repetition of pairs gives the same figures
    order = np.array([14, 4, 9, 4, 0])
    torch.testing.assert_close(predictor.predict(rows[order], cols[order]), got.reshape(-1)[order])
    # lists are the features' (the towers'), and without stars there are no residuals: towers alone
    torch.testing.assert_close(predictor.rank_scores(np.arange(3)), towers.rank_scores(np.arange(3)))
    torch.testing.assert_close(_predictor(model, history, None).predict(rows, cols), before.reshape(-1))


@pytest.mark.slow
def test_training_evaluation_and_scoring_rate_cold_movies_with_the_term(tiny_settings: Settings) -> None:
    from dataclasses import replace

    from recdb.catalog import load_catalog
    from recdb.db import open_db
    from recdb.evaluation.runner import evaluate
    from recdb.scoring.inputs import rated_with_stars
    from recdb.scoring.job import score_all
    from recdb.training.data import prepare_data
    from recdb.training.loop import bound_predictor
    from recdb.training.metrics import rating_errors
    from recdb.training.registry import load_predictor
    from recdb.training.splits import load_split_ratings

    settings = with_sections(tiny_settings, train={"epochs": 1, "split": "cold_movies"})
    result = train_model(settings)
    state = load_checkpoint(result.checkpoint_path)
    assert float(state["state_dict"]["cold_movies.active"]) == 1.0
    model, _ = model_from_checkpoint(state)
    old = {**state, "state_dict": {k: v for k, v in state["state_dict"].items() if k != "cold_movies.active"}}
    assert not model_from_checkpoint(old)[0].cold_movies.is_on()  # written before the term: off
    with open_db(settings.database) as con:
        data = prepare_data(load_catalog(con), load_split_ratings(con, result.split_id), settings.features)
    test = data.parts["test"]
    assert bool((data.tensors.movie_ids[test.movies] == 0).all())  # the test part is cold movies only
    cpu = torch.device("cpu")

    def test_mae() -> float:
        predictor = bound_predictor(model, data, cpu, ["train", "valid"])
        return rating_errors(predictor.predict(test.users.numpy(), test.movies.numpy()), test.ratings)["mae"]

    assert result.test_metrics["mae"] == pytest.approx(test_mae(), abs=1e-6)
    # the evaluation reports training's figure: it binds the same predictor with train + valid
    report = evaluate(settings, model_id=result.model_id)
    ours = next(r for r in report.results if r.model_id == result.model_id)
    assert ours.mae == pytest.approx(result.test_metrics["mae"], abs=1e-6)
    model.cold_movies.active.zero_()  # the towers alone rate the cold movies otherwise
    assert test_mae() != pytest.approx(result.test_metrics["mae"], abs=1e-4)
    # scoring publishes the predictor's ratings, every stored rating as the history
    run_id = score_all(settings, k=50).run_id
    with open_db(settings.database) as con:
        catalog = load_catalog(con)
        pairs = con.execute("SELECT user_id, movie_id, rating FROM ratings").fetchnumpy()
        published = con.execute(
            "SELECT user_id, movie_id, predicted_rating FROM recommendations WHERE run_id = ?", [run_id]
        ).fetchnumpy()
        predictor, _ = load_predictor(con, settings, result.model_id)
    rated, stars = rated_with_stars(catalog, pairs["user_id"], pairs["movie_id"], pairs["rating"])
    predictor.bind(replace(catalog, rated=rated, rated_ratings=stars))
    rows = np.searchsorted(catalog.users["user_id"].to_numpy(), published["user_id"])
    cols = np.searchsorted(catalog.movies["movie_id"].to_numpy(), published["movie_id"])
    np.testing.assert_allclose(
        published["predicted_rating"], predictor.predict(rows, cols).numpy(), atol=1e-5
    )
