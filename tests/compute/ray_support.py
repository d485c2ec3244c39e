"""Ray test support: a predictor that parks its first block until the test has its process id, and
the checks.sql query helper."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from recdb.db import open_db
from recdb.db.sql import parse_named
from recdb.predictor import Catalog, Predictor
from recdb.settings import Settings

_CHECKS = Path(__file__).with_name("checks.sql")


def query(settings: Settings, name: str, **params: Any) -> list[tuple[Any, ...]]:
    """Run the named query of tests/compute/checks.sql on a read-only connection; all rows."""
    sql = parse_named(_CHECKS.read_text(encoding="utf-8"), str(_CHECKS))[name]
    with open_db(settings.database, read_only=True) as con:
        return con.execute(sql, params or None).fetchall()


class ParkedPredictor:
    """Wraps a predictor. While ``gate/armed`` exists, the actor scoring the block that starts at user
    row ``first_row`` writes its pid to ``gate/pid`` and waits for ``armed`` to go (the test removes
    it, then kills that process); the retried block on the restarted actor finds no ``armed`` file and
    scores normally."""

    def __init__(self, inner: Predictor, gate: Path, first_row: int = 0) -> None:
        self.inner, self.gate, self.first_row = inner, gate, first_row
        self.name = inner.name

    def bind(self, catalog: Catalog) -> None:
        self.inner.bind(catalog)

    def rank_scores(self, user_rows: np.ndarray) -> torch.Tensor:
        armed = self.gate / "armed"
        if len(user_rows) and int(user_rows[0]) == self.first_row and armed.exists():
            (self.gate / "pid.tmp").write_text(str(os.getpid()))
            (self.gate / "pid.tmp").rename(self.gate / "pid")
            deadline = time.monotonic() + 120
            while armed.exists() and time.monotonic() < deadline:
                time.sleep(0.01)  # waits for the test's event (the file's removal), not for a duration
        return self.inner.rank_scores(user_rows)

    def predict(self, user_rows: np.ndarray, movie_cols: np.ndarray) -> torch.Tensor:
        return self.inner.predict(user_rows, movie_cols)

    def item_vectors(self) -> torch.Tensor:
        return self.inner.item_vectors()


def parked_loader(gate: Path) -> Any:
    """A PredictorLoader that wraps the registry's predictor in :class:`ParkedPredictor`."""
    from recdb.training import registry

    def load(con: Any, settings: Any, model_id: int | None = None) -> tuple[Predictor, Any]:
        predictor, record = registry.load_predictor(con, settings, model_id)
        return ParkedPredictor(predictor, gate), record

    return load
