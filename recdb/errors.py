"""Every exception recdb raises on purpose, and the process exit code each one maps to.

Cron wrappers page on exit codes, so they are defined here once and documented in the README:

====  ==================  ==========================================================
code  name                meaning
====  ==================  ==========================================================
0     OK                  success (also: nothing to do)
1     INTERNAL            an unexpected error: a bug in recdb, with a traceback
2     USAGE               bad command line or configuration (a setting is named)
3     DATA                input data is malformed; the database is unchanged
4     JOB_FAILED          a job ran and failed (training diverged, a contract check)
5     BUSY                another recdb job holds the lock; try again later
6     DATABASE            the database file is corrupt, truncated or not recdb's; nothing was written
====  ==================  ==========================================================
"""

from __future__ import annotations

from enum import IntEnum


def first_line_of(text: str) -> str:
    """The first line of a message, stripped ("" when it has none): error lines must stay one line."""
    stripped = text.strip()
    return stripped.splitlines()[0] if stripped else ""


class ExitCode(IntEnum):
    """Process exit codes; see the module docstring."""

    OK = 0
    INTERNAL = 1
    USAGE = 2
    DATA = 3
    JOB_FAILED = 4
    BUSY = 5
    DATABASE = 6


class RecdbError(Exception):
    """Base class: an error recdb expected and can explain in one line."""

    exit_code: ExitCode = ExitCode.INTERNAL


class ConfigError(RecdbError):
    """A setting or command-line value is invalid; the message names it."""

    exit_code = ExitCode.USAGE


class DataError(RecdbError):
    """Input data is malformed: the message names the file and line (or the offending rows)."""

    exit_code = ExitCode.DATA

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None) -> None:
        where = ""
        if file is not None:
            where = f"{file}:{line}: " if line is not None else f"{file}: "
        super().__init__(f"{where}{message}")
        self.file = file
        self.line = line


class DatasetMismatchError(DataError):
    """The database already holds a different data set and replacing it was not asked for."""


class FetchError(DataError):
    """A release could not be downloaded or failed its checksum."""


class JobFailedError(RecdbError):
    """A job ran but could not finish correctly (e.g. a publish contract check failed)."""

    exit_code = ExitCode.JOB_FAILED


class ContractError(JobFailedError):
    """A published table would break its contract; nothing was published."""


class ModelNotFoundError(ConfigError):
    """No trained model matches the request."""


class BusyError(RecdbError):
    """Another recdb job holds the lock."""

    exit_code = ExitCode.BUSY


class DatabaseError(RecdbError):
    """The database file cannot be used: corrupt, truncated, or another application's (named in the message).

    Its own exit code, so a monitor tells "restore the file from a backup" apart from a bug (1) or a
    failed job (4); recdb wrote nothing to the file.
    """

    exit_code = ExitCode.DATABASE
