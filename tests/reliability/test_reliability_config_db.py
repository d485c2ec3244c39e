"""Hostile configuration and database files (issue 11: report #41, #39/#40, #43, #44, #47, #64/#65,
#67/#68, #70 and the cron job that served demo data): each case drives the real CLI, checks the exit
code, that the message names the setting or file, and that the database (or victim file) is unchanged.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
import torch

from recdb.errors import ExitCode
from recdb.jobs.cli import main
from recdb.settings import load_settings

DEMO_RATINGS = 1000  # the smallest demo data set (demo.ratings >= 1000)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _stderr_lines(capsys: pytest.CaptureFixture[str]) -> list[str]:
    return [line for line in capsys.readouterr().err.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from recdb.ingest.demo import generate_demo

    return generate_demo(tmp_path_factory.mktemp("demo") / "files", ratings=DEMO_RATINGS, seed=0)


@pytest.fixture(scope="module")
def loaded_template(tmp_path_factory: pytest.TempPathFactory, demo_dir: Path) -> Path:
    """A recdb database with the demo data loaded (copied per test, never changed)."""
    db = tmp_path_factory.mktemp("loaded") / "recdb.duckdb"
    assert main(["--db", str(db), "load", str(demo_dir)]) == 0
    return db


@pytest.fixture
def loaded_db(loaded_template: Path, tmp_path: Path) -> Path:
    db = tmp_path / "recdb.duckdb"
    db.write_bytes(loaded_template.read_bytes())
    return db


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Run in an empty working folder (``home``), as cron would in ``$HOME``."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.chdir(home)
    yield home


# ---- 3: a config file's relative paths, and no demo data for a configured run ----------------------


def test_config_file_paths_are_relative_to_its_folder_not_the_working_directory(
    tmp_path: Path, in_tmp: Path, demo_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    srv = tmp_path / "srv"
    (srv / "data").mkdir(parents=True)
    (srv / "data" / "ml").symlink_to(demo_dir, target_is_directory=True)
    config = srv / "recdb.toml"
    config.write_text(
        '[database]\npath = "var/recdb.duckdb"\n[data]\nsource = "data/ml"\n[log]\nfile = "logs/recdb.log"\n',
        encoding="utf-8",
    )
    assert main(["--config", str(config), "load"]) == 0
    assert (srv / "var" / "recdb.duckdb").is_file()
    assert not (in_tmp / "var").exists()  # nothing in the folder cron started in
    settings = load_settings(config)
    for value in (
        settings.database.path,
        settings.database.checkpoint_dir,
        settings.data.cache_dir,
        settings.demo.dir,
        settings.evaluate.report_dir,
        settings.log.file,
    ):
        assert value is not None and Path(value).is_relative_to(srv), value
    assert settings.data.source == str(srv / "data" / "ml")
    # A release name stays a name; environment and command-line paths stay relative to the working dir.
    config.write_text('[data]\nsource = "ml-1m"\n', encoding="utf-8")
    monkeypatch.setenv("RECDB_EVALUATE__REPORT_DIR", "reports")
    settings = load_settings(config, {"database": {"path": Path("cli.duckdb")}})
    assert settings.data.source == "ml-1m"
    assert settings.database.path == Path("cli.duckdb") and settings.evaluate.report_dir == Path("reports")


def test_cron_nightly_with_a_config_but_no_data_source_refuses_demo_data(tmp_path: Path) -> None:
    # The reported command: env -i PATH=... HOME=... recdb --config /srv/recdb.toml nightly, from $HOME.
    srv, home = tmp_path / "srv", tmp_path / "home"
    srv.mkdir()
    home.mkdir()
    config = srv / "recdb.toml"
    config.write_text(f"[demo]\nratings = {DEMO_RATINGS}\n[train]\nepochs = 1\n", encoding="utf-8")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home)}
    done = subprocess.run(
        [sys.executable, "-m", "recdb.jobs.cli", "--config", str(config), "nightly"],
        cwd=home, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == ExitCode.USAGE, done.stderr
    assert "data.source" in done.stderr and str(config) in done.stderr
    assert not (home / "var").exists()
    assert not (srv / "var" / "demo-data").exists()  # no demo data generated, so none trained or published


def test_load_with_a_config_but_no_data_source_exits_2(tmp_path: Path, in_tmp: Path) -> None:
    config = tmp_path / "recdb.toml"
    config.write_text("[database]\nthreads = 1\n", encoding="utf-8")
    assert main(["--config", str(config), "load"]) == ExitCode.USAGE
    assert not (tmp_path / "var" / "demo-data").exists() and not (in_tmp / "var").exists()


def test_explicit_demo_source_and_the_embedded_default_still_load_demo_data(
    tmp_path: Path, in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "recdb.toml"
    config.write_text(f'[data]\nsource = "demo"\n[demo]\nratings = {DEMO_RATINGS}\n', encoding="utf-8")
    assert main(["--config", str(config), "load"]) == 0
    assert (tmp_path / "var" / "demo-data").is_dir() and (tmp_path / "var" / "recdb.duckdb").is_file()
    monkeypatch.setenv("RECDB_DEMO__RATINGS", str(DEMO_RATINGS))
    assert main(["load"]) == 0  # no config file at all: the embedded default
    assert (in_tmp / "var" / "recdb.duckdb").is_file()


# ---- 6: the lock file must never be followed ---------------------------------------------------------


@pytest.mark.parametrize("kind", ["symlink", "hardlink", "fifo"])
def test_a_planted_lock_file_is_refused_and_its_target_untouched(
    tmp_path: Path, kind: str, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("secret line of another file\n", encoding="utf-8")
    db = tmp_path / "db.duckdb"
    lock = tmp_path / "db.duckdb.lock"
    if kind == "symlink":
        lock.symlink_to(victim.name)
    elif kind == "hardlink":
        os.link(victim, lock)
    else:
        os.mkfifo(lock)
    assert main(["--db", str(db), "init"]) == ExitCode.JOB_FAILED
    err = _stderr_lines(capsys)
    assert len(err) == 1 and str(lock) in err[0], err
    assert victim.read_text(encoding="utf-8") == "secret line of another file\n"
    assert "secret" not in caplog.text
    assert not db.exists()


def test_status_does_not_read_a_symlinked_lock_file(
    loaded_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    victim = tmp_path / "victim.json"
    victim.write_text(json.dumps({"pid": 1, "host": "h", "started_at": "x", "command": "SECRET"}))
    lock = loaded_db.with_name(loaded_db.name + ".lock")
    lock.unlink(missing_ok=True)
    lock.symlink_to(victim)
    capsys.readouterr()
    assert main(["--db", str(loaded_db), "status", "--json"]) == 0
    out = capsys.readouterr().out
    assert "SECRET" not in out
    assert "not a regular file" in json.loads(out)["lock"]["command"]


# ---- 8: thread counts are bounded --------------------------------------------------------------------


@pytest.mark.parametrize("setting", ["database.threads", "train.threads"])
def test_absurd_thread_counts_are_refused(
    loaded_db: Path, setting: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _digest(loaded_db)
    section, name = setting.split(".")
    monkeypatch.setenv(f"RECDB_{section.upper()}__{name.upper()}", "100000")
    assert main(["--db", str(loaded_db), "info"]) == ExitCode.USAGE
    err = _stderr_lines(capsys)
    assert len(err) == 1 and setting in err[0], err
    assert _digest(loaded_db) == before


# ---- 9: another application's DuckDB file is never migrated -----------------------------------------


@pytest.fixture
def foreign_db(tmp_path: Path) -> Path:
    db = tmp_path / "other.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE ratings (a INTEGER, b VARCHAR)")
    con.execute("CREATE TABLE users (id INTEGER)")
    con.execute("INSERT INTO ratings VALUES (1, 'x')")
    con.close()
    return db


@pytest.mark.parametrize("command", [["init"], ["load", "DEMO"], ["nightly", "--source", "DEMO"], ["train"]])
def test_a_foreign_duckdb_file_is_refused_byte_for_byte(
    foreign_db: Path, demo_dir: Path, command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    before = _digest(foreign_db)
    args = [str(demo_dir) if arg == "DEMO" else arg for arg in command]
    assert main(["--db", str(foreign_db), *args]) == ExitCode.USAGE
    err = _stderr_lines(capsys)
    assert len(err) == 1 and "not a recdb database" in err[0] and str(foreign_db) in err[0], err
    assert _digest(foreign_db) == before
    assert not foreign_db.with_name(foreign_db.name + ".wal").exists()


# ---- 14: user errors are not internal errors --------------------------------------------------------


@pytest.mark.parametrize("value", ["1GB'; DROP TABLE ratings; --", "1KB", "lots"])
def test_a_bad_memory_limit_is_a_usage_error(
    loaded_db: Path, value: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _digest(loaded_db)
    monkeypatch.setenv("RECDB_DATABASE__MEMORY_LIMIT", value)
    assert main(["--db", str(loaded_db), "info"]) == ExitCode.USAGE
    err = _stderr_lines(capsys)
    assert len(err) == 1 and "database.memory_limit" in err[0], err
    assert _digest(loaded_db) == before


def test_predict_with_an_id_beyond_int32_is_a_usage_error(
    loaded_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _digest(loaded_db)
    assert main(["--db", str(loaded_db), "predict", "1", "99999999999"]) == ExitCode.USAGE
    assert "99999999999" in capsys.readouterr().err
    assert _digest(loaded_db) == before


@pytest.mark.parametrize("command", [["info"], ["init"], ["status"], ["load", "DEMO"]])
@pytest.mark.parametrize("content", [b"user,movie,rating\n1,2,3\n", b""])
def test_a_file_that_is_not_duckdb_is_a_usage_error_and_untouched(
    tmp_path: Path, demo_dir: Path, command: list[str], content: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "notduck.duckdb"
    db.write_bytes(content)
    args = [str(demo_dir) if arg == "DEMO" else arg for arg in command]
    assert main(["--db", str(db), *args]) == ExitCode.USAGE
    err = _stderr_lines(capsys)
    assert len(err) == 1 and str(db) in err[0] and "not a DuckDB database file" in err[0], err
    assert db.read_bytes() == content


def _truncate(db: Path) -> None:
    os.truncate(db, db.stat().st_size // 2)


def _scramble_blocks(db: Path) -> None:
    """Random bytes over every block after the file's headers (metadata and data alike)."""
    size = db.stat().st_size
    with db.open("r+b") as f:
        f.seek(3 * 4096)
        f.write(os.urandom(size - 3 * 4096))


@pytest.mark.parametrize("damage", [_truncate, _scramble_blocks])
@pytest.mark.parametrize("command", [["status"], ["recommend", "1"], ["info"], ["load", "DEMO"]])
def test_a_damaged_database_is_one_line_and_its_own_exit_code(
    loaded_db: Path,
    demo_dir: Path,
    damage: object,
    command: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    damage(loaded_db)  # type: ignore[operator]
    before = _digest(loaded_db)
    args = [str(demo_dir) if arg == "DEMO" else arg for arg in command]
    assert main(["--db", str(loaded_db), *args]) == ExitCode.DATABASE
    err = _stderr_lines(capsys)
    assert len(err) == 1 and str(loaded_db) in err[0], err
    assert _digest(loaded_db) == before


def test_info_verify_notices_a_damaged_data_block(
    loaded_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    con = duckdb.connect(str(loaded_db), read_only=True)
    block_size = con.execute("SELECT block_size FROM pragma_database_size()").fetchone()[0]  # type: ignore[index]
    blocks = con.execute(
        "SELECT DISTINCT block_id FROM pragma_storage_info('ratings') WHERE persistent AND block_id >= 0"
    ).fetchall()
    con.close()
    assert blocks
    with loaded_db.open("r+b") as f:  # the payload of the ratings table's first data block
        f.seek(3 * 4096 + blocks[0][0] * block_size + 64)
        f.write(os.urandom(4096))
    assert main(["--db", str(loaded_db), "info"]) == 0  # the metadata is intact: counts still show
    capsys.readouterr()
    before = _digest(loaded_db)
    assert main(["--db", str(loaded_db), "info", "--verify"]) == ExitCode.DATABASE
    err = _stderr_lines(capsys)
    assert len(err) == 1 and "corrupt" in err[0] and str(loaded_db) in err[0], err
    assert _digest(loaded_db) == before


class _RunsCode:
    """Pickled as a call to os.system: must never run when a checkpoint is loaded."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, (f"touch {self.marker}",))


@pytest.fixture(scope="module")
def trained_template(tmp_path_factory: pytest.TempPathFactory, loaded_template: Path) -> Path:
    """The loaded database with one tiny trained model (checkpoint beside it, under models/)."""
    folder = tmp_path_factory.mktemp("trained")
    db = folder / "recdb.duckdb"
    db.write_bytes(loaded_template.read_bytes())
    env = {"RECDB_TRAIN__EPOCHS": "1", "RECDB_MODEL__EMBED_DIM": "4", "RECDB_MODEL__HIDDEN_DIM": "8",
           "RECDB_MODEL__WORD_DIM": "4", "RECDB_MODEL__TITLE_FILTERS": "2",
           "RECDB_DATABASE__CHECKPOINT_DIR": str(folder / "models")}  # fmt: skip
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        assert main(["--db", str(db), "train"]) == 0
    return folder


@pytest.mark.parametrize("damage", ["truncated", "pickled code", "raw pickle"])
def test_an_unloadable_checkpoint_is_one_line(
    trained_template: Path, tmp_path: Path, damage: str, capsys: pytest.CaptureFixture[str]
) -> None:
    import pickle
    import shutil

    folder = tmp_path / "trained"
    shutil.copytree(trained_template, folder)
    checkpoint = next((folder / "models").glob("model-*.pt"))
    db = folder / "recdb.duckdb"
    con = duckdb.connect(str(db))  # the copy's model row must point at the copy's checkpoint
    con.execute("UPDATE models SET checkpoint_path = ?", [str(checkpoint)])
    con.close()
    marker = tmp_path / "code-ran"
    if damage == "truncated":
        os.truncate(checkpoint, checkpoint.stat().st_size // 2)
    elif damage == "pickled code":
        torch.save({"format_version": 1, "x": _RunsCode(marker)}, checkpoint)
    else:
        checkpoint.write_bytes(pickle.dumps(_RunsCode(marker)))
    capsys.readouterr()
    assert main(["--db", str(db), "predict", "1", "1", "2"]) == ExitCode.USAGE
    err = _stderr_lines(capsys)
    assert len(err) == 1 and str(checkpoint) in err[0], err
    assert not marker.exists()
