"""The ranking losses: the per-user full softmax equals one softmax per rating; the sampled one runs."""

from __future__ import annotations

from types import SimpleNamespace

import torch
from torch.nn import functional as F

from recdb.model.network import ModelConfig
from recdb.model.towers import HybridModel
from recdb.training.data import RatingTensors
from recdb.training.loop import LoopConfig, _rank_loss, _user_softmax_loss
from tests.settings_support import tiny_model_config

SIZES = {"n_users": 6, "n_gender": 3, "n_age": 8, "n_occupation": 22}
SIZES |= {"n_movies": 9, "n_genres": 5, "n_words": 10}
CFG = tiny_model_config()
CONFIG = ModelConfig.from_parts("hybrid", CFG, SIZES)


def _setup() -> tuple[HybridModel, SimpleNamespace, RatingTensors]:
    torch.manual_seed(0)
    model = HybridModel(CONFIG, 3.5)
    users = torch.stack(
        [torch.arange(6), torch.randint(0, 3, (6,)), torch.randint(0, 8, (6,)), torch.randint(0, 22, (6,))], 1
    )
    tensors = SimpleNamespace(
        users=users,
        movie_ids=torch.arange(9),
        genres=torch.randint(0, 5, (9, 3)),
        titles=torch.randint(0, 10, (9, 4)),
    )
    train = RatingTensors(  # sorted by user row, as prepare_data leaves it
        torch.tensor([0, 0, 0, 2, 2, 3, 5, 5, 5, 5]),
        torch.tensor([1, 4, 7, 0, 3, 3, 1, 2, 6, 8]),
        torch.ones(10),
    )
    every = torch.arange(9)  # every movie counts as rated in training here
    return model, SimpleNamespace(tensors=tensors, parts={"train": train}, rated_position=every), train


def test_per_user_full_softmax_equals_per_rating_softmax() -> None:
    model, data, train = _setup()
    t = data.tensors
    mv = model.movie_side(t.movie_ids, t.genres, t.titles)
    chunk = torch.tensor([5, 0, 2, 1])  # user 1 has no ratings: contributes nothing
    cfg = LoopConfig(4, 0.0, 1.0, 4, True, 4.0)
    got = _user_softmax_loss(model, data, chunk, mv, cfg, torch.Generator(), torch.device("cpu"))  # type: ignore[arg-type]
    keep = torch.isin(train.users, chunk)
    logits = model.watch_scores(model.user_side(t.users[train.users[keep]]), mv)
    torch.testing.assert_close(got, F.cross_entropy(logits, train.movies[keep]))


def test_sampled_softmax_masks_accidental_hits() -> None:
    model, data, train = _setup()
    t = data.tensors
    mv = model.movie_side(t.movie_ids, t.genres, t.titles)  # rows = every movie, inverse = identity
    negatives = torch.tensor([1, 2, 3])
    inverse = torch.cat([train.movies, negatives])
    q = torch.full((9,), 1 / 9)
    cfg = LoopConfig(4, 0.0, 1.0, 3, False, 4.0)
    uv = model.user_side(t.users[train.users])
    loss = _rank_loss(model, uv, mv, train.movies, inverse, negatives, q, cfg)
    assert torch.isfinite(loss) and loss > 0
    loss.backward()
