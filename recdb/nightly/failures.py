"""How a failed nightly run is reported: its exit code, a one-line reason, and a hint for cron's reader.

Cron mails stderr, and a person reads it half awake: one line that says which run and stage failed,
why, and, for the environment errors (a full disk, a read-only file), what to do.
"""

from __future__ import annotations

import signal
from types import FrameType

import duckdb

from recdb.errors import BusyError, ExitCode, JobFailedError, RecdbError, first_line_of


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
