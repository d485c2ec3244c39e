"""Writing a staged, checked release into the database, inside the caller's one transaction.

Only inserts of rows not loaded yet (an initial load or an append), or a replace: delete, then insert.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb

from recdb.db import execute, one, queries, scalar
from recdb.db.sql import Query
from recdb.ingest.source import Release


@dataclass(frozen=True)
class CurrentLoad:
    """What the database holds now: the newest load."""

    load_id: int
    dataset: str
    release: str
    checksums: dict[str, str]


@dataclass(frozen=True)
class Totals:
    users: int
    movies: int
    ratings: int
    tags: int


def current_load(con: duckdb.DuckDBPyConnection) -> CurrentLoad | None:
    row = one(con, queries("ingest").current_load)
    if row is None:
        return None
    load_id, dataset, release, checksums = row
    return CurrentLoad(int(load_id), str(dataset), str(release), dict(checksums))


def totals(con: duckdb.DuckDBPyConnection) -> Totals:
    row = one(con, queries("ingest").table_totals)
    assert row is not None
    return Totals(*(int(v) for v in row))


def publish(
    con: duckdb.DuckDBPyConnection, release: Release, action: str, started_at: dt.datetime
) -> tuple[int, Totals, Totals]:
    """Insert the staged rows not yet loaded (after deleting everything for a replace).

    Returns (load_id, totals before, totals after). Runs inside the caller's transaction.
    """
    q = queries("ingest")
    if action == "replace":
        execute(con, q.delete_dataset)
    before = totals(con)
    names = sorted(release.checksums)
    load_id = scalar(
        con,
        q.insert_load,
        {
            "dataset": release.dataset,
            "release": release.layout.name,
            "source": release.source,
            "file_names": names,
            "file_sums": [release.checksums[n] for n in names],
            "action": action,
            "started_at": started_at,
        },
    )
    assert load_id is not None
    ids = {"load_id": int(load_id)}
    execute(con, q.insert_genres)
    execute(con, q.insert_movies, ids)
    execute(con, q.insert_movie_genres, ids)
    execute(con, _users_query(release), ids)
    # A first load skips the anti-join against the (empty) ratings table: a third of the insert time.
    execute(con, q.insert_ratings if action == "append" else q.insert_ratings_all, ids)
    execute(con, q.insert_tags, ids)
    after = totals(con)
    execute(
        con,
        q.finish_load,
        {
            "load_id": load_id,
            "users_total": after.users,
            "movies_total": after.movies,
            "ratings_total": after.ratings,
            "tags_total": after.tags,
            "users_added": after.users - before.users,
            "movies_added": after.movies - before.movies,
            "ratings_added": after.ratings - before.ratings,
            "tags_added": after.tags - before.tags,
        },
    )
    return int(load_id), before, after


def _users_query(release: Release) -> Query:
    """The users insert for the release's users file (the releases without one get bare ids)."""
    q = queries("ingest")
    by_layout = {"ml-1m": q.insert_users_1m, "ml-100k": q.insert_users_100k}
    return by_layout.get(release.layout.name, q.insert_users_bare)
