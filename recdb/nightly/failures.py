"""How a failed nightly run is reported: its exit code, a one-line reason, and a hint for cron's reader.

Cron mails stderr, and a person reads it half awake: one line that says which run and stage failed,
why, and, for the environment errors (a full disk, a read-only file), what to do.
"""

from __future__ import annotations

import logging
import signal
from types import FrameType

import duckdb

from recdb.errors import BusyError, ExitCode, JobFailedError, RecdbError, first_line_of
from recdb.nightly import records
from recdb.nightly.lock import command_line
from recdb.nightly.unrecorded import record_unrecorded
from recdb.settings import Settings

log = logging.getLogger(__name__)

# Log records that go to the log file only: on failure cron gets exactly one line on stderr (the CLI's).
FILE_ONLY = {"file_only": True}
# Tries to record a failed run while another process holds the database (each waits for the file).
_RECORD_ATTEMPTS = 3


class StageFailedError(RecdbError):
    """A stage failed: the message names the run and stage; the exit code is the cause's."""

    def __init__(self, message: str, exit_code: ExitCode) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class TerminatedError(JobFailedError):
    """The job was asked to stop (SIGTERM from a cron timeout, systemd, a person)."""


def raise_terminated(signum: int, frame: FrameType | None) -> None:
    """SIGTERM handler: turn the signal into an exception so the run records its end before exiting."""
    raise TerminatedError(f"terminated by {signal.Signals(signum).name}")


def exit_code_for(exc: BaseException) -> tuple[ExitCode, bool]:
    """The documented exit code for a failure, and whether it is a bug (unexpected exception)."""
    if isinstance(exc, BusyError):
        # Inside a run, "busy" is another process holding the database file past the open's retries
        # (a reader at publish time): the run failed and must page (exit 5 means "did nothing").
        return ExitCode.JOB_FAILED, False
    if isinstance(exc, RecdbError):
        code = exc.exit_code
        # A RecdbError without a specific class (e.g. the database cannot be opened) is a job failure.
        return (ExitCode.JOB_FAILED if code == ExitCode.INTERNAL else code), False
    if isinstance(exc, (OSError, duckdb.Error, MemoryError)):
        return ExitCode.JOB_FAILED, False  # the environment: disk full, read-only file, out of memory
    if not isinstance(exc, Exception):  # KeyboardInterrupt, SystemExit
        return ExitCode.JOB_FAILED, False
    return ExitCode.INTERNAL, True


def one_line(exc: BaseException) -> str:
    """The exception as one line: its message's first line, prefixed by the type when not ours."""
    text = first_line_of(str(exc))
    if isinstance(exc, RecdbError):
        return text or type(exc).__name__
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


_HINTS = (
    (
        ("still locked by another process",),
        "a process kept database.path open too long; consumers must close it between queries",
    ),
    (
        ("Permission denied", "Read-only file system"),
        "database.path and its folder must be writable by the job",
    ),
    (
        ("No space left", "File too large", "Disk quota"),
        "free disk space for database.path; the write was rolled back",
    ),
)


def hint(text: str) -> str:
    """What to do about an environment error, appended to the one-line message cron mails.

    None for a checkpoint write: its message names database.checkpoint_dir, whose disk may not be
    the database's.
    """
    if "database.checkpoint_dir" in text:
        return ""
    for needles, advice in _HINTS:
        if any(needle in text for needle in needles):
            return f" ({advice})"
    return ""


def record_failed_run(settings: Settings, run_id: int, code: ExitCode, error: str) -> None:
    """Record run ``run_id`` 'failed' in the database, or beside it (where ``recdb status`` reads it)
    when the database does not take it (a reader holds DuckDB's file lock, the disk is full)."""
    if not _record_in_database(settings, run_id, code, error):
        record_beside_database(settings, run_id, code, error)


def record_beside_database(settings: Settings, run_id: int, code: ExitCode, error: str) -> None:
    """Record the failure in a file beside the database (it could not be written), for ``recdb status``."""
    record_unrecorded(
        settings.database, run_id=run_id, exit_code=int(code), error=error, command=command_line()
    )


def _record_in_database(settings: Settings, run_id: int, code: ExitCode, error: str) -> bool:
    """Record the run 'failed'; False when the database did not take it. A process holding the
    database (a reader that kept it open) gets a few more waits, so the run is not left 'running';
    other errors (disk full) end it at once and the next run marks the run abandoned."""
    if run_id == 0:
        return False  # not even its start is in the database
    for attempt in range(1, _RECORD_ATTEMPTS + 1):
        try:
            records.finish_run(settings, run_id, status="failed", exit_code=int(code), error=error)
            return True
        except Exception as exc:
            if isinstance(exc, BusyError) and attempt < _RECORD_ATTEMPTS:
                log.info("recording the failure: %s; trying again", one_line(exc), extra=FILE_ONLY)
                continue
            log.warning("could not record the failure in the database: %s", one_line(exc), extra=FILE_ONLY)
            return False
    return False
