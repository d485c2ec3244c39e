"""A nightly failure the database could not record, kept in a small JSON file beside it.

A nightly that cannot open the database (another process holds DuckDB's file lock: an IDE or a BI tool
that kept the main file open) cannot write its failure into ``runs`` either. It writes it here instead,
``<db>.nightly.json``, atomically (a temporary file renamed into place); ``recdb status`` merges it and
``status --check`` alerts on it until a later nightly succeeds, which removes the file.
"""

from __future__ import annotations

import json
import logging
import os
import socket
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from recdb.settings import DatabaseSettings

log = logging.getLogger(__name__)


def record_path(database: DatabaseSettings) -> Path:
    """``recdb.duckdb`` → ``recdb.duckdb.nightly.json``, beside the job lock."""
    return database.path.with_name(database.path.name + ".nightly.json")


def record_unrecorded(
    database: DatabaseSettings, *, run_id: int, exit_code: int, error: str, command: str
) -> Path | None:
    """Write the failure; best effort (a full disk must not hide the original error): None if it failed."""
    path = record_path(database)
    body: dict[str, Any] = {
        "status": "failed",
        "run_id": run_id or None,  # 0: the run could not even record its start
        "exit_code": exit_code,
        "error": error,
        "failed_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "command": command,
    }
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        # To the log file only: on failure cron gets exactly one line on stderr (the CLI's).
        log.warning("could not record the failure in %s either: %s", path, exc, extra={"file_only": True})
        tmp.unlink(missing_ok=True)
        return None
    return path


def read_unrecorded(database: DatabaseSettings) -> dict[str, Any] | None:
    """The recorded failure, or None; a file that cannot be parsed is reported as such, not ignored."""
    path = record_path(database)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        return {"status": "unreadable", "error": f"cannot read {path}: {exc}", "path": str(path)}
    try:
        body = json.loads(text)
    except json.JSONDecodeError as exc:
        return {"status": "unreadable", "error": f"{path} is not JSON: {exc}", "path": str(path)}
    if not isinstance(body, dict):
        return {"status": "unreadable", "error": f"{path} does not hold a JSON object", "path": str(path)}
    return {**body, "path": str(path)}


def clear_unrecorded(database: DatabaseSettings) -> None:
    """A nightly succeeded: the failure it recorded here is history."""
    record_path(database).unlink(missing_ok=True)
