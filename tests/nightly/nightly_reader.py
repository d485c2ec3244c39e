"""A consumer process for the concurrent-reader test: query latest_recommendations in a loop.

Usage: ``python nightly_reader.py DB OUT STOPFILE``. Until STOPFILE exists it opens DB read-only,
runs the ``reader_snapshot`` check and writes one JSON line per snapshot to OUT. Opening can fail
while a job holds DuckDB's write lock for a short transaction: that is the documented retry, counted
as ``{"retry": ...}``; any other error is written as ``{"error": ...}`` and ends the loop.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import duckdb

from recdb.db.sql import parse_named

CHECKS = Path(__file__).with_name("checks.sql")


def main(db: str, out: str, stop: str) -> int:
    query = parse_named(CHECKS.read_text(encoding="utf-8"), str(CHECKS))["reader_snapshot"]
    with open(out, "a", encoding="utf-8") as fh:
        while not Path(stop).exists():
            try:
                con = duckdb.connect(db, read_only=True)
            except duckdb.Error as exc:
                fh.write(json.dumps({"retry": str(exc).splitlines()[0]}) + "\n")
                time.sleep(0.02)
                continue
            try:
                cursor = con.execute(query)
                names = [d[0] for d in cursor.description]
                row = cursor.fetchone()
                fh.write(json.dumps(dict(zip(names, row, strict=True)) if row else {"empty": True}) + "\n")
            except duckdb.Error as exc:
                message = str(exc).splitlines()[0]
                # Before the first publish the view has nothing to read (or is not created yet).
                fh.write(json.dumps({"error": message}) + "\n")
                return 1
            finally:
                con.close()
            fh.flush()
            time.sleep(0.01)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
