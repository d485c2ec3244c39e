"""The same Predictor contract checks for every baseline (and the trained model when training exists)."""

from __future__ import annotations

import pickle
from collections.abc import Callable

import numpy as np
import polars as pl
import pytest
import torch

from recdb.catalog import load_catalog
from recdb.db import open_db
from recdb.evaluation.baselines import all_baselines
from recdb.predictor import Catalog, Predictor
from recdb.settings import Settings, load_settings
from tests.evaluation.eval_support import FakePaper, load_frames, make_catalog, synthetic_frames
from tests.settings_support import with_sections

BASELINES = {b.name: type(b) for b in all_baselines(load_settings().evaluate)}


def check_contract(make: Callable[[], Predictor], catalog: Catalog) -> None:
    """Shapes, dtypes, finiteness, determinism, unknown users/movies, predict/rank_scores consistency,
    and a bound predictor's pickled copy scoring the same."""
    first, second = make(), make()
    for p in (first, second):
        p.bind(catalog)
    rows = np.arange(catalog.n_users)
    scores = first.rank_scores(rows)
    assert scores.shape == (catalog.n_users, catalog.n_movies) and scores.dtype == torch.float32
    assert torch.isfinite(scores).all()
    assert torch.equal(scores, second.rank_scores(rows)), "not deterministic"
    # a user's scores must not depend on who else is in the batch; BLAS may round a row differently
    # by its position in a matrix product, so "the same" means equal up to float32 rounding here
    torch.testing.assert_close(first.rank_scores(rows[::-1].copy())[0], scores[-1], rtol=1e-5, atol=1e-6)
    users = np.repeat(rows, 3)
    movies = np.tile(np.array([0, catalog.n_movies // 2, catalog.n_movies - 1]), catalog.n_users)
    pred = first.predict(users, movies)
    assert pred.shape == (users.size,) and pred.dtype == torch.float32
    assert torch.isfinite(pred).all()
    assert torch.equal(pred, second.predict(users, movies))
    assert first.predict(np.array([], dtype=np.int64), np.array([], dtype=np.int64)).shape == (0,)
    vectors = first.item_vectors()
    assert vectors.ndim == 2 and vectors.shape[0] == catalog.n_movies and vectors.dtype == torch.float32
    assert torch.isfinite(vectors).all() and torch.equal(vectors, second.item_vectors())
    # the Ray engine ships the bound predictor to its actors (recdb.compute.ray_eval) as a pickle
    copy = pickle.loads(pickle.dumps(first))
    assert torch.equal(copy.rank_scores(rows), scores) and torch.equal(copy.predict(users, movies), pred)


def with_unknowns(catalog: Catalog) -> Catalog:
    """The catalogue plus 3 users and 2 movies nobody rated (cold start)."""
    bigger = make_catalog(catalog.n_users + 3, catalog.n_movies + 2, seed=1)
    return Catalog(
        users=pl.concat([catalog.users, bigger.users.tail(3)]),
        movies=pl.concat([catalog.movies, bigger.movies.tail(2)]),
    )


@pytest.mark.parametrize("name", sorted(BASELINES))
def test_baseline_contract(name: str, tiny_catalog: Catalog, tiny_ratings: pl.DataFrame) -> None:
    cls = BASELINES[name]

    def make() -> Predictor:
        model = cls()
        model.fit(tiny_ratings, tiny_catalog)
        return model

    check_contract(make, tiny_catalog)
    check_contract(make, with_unknowns(tiny_catalog))  # bind to a bigger catalogue: refit by position


def test_fake_model_contract(tiny_catalog: Catalog) -> None:
    check_contract(FakePaper, tiny_catalog)


@pytest.mark.slow
def test_trained_model_contract(settings: Settings) -> None:
    """The real model (a tiny `paper` network trained for 2 epochs) passes the same checks."""
    training = pytest.importorskip("recdb.training.registry")
    from recdb.training.trainer import train_model

    tiny = with_sections(settings, train={"epochs": 2}, model={"architecture": "paper"})
    with open_db(tiny.database) as con:
        load_frames(con, *synthetic_frames(60, 40))
    model_id = train_model(tiny).model_id
    with open_db(tiny.database) as con:
        catalog = load_catalog(con)

        def make() -> Predictor:
            predictor, _ = training.load_predictor(con, tiny, model_id)
            return predictor

        check_contract(make, catalog)
        check_contract(make, with_unknowns(catalog))
