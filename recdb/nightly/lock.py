"""The job lock: one recdb job at a time on a database, taken with ``flock`` on ``<db>.lock``.

Why ``flock`` on an open file rather than "create the file if absent": the kernel releases a ``flock``
when the process that holds it dies, however it dies (``kill -9`` included), so a crashed nightly can
never wedge the next one. The file itself is never deleted (deleting a lock file races with a process
that opened it just before), only emptied on a clean release; a file that still holds a record when the
lock is taken was therefore left by a process that died, and the taker logs that it took it over.

The file holds one JSON object naming the holder, ``{pid, host, started_at, command}``, so a second job
can say who is running and ``recdb status`` can show it without touching the lock.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import logging
import os
import socket
import stat
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from recdb.errors import BusyError, JobFailedError
from recdb.settings import DatabaseSettings, Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LockHolder:
    """Who holds (or last held) the lock, as recorded in the lock file."""

    pid: int
    host: str
    started_at: str
    command: str

    def alive(self) -> bool | None:
        """Whether the recorded process still runs: None when it runs on another host (unknowable here)."""
        if self.host != socket.gethostname():
            return None
        return pid_alive(self.pid)

    def describe(self) -> str:
        return f"`{self.command}` (pid {self.pid} on {self.host}, started {self.started_at})"

    def as_dict(self) -> dict[str, Any]:
        return {"pid": self.pid, "host": self.host, "started_at": self.started_at, "command": self.command}


def lock_path(database: DatabaseSettings) -> Path:
    """The lock file beside the database: ``recdb.duckdb`` → ``recdb.duckdb.lock``."""
    return database.path.with_name(database.path.name + ".lock")


def pid_alive(pid: int) -> bool:
    """True when a process with this pid exists on this host (signal 0 checks without sending)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by another user
        return True
    return True


def read_holder(path: Path) -> LockHolder | None:
    """The record in a lock file, or None when the file is absent, empty (released) or unreadable.

    A symlink or anything else that is not a plain file is not read (its target could be any file the
    caller may read): it yields a record saying so, which ``recdb status`` shows instead of "free".
    """
    try:
        # O_NONBLOCK: opening a FIFO planted there must not hang `recdb status`.
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return _refused_holder(path)
        return None
    try:
        if _unsafe(os.fstat(fd)):
            return _refused_holder(path)
        return _parse_holder(_read_fd(fd).strip())
    except OSError:
        return None
    finally:
        os.close(fd)


def _unsafe(st: os.stat_result) -> bool:
    """A lock file recdb must not write: not a regular file, or a hard link to another file."""
    return not stat.S_ISREG(st.st_mode) or st.st_nlink > 1


def _refused_holder(path: Path) -> LockHolder:
    return LockHolder(
        pid=-1, host="?", started_at="?", command=f"lock file {path} is not a regular file: not read"
    )


def _parse_holder(text: str) -> LockHolder | None:
    if not text:
        return None
    try:
        data = json.loads(text)
        return LockHolder(int(data["pid"]), str(data["host"]), str(data["started_at"]), str(data["command"]))
    except (ValueError, KeyError, TypeError):
        return LockHolder(pid=-1, host="?", started_at="?", command=f"unreadable lock record {text[:60]!r}")


# Locks this process holds, by resolved path: a nested job_lock on the same database is a no-op, so a
# library function may take the lock although the nightly job that calls it already holds it.
_HELD: dict[Path, LockHolder] = {}


@contextlib.contextmanager
def job_lock(settings: Settings | DatabaseSettings, command: str) -> Iterator[LockHolder]:
    """Hold the database's job lock for the block, or raise :class:`BusyError` at once if another job has it.

    ``command`` names the job in the lock record (e.g. ``"nightly"``, ``"load"``). Use it around every
    command that writes to the database for more than a moment, so a manual ``recdb load`` cannot
    interleave with a nightly run. Re-entrant within a process (a nested call yields the outer
    holder), so it may wrap library functions that the nightly job also calls::

        with job_lock(settings, "load"):
            load_dataset(settings, path)
    """
    database = settings.database if isinstance(settings, Settings) else settings
    path = lock_path(database)
    key = path.resolve()
    if key in _HELD:  # re-entrant: nightly holds it and calls a stage that also asks for it
        yield _HELD[key]
        return
    fd = _open_lock_file(path)
    try:
        _acquire(fd, path)
        previous = _parse_holder(_read_fd(fd))
        if previous is not None:
            _log_takeover(path, previous)
        holder = LockHolder(
            pid=os.getpid(),
            host=socket.gethostname(),
            started_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            command=command,
        )
        _write_fd(fd, json.dumps(holder.as_dict()) + "\n")
        log.debug("took the job lock %s for %s", path, command)
        _HELD[key] = holder
        try:
            yield holder
        finally:
            del _HELD[key]
            # Empty the record before releasing, so the next taker knows this exit was clean.
            with contextlib.suppress(OSError):
                _write_fd(fd, "")
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _open_lock_file(path: Path) -> int:
    """Open (or create) the lock file, refusing a symlink or anything but a plain file of its own.

    The job writes its record into the file and empties it on release: followed through a symlink
    (or a hard link) planted beside the database, that would empty and overwrite an arbitrary file.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # O_CLOEXEC: a program the job execs must not inherit (and so keep holding) the lock.
        # O_NOFOLLOW: a symlink fails with ELOOP instead of opening its target.
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW | os.O_NONBLOCK, 0o644)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise JobFailedError(_refusal(path, "is a symbolic link")) from None
        raise JobFailedError(
            f"cannot open the job lock file {path}: {exc.strerror} "
            "(the folder of database.path must be writable by the job)"
        ) from None
    st = os.fstat(fd)
    if _unsafe(st):
        os.close(fd)
        what = "is not a regular file" if not stat.S_ISREG(st.st_mode) else "has other hard links"
        raise JobFailedError(_refusal(path, what))
    return fd


def _refusal(path: Path, what: str) -> str:
    return f"refusing the job lock file {path}: it {what}; remove it (recdb creates a plain file there)"


def _acquire(fd: int, path: Path) -> None:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            raise JobFailedError(f"cannot lock {path}: {exc.strerror}") from None
        holder = _parse_holder(_read_fd(fd))
        raise BusyError(_busy_message(path, holder)) from None


def _busy_message(path: Path, holder: LockHolder | None) -> str:
    if holder is None:
        return f"another recdb job holds the lock {path} (it has not written its record yet); try again later"
    message = f"another recdb job is running: {holder.describe()}; lock file {path}"
    if holder.alive() is False:
        # The recorded process is gone yet the lock is held: a child it forked still has the file open.
        message += f" (pid {holder.pid} has exited, but a process it started still holds the lock)"
    return message


def _log_takeover(path: Path, previous: LockHolder) -> None:
    # alive() is True only if the pid was reused by an unrelated process since (the lock was free).
    state = {True: "pid reused since", False: "no longer running", None: "on another host"}
    log.warning(
        "found a stale lock file %s from %s, %s: it died without releasing the lock; taking it over",
        path,
        previous.describe(),
        state[previous.alive()],
    )


def _read_fd(fd: int) -> str:
    os.lseek(fd, 0, os.SEEK_SET)
    chunks = []
    while chunk := os.read(fd, 4096):
        chunks.append(chunk)
    return b"".join(chunks).decode("utf-8", errors="replace")


def _write_fd(fd: int, text: str) -> None:
    os.ftruncate(fd, 0)
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, text.encode("utf-8"))
    os.fsync(fd)


def command_line() -> str:
    """The running command, for lock records and run rows: ``recdb nightly --force``."""
    argv = [Path(sys.argv[0]).name, *sys.argv[1:]] if sys.argv and sys.argv[0] else ["python"]
    return " ".join(argv)
