"""Named SQL queries loaded from ``sql/`` (the aiosql convention, without the dependency).

A file holds one or more statements, each introduced by a ``-- name: some_name`` line; the text up to
the next ``-- name:`` line is that query. Values are always bound as parameters (``?`` or ``$name``),
never formatted into the text.

A marker right after the name says what the query returns, and so which function of :mod:`recdb.db`
runs it (the function refuses a query with another marker):

==============================  ==========================  =========================================
name line                       returns                     run with
==============================  ==========================  =========================================
``-- name: applied_versions``   rows (no marker)            ``rows()`` (tuples), ``frame()``, ``arrow()``
``-- name: current_load^``      one row, or None            ``one()``
``-- name: newest_load_id$``    one value, or None          ``scalar()`` (no row and NULL both None)
``-- name: insert_tags!``       nothing (a statement)       ``execute()``
==============================  ==========================  =========================================

Code names a query as ``queries("area").name`` (or ``q.name`` after ``q = queries("area")``, or
``q["name"]`` with a literal): ``tests/test_queries.py`` reads every use in ``recdb/``, ``jobs/``,
``bench/`` and ``tests/`` that way and checks that each name exists, each query is used, and each use
goes through the function its marker names.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal

Returns = Literal["rows", "one", "scalar", "statement"]

#: What each marker after a query's name means (no marker: rows).
MARKERS: dict[str, Returns] = {"": "rows", "^": "one", "$": "scalar", "!": "statement"}

_NAME = re.compile(r"^--\s*name:\s*([A-Za-z_][A-Za-z0-9_]*)([$^!]?)\s*$", re.MULTILINE)


class Query(str):
    """One named query: its SQL text, with its name and what it returns."""

    name: str
    returns: Returns

    def __new__(cls, text: str, name: str, returns: Returns) -> Query:
        query = super().__new__(cls, text)
        query.name = name
        query.returns = returns
        return query


def sql_root() -> Path:
    """The folder holding the project's ``.sql`` files (installed as ``recdb.sql``)."""
    return Path(str(resources.files("recdb.sql")))


def parse_named(text: str, origin: str) -> dict[str, Query]:
    """Split a file's text into ``{name: query}``; a duplicate name is a bug in the file."""
    parts = _NAME.split(text)
    out: dict[str, Query] = {}
    for name, marker, body in zip(parts[1::3], parts[2::3], parts[3::3], strict=True):
        if name in out:
            raise ValueError(f"{origin}: query {name!r} is defined twice")
        out[name] = Query(body.strip().rstrip(";").strip(), name, MARKERS[marker])
    return out


class Queries:
    """The named queries of one ``sql/<area>/`` folder (or a single file), by name."""

    def __init__(self, area: str) -> None:
        root = sql_root() / area
        files = sorted(root.glob("*.sql")) if root.is_dir() else [root.with_suffix(".sql")]
        self._queries: dict[str, Query] = {}
        for path in files:
            for name, query in parse_named(path.read_text(encoding="utf-8"), str(path)).items():
                if name in self._queries:
                    raise ValueError(f"{path}: query {name!r} is also defined elsewhere in sql/{area}")
                self._queries[name] = query

    def __getitem__(self, name: str) -> Query:
        try:
            return self._queries[name]
        except KeyError:
            raise KeyError(f"no query named {name!r}; known: {sorted(self._queries)}") from None

    def __getattr__(self, name: str) -> Query:
        if name.startswith("_"):
            raise AttributeError(name)
        return self[name]

    def names(self) -> list[str]:
        return sorted(self._queries)


@cache
def queries(area: str) -> Queries:
    """The named queries under ``sql/<area>`` (cached: the files do not change while running)."""
    return Queries(area)
