"""Checkpoints: everything scoring needs, loadable with ``torch.load(path, weights_only=True)``.

Only tensors, dicts, lists, str, int, float, bool and None are stored (no pickled classes), so loading
a checkpoint runs no code from the file. Contents: format version, the network's
:class:`~recdb.model.network.ModelConfig` (keys ``architecture``, ``model_config`` and ``sizes``, as
plain JSON values), global mean and rating scale, weights, optimizer state, the feature encoders
(vocabularies and id maps), the settings the model was trained with, and its model/split/load ids.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import warnings
from pathlib import Path
from typing import Any

import torch

from recdb.errors import JobFailedError, ModelNotFoundError, first_line_of
from recdb.features.encoders import Encoders
from recdb.model.network import ModelConfig, Network
from recdb.model.towers import build_model

FORMAT_VERSION = 1

_SAVE_HINT = "free disk space there, or point database.checkpoint_dir at a writable disk with room"


def check_checkpoint_dir(folder: Path) -> None:
    """Fail before training, not after it: create ``folder`` and write and delete a probe file in it.

    Raises :class:`JobFailedError` (exit 4) naming ``database.checkpoint_dir`` when it cannot.
    """
    probe = folder / f".recdb-write-probe-{os.getpid()}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe.write_bytes(b"recdb")
        probe.unlink()
    except OSError as exc:
        with contextlib.suppress(OSError):
            probe.unlink(missing_ok=True)
        raise JobFailedError(
            f"database.checkpoint_dir {folder} is not writable: {exc.strerror or exc} "
            "(create it or fix its permissions, and leave room for a checkpoint)"
        ) from None


def save_checkpoint(path: Path, state: dict[str, Any]) -> None:
    """Write atomically (temp file, then rename) so a reader never sees half a checkpoint.

    A write that fails (disk full, file size limit, folder gone read-only) removes the temp file, so it
    cannot fill the disk for the next night, and raises :class:`JobFailedError` naming the file.
    """
    tmp = path.with_suffix(path.suffix + ".tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        torch.save({"format_version": FORMAT_VERSION, **state}, tmp)
        tmp.replace(path)
    except BaseException as exc:
        with contextlib.suppress(OSError):  # the folder itself unusable: nothing to remove
            tmp.unlink(missing_ok=True)
        # torch reports a failed write as RuntimeError ("file write failed"); both are the disk.
        if isinstance(exc, (OSError, RuntimeError)):
            reason = first_line_of(str(exc)) or type(exc).__name__
            raise JobFailedError(
                f"cannot write checkpoint {path} (setting database.checkpoint_dir): {reason} ({_SAVE_HINT})"
            ) from None
        raise


def load_checkpoint(path: Path) -> dict[str, Any]:
    """Read a checkpoint safely (weights only); a missing or foreign file raises ModelNotFoundError."""
    if not path.is_file():
        raise ModelNotFoundError(f"checkpoint {path} does not exist (setting database.checkpoint_dir)")
    try:
        with warnings.catch_warnings():  # torch warns about a foreign pickle protocol before refusing it
            warnings.simplefilter("ignore")
            state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # a corrupt or non-recdb file: say which, in one line
        raise ModelNotFoundError(f"checkpoint {path} cannot be read: {_load_failure(exc)}") from None
    if not isinstance(state, dict) or state.get("format_version") != FORMAT_VERSION:
        raise ModelNotFoundError(f"checkpoint {path} is not a recdb checkpoint of format {FORMAT_VERSION}")
    return state


def _load_failure(exc: Exception) -> str:
    """Why ``torch.load`` failed, in a few words (its messages run to paragraphs of advice)."""
    if isinstance(exc, pickle.UnpicklingError):  # weights_only met a class, a function or an opcode
        return "it holds pickled objects, not plain weights (refused without running them)"
    first = next((line.strip() for line in str(exc).splitlines() if line.strip()), type(exc).__name__)
    return first.split(". ")[0]


def model_from_checkpoint(state: dict[str, Any]) -> tuple[Network, Encoders]:
    """Rebuild the network (in eval mode) and its encoders from a loaded checkpoint."""
    model = build_model(ModelConfig.from_checkpoint(state), state["global_mean"])
    # Buffers added after a checkpoint was written keep their neutral values (no γ blend: rank_blend 0).
    later = {name: torch.as_tensor(value) for name, value in model.later_buffers.items()}
    weights = {**later, **state["state_dict"]}
    model.load_state_dict(weights)
    model.eval()
    return model, Encoders.from_state(state["encoders"])
