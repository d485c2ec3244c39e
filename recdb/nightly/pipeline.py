"""``run_nightly``: load → train → score (publishes) → evaluate, under the job lock, every stage recorded.

The run holds the job lock (``<db>.lock``) from start to end, so two nightly runs (or a nightly and a
manual job that also takes the lock) never interleave. It holds DuckDB's read-write connection only
inside the stages' own short transactions and for its one-row records, so consumers can open the file
read-only in between. A process killed at any point leaves its run 'running'; the next run, once it has
the lock, marks it 'abandoned' and starts over; the published recommendations are those of the last
score that committed, because scoring publishes in one transaction.
"""

from __future__ import annotations

import gc
import logging
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import duckdb

from recdb.compute.cluster import held_for_run
from recdb.db import open_db, queries, scalar
from recdb.errors import ExitCode, JobFailedError, RecdbError
from recdb.nightly import records, stages
from recdb.nightly.failures import (
    FILE_ONLY,
    StageFailedError,
    exit_code_for,
    hint,
    one_line,
    raise_terminated,
    record_beside_database,
    record_failed_run,
)
from recdb.nightly.lock import command_line, job_lock
from recdb.nightly.retention import apply_retention
from recdb.nightly.unrecorded import clear_unrecorded
from recdb.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class StageReport:
    """One stage as it ended, as recorded in ``run_stages``."""

    stage: str
    status: str
    seconds: float
    rows: int | None = None
    metrics: dict[str, Any] = field(default_factory=dict)


@dataclass
class NightlyResult:
    """How a nightly run ended (a failed run raises instead)."""

    run_id: int
    status: str  # 'succeeded' | 'skipped'
    message: str
    seconds: float
    load_action: str | None = None
    load_id: int | None = None
    model_id: int | None = None
    score_run_id: int | None = None
    eval_id: int | None = None
    stages: list[StageReport] = field(default_factory=list)
    abandoned_runs: list[int] = field(default_factory=list)
    evaluated_model_id: int | None = None  # the split-trained model (gated, evaluated); model_id serves
    gate: dict[str, Any] | None = None  # the gate's decision (GateDecision.as_dict())
    forward: dict[str, Any] | None = None  # the served lists measured on the newly loaded ratings


def run_nightly(settings: Settings, *, force: bool = False) -> NightlyResult:
    """Run the nightly job once; raises :class:`recdb.errors.BusyError` at once if a job holds the lock.

    ``force`` (or ``nightly.force``) retrains and rescores even when the data did not change.
    Raises a :class:`recdb.errors.RecdbError` whose ``exit_code`` is the documented one when it fails.
    """
    with job_lock(settings, command_line()), _sigterm_raises(), held_for_run(settings.compute):
        return _NightlyRun(settings, force=force or settings.nightly.force).execute()


@contextmanager
def _sigterm_raises() -> Iterator[None]:
    """While the run executes, SIGTERM raises (the run is recorded 'failed', exit 4) instead of killing
    the process silently; kill -9 cannot be caught, and the next run marks that one 'abandoned'."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class _NightlyRun:
    """The state of one run while it executes (its id, what each stage produced)."""

    def __init__(self, settings: Settings, *, force: bool) -> None:
        self.settings = settings
        self.force = force
        self.clock = time.monotonic()
        self.run_id = 0
        self.failed_stage: str | None = None
        self.refused: str | None = None  # the gate's reason when it refused the new model
        self.result = NightlyResult(run_id=0, status="running", message="", seconds=0.0)

    def execute(self) -> NightlyResult:
        try:
            self._begin()
        except Exception as exc:
            # Not even its start reached the database (a reader holds the file): recorded beside it.
            # It exits with the error's own code (5 for busy), as it did before it began.
            code = exc.exit_code if isinstance(exc, RecdbError) else exit_code_for(exc)[0]
            record_beside_database(self.settings, self.run_id, code, one_line(exc))
            raise
        try:
            self._stages()
            if self.result.status == "succeeded":
                apply_retention(self.settings, run_id=self.run_id)
            self.result.seconds = time.monotonic() - self.clock
            self._guard(
                "record the end of the run",
                records.finish_run,
                self.settings,
                self.run_id,
                status=self.result.status,
                exit_code=int(ExitCode.OK),
                error=None,
            )
            clear_unrecorded(self.settings.database)  # a blocked run before this one is history now
        except BaseException as exc:
            failure = self._fail(exc)
            if failure is exc:
                raise
            raise failure from exc
        log.info(
            "nightly run %d %s in %.1f s: %s",
            self.run_id,
            self.result.status,
            self.result.seconds,
            self.result.message,
            extra={"run_id": self.run_id},
        )
        return self.result

    # -- the run's life -----------------------------------------------------------------------------

    def _begin(self) -> None:
        pid, host = os.getpid(), socket.gethostname()
        reason = f"the process died without recording its end (found by pid {pid} on {host})"
        trigger = "interactive" if sys.stdin is not None and sys.stdin.isatty() else "scheduled"
        begun = self._guard(
            "record the start of the run",
            records.begin_run,
            self.settings,
            reason=reason,
            trigger=trigger,
            forced=self.force,
            command=command_line(),
            host=host,
            pid=pid,
        )
        self.run_id = begun.run_id
        for run_id, dead_pid, dead_host in begun.dead_runs:
            log.warning(
                "nightly run %d (pid %d on %s) was left 'running' by a process that died; "
                "marked it 'abandoned'",
                run_id,
                dead_pid,
                dead_host,
            )
        for model_id in begun.dead_models:
            log.warning("model %d was left 'training' by a process that died; marked it 'failed'", model_id)
        self.result.abandoned_runs = [run_id for run_id, _, _ in begun.dead_runs]
        self.result.run_id = self.run_id
        log.info(
            "nightly run %d started (pid %d on %s%s)",
            self.run_id,
            pid,
            host,
            ", forced" if self.force else "",
            extra={"run_id": self.run_id},
        )

    def _stages(self) -> None:
        loaded = self._stage("load", stages.load)
        if loaded.action == "append" and loaded.rows:
            self._forward()
        up_to_date = self._data_state(loaded.action)
        if up_to_date is not None and not self.force:
            self._skip_rest(up_to_date)
            return
        model_id = self._train()
        if self.refused is not None:
            self.failed_stage = "gate"
            raise JobFailedError(self.refused)
        gc.collect()  # give the training tensors back before scoring allocates its own
        self._stage("score", stages.score, model_id=model_id)
        if self.settings.nightly.evaluate:
            # the split-trained model: a refit has no held-out ratings left to be measured on
            evaluated = self.result.evaluated_model_id or model_id
            self._stage("evaluate", stages.evaluate, model_id=evaluated)
        else:
            self._skip_stages(["evaluate"], "nightly.evaluate is off")
        self.result.status = "succeeded"
        self.result.message = (
            f"data {loaded.action}, model {model_id} trained, recommendations published "
            f"(score run {self.result.score_run_id})"
        )

    def _train(self) -> int | None:
        # nightly.warm_start: start from the newest ready model (none yet: a full retrain). Training
        # itself falls back to a full retrain, with a warning, when that model cannot seed this one.
        warm_from = self._warm_start_model() if self.settings.nightly.warm_start else None
        self._stage("train", self._train_gate_refit, warm_start_from=warm_from)
        return self.result.model_id

    def _train_gate_refit(self, settings: Settings, *, warm_start_from: int | None) -> stages.StageOutcome:
        """The train stage: the evaluated model on the split, the gate, then the refit that will serve.

        One ``run_stages`` row (its metrics hold ``gate`` and ``refit``; the gate's own record is the
        ``gate_decisions`` row). A refused model is not refit; the run then fails after this stage.
        """
        outcome = stages.train(settings, warm_start_from=warm_start_from)
        evaluated = outcome.ids.get("model_id")
        if evaluated is None:
            return outcome
        self.result.evaluated_model_id = int(evaluated)
        decision = stages.gate(settings, run_id=self.run_id, model_id=int(evaluated))
        self.result.gate = outcome.metrics["gate"] = decision.as_dict()
        if not decision.publishes:
            self.refused = f"the gate refused model {evaluated}: {decision.reason}"
            return outcome
        if settings.nightly.refit:
            refit = stages.refit(settings, model_id=int(evaluated))
            outcome.metrics["refit"] = refit.metrics
            outcome.ids["model_id"] = refit.ids["model_id"]
        return outcome

    def _forward(self) -> None:
        """Measure the served lists on the new ratings; a measurement never fails the run."""
        try:
            self.result.forward = stages.forward(self.settings, run_id=self.run_id)
        except Exception as exc:
            log.warning("could not measure the served lists on the new ratings: %s", one_line(exc))

    def _skip_rest(self, reason: str) -> None:
        self._skip_stages(["train", "score", "evaluate"], reason)
        self.result.status = "skipped"
        self.result.message = f"{reason}; nothing to do (--force retrains anyway)"

    # -- one stage -----------------------------------------------------------------------------------

    def _stage(self, name: str, fn: Callable[..., stages.StageOutcome], **kwargs: Any) -> stages.StageOutcome:
        """Run one stage between its records. Recording its start or end failing fails this stage too:
        the failure message must know how far the run got (e.g. that score had published)."""
        started = time.monotonic()
        try:
            records.start_stage(self.settings, self.run_id, name)
            log.info("stage %s started", name, extra={"run_id": self.run_id, "stage": name})
            outcome = fn(self.settings, **kwargs)
            self._note_outcome(outcome)  # before its record: score has published even if that fails
            seconds = time.monotonic() - started
            ids = {k: v for k, v in outcome.ids.items() if k in records.RUN_IDS}
            records.finish_stage(
                self.settings,
                self.run_id,
                name,
                status="succeeded",
                seconds=seconds,
                rows=outcome.rows,
                metrics=outcome.metrics,
                ids=ids,
            )
        except BaseException as exc:
            seconds = time.monotonic() - started
            self._guard_quietly(
                records.finish_stage,
                self.settings,
                self.run_id,
                name,
                status="failed",
                seconds=seconds,
                error=one_line(exc),
            )
            self.failed_stage = name
            raise
        self.result.stages.append(StageReport(name, "succeeded", seconds, outcome.rows, outcome.metrics))
        log.info(
            "stage %s succeeded in %.1f s (%s rows)",
            name,
            seconds,
            outcome.rows,
            extra={"run_id": self.run_id, "stage": name, "seconds": round(seconds, 3)},
        )
        return outcome

    def _note_outcome(self, outcome: stages.StageOutcome) -> None:
        if outcome.action is not None:
            self.result.load_action = outcome.action
        for key in ("load_id", "model_id", "score_run_id", "eval_id"):
            if key in outcome.ids:
                setattr(self.result, key, outcome.ids[key])

    def _skip_stages(self, names: list[str], reason: str) -> None:
        records.skip_stages(self.settings, self.run_id, names, reason)
        for name in names:
            self.result.stages.append(StageReport(name, "skipped", 0.0, None, {"skipped": reason}))
            log.info("stage %s skipped: %s", name, reason, extra={"run_id": self.run_id, "stage": name})

    # -- decisions -----------------------------------------------------------------------------------

    def _data_state(self, action: str | None) -> str | None:
        """Record the data the run works on; say why the published recommendations are current, if they are.

        Current means: the load changed nothing, the previous run succeeded (or was itself skipped) on
        this same data, a ready model exists, consumers are being served a published run of this data
        set, and the checkpoints of the served and the ready model are on disk (predict and the next
        score load them: a deleted checkpoint must be retrained, not skipped over every night).
        """
        with records.write_session(self.settings) as con:
            data_load_id = records.newest_load_id(con)
            records.set_run_ids(con, self.run_id, data_load_id=data_load_id)
            previous = records.previous_run(con, self.run_id)
            if action != "unchanged" or previous is None or previous.status not in ("succeeded", "skipped"):
                return None
            if previous.data_load_id != data_load_id:
                return None
            model_id = _ready_model(con)
            if model_id is None or not _has_published(con):
                return None
            missing = records.missing_checkpoints(con, model_id)
        if missing:
            for missing_id, path in missing:
                log.warning(
                    "model %d's checkpoint %s is missing: retraining although the data did not change",
                    missing_id,
                    path,
                    extra={"run_id": self.run_id},
                )
            return None
        return (
            f"data unchanged since nightly run {previous.run_id} (load {data_load_id}); "
            f"model {model_id} and the published recommendations are current"
        )

    def _warm_start_model(self) -> int | None:
        with open_db(self.settings.database, migrate=False) as con:
            return _ready_model(con)

    # -- failure -------------------------------------------------------------------------------------

    def _fail(self, exc: BaseException) -> BaseException:
        """Record the failure and return the exception the CLI should see (one line, right exit code)."""
        code, bug = exit_code_for(exc)
        reraise = bug or not isinstance(exc, Exception)  # Ctrl-C, SystemExit: the CLI handles them
        where = f"stage {self.failed_stage}" if self.failed_stage else "the run"
        message = f"nightly run {self.run_id} failed in {where}: {one_line(exc)}{hint(str(exc))}"
        record_failed_run(self.settings, self.run_id, code, one_line(exc))
        log.error("%s", message, exc_info=bug, extra={"run_id": self.run_id, **FILE_ONLY})
        if reraise:
            return exc  # an unexpected error: the CLI logs its traceback and exits 1
        return StageFailedError(message + self._served_after_failure(), code)

    def _served_after_failure(self) -> str:
        """What consumers see now, from what the run got done (not from where it failed)."""
        if self.result.score_run_id is not None:
            return f" (the new recommendations, score run {self.result.score_run_id}, were published)"
        if self.result.load_action == "replace":
            return " (the data set was replaced: no recommendations are served until a run publishes)"
        if not self._serving():
            return " (no recommendations are published yet)"
        return " (the previously published recommendations are still served)"

    def _serving(self) -> bool:
        """Whether consumers are served a run of the current data. When the database cannot be read
        (disk full, a reader holds it) the answer is yes: the line must not announce an outage it
        cannot see."""
        try:
            with open_db(self.settings.database, migrate=False) as con:
                return _has_published(con)
        except Exception:
            return True

    def _guard(self, what: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run a record write; a database that cannot be written is a job failure naming the file."""
        try:
            return fn(*args, **kwargs)
        except (OSError, duckdb.Error, RecdbError) as exc:
            if isinstance(exc, RecdbError) and exc.exit_code != ExitCode.INTERNAL:
                raise
            text = one_line(exc)
            raise JobFailedError(
                f"nightly could not {what} in {self.settings.database.path}: {text}{hint(text)}"
            ) from exc

    def _guard_quietly(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """Best effort while already failing (the disk may be full): the next run marks it abandoned."""
        try:
            fn(*args, **kwargs)
        except Exception as exc:
            log.warning("could not record the failure in the database: %s", one_line(exc), extra=FILE_ONLY)


def _ready_model(con: duckdb.DuckDBPyConnection) -> int | None:
    if not records.relation_exists(con, "models"):
        return None
    model_id = scalar(con, queries("nightly").ready_model)
    return None if model_id is None else int(model_id)


def _has_published(con: duckdb.DuckDBPyConnection) -> bool:
    if not records.relation_exists(con, "latest_run"):
        return False
    return bool(scalar(con, queries("nightly").has_published_recommendations))
