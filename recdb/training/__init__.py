"""Training: splits, the training loop, checkpoints and the model registry.

``train_model`` and ``TrainResult`` are imported lazily (they pull in torch) so the CLI starts fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from recdb._lazy import lazy_getattr

if TYPE_CHECKING:
    from recdb.training.trainer import TrainResult, train_model

__all__ = ["TrainResult", "train_model"]

__getattr__ = lazy_getattr(__name__, dict.fromkeys(__all__, "trainer"))
