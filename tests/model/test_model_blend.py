"""The list blend (γ, and the item-item term's w): chosen on validation after training, or fixed;
stored in the checkpoint."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from recdb.catalog import load_catalog
from recdb.db import open_db
from recdb.settings import Settings
from recdb.training.checkpoint import load_checkpoint, model_from_checkpoint
from recdb.training.registry import load_predictor
from recdb.training.trainer import train_model
from tests.settings_support import with_sections

pytestmark = pytest.mark.slow


def test_auto_blend_picks_the_best_valid_gamma(
    demo_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    settings = with_sections(
        demo_settings,
        train={"rank_blend": "auto", "rank_blend_grid": [0.0, 0.5, 3.0], "item_blend_grid": [0.0, 4.0]},
    )
    with caplog.at_level("INFO", logger="recdb.training.blend"):
        result = train_model(settings)
    assert result.rank_blend in (0.0, 0.5, 3.0) and result.item_blend in (0.0, 4.0)
    line = next(r.getMessage() for r in caplog.records if r.getMessage().startswith("list blend"))
    tried = dict(part.split(": ") for part in line.split("(valid NDCG@10 ")[1].rstrip(")").split(", "))
    assert len(tried) == 6, line  # every (γ, w) of the grids
    best = max(tried.values(), key=float)
    assert tried[f"{result.rank_blend:g}/{result.item_blend:g}"] == best, line
    # the models row's valid NDCG@10 is that of the lists the model publishes (with γ)
    assert result.valid_metrics["ndcg10"] == pytest.approx(float(best), abs=5e-5)
    state = load_checkpoint(result.checkpoint_path)
    assert float(state["state_dict"]["rank_blend"]) == result.rank_blend
    with open_db(settings.database) as con:  # and analysts see it in the models table
        row = con.execute("SELECT rank_blend FROM models WHERE model_id = ?", [result.model_id]).fetchall()
    assert row == [(result.rank_blend,)]


def test_fixed_blend_is_used_by_the_predictor(demo_settings: Settings) -> None:
    plain = train_model(with_sections(demo_settings, train={"rank_blend": 0.0}))
    blended = train_model(with_sections(demo_settings, train={"rank_blend": 2.0}))
    assert plain.rank_blend == 0.0 and blended.rank_blend == 2.0
    assert blended.valid_metrics["mae"] == plain.valid_metrics["mae"]  # γ only changes the lists
    with open_db(demo_settings.database) as con:
        catalog = load_catalog(con)
        a, _ = load_predictor(con, demo_settings, plain.model_id)
        b, _ = load_predictor(con, demo_settings, blended.model_id)
    a.bind(catalog)
    b.bind(catalog)
    rows = np.arange(catalog.n_users)
    # same weights (same seed, γ is set after training), so the difference is γ × the rating term
    diff = b.rank_scores(rows) - a.rank_scores(rows)
    assert float(diff.abs().max()) > 0.0


def test_checkpoint_without_rank_blend_loads_as_gamma_zero(demo_settings: Settings) -> None:
    result = train_model(with_sections(demo_settings, train={"rank_blend": 1.0, "epochs": 1}))
    state = load_checkpoint(result.checkpoint_path)
    del state["state_dict"]["rank_blend"]  # as written before the blend existed
    model, _ = model_from_checkpoint(state)
    assert float(model.rank_blend) == 0.0
    assert torch.equal(model.global_mean, state["state_dict"]["global_mean"])


def test_the_grid_equals_the_predictors_own_scores_at_each_pair(tiny_settings: Settings) -> None:
    """The grid combines three rankings (the score is affine in γ and w); each pair's figure must be
    what the Predictor itself ranks with γ and w set, or the blend would choose on a copy of the formula."""
    from recdb.training.blend import choose_blends
    from recdb.training.data import prepare_data
    from recdb.training.itemitem import fit_term
    from recdb.training.loop import bound_predictor, list_metrics
    from recdb.training.splits import load_split_ratings

    settings = with_sections(tiny_settings, train={"epochs": 1})
    result = train_model(settings)
    with open_db(settings.database) as con:
        data = prepare_data(load_catalog(con), load_split_ratings(con, result.split_id), settings.features)
    model, _ = model_from_checkpoint(load_checkpoint(result.checkpoint_path))
    assert fit_term(model, data, settings.train, ["train"]) is not None
    cpu = torch.device("cpu")
    choice = choose_blends(model, data, [0.0, 0.5, 2.0], [0.0, 3.0], 4.0, cpu)
    assert len(choice.valid) == 6
    for gamma, w in [(0.0, 0.0), (2.0, 0.0), (0.5, 3.0), (2.0, 3.0)]:
        model.rank_blend.fill_(gamma)
        model.item_item.blend.fill_(w)
        own = list_metrics(bound_predictor(model, data, cpu, ["train"]), data, "valid", ["train"], 4.0)
        assert choice.valid[(gamma, w)]["ndcg10"] == pytest.approx(own["ndcg10"], abs=1e-6), (gamma, w)
        assert choice.valid[(gamma, w)]["precision10"] == pytest.approx(own["precision10"], abs=1e-6)
