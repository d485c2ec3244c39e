"""recdb.evaluation: metrics, baselines, and ``evaluate()`` which checks the paper's claims.

Exports are lazy (PEP 562) so importing the package does not import torch and matplotlib for the CLI.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from recdb._lazy import lazy_getattr

if TYPE_CHECKING:
    from recdb.evaluation.runner import EvaluationResult, evaluate

__all__ = ["EvaluationResult", "evaluate"]

__getattr__ = lazy_getattr(__name__, dict.fromkeys(__all__, "runner"))
