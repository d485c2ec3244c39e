"""recdb.scoring: score every user against every movie, publish top-k lists to DuckDB, serve consumers.

``score_all`` is imported lazily so that ``import recdb.scoring`` (e.g. by the CLI) does not load torch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from recdb.scoring.job import ScoreResult, score_all

__all__ = ["ScoreResult", "score_all"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from recdb.scoring import job

        return getattr(job, name)
    raise AttributeError(name)
