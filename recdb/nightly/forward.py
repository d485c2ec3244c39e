"""Forward figures: how the served lists did on the ratings that arrived after they were scored.

Each nightly that loads new ratings measures the lists consumers were being served (``served_run``)
against the ratings of the loads after that score run's load: hit rate and precision@k of the served
top 10 on the new ratings >= ``evaluate.relevance_threshold``, and the same for a popularity list as
a yardstick (sql/nightly/forward.sql defines both precisely). No split chose these figures.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from recdb.db import execute, one, open_db, queries, transaction
from recdb.settings import Settings

log = logging.getLogger(__name__)

#: The served list length measured (the top 10 of each list, or the whole list if shorter).
FORWARD_K = 10


def measure_forward(settings: Settings, *, run_id: int) -> dict[str, Any] | None:
    """Measure the served lists on the newer loads and record it; None when there is nothing to measure."""
    started = time.monotonic()
    q = queries("nightly")
    with open_db(settings.database, migrate=False) as con, transaction(con):
        served = one(con, q.forward_served)
        if served is None or served[1] is None or served[3] is None or int(served[3]) <= int(served[1]):
            return None
        score_run_id, after, k, through = int(served[0]), int(served[1]), int(served[2]), int(served[3])
        params = {
            "score_run_id": score_run_id,
            "after_load_id": after,
            "through_load_id": through,
            "k": min(FORWARD_K, k),
            "threshold": settings.evaluate.relevance_threshold,
        }
        row = one(con, q.forward_measure, params)
        assert row is not None  # an aggregate returns one row
        names = ["users", "new_ratings", "hit_rate", "precision_at_k", "pop_hit_rate", "pop_precision_at_k"]
        figures: dict[str, Any] = dict(zip(names, row, strict=True))
        figures["users"], figures["new_ratings"] = (
            int(figures["users"] or 0),
            int(figures["new_ratings"] or 0),
        )
        record = {"run_id": run_id, **params, **figures, "seconds": time.monotonic() - started}
        execute(con, q.insert_forward_measure, record)
    log.info(
        "forward: score run %d on %d new ratings of %d users: hit rate %s (popularity %s)",
        score_run_id, figures["new_ratings"], figures["users"],
        _pct(figures["hit_rate"]), _pct(figures["pop_hit_rate"]), extra={"run_id": run_id},
    )  # fmt: skip
    return record


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"
