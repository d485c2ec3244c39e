"""Warm starts: initialise a new network from an older model's weights instead of from scratch.

New data changes the vocabularies (new users, movies, words), so the embedding tables of the new
network do not line up with the old ones row for row. Each table keyed by a vocabulary of the
:class:`~recdb.features.encoders.Encoders` gets the old row of every key that still exists, at its
new index; keys new to this data keep their fresh initialisation, and the reserved rows (unknown
ids and categories, genre and word padding, the out-of-vocabulary word) are copied as such. Every
other parameter and buffer (tower layers, the title CNN) is copied when its shape matches. The one
exception is the hybrid's ``global_mean`` buffer: it is a statistic of the data, not a learnt weight,
so it stays the new training ratings' mean (as the checkpoint's ``global_mean`` field says). Before
training, the new network therefore ranks kept users' movies exactly as the old one did, and
predicts their ratings shifted by the change in the mean rating.

A warm start needs the same architecture and model settings as the old checkpoint; otherwise (or
when the old model or its checkpoint is gone) it is refused with a reason and training starts from
scratch: a nightly must not fail because its starting point is unusable.

:func:`row_map`, :func:`warm_state_dict` and :func:`incompatibility` are pure functions;
:func:`load_warm_start` reads the registry and the checkpoint file.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import torch
from torch import nn

from recdb.errors import ModelNotFoundError
from recdb.features.encoders import Encoders
from recdb.model.itemitem import EMPTY_STATE
from recdb.training.checkpoint import load_checkpoint
from recdb.training.registry import get_model_record

log = logging.getLogger(__name__)

# Embedding tables keyed by a vocabulary (parameter name, the same in both architectures) →
# (Encoders attribute, reserved rows before the vocabulary's first key; see recdb.features.encoders).
KEYED_TABLES: dict[str, tuple[str, int]] = {
    "user.id.weight": ("user_ids", 1),
    "user.gender.weight": ("gender", 1),
    "user.age.weight": ("age_group", 1),
    "user.occupation.weight": ("occupation", 1),
    "movie.id.weight": ("movie_ids", 1),
    "movie.genre.weight": ("genres", 1),
    "movie.title.words.weight": ("words", 2),  # 0 padding, 1 out of vocabulary
}
# Buffers computed from the current data rather than learnt: never copied from the old model.
# (The item-item term is refitted after every training, see recdb.training.itemitem.)
DATA_STATISTICS = frozenset(
    {"global_mean"} | {f"{term}.{name}" for term in ("item_item", "rating_item") for name in EMPTY_STATE}
)


@dataclass(frozen=True)
class WarmStart:
    """The model to start from: its id, weights and the encoders its rows are keyed by."""

    model_id: int
    state_dict: dict[str, torch.Tensor]
    encoders: Encoders


@dataclass(frozen=True)
class WarmReport:
    """What a warm start copied: kept rows per keyed table, other tensors copied or left fresh."""

    kept_rows: dict[str, tuple[int, int]]  # table → (rows copied, rows in the new table)
    copied: list[str]
    fresh: list[str]  # data statistics, and tensors missing from the old state or of another shape


def row_map(
    old_keys: Sequence[Any] | np.ndarray, new_keys: Sequence[Any] | np.ndarray, reserved: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """(new rows, old rows): where each key present in both vocabularies sits in each table.

    Key i of a vocabulary is row ``reserved + i``; the ``reserved`` rows before it map to themselves.
    Both vocabularies hold unique keys (the encoders' are sorted and deduplicated).
    """
    old, new = np.asarray(old_keys), np.asarray(new_keys)
    if len(old) and len(new):
        _, old_pos, new_pos = np.intersect1d(old, new, assume_unique=True, return_indices=True)
    else:  # np.intersect1d cannot mix an empty (float) array with a str one
        old_pos = new_pos = np.zeros(0, dtype=np.int64)
    base = np.arange(reserved, dtype=np.int64)
    new_rows = np.concatenate([base, new_pos.astype(np.int64) + reserved])
    old_rows = np.concatenate([base, old_pos.astype(np.int64) + reserved])
    return torch.from_numpy(new_rows), torch.from_numpy(old_rows)


def warm_state_dict(
    new_state: dict[str, torch.Tensor],
    new_encoders: Encoders,
    old_state: dict[str, torch.Tensor],
    old_encoders: Encoders,
) -> tuple[dict[str, torch.Tensor], WarmReport]:
    """The new network's state with the old weights moved in (inputs are not modified)."""
    out: dict[str, torch.Tensor] = {}
    kept: dict[str, tuple[int, int]] = {}
    copied: list[str] = []
    fresh: list[str] = []
    for name, tensor in new_state.items():
        old = old_state.get(name)
        if name in KEYED_TABLES and old is not None and old.shape[1:] == tensor.shape[1:]:
            attr, reserved = KEYED_TABLES[name]
            new_rows, old_rows = row_map(getattr(old_encoders, attr), getattr(new_encoders, attr), reserved)
            table = tensor.detach().clone()
            table[new_rows] = old[old_rows].to(dtype=table.dtype, device=table.device)
            out[name] = table
            kept[name] = (len(new_rows), len(table))
        elif (
            old is not None
            and name not in KEYED_TABLES
            and name not in DATA_STATISTICS
            and old.shape == tensor.shape
        ):
            out[name] = old.detach().to(dtype=tensor.dtype, device=tensor.device).clone()
            copied.append(name)
        else:
            out[name] = tensor.detach().clone()
            fresh.append(name)
    return out, WarmReport(kept_rows=kept, copied=copied, fresh=fresh)


def incompatibility(
    checkpoint: dict[str, Any], architecture: str, model_config: dict[str, Any]
) -> str | None:
    """Why a checkpoint cannot seed a network of this architecture and config (None: it can)."""
    if checkpoint.get("architecture") != architecture:
        return f"its architecture is {checkpoint.get('architecture')!r}, not {architecture!r}"
    old = checkpoint.get("model_config") or {}
    changed = sorted(k for k in set(old) | set(model_config) if old.get(k) != model_config.get(k))
    if changed:
        diffs = ", ".join(f"model.{k} {old.get(k)!r} → {model_config.get(k)!r}" for k in changed)
        return f"the model settings changed ({diffs})"
    return None


def apply_warm_start(model: nn.Module, encoders: Encoders, warm: WarmStart) -> WarmReport:
    """Load the old weights into ``model`` (built for ``encoders``) in place; returns what was copied."""
    state, report = warm_state_dict(model.state_dict(), encoders, warm.state_dict, warm.encoders)
    model.load_state_dict(state)
    return report


def load_warm_start(
    con: duckdb.DuckDBPyConnection, model_id: int, architecture: str, model_config: dict[str, Any]
) -> WarmStart | None:
    """The model to start from, or None (with a warning saying why) when it cannot be used."""
    try:
        record = get_model_record(con, model_id)
        if record.checkpoint_path is None:
            raise ModelNotFoundError(f"model {model_id} has status {record.status!r} and no checkpoint")
        checkpoint = load_checkpoint(record.checkpoint_path)
    except ModelNotFoundError as exc:
        log.warning("cannot warm-start from model %d: %s; training from scratch", model_id, exc)
        return None
    reason = incompatibility(checkpoint, architecture, model_config)
    if reason is not None:
        log.warning("cannot warm-start from model %d: %s; training from scratch", model_id, reason)
        return None
    return WarmStart(model_id, checkpoint["state_dict"], Encoders.from_state(checkpoint["encoders"]))


__all__ = [
    "DATA_STATISTICS",
    "KEYED_TABLES",
    "WarmReport",
    "WarmStart",
    "apply_warm_start",
    "incompatibility",
    "load_warm_start",
    "row_map",
    "warm_state_dict",
]
