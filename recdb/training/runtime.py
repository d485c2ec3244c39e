"""Run-time choices for torch: the device, CPU threads and seeding for reproducible training."""

from __future__ import annotations

import random

import numpy as np
import torch

from recdb.errors import ConfigError
from recdb.settings import TrainSettings


def resolve_device(train: TrainSettings) -> torch.device:
    """``train.device``: auto picks CUDA when present, else CPU; an explicit unavailable one is an error."""
    if train.device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if train.device == "cuda" and not torch.cuda.is_available():
        raise ConfigError("train.device is 'cuda' but no CUDA device is available")
    if train.device == "mps" and not torch.backends.mps.is_available():
        raise ConfigError("train.device is 'mps' but MPS is not available")
    return torch.device(train.device)


def seed_everything(seed: int, threads: int | None) -> None:
    """Same seed → same weights, batches and metrics on CPU (CUDA is close but not bit-exact)."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if threads:
        torch.set_num_threads(threads)
