"""The scratch folder a load unpacks a zip into, kept beside the database so leftovers get cleaned.

A load killed with -9 cannot remove its own scratch folder, and one in the system temp folder stays there
(tens of MB per release) until someone notices. So the folder lives in ``<database>.load/`` next to the
database file, named ``<pid>-<random>``: every later load of that database (which holds the job lock)
first removes the folders whose process is gone. A folder whose process still runs is left alone, so a
library caller loading without the lock never loses its files under it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from recdb.errors import ConfigError
from recdb.nightly.lock import pid_alive

log = logging.getLogger(__name__)


def scratch_root(db_path: Path) -> Path:
    """The folder holding every load's scratch folder for the database at ``db_path``."""
    return db_path.parent / f"{db_path.name}.load"


@contextmanager
def load_workdir(db_path: Path) -> Iterator[Path]:
    """A fresh scratch folder for one load, removed afterwards; leftovers of dead loads are removed first."""
    root = scratch_root(db_path)
    if root.is_symlink() or (root.exists() and not root.is_dir()):
        # Cleaning leftovers deletes what is inside: never through a link someone put there.
        raise ConfigError(
            f"{root} is not a folder recdb made (a symbolic link or a file): remove it; loads unpack "
            "zips there (beside database.path)"
        )
    remove_leftovers(root)
    root.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=root))
    try:
        yield workdir
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        with contextlib.suppress(OSError):  # only when empty: another live load's folder keeps it
            root.rmdir()


def remove_leftovers(root: Path) -> None:
    """Remove the scratch folders under ``root`` whose load process no longer runs."""
    if not root.is_dir():
        return
    for entry in root.iterdir():
        pid = _owner(entry.name)
        if pid is not None and (pid == os.getpid() or pid_alive(pid)):
            continue
        log.info("removing %s, left by a load that did not finish (process %s is gone)", entry, pid)
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)


def _owner(name: str) -> int | None:
    head = name.split("-", 1)[0]
    return int(head) if head.isdigit() else None
