"""Named SQL queries loaded from ``sql/`` (the aiosql convention, without the dependency).

A file holds one or more statements, each introduced by a ``-- name: some_name`` line; the text up to
the next ``-- name:`` line is that query. Values are always bound as parameters (``?`` or ``$name``),
never formatted into the text.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from pathlib import Path

_NAME = re.compile(r"^--\s*name:\s*([A-Za-z_][A-Za-z0-9_]*)\s*$", re.MULTILINE)


def sql_root() -> Path:
    """The folder holding the project's ``.sql`` files (installed as ``recdb.sql``)."""
    return Path(str(resources.files("recdb.sql")))


def parse_named(text: str, origin: str) -> dict[str, str]:
    """Split a file's text into ``{name: statement}``; a duplicate name is a bug in the file."""
    parts = _NAME.split(text)
    out: dict[str, str] = {}
    for name, body in zip(parts[1::2], parts[2::2], strict=True):
        if name in out:
            raise ValueError(f"{origin}: query {name!r} is defined twice")
        out[name] = body.strip().rstrip(";").strip()
    return out


class Queries:
    """The named queries of one ``sql/<area>/`` folder (or a single file), by name."""

    def __init__(self, area: str) -> None:
        root = sql_root() / area
        files = sorted(root.glob("*.sql")) if root.is_dir() else [root.with_suffix(".sql")]
        self._queries: dict[str, str] = {}
        for path in files:
            for name, body in parse_named(path.read_text(encoding="utf-8"), str(path)).items():
                if name in self._queries:
                    raise ValueError(f"{path}: query {name!r} is also defined elsewhere in sql/{area}")
                self._queries[name] = body

    def __getitem__(self, name: str) -> str:
        try:
            return self._queries[name]
        except KeyError:
            raise KeyError(f"no query named {name!r}; known: {sorted(self._queries)}") from None

    def __getattr__(self, name: str) -> str:
        if name.startswith("_"):
            raise AttributeError(name)
        return self[name]

    def names(self) -> list[str]:
        return sorted(self._queries)


@cache
def queries(area: str) -> Queries:
    """The named queries under ``sql/<area>`` (cached: the files do not change while running)."""
    return Queries(area)
