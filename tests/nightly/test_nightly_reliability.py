"""The database on a read-only file, in a read-only folder, or on a full disk: a clear one-line error,
a documented exit code, the database as it was (or consistent), and a nightly that completes once the
cause is fixed.

The tests run as root in CI, and root ignores file permissions; the read-only cases therefore drop
the capabilities that let root bypass them (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH) in the child
before it runs ``recdb``. The full disk is a 4 MB tmpfs when this process may mount one (root with
CAP_SYS_ADMIN); it is always also simulated with RLIMIT_FSIZE, under which a write past the limit
fails with EFBIG ("File too large"): both make DuckDB's writes fail, at different points.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import resource
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from recdb.db import open_db
from recdb.errors import ExitCode
from recdb.settings import Settings
from tests.nightly.nightly_support import (
    checks,
    fake_nightly_cmd,
    real_stages_missing,
    recdb_cmd,
    snapshot,
    tiny_env,
)

_PR_CAPBSET_DROP = 24
_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH = 1, 2


def _drop_root_file_powers() -> None:
    """preexec_fn: make file permissions apply to this (root) child and what it execs."""
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH):
        if libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            os._exit(99)  # cannot drop: the test skips on this exit code


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _run_restricted(
    settings: Settings, preexec: Callable[[], None], **env: str
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        recdb_cmd("nightly"), env=tiny_env(settings, **env), text=True, capture_output=True, timeout=300,
        preexec_fn=preexec,
    )  # fmt: skip
    if done.returncode == 99:
        pytest.skip("cannot drop root's file capabilities here")
    return done


def _one_line(done: subprocess.CompletedProcess[str]) -> str:
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


@pytest.fixture
def migrated(settings: Settings, migrated_db: Path) -> Iterator[Path]:
    shutil.copyfile(migrated_db, settings.database.path)
    folder = settings.database.path.parent
    yield settings.database.path
    folder.chmod(0o755)
    settings.database.path.chmod(0o644)


def test_read_only_database_file_is_a_clear_error(settings: Settings, migrated: Path) -> None:
    migrated.chmod(0o444)
    before = _sha(migrated)
    done = _run_restricted(settings, _drop_root_file_powers)
    assert done.returncode == ExitCode.JOB_FAILED
    line = _one_line(done)
    assert str(migrated) in line and "Permission denied" in line, line
    assert _sha(migrated) == before


@pytest.mark.parametrize("lock_file_exists", [True, False])
def test_read_only_folder_is_a_clear_error(
    settings: Settings, migrated: Path, lock_file_exists: bool
) -> None:
    if lock_file_exists:
        (migrated.parent / (migrated.name + ".lock")).touch()
    migrated.parent.chmod(0o555)
    before = _sha(migrated)
    done = _run_restricted(settings, _drop_root_file_powers)
    assert done.returncode == ExitCode.JOB_FAILED
    line = _one_line(done)
    assert "Permission denied" in line and str(migrated) in line, line
    assert "must be writable" in line
    assert _sha(migrated) == before


def _limit_file_size(limit: int) -> Callable[[], None]:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


@pytest.fixture
def tiny_tmpfs(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "full"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(
            f"cannot mount a tmpfs here ({done.stderr.decode().strip()}); RLIMIT_FSIZE test covers it"
        )
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def _check_failed_cleanly(settings: Settings, done: subprocess.CompletedProcess[str], reason: str) -> None:
    assert done.returncode == ExitCode.JOB_FAILED, done.stderr
    line = _one_line(done)
    assert line.startswith("recdb: error: nightly ") and reason in line, line
    assert "free disk space for database.path" in line
    assert snapshot(settings.database.path) == {"ratings": 0, "loads": 0, "published_run": None}


def _next_nightly_completes(settings: Settings, env: dict[str, str]) -> None:
    done = subprocess.run(
        recdb_cmd("nightly"), env=tiny_env(settings, **env), text=True, capture_output=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    assert snapshot(settings.database.path)["published_run"] is not None
    with open_db(settings.database, read_only=True) as con:
        runs = con.execute(checks()["run_rows"]).fetchall()
    assert [r[1] for r in runs] in (["failed", "succeeded"], ["abandoned", "succeeded"])


@pytest.mark.slow
def test_full_disk_tmpfs(settings: Settings, migrated_db: Path, tiny_tmpfs: Path, tmp_path: Path) -> None:
    if real_stages_missing():
        pytest.skip(real_stages_missing() or "")
    from recdb.ingest.demo import generate_demo

    data = generate_demo(tmp_path / "demo-data", ratings=5000, seed=0)
    settings.database.path = tiny_tmpfs / "recdb.duckdb"
    shutil.copyfile(migrated_db, settings.database.path)
    env = {"RECDB_DATABASE__PATH": str(settings.database.path), "RECDB_DATA__SOURCE": str(data)}
    done = _run_restricted(settings, lambda: None, **env)
    _check_failed_cleanly(settings, done, "No space left on device")
    # Fix the cause the way an operator would: move the database (and its WAL) to a roomier disk.
    roomy = tmp_path / "roomy"
    shutil.copytree(tiny_tmpfs, roomy)
    settings.database.path = roomy / "recdb.duckdb"
    _next_nightly_completes(settings, {**env, "RECDB_DATABASE__PATH": str(settings.database.path)})


@pytest.mark.slow
def test_full_disk_file_size_limit(settings: Settings, migrated: Path, tmp_path: Path) -> None:
    if real_stages_missing():
        pytest.skip(real_stages_missing() or "")
    from recdb.ingest.demo import generate_demo

    data = generate_demo(tmp_path / "demo-data", ratings=5000, seed=0)
    # RLIMIT_FSIZE caps each file's size, and DuckDB writes inside its existing file: a cap far below
    # the file's size makes its next write (a record, a WAL append, a checkpoint) fail with EFBIG.
    limit = 16 * 1024
    done = _run_restricted(settings, _limit_file_size(limit), RECDB_DATA__SOURCE=str(data))
    _check_failed_cleanly(settings, done, "File too large")
    # Without the limit the next nightly's load succeeds (training and scoring faked here: the tmpfs
    # test above runs the whole real nightly after its full disk).
    env = tiny_env(settings, RECDB_DATA__SOURCE=str(data), RECDB_FAKE_STAGES="train,score,evaluate")
    again = subprocess.run(fake_nightly_cmd("nightly"), env=env, text=True, capture_output=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert snapshot(settings.database.path)["ratings"] == 5000
    with open_db(settings.database, read_only=True) as con:
        runs = con.execute(checks()["run_rows"]).fetchall()
    assert [r[1] for r in runs][-1] == "succeeded" and len(runs) == 2
