"""Retention at the end of a successful nightly: old checkpoints, report folders and evaluation rows.

Without it every night adds a checkpoint, a report folder and ~1,500 ``evaluations`` rows forever.
``nightly.retain_models``, ``nightly.retain_reports`` and ``nightly.retain_evaluations`` keep the newest
N of each (0 keeps all). Never deleted: the checkpoint of the model the published recommendations came
from (``recdb predict`` loads it) and that of the newest ready model (the next score and a warm start
load it). Each deletion is logged. A retention that fails logs a warning and never fails the run: the
new recommendations are already published, and the next night tries again.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from recdb.db import execute, one, open_db, queries, rows
from recdb.nightly.failures import one_line
from recdb.nightly.records import relation_exists, write_session
from recdb.settings import Settings

log = logging.getLogger(__name__)


def apply_retention(settings: Settings, *, run_id: int | None = None) -> None:
    """Apply the three retention settings; logs what it deleted (or why it could not)."""
    extra = {"run_id": run_id} if run_id is not None else {}
    for what, step in (
        ("checkpoints", _old_checkpoints),
        ("report folders", _old_reports),
        ("evaluation rows", _old_evaluations),
    ):
        try:
            step(settings, extra)
        except Exception as exc:  # best effort: the run's work is done and published
            log.warning("retention of old %s failed: %s", what, one_line(exc), extra=extra)


def _old_checkpoints(settings: Settings, extra: dict[str, int]) -> None:
    # Under the job lock no training is writing one: a temp file is what a killed save left behind
    # (garbage whatever retain_models says).
    for tmp in sorted(Path(settings.database.checkpoint_dir).glob("model-*.pt.tmp")):
        tmp.unlink(missing_ok=True)
        log.info("retention: deleted the unfinished checkpoint %s", tmp, extra=extra)
    keep = settings.nightly.retain_models
    q = queries("nightly")
    with open_db(settings.database, migrate=False) as con:
        if keep == 0 or not relation_exists(con, "models"):
            return
        expired = rows(con, q.expired_checkpoints, {"keep": keep})
    deleted: list[int] = []
    for model_id, path in expired:
        Path(path).unlink(missing_ok=True)  # already gone (deleted by hand): just record it
        log.info("retention: deleted model %d's checkpoint %s", model_id, path, extra=extra)
        deleted.append(int(model_id))
    if deleted:
        with write_session(settings) as con:
            execute(con, q.mark_checkpoints_deleted, {"model_ids": deleted})


def _old_reports(settings: Settings, extra: dict[str, int]) -> None:
    keep = settings.nightly.retain_reports
    with open_db(settings.database, migrate=False) as con:
        if keep == 0 or not relation_exists(con, "evaluation_runs"):
            return
        expired = rows(con, queries("nightly").expired_reports, {"keep": keep})
    for eval_id, folder in expired:
        path = Path(folder)
        # Only an evaluation's own folder (eval-NNNN-...), never whatever a bad row might name.
        if path.is_dir() and path.name.startswith(f"eval-{int(eval_id):04d}"):
            shutil.rmtree(path)
            log.info("retention: deleted evaluation %d's report folder %s", eval_id, path, extra=extra)


def _old_evaluations(settings: Settings, extra: dict[str, int]) -> None:
    keep = settings.nightly.retain_evaluations
    q = queries("nightly")
    with write_session(settings) as con:
        if keep == 0 or not relation_exists(con, "evaluations"):
            return
        row = one(con, q.expired_evaluations, {"keep": keep})
        first, last, n = row if row is not None else (None, None, 0)
        if not n:
            return
        execute(con, q.delete_expired_evaluations, {"keep": keep})
    log.info(
        "retention: deleted %d evaluations rows of evaluation runs %d..%d (nightly.retain_evaluations = %d)",
        n,
        first,
        last,
        keep,
        extra=extra,
    )
