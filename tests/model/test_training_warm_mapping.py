"""Warm-start mapping (pure functions): old rows move to their new positions, new keys stay fresh."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from recdb.features.encoders import Encoders
from recdb.model.network import ModelConfig
from recdb.model.towers import build_model
from recdb.training.warm import DATA_STATISTICS, KEYED_TABLES, incompatibility, row_map, warm_state_dict
from tests.settings_support import tiny_model_config

CFG = tiny_model_config()

OLD = Encoders(
    user_ids=np.array([10, 20, 30], dtype=np.int64),
    movie_ids=np.array([1, 2, 3, 4], dtype=np.int64),
    gender=["F", "M"],
    age_group=["18-24", "25-34"],
    occupation=["artist", "writer"],
    genres=["Action", "Drama"],
    words=["alpha", "beta", "gamma"],
    title_length=5,
    max_genres=3,
)
# user 10 and movies 1, 3 are gone, user 40 and movie 5 are new; vocabularies gained and lost entries
NEW = Encoders(
    user_ids=np.array([20, 30, 40], dtype=np.int64),
    movie_ids=np.array([2, 4, 5], dtype=np.int64),
    gender=["F", "M"],
    age_group=["18-24", "25-34", "35-44"],
    occupation=["writer", "zookeeper"],
    genres=["Comedy", "Drama"],
    words=["beta", "delta", "gamma"],
    title_length=5,
    max_genres=3,
)


def _models(architecture: str) -> tuple[torch.nn.Module, torch.nn.Module]:
    torch.manual_seed(1)
    old = build_model(ModelConfig.from_parts(architecture, CFG, OLD.sizes), 3.5)
    with torch.no_grad():  # trained-looking weights: nothing left at its init value by accident
        for p in old.parameters():
            p.add_(torch.randn_like(p) * 0.1)
        old.movie.genre.weight[0].zero_()  # padding stays zero, as training keeps it
    torch.manual_seed(2)
    new = build_model(ModelConfig.from_parts(architecture, CFG, NEW.sizes), 3.6)
    return old.eval(), new.eval()


def test_row_map_pairs_kept_keys_and_the_reserved_rows() -> None:
    new_rows, old_rows = row_map(np.array([10, 20, 30]), np.array([20, 30, 40]), 1)
    assert new_rows.tolist() == [0, 1, 2] and old_rows.tolist() == [0, 2, 3]
    new_rows, old_rows = row_map(["alpha", "beta", "gamma"], ["beta", "delta", "gamma"], 2)
    assert new_rows.tolist() == [0, 1, 2, 4] and old_rows.tolist() == [0, 1, 3, 4]
    new_rows, old_rows = row_map([], ["a", "b"], 1)  # an empty vocabulary: only the reserved row
    assert new_rows.tolist() == [0] and old_rows.tolist() == [0]


@pytest.mark.parametrize("architecture", ["hybrid", "paper"])
def test_kept_rows_are_copied_and_new_keys_keep_their_fresh_rows(architecture: str) -> None:
    old, new = _models(architecture)
    fresh = {k: v.clone() for k, v in new.state_dict().items()}
    state, report = warm_state_dict(new.state_dict(), NEW, old.state_dict(), OLD)
    o = old.state_dict()

    users = state["user.id.weight"]
    assert torch.equal(users[1], o["user.id.weight"][2])  # user 20: old row 2 → new row 1
    assert torch.equal(users[2], o["user.id.weight"][3])  # user 30
    assert torch.equal(users[3], fresh["user.id.weight"][3])  # user 40 is new
    assert torch.equal(users[0], o["user.id.weight"][0])  # the unknown row copies as such
    movies = state["movie.id.weight"]
    assert torch.equal(movies[1], o["movie.id.weight"][2]) and torch.equal(movies[2], o["movie.id.weight"][4])
    assert torch.equal(movies[3], fresh["movie.id.weight"][3])  # movie 5 is new
    occupation = state["user.occupation.weight"]
    assert torch.equal(occupation[1], o["user.occupation.weight"][2])  # writer
    assert torch.equal(occupation[2], fresh["user.occupation.weight"][2])  # zookeeper is new
    assert torch.equal(state["user.age.weight"][:3], o["user.age.weight"])
    assert torch.equal(state["user.age.weight"][3], fresh["user.age.weight"][3])
    genres = state["movie.genre.weight"]
    assert torch.equal(genres[2], o["movie.genre.weight"][2])  # Drama
    assert torch.equal(genres[1], fresh["movie.genre.weight"][1])  # Comedy is new
    assert not genres[0].any()  # padding
    words = state["movie.title.words.weight"]
    assert torch.equal(words[:2], o["movie.title.words.weight"][:2])  # padding and out-of-vocabulary
    assert torch.equal(words[2], o["movie.title.words.weight"][3])  # beta
    assert torch.equal(words[4], o["movie.title.words.weight"][4])  # gamma
    assert torch.equal(words[3], fresh["movie.title.words.weight"][3])  # delta is new

    # every other tensor (layers, CNN kernels) is copied: its shape did not change; the global
    # mean rating is the new data's
    others = [k for k in state if k not in KEYED_TABLES and k not in DATA_STATISTICS]
    assert others and all(torch.equal(state[k], o[k]) for k in others)
    assert sorted(report.copied) == sorted(others)
    assert report.fresh == [k for k in state if k in DATA_STATISTICS]
    if architecture == "hybrid":
        assert float(state["global_mean"]) == pytest.approx(3.6)
    assert report.kept_rows["user.id.weight"] == (3, 4)
    assert report.kept_rows["movie.title.words.weight"] == (4, 5)
    # the inputs are not modified
    assert all(torch.equal(new.state_dict()[k], fresh[k]) for k in fresh)


def test_a_warm_started_network_predicts_like_the_old_one_for_kept_users_and_movies() -> None:
    """Same ranking scores; ratings shifted by the change of the global mean (3.5 → 3.6) only."""
    old, new = _models("hybrid")
    state, _ = warm_state_dict(new.state_dict(), NEW, old.state_dict(), OLD)
    new.load_state_dict(state)
    # user 20 (F, 18-24, writer) and movie 4 (Drama, title "beta gamma") in each model's encoding
    old_u, new_u = torch.tensor([[2, 1, 1, 2]]), torch.tensor([[1, 1, 1, 1]])
    old_m = (torch.tensor([4]), torch.tensor([[2, 0, 0]]), torch.tensor([[3, 4, 0, 0, 0]]))
    new_m = (torch.tensor([2]), torch.tensor([[2, 0, 0]]), torch.tensor([[2, 4, 0, 0, 0]]))
    with torch.no_grad():
        old_uv, old_mv = old.user_side(old_u), old.movie_side(*old_m)
        new_uv, new_mv = new.user_side(new_u), new.movie_side(*new_m)
    torch.testing.assert_close(new_uv, old_uv, rtol=0, atol=0)
    torch.testing.assert_close(new_mv, old_mv, rtol=0, atol=0)
    torch.testing.assert_close(new.rank_scores(new_uv, new_mv), old.rank_scores(old_uv, old_mv))
    torch.testing.assert_close(new.rating(new_uv, new_mv), old.rating(old_uv, old_mv) + 0.1)


def test_a_tensor_of_another_shape_stays_fresh() -> None:
    old, new = _models("hybrid")
    old_state = dict(old.state_dict())
    old_state["user_out.bias"] = torch.zeros(3)
    del old_state["movie_out.weight"]
    state, report = warm_state_dict(new.state_dict(), NEW, old_state, OLD)
    assert sorted(report.fresh) == [
        "global_mean", "item_item.blend", "item_item.movies", "item_item.weights",  # refitted after training
        "movie_out.weight", "rating_item.blend", "rating_item.movies", "rating_item.weights",
        "user_out.bias",
    ]  # fmt: skip
    assert torch.equal(state["user_out.bias"], new.state_dict()["user_out.bias"])


def test_incompatibility_names_what_changed() -> None:
    checkpoint = {"architecture": "hybrid", "model_config": dict(CFG)}
    assert incompatibility(checkpoint, "hybrid", dict(CFG)) is None
    assert "architecture is 'hybrid', not 'paper'" in (incompatibility(checkpoint, "paper", dict(CFG)) or "")
    reason = incompatibility(checkpoint, "hybrid", {**CFG, "embed_dim": 16})
    assert reason is not None and "model.embed_dim 4 → 16" in reason
