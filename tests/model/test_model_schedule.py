"""The learning-rate schedule: cosine from the base rate to min_fraction × it over the epochs."""

from __future__ import annotations

from itertools import pairwise

import pytest

from recdb.training.loop import epoch_learning_rate


def test_cosine_schedule_ends_at_the_floor_and_never_rises() -> None:
    rates = [epoch_learning_rate(0.03, e, 8, "cosine", 0.1) for e in range(1, 9)]
    assert rates[0] == pytest.approx(0.03) and rates[-1] == pytest.approx(0.003)
    assert all(a > b for a, b in pairwise(rates))


def test_constant_schedule_and_single_epoch() -> None:
    assert epoch_learning_rate(0.01, 5, 8, "constant", 0.1) == 0.01
    assert epoch_learning_rate(0.01, 1, 1, "cosine", 0.1) == 0.01
