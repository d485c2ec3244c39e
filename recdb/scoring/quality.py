"""The published lists' quality beyond accuracy, per scoring run (table ``score_run_quality``).

The figures (catalogue coverage, genre diversity in the top 10, novelty as the mean popularity
percentile, overlap@10 with the previous published run) are computed in SQL inside each run's publish
transaction (sql/scoring/quality.sql; the definitions are the table's column comments). Here they are
read back for ``recdb status`` (text, JSON, and the ``nightly.min_list_overlap`` alert) and the
evaluation report's plot over runs.
"""

from __future__ import annotations

from typing import Any

import duckdb
import polars as pl

from recdb.db import frame, queries, records
from recdb.nightly.records import relation_exists

#: The figures of a run, in the order ``recdb status`` shows them, with their labels.
FIGURES = {
    "catalogue_coverage": "coverage",
    "genre_diversity_at_10": "genre diversity@10",
    "novelty_popularity_percentile": "popularity percentile",
    "overlap_at_10": "overlap@10",
}


def run_quality(con: duckdb.DuckDBPyConnection, run_id: int | None) -> dict[str, Any] | None:
    """The run's figures, or None (no run, a run published before they existed, an old database)."""
    if run_id is None or not relation_exists(con, "score_run_quality"):
        return None
    found = records(con, queries("scoring").run_quality, {"run_id": run_id})
    return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in found[0].items()} if found else None


def quality_over_runs(con: duckdb.DuckDBPyConnection, limit: int = 60) -> pl.DataFrame:
    """The newest ``limit`` runs' figures, oldest first; an empty frame on an old database."""
    if not relation_exists(con, "score_run_quality"):
        return pl.DataFrame()
    return frame(con, queries("scoring").quality_over_runs, {"limit": limit})


def quality_alerts(quality: dict[str, Any] | None, min_overlap: float) -> list[str]:
    """The alert of ``recdb status --check`` when the lists changed more than the setting allows."""
    if quality is None or min_overlap <= 0:
        return []
    overlap = quality.get("overlap_at_10")
    if overlap is None or overlap >= min_overlap:
        return []
    return [
        f"the lists changed more than nightly.min_list_overlap allows: overlap@10 of score run "
        f"{quality['run_id']} with run {quality['previous_run_id']} is {overlap:.3f} (< {min_overlap:g}) "
        f"over {quality['users_compared']} users"
    ]


def format_quality(quality: dict[str, Any] | None) -> list[str]:
    """One line for ``recdb status``: the published run's figures."""
    if quality is None:
        return []
    shown = ", ".join(
        f"{label} {quality[key]:.3f}" for key, label in FIGURES.items() if quality.get(key) is not None
    )
    versus = f" (vs run {quality['previous_run_id']})" if quality.get("previous_run_id") is not None else ""
    return [f"lists (run {quality['run_id']}): {shown or 'no figures'}{versus}"]
