"""Fixtures for the evaluation tests (helpers live in tests/evaluation/eval_support.py)."""

from __future__ import annotations

import polars as pl
import pytest

from recdb.predictor import Catalog
from tests.evaluation.eval_support import make_catalog, random_ratings


@pytest.fixture
def tiny_catalog() -> Catalog:
    return make_catalog(40, 30)


@pytest.fixture
def tiny_ratings() -> pl.DataFrame:
    return random_ratings(40, 30, 0.4)
