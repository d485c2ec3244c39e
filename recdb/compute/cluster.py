"""Joining or starting the Ray cluster for one job. The only module that imports ``ray`` first.

``compute.ray_address`` unset starts a local cluster (``workers`` × ``cpus_per_worker`` CPUs) for the
job and stops it afterwards; ``auto`` or ``ray://host:port`` joins a running one. A process that already
called ``ray.init`` (a test session, a notebook) keeps its cluster.
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
    try:
        yield ray
    finally:
        ray.shutdown()
