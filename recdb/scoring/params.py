"""Binding named parameters: DuckDB rejects values for ``$names`` a statement does not use."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_COMMENT = re.compile(r"--[^\n]*")


def bind(sql: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """The subset of ``values`` that ``sql`` names (comments ignored); a missing one is a bug here."""
    names = set(_PARAM.findall(_COMMENT.sub("", sql)))
    missing = names - values.keys()
    if missing:
        raise KeyError(f"no value for SQL parameter(s) {sorted(missing)}")
    return {name: values[name] for name in names}
