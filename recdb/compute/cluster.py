"""Joining or starting the Ray cluster for one job. The only module that imports ``ray`` first.

``compute.ray_address`` unset starts a local cluster (``workers`` × ``cpus_per_worker`` CPUs) for the
job and stops it afterwards; ``auto`` or ``ray://host:port`` joins a running one. A process that already
called ``ray.init`` (a test session, a notebook) keeps its cluster. Inside :func:`held_for_run` (the
nightly), the cluster the first stage starts serves the later stages and stops when the run ends.
"""

from __future__ import annotations

import importlib
import logging
import math
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

from recdb.errors import ConfigError
from recdb.settings import ComputeSettings

log = logging.getLogger(__name__)

INSTALL_HINT = "pip install 'recdb[ray]'"


def import_ray() -> ModuleType:
    """``ray`` with Train and Data, or ConfigError (exit 2) saying how to install them."""
    try:
        ray = importlib.import_module("ray")
        importlib.import_module("ray.train.torch")
        importlib.import_module("ray.data")
    except ImportError as exc:
        raise ConfigError(
            f"compute.engine = 'ray' needs Ray Train and Ray Data ({exc}); install them with: {INSTALL_HINT}"
        ) from None
    return ray


# One entry per held_for_run in progress: whether a stage started the cluster it holds.
_HELD: list[bool] = []


@contextmanager
def held_for_run(compute: ComputeSettings) -> Iterator[None]:
    """Keep a cluster a stage starts until the block ends (one start per nightly, not per stage). The
    local engine: nothing, and no Ray import."""
    if compute.engine != "ray":
        yield
        return
    _HELD.append(False)
    try:
        yield
    finally:
        if _HELD.pop():
            import_ray().shutdown()


@contextmanager
def ray_cluster(compute: ComputeSettings) -> Iterator[ModuleType]:
    """``ray``, initialised for the job's duration (see the module docstring)."""
    ray = import_ray()
    if ray.is_initialized():
        yield ray
        return
    if compute.ray_address:
        log.info("joining the Ray cluster at %s", compute.ray_address)
        ray.init(address=compute.ray_address, logging_level=logging.WARNING, log_to_driver=False)
    else:
        cpus = max(1, math.ceil(compute.workers * compute.cpus_per_worker))
        gpus = math.ceil(compute.workers * compute.gpus_per_worker)
        log.info("starting a local Ray cluster (%d CPUs, %d GPUs)", cpus, gpus)
        ray.init(
            num_cpus=cpus,
            num_gpus=gpus,
            include_dashboard=False,
            logging_level=logging.WARNING,
            log_to_driver=False,
        )
    if _HELD:
        _HELD[-1] = True  # held_for_run stops it
        yield ray
        return
    try:
        yield ray
    finally:
        ray.shutdown()
