"""Every DuckDB 1.x reads what recdb writes: the 1.x ``duckdb`` binary from the registry (duckdb-cli,
in the dev extra) answers README's consumer query and every ``sql/queries/*.sql`` on the database a
nightly wrote and on its serving copy."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from recdb.db.format import storage_version
from recdb.db.sql import sql_root
from tests.consumers.conftest import Published

ROOT = Path(__file__).resolve().parents[2]


def duckdb_cli() -> str | None:
    """The 1.x CLI: $RECDB_DUCKDB_CLI, the one beside this Python (pip's duckdb-cli), or on PATH."""
    for found in (
        os.environ.get("RECDB_DUCKDB_CLI"),
        str(Path(sys.executable).with_name("duckdb")),
        shutil.which("duckdb"),
    ):
        if found and Path(found).is_file() and os.access(found, os.X_OK):
            return found
    return None


CLI = duckdb_cli()
pytestmark = pytest.mark.skipif(
    CLI is None, reason="no duckdb CLI: `pip install duckdb-cli` (the dev extra installs it)"
)


def readme_query() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r'^duckdb -readonly var/recdb\.duckdb "([^"]+)"$', text, re.MULTILINE)
    assert found, 'README\'s consumer query (duckdb -readonly var/recdb.duckdb "...") not found'
    return found.group(1)


def run_cli(db: Path, sql: str) -> str:
    assert CLI is not None
    done = subprocess.run(
        [CLI, "-readonly", "-csv", str(db), sql], text=True, capture_output=True, timeout=60
    )  # fmt: skip
    assert done.returncode == 0 and "Error" not in done.stderr, f"{sql[:80]}: {done.stderr}"
    return done.stdout


def test_the_1x_cli_answers_readme_and_every_example_query(published: Published) -> None:
    version = subprocess.run([CLI or "", "--version"], text=True, capture_output=True).stdout
    assert version.startswith("v1."), version
    with duckdb.connect(str(published.db), read_only=True) as con:
        user_id, movie_id = con.execute(
            "SELECT user_id, movie_id FROM latest_recommendations LIMIT 1"
        ).fetchone()
    # README asks for user 42; the tiny demo data may not have that user: ask for one it has.
    query = re.sub(r"user_id = \d+", f"user_id = {user_id}", readme_query())
    for db in (published.db, published.serving):
        assert storage_version(db) == 64  # database.storage_compatibility = "v1.1.0"
        lines = run_cli(db, query).splitlines()
        assert lines[0].startswith("run_id,user_id,rank,movie_id") and len(lines) == 11
        for path in sorted((sql_root() / "queries").glob("*.sql")):
            setup = f"SET VARIABLE user_id = {user_id}; SET VARIABLE movie_id = {movie_id};\n"
            run_cli(db, setup + path.read_text(encoding="utf-8"))
