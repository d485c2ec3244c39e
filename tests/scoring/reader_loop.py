"""A stand-in for an external consumer, run as a separate process by test_scoring_concurrency.py.

It follows the protocol of docs/consumers.md with plain DuckDB (no recdb import): open read-only,
retrying while a job holds the write lock for at most RETRY_S seconds; run one query; close at once;
pause briefly before the next connection. It reads until STOP_FILE exists, then writes a JSON summary.

Usage: python reader_loop.py DB QUERY_FILE STOP_FILE OUT_JSON
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import duckdb

RETRY_S = 10.0  # the documented bound (docs/consumers.md)
POLL_S = 0.05  # sleep between open attempts while the file is locked
GAP_S = 0.05  # pause between connections, so a waiting writer can take the lock


def open_read_only(path: str) -> tuple[duckdb.DuckDBPyConnection, float, int]:
    start, attempts = time.monotonic(), 0
    while True:
        attempts += 1
        try:
            return duckdb.connect(path, read_only=True), time.monotonic() - start, attempts - 1
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() - start > RETRY_S:
                raise
            time.sleep(POLL_S)


def main() -> None:
    db, query_file, stop_file, out = sys.argv[1:5]
    query = Path(query_file).read_text(encoding="utf-8")
    reads: list[list[list[int]]] = []
    waits: list[float] = []
    retries = 0
    errors: list[str] = []
    while not Path(stop_file).exists():
        try:
            con, waited, tries = open_read_only(db)
            try:
                reads.append([list(row) for row in con.execute(query).fetchall()])
            finally:
                con.close()
            waits.append(waited)
            retries += tries
        except Exception as exc:  # anything beyond the documented retry is a failure of the protocol
            errors.append(f"{type(exc).__name__}: {exc}")
        time.sleep(GAP_S)
    Path(out).write_text(json.dumps({"reads": reads, "waits": waits, "retries": retries, "errors": errors}))


if __name__ == "__main__":
    main()
