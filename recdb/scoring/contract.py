"""The publish contract (sql/scoring/contract.sql), checked where it costs readers nothing.

The checks are SQL queries over ``recommendations``, ``users``, ``movies`` and ``ratings``. They run
twice over, cheaply:

1. :func:`precheck`, before the job takes the write lock: the same queries, in an in-memory DuckDB
   where those four names are the run's staged Arrow rows and the snapshot of users, movies and
   ratings the job scored from. At ML-25M scale (16M rows) the checks take tens of seconds on two
   cores; holding the database file that long would lock every reader out.
2. Inside the publish transaction (:func:`check_in_transaction`): the rows inserted are the staged
   rows verbatim, so only two things can differ from the pre-check: the data (another process loaded
   ratings since the job read them) and the insert itself. The transaction compares the database's
   data state with the snapshot and the run's row count with the staged one; if the data changed it
   runs every check again, on the database, before the pointer moves.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa

from recdb.db import bind, execute, one, queries, records
from recdb.db.sql import Query
from recdb.errors import ContractError
from recdb.scoring.inputs import ScoreInputs

log = logging.getLogger(__name__)


def checks() -> tuple[Query, ...]:
    """The contract checks in the order they run (cheap, local checks first): queries in
    sql/scoring/contract.sql whose example rows carry a `rule` column naming the broken rule."""
    q = queries("scoring")
    return (q.check_values, q.check_lists, q.check_known_ids, q.check_not_already_rated, q.check_reasons)


# The name the run's Arrow table is registered under; sql/scoring/*.sql read from it.
STAGED = "staged_recommendations"

# In the pre-check's in-memory database the run has this id (fixed in the view precheck_recommendations).
PRECHECK_RUN_ID = 0


@dataclass(frozen=True)
class Snapshot:
    """The data a run was scored from: what the pre-check checked against."""

    users: pa.Table  # user_id
    movies: pa.Table  # movie_id
    ratings: pa.Table  # user_id, movie_id, rating
    load_id: int | None

    def state(self) -> tuple[Any, ...]:
        """Comparable with the ``data_state`` query: (newest load, users, movies, ratings)."""
        return (self.load_id, self.users.num_rows, self.movies.num_rows, self.ratings.num_rows)


@dataclass(frozen=True)
class Terms:
    """The run's parameters of the contract."""

    k: int
    min_rating: float
    max_rating: float

    def values(self, run_id: int) -> dict[str, Any]:
        return {"run_id": run_id, "k": self.k, "min_rating": self.min_rating, "max_rating": self.max_rating}


def snapshot_of(inputs: ScoreInputs) -> Snapshot:
    """The snapshot a scoring job read (its catalogue ids and rated pairs)."""
    return Snapshot(
        users=inputs.catalog.users.select("user_id").to_arrow(),
        movies=inputs.catalog.movies.select("movie_id").to_arrow(),
        ratings=inputs.rated_pairs,
        load_id=inputs.load_id,
    )


def precheck(table: pa.Table, snapshot: Snapshot, terms: Terms) -> float:
    """Run every contract check on the staged rows against the snapshot; returns the seconds taken."""
    start = time.monotonic()
    con = duckdb.connect(":memory:")
    try:
        con.register(STAGED, table)
        con.register("users", snapshot.users)
        con.register("movies", snapshot.movies)
        con.register("ratings", snapshot.ratings)
        execute(con, queries("scoring").precheck_recommendations)
        run_checks(con, terms.values(PRECHECK_RUN_ID), "the scored rows")
    finally:
        con.close()
    seconds = time.monotonic() - start
    log.info("contract pre-check passed in %.2f s", seconds)
    return seconds


def check_in_transaction(
    con: duckdb.DuckDBPyConnection,
    run_id: int,
    inserted: int,
    table: pa.Table,
    snapshot: Snapshot,
    terms: Terms,
) -> None:
    """Inside the publish transaction: the insert is whole, and the pre-check still holds."""
    if inserted != table.num_rows:
        raise ContractError(f"run {run_id}: inserted {inserted} rows, expected {table.num_rows}")
    state = one(con, queries("scoring").data_state)
    assert state is not None
    if tuple(state) == snapshot.state():
        return
    log.warning("the data changed while run %d was scored (%s -> %s): checking the contract again",
                run_id, snapshot.state(), tuple(state))  # fmt: skip
    run_checks(con, terms.values(run_id), f"run {run_id}")


def run_checks(con: duckdb.DuckDBPyConnection, values: dict[str, Any], what: str) -> None:
    """Run every check of :func:`checks`; the first that returns rows raises :class:`ContractError`."""
    for sql in checks():
        name = sql.name
        tick = time.monotonic()
        found = records(con, sql, bind(sql, values))
        log.debug("contract check %s: %.2f s", name, time.monotonic() - tick)
        if found:
            columns = list(found[0])
            rows = [tuple(record.values()) for record in found]
            rule = ", ".join(sorted({str(row[0]) for row in rows}))
            examples = "; ".join(
                ", ".join(f"{c}={v}" for c, v in zip(columns[1:], row[1:], strict=True)) for row in rows
            )
            raise ContractError(f"contract check {name} failed on {what}: rule {rule}; examples: {examples}")
