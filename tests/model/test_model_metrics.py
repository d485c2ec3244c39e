"""The training-time top-k metrics on a hand-computed case."""

from __future__ import annotations

import math

import pytest
import torch

from recdb.training.data import RatingTensors
from recdb.training.metrics import rating_errors, topk_metrics


def _ratings(users: list[int], movies: list[int], stars: list[float]) -> RatingTensors:
    return RatingTensors(torch.tensor(users), torch.tensor(movies), torch.tensor(stars))


def test_ndcg_and_precision_by_hand() -> None:
    table = torch.tensor([[10.0, 3, 2, 1], [1, 2, 3, 4], [5, 4, 3, 2]])
    seen = _ratings([0], [0], [5.0])
    # user 0: relevant movie 2; user 1: only a 3-star rating (not relevant, left out); user 2: movies 0, 3
    target = _ratings([2, 0, 1, 2], [3, 2, 1, 0], [4.0, 5.0, 3.0, 4.0])
    out = topk_metrics(lambda rows: table[rows], 3, 4, [seen], target, 4.0, k=2)
    d2 = 1 / math.log2(3)
    assert out["users"] == 2
    assert out["ndcg2"] == pytest.approx((d2 / 1.0 + 1.0 / (1.0 + d2)) / 2)
    assert out["precision2"] == pytest.approx(0.5)


def test_rating_errors() -> None:
    out = rating_errors(torch.tensor([3.0, 4.0]), torch.tensor([4.0, 4.0]))
    assert out == {"mae": 0.5, "rmse": pytest.approx(math.sqrt(0.5))}


def test_max_users_averages_over_a_fixed_sample() -> None:
    """metric_users: the same seeded subset every call, and the mean of its users' figures."""
    gen = torch.Generator().manual_seed(1)
    table = torch.rand(40, 12, generator=gen)
    target = _ratings(list(range(40)), [u % 12 for u in range(40)], [5.0] * 40)
    seen = _ratings([0], [1], [3.0])
    full = topk_metrics(lambda rows: table[rows], 40, 12, [seen], target, 4.0, k=3)
    part = topk_metrics(lambda rows: table[rows], 40, 12, [seen], target, 4.0, k=3, max_users=10)
    again = topk_metrics(lambda rows: table[rows], 40, 12, [seen], target, 4.0, k=3, max_users=10)
    assert full["users"] == 40 and part["users"] == 10
    assert part == again
    assert topk_metrics(lambda rows: table[rows], 40, 12, [seen], target, 4.0, k=3, max_users=99) == full
