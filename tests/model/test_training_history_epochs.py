"""training_history rows are written as each epoch ends, without holding the database during training."""

from __future__ import annotations

import math
from typing import Any

import pytest

from recdb.db import open_db
from recdb.errors import JobFailedError
from recdb.settings import Settings
from recdb.training import fit
from recdb.training.trainer import train_model

pytestmark = pytest.mark.slow


def _history(settings: Settings) -> list[tuple[Any, ...]]:
    # read-only: this fails if training still held the file read-write
    with open_db(settings.database, read_only=True) as con:
        return con.execute("SELECT model_id, epoch FROM training_history ORDER BY model_id, epoch").fetchall()


def _status(settings: Settings, model_id: int) -> str:
    with open_db(settings.database, read_only=True) as con:
        row = con.execute("SELECT status FROM models WHERE model_id = ?", [model_id]).fetchone()
    assert row is not None
    return str(row[0])


def test_each_epoch_is_in_training_history_when_the_next_one_starts(
    tiny_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[list[tuple[Any, ...]]] = []
    real = fit.train_epoch

    def spy(*args: Any, **kwargs: Any) -> float:
        seen.append(_history(tiny_settings))  # what a consumer sees as this epoch starts
        return real(*args, **kwargs)

    monkeypatch.setattr(fit, "train_epoch", spy)
    result = train_model(tiny_settings)
    m = result.model_id
    assert seen == [[(m, e) for e in range(1, n)] for n in range(1, len(seen) + 1)]
    assert _history(tiny_settings) == [(m, e) for e in range(1, result.epochs + 1)]
    assert _status(tiny_settings, m) == "ready"


def test_a_failure_mid_training_keeps_the_epochs_done_so_far(
    tiny_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = 0
    real = fit.train_epoch

    def diverge_at_epoch_3(*args: Any, **kwargs: Any) -> float:
        nonlocal calls
        calls += 1
        return math.nan if calls == 3 else real(*args, **kwargs)

    monkeypatch.setattr(fit, "train_epoch", diverge_at_epoch_3)
    with pytest.raises(JobFailedError, match="diverged at epoch 3"):
        train_model(tiny_settings)
    assert _history(tiny_settings) == [(1, 1), (1, 2)]
    assert _status(tiny_settings, 1) == "failed"
