"""Writing a staged, checked release into the database, inside the caller's one transaction.

Only inserts of rows not loaded yet (an initial load or an append), or a replace: delete, then insert.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb

from recdb.db.sql import queries
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


_USERS_QUERY = {"ml-1m": "insert_users_1m", "ml-100k": "insert_users_100k"}


def current_load(con: duckdb.DuckDBPyConnection) -> CurrentLoad | None:
    row = con.execute(queries("ingest").current_load).fetchone()
    if row is None:
        return None
    load_id, dataset, release, checksums = row
    return CurrentLoad(int(load_id), str(dataset), str(release), dict(checksums))


def totals(con: duckdb.DuckDBPyConnection) -> Totals:
    row = con.execute(queries("ingest").table_totals).fetchone()
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
        con.execute(q.delete_dataset)
    before = totals(con)
    names = sorted(release.checksums)
    row = con.execute(
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
    ).fetchone()
    assert row is not None
    load_id = int(row[0])
    ids = {"load_id": load_id}
    con.execute(q.insert_genres)
    con.execute(q.insert_movies, ids)
    con.execute(q.insert_movie_genres, ids)
    con.execute(q[_USERS_QUERY.get(release.layout.name, "insert_users_bare")], ids)
    # A first load skips the anti-join against the (empty) ratings table: a third of the insert time.
    con.execute(q.insert_ratings if action == "append" else q.insert_ratings_all, ids)
    con.execute(q.insert_tags, ids)
    after = totals(con)
    con.execute(
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
    return load_id, before, after
