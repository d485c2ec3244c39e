"""Long-lived readers never block the job, and a blocked job is never silent.

A reader (a separate process, as an IDE is) holding the serving copy open does not stop ``recdb
nightly``: the copy is replaced by a rename and the reader keeps its old one. A reader holding the main
file makes the nightly fail with exit 5; the failure is recorded beside the database and ``recdb status
--check`` alerts until a nightly succeeds.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from recdb.db import connection
from recdb.errors import ExitCode
from recdb.jobs.cli import main
from recdb.nightly.unrecorded import record_path
from tests.consumers.conftest import Published, own_copy
from tests.nightly.nightly_support import recdb_cmd

HOLD_OPEN = Path(__file__).with_name("hold_open.py")


class Reader:
    """hold_open.py on a database: ``ask()`` queries through the connection it has held since it started."""

    def __init__(self, db: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(HOLD_OPEN), str(db)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.first = self._line("ready")

    def ask(self) -> str:
        assert self.proc.stdin is not None
        self.proc.stdin.write("again\n")
        self.proc.stdin.flush()
        return self._line("still")

    def _line(self, word: str) -> str:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().split()  # the event: blocks until the reader has answered
        assert line and line[0] == word, f"reader said {line}"
        return line[1]

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait(timeout=30)


@pytest.fixture
def readers() -> Iterator[list[Reader]]:
    started: list[Reader] = []
    yield started
    for reader in started:
        if reader.proc.poll() is None:
            reader.proc.kill()
            reader.proc.wait(timeout=10)


def served_run(db: Path) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        return int(con.execute("SELECT max(run_id) FROM latest_recommendations").fetchone()[0])


def test_a_reader_of_the_serving_copy_does_not_block_the_nightly(
    published: Published, tmp_path: Path, readers: list[Reader]
) -> None:
    made = own_copy(published, tmp_path)
    reader = Reader(made.serving)
    readers.append(reader)
    done = subprocess.run(
        recdb_cmd("nightly", "--force"), env=made.env, text=True, capture_output=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    new_run = served_run(made.db)
    assert new_run > int(reader.first)
    assert reader.ask() == reader.first  # the reader still reads the copy it opened, intact
    assert served_run(made.serving) == new_run  # a new open sees the new run
    reader.close()
    assert [p.name for p in tmp_path.iterdir() if ".tmp" in p.name] == []


def test_a_reader_of_the_main_file_fails_the_nightly_loudly(
    published: Published, tmp_path: Path, readers: list[Reader], monkeypatch: pytest.MonkeyPatch
) -> None:
    made = own_copy(published, tmp_path)
    for key, value in made.env.items():
        if key.startswith("RECDB_"):
            monkeypatch.setenv(key, value)
    monkeypatch.setattr(connection, "_LOCK_RETRY_S", 0.3)  # the wait for the file lock, 10 s in production
    reader = Reader(made.db)
    readers.append(reader)
    assert main(["nightly"]) == ExitCode.BUSY
    record = json.loads(record_path(made.settings.database).read_text(encoding="utf-8"))
    assert record["exit_code"] == ExitCode.BUSY and "lock" in record["error"]
    assert main(["status", "--check"]) == ExitCode.JOB_FAILED  # alerts while the reader still holds it
    reader.close()
    assert main(["status", "--check"]) == ExitCode.JOB_FAILED  # and after: until a nightly succeeds
    assert main(["nightly"]) == ExitCode.OK  # data unchanged: skips, successfully
    assert not record_path(made.settings.database).exists()
    assert main(["status", "--check"]) == ExitCode.OK


def test_a_serving_copy_that_cannot_be_written_fails_loudly_and_keeps_the_old_one(
    published: Published, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from recdb.errors import JobFailedError
    from recdb.scoring import serving

    made = own_copy(published, tmp_path)
    before = made.serving.read_bytes()
    (tmp_path / f".{made.serving.name}.999.tmp").write_bytes(b"left by a crash")

    def full_disk(settings: object, tmp: Path) -> tuple[int, int]:
        tmp.write_bytes(b"half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(serving, "_build", full_disk)
    with pytest.raises(JobFailedError, match=r"serving copy .* could not be written: .*No space left"):
        serving.write_serving_copy(made.settings)
    assert made.serving.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if ".tmp" in p.name] == []
    monkeypatch.setattr(made.settings.database, "serving_path", Path(""))
    assert serving.write_serving_copy(made.settings) is None  # serving_path = "": no copy
