"""The long commands at a terminal (progress bars drawn) and under cron (bare environment, no terminal).

At a terminal every command runs with stdin, stdout and stderr on a pseudo-terminal, as a person
typing it would; under cron with ``env -i`` (PATH and HOME only, plus the settings) and no terminal.
Both must exit 0 without a traceback; cron's stderr must stay empty (a successful job is quiet).
One tiny demo database, loaded and trained once, is shared by every test in the module.
"""

from __future__ import annotations

import fcntl
import os
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

TIMEOUT_S = 300.0  # a hung command, not a slow machine: the tiny commands take seconds

TINY = {
    "RECDB_TRAIN__EPOCHS": "1",
    "RECDB_TRAIN__NEGATIVES": "8",
    "RECDB_TRAIN__THREADS": "1",
    "RECDB_MODEL__EMBED_DIM": "4",
    "RECDB_MODEL__HIDDEN_DIM": "8",
    "RECDB_MODEL__WORD_DIM": "4",
    "RECDB_MODEL__TITLE_FILTERS": "2",
    "RECDB_SCORE__K": "5",
    "RECDB_DATABASE__THREADS": "1",
    "RECDB_NIGHTLY__EVALUATE": "false",
}

# (name, arguments): every command that runs long enough to draw a progress bar.
COMMANDS = [
    ("load", ["load"]),
    ("train", ["train"]),
    ("score", ["score"]),
    ("evaluate", ["evaluate"]),
    ("nightly", ["nightly", "--force"]),  # evaluation off (RECDB_NIGHTLY__EVALUATE): tested above
]


@pytest.fixture(scope="module")
def recdb_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Settings for a tiny demo database that is already loaded and has one trained model."""
    from recdb.ingest.demo import generate_demo

    root = tmp_path_factory.mktemp("cli-terminal")
    data = generate_demo(root / "demo-data", ratings=3000, seed=0)
    env = {
        "RECDB_DATABASE__PATH": str(root / "recdb.duckdb"),
        "RECDB_DATABASE__CHECKPOINT_DIR": str(root / "checkpoints"),
        "RECDB_DATA__CACHE_DIR": str(root / "cache"),
        "RECDB_DATA__SOURCE": str(data),
        "RECDB_DEMO__DIR": str(data),
        "RECDB_EVALUATE__REPORT_DIR": str(root / "reports"),
        "HOME": str(root / "home"),
        **TINY,
    }
    (root / "home").mkdir()
    for args in (["load"], ["train"]):
        done = subprocess.run(
            _recdb(*args), env=_bare(env), capture_output=True, text=True, timeout=TIMEOUT_S
        )
        assert done.returncode == 0, done.stderr
    return env


def _recdb(*args: str) -> list[str]:
    return [sys.executable, "-m", "recdb.jobs.cli", *args]


def _bare(env: dict[str, str]) -> dict[str, str]:
    """cron's environment: PATH, HOME and the job's settings, nothing else (no TERM, no LANG)."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **env}


def run_in_terminal(args: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run ``args`` with stdin/stdout/stderr on a new pseudo-terminal; (exit code, all it wrote)."""
    master, slave = os.openpty()
    # a terminal window of 100 x 24: a fresh pty reports 0 columns, where tqdm draws nothing
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    try:
        proc = subprocess.Popen(
            args, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
        )
    finally:
        os.close(slave)  # the child holds its copies: the master reads EOF/EIO once they are closed
    out = bytearray()
    deadline = time.monotonic() + TIMEOUT_S
    try:
        while True:
            ready, _, _ = select.select([master], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                raise AssertionError(
                    f"{args} did not finish in {TIMEOUT_S} s: {out.decode(errors='replace')}"
                )
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: every process holding the terminal has exited
                break
            if not chunk:
                break
            out += chunk
        return proc.wait(timeout=TIMEOUT_S), out.decode(errors="replace")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)


# The bars each command draws at a terminal (their labels), nested ones included.
BARS = {
    "load": ["loading "],  # the steps: each file staged, the checks, the publish
    "train": ["training model", "batches"],  # epochs, and the batches of each epoch under them
    "score": ["scoring users"],
    "evaluate": ["evaluating on split", "ranking users"],  # methods, and each method's user blocks
}


def _fresh_load(env: dict[str, str], name: str, tmp_path: Path) -> dict[str, str]:
    """``load`` into a new database file: the shared one is loaded already, a no-op draws nothing."""
    return {**env, "RECDB_DATABASE__PATH": str(tmp_path / "fresh.duckdb")} if name == "load" else env


@pytest.mark.parametrize(("name", "args"), COMMANDS, ids=[c[0] for c in COMMANDS])
def test_command_at_a_terminal(recdb_env: dict[str, str], name: str, args: list[str], tmp_path: Path) -> None:
    env = {**_fresh_load(_bare(recdb_env), name, tmp_path), "TERM": "xterm"}
    code, output = run_in_terminal(_recdb(*args), env)
    assert code == 0, output
    assert "Traceback" not in output and "recdb: error" not in output, output
    for label in BARS.get(name, []):
        assert label in output, f"no {label!r} bar: {output}"


@pytest.mark.parametrize(("name", "args"), COMMANDS, ids=[c[0] for c in COMMANDS])
def test_command_under_cron(recdb_env: dict[str, str], name: str, args: list[str], tmp_path: Path) -> None:
    env = _fresh_load(_bare(recdb_env), name, tmp_path)
    command = ["env", "-i", *(f"{k}={v}" for k, v in env.items()), *_recdb(*args)]
    done = subprocess.run(
        command, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=TIMEOUT_S
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == "", done.stderr  # a successful cron job is quiet: no bar, no info lines
