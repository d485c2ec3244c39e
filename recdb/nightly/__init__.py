"""recdb.nightly: the cron job (load → train → score → evaluate), its job lock, run records and status.

Names are exported lazily so that ``import recdb.nightly`` stays cheap for the CLI.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from recdb.nightly.lock import LockHolder, job_lock, lock_path
    from recdb.nightly.pipeline import NightlyResult, StageReport, run_nightly
    from recdb.nightly.status import collect_status, format_status

__all__ = [
    "LockHolder",
    "NightlyResult",
    "StageReport",
    "collect_status",
    "format_status",
    "job_lock",
    "lock_path",
    "run_nightly",
]

_HOME = {
    "LockHolder": "lock",
    "job_lock": "lock",
    "lock_path": "lock",
    "NightlyResult": "pipeline",
    "StageReport": "pipeline",
    "run_nightly": "pipeline",
    "collect_status": "status",
    "format_status": "status",
}


def __getattr__(name: str) -> Any:
    if name in _HOME:
        from importlib import import_module

        return getattr(import_module(f"recdb.nightly.{_HOME[name]}"), name)
    raise AttributeError(name)
