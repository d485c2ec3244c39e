"""recdb.nightly: the cron job (load → train → score → evaluate), its job lock, run records and status.

Names are exported lazily so that ``import recdb.nightly`` stays cheap for the CLI.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from recdb._lazy import lazy_getattr

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

__getattr__ = lazy_getattr(
    __name__,
    {
        "LockHolder": "lock",
        "job_lock": "lock",
        "lock_path": "lock",
        "NightlyResult": "pipeline",
        "StageReport": "pipeline",
        "run_nightly": "pipeline",
        "collect_status": "status",
        "format_status": "status",
    },
)
