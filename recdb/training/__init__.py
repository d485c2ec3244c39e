"""Training: splits, the training loop, checkpoints and the model registry.

``train_model`` and ``TrainResult`` are imported lazily (they pull in torch) so the CLI starts fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from recdb.training.trainer import TrainResult, train_model

__all__ = ["TrainResult", "train_model"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from recdb.training import trainer

        return getattr(trainer, name)
    raise AttributeError(name)
