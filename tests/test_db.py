"""recdb.db's query functions and transaction helper, on an in-memory DuckDB."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import duckdb
import polars as pl
import pytest

from recdb.db import bind, execute, frame, one, records, rows, scalar, transaction
from recdb.db.sql import parse_named

SQL = parse_named(
    """
-- name: create!
CREATE TABLE t (id INTEGER, name VARCHAR);
-- name: insert!
INSERT INTO t VALUES ($id, $name);
-- name: all_rows
SELECT id, name FROM t ORDER BY id;
-- name: by_id^
SELECT id, name FROM t WHERE id = ?;
-- name: max_id$
SELECT max(id) FROM t;
-- name: name_of$
SELECT name FROM t WHERE id = ?;
""",
    "test",
)


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(":memory:")
    execute(con, SQL["create"])
    yield con
    con.close()


def test_each_function_returns_its_kind(con: duckdb.DuckDBPyConnection) -> None:
    assert scalar(con, SQL["max_id"]) is None  # NULL
    assert scalar(con, SQL["name_of"], [1]) is None  # no row
    assert one(con, SQL["by_id"], [1]) is None
    execute(con, SQL["insert"], {"id": 1, "name": "a"})
    execute(con, SQL["insert"], {"id": 2, "name": "b"})
    assert rows(con, SQL["all_rows"]) == [(1, "a"), (2, "b")]
    assert records(con, SQL["by_id"], [2]) == [{"id": 2, "name": "b"}]
    assert one(con, SQL["by_id"], [2]) == (2, "b")
    assert scalar(con, SQL["max_id"]) == 2
    assert frame(con, SQL["all_rows"]).equals(pl.DataFrame({"id": [1, 2], "name": ["a", "b"]}, strict=False))


def test_a_query_runs_only_through_its_markers_function(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(TypeError, match="'max_id' returns scalar, not one"):
        one(con, SQL["max_id"])
    with pytest.raises(TypeError, match="'insert' returns statement"):
        rows(con, SQL["insert"], {"id": 1, "name": "a"})
    assert rows(con, "SELECT 1") == [(1,)]  # plain text: not checked


def test_bind_keeps_the_values_a_statement_names() -> None:
    assert bind(SQL["insert"], {"id": 1, "name": "a", "other": 3}) == {"id": 1, "name": "a"}
    with pytest.raises(KeyError, match="name"):
        bind(SQL["insert"], {"id": 1})


def test_transaction_commits_or_rolls_back(con: duckdb.DuckDBPyConnection) -> None:
    with transaction(con):
        execute(con, SQL["insert"], {"id": 1, "name": "a"})
    with pytest.raises(ValueError), transaction(con):
        execute(con, SQL["insert"], {"id": 2, "name": "b"})
        raise ValueError("undo")
    assert rows(con, SQL["all_rows"]) == [(1, "a")]


def test_a_failing_rollback_does_not_hide_the_error(
    con: duckdb.DuckDBPyConnection, caplog: pytest.LogCaptureFixture
) -> None:
    """The block's own error propagates even when the rollback fails too (here: no transaction left)."""
    with (
        caplog.at_level(logging.WARNING),
        pytest.raises(ValueError, match="the real error"),
        transaction(con),
    ):
        con.commit()  # ends the transaction, so the rollback below has nothing to roll back
        raise ValueError("the real error")
    assert "rollback failed" in caplog.text
