"""The model registry: which trained models exist (``models``) and loading one as a Predictor."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from recdb.db import one, queries
from recdb.errors import ModelNotFoundError
from recdb.predictor import Predictor
from recdb.settings import Settings
from recdb.training.checkpoint import load_checkpoint, model_from_checkpoint
from recdb.training.predictor import NetworkPredictor
from recdb.training.runtime import resolve_device


@dataclass(frozen=True)
class ModelRecord:
    """A row of ``models`` as scoring and evaluation need it."""

    model_id: int
    architecture: str
    split_id: str
    load_id: int
    checkpoint_path: Path | None
    status: str


def get_model_record(con: duckdb.DuckDBPyConnection, model_id: int | None = None) -> ModelRecord:
    """The model ``model_id``, or the newest ready one; raises ModelNotFoundError."""
    q = queries("training")
    if model_id is None:
        row = one(con, q.newest_ready_model)
        if row is None:
            raise ModelNotFoundError("no trained model with status 'ready'; run `recdb train` first")
    else:
        row = one(con, q.model_by_id, {"model_id": model_id})
        if row is None:
            raise ModelNotFoundError(f"no model {model_id} in the models table")
    mid, arch, split_id, load_id, path, status = row
    return ModelRecord(int(mid), arch, split_id, int(load_id), Path(path) if path else None, status)


def load_predictor(
    con: duckdb.DuckDBPyConnection, settings: Settings, model_id: int | None = None
) -> tuple[Predictor, ModelRecord]:
    """Load a trained model (``model_id`` or the newest ready one) from its checkpoint as a Predictor.

    Raises :class:`recdb.errors.ModelNotFoundError` when there is none, it is not ready, or its
    checkpoint file is missing or unreadable.
    """
    record = get_model_record(con, model_id)
    if record.status != "ready" or record.checkpoint_path is None:
        raise ModelNotFoundError(f"model {record.model_id} has status {record.status!r}, not 'ready'")
    state = load_checkpoint(record.checkpoint_path)
    model, encoders = model_from_checkpoint(state)
    low, high = state["rating_scale"]
    predictor = NetworkPredictor(
        model, encoders, record.architecture, (float(low), float(high)), resolve_device(settings.train)
    )
    return predictor, record


__all__ = ["ModelRecord", "get_model_record", "load_predictor"]
