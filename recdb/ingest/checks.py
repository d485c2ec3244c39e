"""Checking staged files before anything is written: values, duplicates, references, append rules.

Every check is a named query in ``sql/ingest/checks.sql`` returning the first offending rows as
``(line, problem, total)``; the first failing check becomes a :class:`DataError` naming the file and
line, with a few more offending lines in the message.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import duckdb

from recdb.db import rows, scalar
from recdb.db.sql import Query, queries
from recdb.errors import DataError
from recdb.ingest.scan import InputFile
from recdb.ingest.source import Release
from recdb.ingest.stage import first_line

# Timestamps up to a day ahead of the clock are accepted (clock skew between machines).
_FUTURE_SLACK_S = 86_400


@dataclass(frozen=True)
class Check:
    query: Query
    role: str  # the file whose lines the query reports
    other: str | None = None  # the file a reference check looks in (for the message)
    unless: Query | None = None  # a cheaper query; when it returns true, the check is skipped


def _checks(release: Release) -> list[Check]:
    q = queries("ingest")
    layout = release.layout.name
    checks = [Check(q.check_movies_values, "movies"), Check(q.check_movies_duplicates, "movies")]
    if release.layout.genres is not None:
        checks.append(Check(q.check_movies_genres, "movies"))
    if layout == "ml-1m":
        checks.append(Check(q.check_users_1m, "users"))
    elif layout == "ml-100k":
        checks.append(Check(q.check_users_100k, "users"))
    has_users_file = "users" in release.files
    if has_users_file:
        checks.append(Check(q.check_users_duplicates, "users"))
    checks += [
        Check(q.check_ratings_values, "ratings"),
        # ratings has no primary key (see sql/schema/0006_ratings.sql): this check is what keeps it unique.
        Check(q.check_ratings_duplicates, "ratings", unless=q.ratings_pairs_unique),
        Check(q.check_ratings_unknown_movies, "ratings", "movies"),
    ]
    if has_users_file:
        checks.append(Check(q.check_ratings_unknown_users, "ratings", "users"))
    if "tags" in release.files:
        checks += [Check(q.check_tags_values, "tags"), Check(q.check_tags_unknown_movies, "tags", "movies")]
        if has_users_file:
            checks.append(Check(q.check_tags_unknown_users, "tags", "users"))
    return checks


def check_staged(con: duckdb.DuckDBPyConnection, release: Release) -> None:
    """Run every check that applies to this layout; raise on the first that finds bad rows."""
    steps = 2 if release.layout.half_stars else 1
    values: dict[str, object] = {
        "first_line": first_line(release),
        "min_rating": 0.5 if release.layout.half_stars else 1.0,
        "steps": steps,
        "scale": release.layout.scale,
        "max_ts": int(time.time()) + _FUTURE_SLACK_S,
        "genres": list(release.layout.genres or ()),
    }
    for check in _checks(release):
        if check.unless is not None and scalar(con, check.unless):
            continue
        params = {k: v for k, v in values.items() if f"${k}" in check.query}
        if check.other is not None:
            params["other_file"] = release.files[check.other].name
        _raise_first(rows(con, check.query, params), release.files[check.role])


def check_append(con: duckdb.DuckDBPyConnection, release: Release) -> None:
    """A newer copy of the loaded data set may only add ratings: none changed, none missing."""
    q = queries("ingest")
    file = release.files["ratings"]
    hint = "a load only appends; pass --replace to reload the data set as it is now"
    changed = rows(con, q.check_changed_ratings, {"first_line": first_line(release)})
    _raise_first(changed, file, f"rating changed since it was loaded ({hint})")
    _raise_first(rows(con, q.check_missing_ratings), file, f"rating missing ({hint})")


def _raise_first(rows: list[tuple[int | None, str, int]], file: InputFile, prefix: str = "") -> None:
    """The first offending row as a DataError (record numbers turned into the file's lines)."""
    if not rows:
        return
    line, problem, total = rows[0]
    message = f"{prefix}: {problem}" if prefix else problem
    if total > 1:
        lines = [str(file.physical_line(int(r[0]))) for r in rows if r[0] is not None]
        first = (
            f"; first lines: {', '.join(lines)}" if lines else "; e.g. " + "; ".join(r[1] for r in rows[1:3])
        )
        message += f" ({total} rows{first})"
    raise DataError(message, file=file.label, line=None if line is None else file.physical_line(int(line)))
