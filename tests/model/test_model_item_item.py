"""The hybrid's item-item term w · (x_u · B): its formula, cold users and new movies, checkpoints, and
that scoring, evaluation and training all get it through the Predictor contract (Catalog.rated)."""

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
from recdb.ranking import MovieSets, mask_rated, top_k
from recdb.scoring.inputs import rated_csr
from recdb.settings import Settings
from recdb.training.checkpoint import load_checkpoint, model_from_checkpoint
from recdb.training.predictor import CatalogTensors, NetworkPredictor
from recdb.training.registry import load_predictor
from recdb.training.trainer import train_model
from tests.settings_support import tiny_model_config, with_sections

SIZES = {
    "n_users": 4,
    "n_movies": 5,
    "n_gender": 3,
    "n_age": 3,
    "n_occupation": 3,
    "n_genres": 4,
    "n_words": 6,
}


def _tiny_hybrid() -> torch.nn.Module:
    torch.manual_seed(0)
    return build_model(ModelConfig.from_parts("hybrid", tiny_model_config(), SIZES), 3.5)


def _catalog_tensors() -> CatalogTensors:
    """3 users (the last one cold: unknown id) × 5 movies; movie column 4 is new (unknown id 0)."""
    return CatalogTensors(
        users=torch.tensor([[1, 1, 1, 2], [2, 2, 1, 0], [0, 1, 2, 1]]),
        movie_ids=torch.tensor([1, 2, 3, 4, 0]),
        genres=torch.tensor([[1, 2], [2, 0], [3, 0], [1, 3], [2, 0]]),
        titles=torch.tensor([[2, 3, 0], [4, 0, 0], [5, 2, 0], [3, 0, 0], [4, 5, 0]]),
    )


def _predictor(model: torch.nn.Module, history: MovieSets | None) -> NetworkPredictor:
    predictor = NetworkPredictor(model, None, "hybrid", (1.0, 5.0))  # type: ignore[arg-type]
    predictor.bind_encoded(_catalog_tensors(), history)
    return predictor


def test_term_adds_w_times_history_times_b_and_leaves_cold_users_and_new_movies_alone() -> None:
    model = _tiny_hybrid()
    b = torch.arange(9, dtype=torch.float32).reshape(3, 3) / 10  # over movie-vocabulary rows 1, 3, 4
    model.item_item.set_weights(torch.tensor([1, 3, 4]), b)
    model.item_item.blend.fill_(2.0)
    # user 0 rated columns 0 and 3 (vocab 1 and 4), user 1 column 1 (vocab 2: outside B), user 2 none
    history = MovieSets.from_pairs(np.array([0, 0, 1]), np.array([0, 3, 1]), 3)
    rows = np.arange(3)
    with_term = _predictor(model, history).rank_scores(rows)
    towers = _predictor(model, None).rank_scores(rows)  # no history: the towers alone
    diff = with_term - towers
    expected = torch.zeros(3, 5)
    expected[0, [0, 2, 3]] = 2.0 * (b[0] + b[2])  # columns 0, 2, 3 hold vocab 1, 3, 4 = B's rows 0, 1, 2
    torch.testing.assert_close(diff, expected)
    assert diff[:, 4].abs().max() == 0  # the new movie: features only
    assert diff[2].abs().max() == 0  # the cold user: features only


def test_term_state_round_trips_through_weights_only_load() -> None:
    model = _tiny_hybrid()
    model.item_item.set_weights(torch.tensor([1, 2]), torch.tensor([[0.0, 0.5], [0.25, 0.0]]))
    model.item_item.blend.fill_(3.0)
    buffer = io.BytesIO()
    torch.save({"state_dict": model.state_dict()}, buffer)
    buffer.seek(0)
    state = torch.load(buffer, weights_only=True)
    fresh = _tiny_hybrid()  # an empty B: the load takes the stored shapes
    fresh.load_state_dict(state["state_dict"])
    history = MovieSets.from_pairs(np.array([0, 1]), np.array([0, 1]), 3)
    rows = np.arange(3)
    torch.testing.assert_close(
        _predictor(fresh, history).rank_scores(rows), _predictor(model, history).rank_scores(rows)
    )


@pytest.mark.slow
def test_scoring_evaluation_and_training_rank_with_the_term(tiny_settings: Settings) -> None:
    from recdb.evaluation.runner import evaluate
    from recdb.scoring.job import score_all

    settings = with_sections(tiny_settings, train={"epochs": 1, "item_blend": 8.0})
    result = train_model(settings)
    state = load_checkpoint(result.checkpoint_path)  # weights_only=True inside
    assert float(state["state_dict"]["item_item.blend"]) == 8.0
    assert state["state_dict"]["item_item.weights"].numel() > 0
    # the published lists are the predictor's ranking with every stored rating as the history
    run_id = score_all(settings, k=10).run_id
    with open_db(settings.database) as con:
        catalog = load_catalog(con)
        pairs = con.execute("SELECT user_id, movie_id FROM ratings").fetchnumpy()
        published = con.execute(
            "SELECT list(movie_id ORDER BY rank) FROM recommendations WHERE run_id = ? "
            "GROUP BY user_id ORDER BY user_id",
            [run_id],
        ).fetchall()
        predictor, _ = load_predictor(con, settings, result.model_id)
    rated = rated_csr(catalog, pairs["user_id"], pairs["movie_id"])
    predictor.bind(replace(catalog, rated=rated))
    rows = np.arange(catalog.n_users)
    with_history = predictor.rank_scores(rows)
    scores = with_history.clone()
    mask_rated(scores, rated, rows)
    movie_ids = catalog.movies["movie_id"].to_numpy()
    expected = [movie_ids[top].tolist() for top in top_k(scores, 10)[1].numpy()]
    assert [list(row[0]) for row in published] == expected
    # without the history the scores differ: the term is in the lists
    predictor.bind(catalog)
    assert not torch.equal(predictor.rank_scores(rows), with_history)
    # the evaluation ranks with train+valid as the history, as training's test figures do
    report = evaluate(settings, model_id=result.model_id)
    ours = next(r for r in report.results if r.model_id == result.model_id)
    assert ours.curves.ndcg[9] == pytest.approx(result.test_metrics["ndcg10"], abs=1e-6)


@pytest.mark.slow
def test_checkpoint_without_the_term_loads_with_it_off(tiny_settings: Settings) -> None:
    result = train_model(with_sections(tiny_settings, train={"epochs": 1, "item_blend": 8.0}))
    state = load_checkpoint(result.checkpoint_path)
    for name in ("movies", "weights", "blend"):
        del state["state_dict"][f"item_item.{name}"]  # as written before the term existed
    model, _ = model_from_checkpoint(state)
    assert float(model.item_item.blend) == 0.0 and model.item_item.bind(torch.tensor([1, 2])) is None
