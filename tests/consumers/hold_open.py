"""A long-lived reader, as an IDE or a BI tool is: ``python hold_open.py DB``.

Opens DB read-only and keeps it open; prints ``ready <run_id>`` once it can read, then answers each
line on stdin with ``still <run_id>`` (the same connection, queried again) until stdin closes. The
test waits for these lines instead of sleeping.
"""

from __future__ import annotations

import sys

import duckdb

QUERY = "SELECT max(run_id) FROM latest_recommendations"


def main(db: str) -> int:
    con = duckdb.connect(db, read_only=True)
    print(f"ready {con.execute(QUERY).fetchone()[0]}", flush=True)
    for _ in sys.stdin:
        print(f"still {con.execute(QUERY).fetchone()[0]}", flush=True)
    con.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
