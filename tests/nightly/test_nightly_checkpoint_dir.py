"""A checkpoint that cannot be written (hostile testing #61-#63): found before training when the
folder is unusable, and a save that fails (disk full, file size limit) leaves no temp file behind,
marks the model failed and is a one-line exit 4 naming database.checkpoint_dir.
"""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

import pytest

from recdb.db import open_db
from recdb.errors import ExitCode, JobFailedError
from recdb.ingest.demo import generate_demo
from recdb.ingest.load import load_dataset
from recdb.settings import Settings
from recdb.training import checkpoint as checkpoint_module
from recdb.training.trainer import train_model
from tests.nightly.nightly_support import recdb_cmd, tiny_env

_MODELS = "SELECT model_id, status, message FROM models ORDER BY model_id"


def _models(settings: Settings) -> list[tuple]:
    with open_db(settings.database, read_only=True) as con:
        return con.execute(_MODELS).fetchall()


def test_an_unusable_checkpoint_dir_fails_the_nightly_before_training(
    settings: Settings, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the checkpoint folder's parent should be")
    data = generate_demo(tmp_path / "data", ratings=3000, seed=0)
    env = tiny_env(
        settings, RECDB_DATA__SOURCE=str(data), RECDB_DATABASE__CHECKPOINT_DIR=str(blocker / "models")
    )
    done = subprocess.run(recdb_cmd("nightly"), env=env, text=True, capture_output=True, timeout=300)
    assert done.returncode == ExitCode.JOB_FAILED, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "stage train" in lines[0] and f"database.checkpoint_dir {blocker / 'models'}" in lines[0]
    assert "database.path" not in lines[0]  # the database's disk is not the problem
    assert _models(settings) == []  # training never started


@pytest.fixture
def demo_db(settings: Settings, tmp_path: Path) -> Settings:
    load_dataset(settings, generate_demo(tmp_path / "data", ratings=3000, seed=0))
    settings.train.epochs = 1
    settings.model.embed_dim = 8
    settings.model.hidden_dim = 16
    return settings


def test_a_failed_save_removes_its_temp_file_and_fails_the_model(
    demo_db: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    def disk_full_save(obj: object, path: Path) -> None:
        Path(path).write_bytes(b"x" * 4096)  # half a checkpoint written, then the disk is full
        raise RuntimeError("[enforce fail at inline_container.cc:603] . unexpected pos 4096 vs 4000")

    monkeypatch.setattr(checkpoint_module.torch, "save", disk_full_save)
    with pytest.raises(JobFailedError) as info:
        train_model(demo_db)
    message = str(info.value)
    assert "cannot write checkpoint" in message and "database.checkpoint_dir" in message
    assert "free disk space" in message and "\n" not in message
    assert list(Path(demo_db.database.checkpoint_dir).iterdir()) == []  # no model-1.pt.tmp left
    ((_, status, reason),) = _models(demo_db)
    assert status == "failed" and "cannot write checkpoint" in reason


_SAVE_UNDER_LIMIT = """
import sys, torch
from pathlib import Path
from recdb.errors import JobFailedError
from recdb.training.checkpoint import save_checkpoint
try:
    save_checkpoint(Path(sys.argv[1]), {"weights": torch.zeros(1_000_000)})
except JobFailedError as exc:
    print(exc)
    sys.exit(4)
"""


def test_a_save_past_the_file_size_limit_is_a_job_failure(tmp_path: Path) -> None:
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, 200_000))

    target = tmp_path / "models" / "model-5.pt"
    done = subprocess.run(
        [sys.executable, "-c", _SAVE_UNDER_LIMIT, str(target)],
        text=True, capture_output=True, timeout=120, preexec_fn=limit,
    )  # fmt: skip
    assert done.returncode == 4, done.stderr
    assert "cannot write checkpoint" in done.stdout and "database.checkpoint_dir" in done.stdout
    assert list(target.parent.iterdir()) == []  # the 200 KB temp file is gone
