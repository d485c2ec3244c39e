"""One local Ray cluster (2 CPUs) for this package's tests; the engine joins it instead of starting its
own, so each Ray test pays for the cluster's start once. Package scope: the cluster (and its idle
actors' CPU) is gone before the rest of the suite runs."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from types import ModuleType

import pytest


@pytest.fixture(scope="package")
def ray_session() -> Iterator[ModuleType]:
    ray = pytest.importorskip("ray", reason="the ray extra is not installed (pip install 'recdb[ray]')")
    pytest.importorskip("ray.train.torch")
    pytest.importorskip("ray.data")
    started = not ray.is_initialized()
    if started:
        ray.init(num_cpus=2, include_dashboard=False, logging_level=logging.WARNING, log_to_driver=False)
    yield ray
    if started:
        ray.shutdown()
