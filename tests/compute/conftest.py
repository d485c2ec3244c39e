"""One local Ray cluster (2 CPUs) for the whole test session; the engine joins it instead of starting
its own, so each Ray test pays for the cluster's start once."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from types import ModuleType

import pytest


@pytest.fixture(scope="session")
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
