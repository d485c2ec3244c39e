"""Fixtures for the evaluation tests (helpers live in eval_support.py, imported by name)."""

from __future__ import annotations

import polars as pl
import pytest
from eval_support import make_catalog, random_ratings

from recdb.predictor import Catalog


@pytest.fixture
def tiny_catalog() -> Catalog:
    return make_catalog(40, 30)


@pytest.fixture
def tiny_ratings() -> pl.DataFrame:
    return random_ratings(40, 30, 0.4)
