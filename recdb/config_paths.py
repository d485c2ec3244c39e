"""Relative paths in a TOML config file mean "beside the file", whatever folder cron starts the job in.

``path = "var/recdb.duckdb"`` in ``/srv/recdb.toml`` must mean ``/srv/var/recdb.duckdb``. Paths from the
environment and the command line stay relative to the working directory, as a shell user expects
(:mod:`recdb.settings` applies this to the TOML source only).
"""

from __future__ import annotations

import os
import types
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel

# ``data.source`` value that asks for the generated demo data explicitly.
DEMO_SOURCE = "demo"


def resolve_paths(data: dict[str, Any], base: Path, settings_cls: type[BaseModel]) -> dict[str, Any]:
    """``data`` with every relative path setting (and a path-like ``data.source``) joined to ``base``.

    Path settings the file leaves out get their default joined to ``base`` too: a configured run keeps
    all its files beside its config file, whichever folder it starts in.
    """
    for section_name, section_field in settings_cls.model_fields.items():
        model = section_field.annotation
        if not isinstance(model, type) or not issubclass(model, BaseModel):
            continue
        section = data.setdefault(section_name, {})
        if not isinstance(section, dict):
            continue  # not a table: validation names it
        fields = model.model_fields
        for name, info in fields.items():
            if is_path_type(info.annotation) and name not in section and info.default is not None:
                section[name] = str(info.default)
        for name, value in section.items():
            if name not in fields or not isinstance(value, str) or value == "":
                continue  # "" is a value of its own (database.serving_path: none), not a folder
            if is_path_type(fields[name].annotation) or (
                (section_name, name) == ("data", "source") and source_is_path(value, base)
            ):
                path = Path(value).expanduser()
                section[name] = str(path if path.is_absolute() else base / path)
    return data


def is_path_type(annotation: Any) -> bool:
    """Whether a field's annotation is ``Path`` or an optional ``Path``."""
    if annotation is Path:
        return True
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return Path in typing.get_args(annotation)
    return False


def source_is_path(value: str, base: Path) -> bool:
    """Whether a ``data.source`` from the file names a file or folder rather than a release or ``demo``."""
    if value == DEMO_SOURCE:
        return False
    looks_like_path = "/" in value or os.sep in value or value.endswith(".zip") or value.startswith("~")
    return looks_like_path or (base / value).exists()
