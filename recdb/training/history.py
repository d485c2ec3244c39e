"""``training_history`` written as training goes: one row per epoch, when the epoch ends.

So a training run that is killed or fails still leaves the curve of the epochs it finished next to
its 'failed' (or 'training') models row. Each write opens the database read-write for one INSERT
and closes it again: the connection is never held while the model trains, so consumers can read
the file between epochs. When another process holds the file for longer than the open waits, the
row stays pending (with a warning) and goes in with the next epoch's, or with the final publish.
"""

from __future__ import annotations

import logging
from typing import Any

import duckdb
import polars as pl

from recdb.db import execute, open_db, queries
from recdb.errors import BusyError
from recdb.settings import DatabaseSettings

log = logging.getLogger(__name__)


class EpochHistory:
    """The epochs of one model not yet in ``training_history``; :meth:`add` writes them at once."""

    def __init__(self, database: DatabaseSettings, model_id: int) -> None:
        self.database = database
        self.model_id = model_id
        self.pending: list[dict[str, Any]] = []

    def add(self, row: dict[str, Any]) -> None:
        """Record an epoch that just ended (keys: epoch, train_loss, valid_mae, valid_rmse, valid_ndcg10,
        seconds; others are ignored) in its own short read-write session."""
        self.pending.append(row)
        try:
            # migrate=False: train_model opened (and migrated) the file before the first epoch.
            with open_db(self.database, migrate=False) as con:
                self.write(con)
        except BusyError as exc:
            log.warning(
                "model %d: epoch %s not written to training_history yet (%s); retrying after the next epoch",
                self.model_id,
                row.get("epoch"),
                exc,
            )

    def write(self, con: duckdb.DuckDBPyConnection) -> None:
        """Insert the pending epochs on ``con`` (one statement, so all of them or none)."""
        if not self.pending:
            return
        con.register("history", pl.DataFrame(self.pending).to_arrow())
        try:
            execute(con, queries("training").insert_history, {"model_id": self.model_id})
        finally:
            con.unregister("history")
        self.pending = []
