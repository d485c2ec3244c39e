"""recdb.evaluation: metrics, baselines, and ``evaluate()`` which checks the paper's claims.

Exports are lazy (PEP 562) so importing the package does not import torch and matplotlib for the CLI.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from recdb.evaluation.runner import EvaluationResult, evaluate

__all__ = ["EvaluationResult", "evaluate"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from recdb.evaluation import runner

        return getattr(runner, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
