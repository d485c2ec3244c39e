"""train_model(warm_start_from=...) on tiny demo data: starts from the old weights, or warns and retrains."""

from __future__ import annotations

import json
import logging

import pytest
import torch

from recdb.db import open_db
from recdb.settings import Settings
from recdb.training import trainer
from recdb.training.checkpoint import load_checkpoint
from recdb.training.trainer import train_model
from recdb.training.warm import WarmStart
from tests.settings_support import with_sections

pytestmark = pytest.mark.slow


def _config(settings: Settings, model_id: int) -> dict:
    with open_db(settings.database, read_only=True) as con:
        row = con.execute("SELECT config FROM models WHERE model_id = ?", [model_id]).fetchone()
    assert row is not None
    return json.loads(row[0])


def test_warm_start_begins_from_the_old_weights(
    tiny_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = train_model(tiny_settings)
    assert first.warm_start_from is None and _config(tiny_settings, first.model_id)["warm_start_from"] is None
    started: dict[str, torch.Tensor] = {}
    real = trainer._warm_start

    def spy(model: torch.nn.Module, data, warm: WarmStart, model_id: int) -> None:  # type: ignore[no-untyped-def]
        real(model, data, warm, model_id)
        started.update({k: v.detach().clone() for k, v in model.state_dict().items()})
        started["_user_ids"] = torch.from_numpy(data.encoders.user_ids)

    monkeypatch.setattr(trainer, "_warm_start", spy)
    second = train_model(tiny_settings, warm_start_from=first.model_id)
    assert second.warm_start_from == first.model_id
    assert _config(tiny_settings, second.model_id)["warm_start_from"] == first.model_id

    # the same data and split: every user kept its row, so the network started as the old one ended
    old = load_checkpoint(first.checkpoint_path)["state_dict"]
    assert torch.equal(started["_user_ids"], load_checkpoint(first.checkpoint_path)["encoders"]["user_ids"])
    for name, tensor in old.items():
        if name.startswith(("item_item.", "rating_item.")):  # refitted after training, not copied
            continue
        torch.testing.assert_close(started[name], tensor, rtol=0, atol=0, msg=name)


def test_a_changed_model_config_falls_back_to_a_full_retrain(
    tiny_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    first = train_model(tiny_settings)
    wider = with_sections(tiny_settings, model={"embed_dim": 12})
    with caplog.at_level(logging.WARNING, logger="recdb.training.warm"):
        second = train_model(wider, warm_start_from=first.model_id)
    assert second.warm_start_from is None
    assert _config(wider, second.model_id)["warm_start_from"] is None
    assert f"cannot warm-start from model {first.model_id}" in caplog.text
    assert "model.embed_dim 8 → 12" in caplog.text and "training from scratch" in caplog.text


def test_a_missing_checkpoint_or_model_falls_back_to_a_full_retrain(
    tiny_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    settings = with_sections(tiny_settings, train={"epochs": 1})
    first = train_model(settings)
    first.checkpoint_path.unlink()
    with caplog.at_level(logging.WARNING, logger="recdb.training.warm"):
        second = train_model(settings, warm_start_from=first.model_id)
        third = train_model(settings, warm_start_from=999)
    assert second.warm_start_from is None and third.warm_start_from is None
    assert "does not exist" in caplog.text and "no model 999" in caplog.text
