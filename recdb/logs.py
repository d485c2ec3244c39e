"""Logging set-up: human lines on a terminal, quiet for cron, optional JSON lines to a file.

Progress bars are drawn only when stderr is a terminal (see :func:`progress_enabled`); under cron the
jobs log one line per step instead, and on success print nothing unless asked to (``-v``).
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

from recdb.settings import LogSettings

_HUMAN = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"

# ``extra`` fields a job may attach to a record (``log.info(..., extra={"run_id": 3})``); the JSON format
# carries them as keys so monitoring can filter the log file by run or stage.
CONTEXT_FIELDS = ("run_id", "stage", "seconds", "rows", "command")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message (and the traceback, if any)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, tz=timezone.utc).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class ConsoleFilter(logging.Filter):
    """Keep records marked ``extra={"file_only": True}`` off stderr.

    A failing cron job must print exactly one line on stderr (the CLI's error line); the details of
    the failure, logged by the job, still go to the log file.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(record, "file_only", False)


def stderr_is_terminal() -> bool:
    return sys.stderr.isatty()


def progress_enabled() -> bool:
    """Draw progress bars only for a person at a terminal, never under cron or in CI logs."""
    return stderr_is_terminal()


@contextmanager
def progress(
    label: str,
    total: int | None = None,
    *,
    iterable: Iterable[Any] | None = None,
    unit: str = "it",
    unit_scale: bool = False,
) -> Iterator[tqdm]:
    """The one progress bar of recdb: ``with progress("scoring", n) as bar: ... bar.update(k)``, or
    ``with progress("training", n, iterable=epochs) as bar: for epoch in bar: ...`` (a step counts
    once the loop asks for the next one, i.e. when the step's work is done).

    Drawn on stderr only when :func:`progress_enabled` (a person at a terminal); otherwise the bar is
    disabled and ``update`` does nothing, so cron output stays clean. While a bar is drawn, console log
    lines go through tqdm so they print above it instead of breaking it (same level and filters as
    the console handler); the log file is untouched.
    """
    enabled = progress_enabled()
    bar = tqdm(
        iterable,
        total=total or None,
        desc=label,
        unit=unit,
        unit_scale=unit_scale,
        file=sys.stderr,
        disable=not enabled,
        leave=False,
        dynamic_ncols=True,
    )
    try:
        with _logs_above_bar() if enabled else nullcontext():
            yield bar
    finally:
        bar.close()


@contextmanager
def _logs_above_bar() -> Iterator[None]:
    root = logging.getLogger()
    console = next((h for h in root.handlers if isinstance(h, logging.StreamHandler)
                    and not isinstance(h, logging.FileHandler) and h.stream is sys.stderr), None)  # fmt: skip
    with logging_redirect_tqdm():
        if console is not None:
            root.handlers[-1].setLevel(console.level)  # tqdm's handler does not copy the level
        yield


def setup_logging(settings: LogSettings, verbosity: int = 0) -> None:
    """Configure the root logger once.

    ``verbosity`` comes from ``-v`` (positive) / ``-q`` (negative). On a terminal the default level is
    the configured one; off a terminal (cron) stderr shows warnings and errors only, so a successful
    run is quiet, while ``log.file`` still receives everything at the configured level.
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    level = logging.getLevelName(settings.level)
    console_level = level if stderr_is_terminal() else logging.WARNING
    if verbosity > 0:
        console_level = logging.DEBUG if verbosity > 1 else logging.INFO
    elif verbosity < 0:
        console_level = logging.ERROR
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(console_level)
    console.addFilter(ConsoleFilter())
    console.setFormatter(JsonFormatter() if settings.json_format else logging.Formatter(_HUMAN, "%H:%M:%S"))
    root.addHandler(console)
    lowest = console_level
    if settings.file is not None:
        _add_file_handler(root, settings.file, level, settings.json_format)
        lowest = min(lowest, level)
    root.setLevel(lowest)
    for noisy in ("matplotlib", "PIL", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _add_file_handler(root: logging.Logger, path: Path, level: int, json_format: bool) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setLevel(level)
    handler.setFormatter(JsonFormatter() if json_format else logging.Formatter(_HUMAN))
    root.addHandler(handler)
