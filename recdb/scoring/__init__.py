"""recdb.scoring: score every user against every movie, publish top-k lists to DuckDB, serve consumers.

``score_all`` is imported lazily so that ``import recdb.scoring`` (e.g. by the CLI) does not load torch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from recdb._lazy import lazy_getattr

if TYPE_CHECKING:
    from recdb.scoring.job import ScoreResult, score_all

__all__ = ["ScoreResult", "score_all"]

__getattr__ = lazy_getattr(__name__, dict.fromkeys(__all__, "job"))
