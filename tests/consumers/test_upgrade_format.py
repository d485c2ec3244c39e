"""``recdb db upgrade-format`` rewrites a database into database.storage_compatibility, losing nothing."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest

from recdb.db import format as db_format
from recdb.db.format import storage_version
from recdb.errors import DatabaseError, ExitCode
from recdb.jobs.cli import main
from tests.consumers.conftest import Published, own_copy


def counts(db: Path) -> dict[str, int]:
    with duckdb.connect(str(db), read_only=True) as con:
        names = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        return {n: con.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}


def test_upgrade_format_round_trip_keeps_every_row(
    published: Published, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = own_copy(published, tmp_path)
    before = counts(made.db)
    monkeypatch.setenv("RECDB_DATABASE__STORAGE_COMPATIBILITY", "latest")
    assert main(["--db", str(made.db), "db", "upgrade-format"]) == ExitCode.OK
    assert storage_version(made.db) > 64  # only the newest DuckDB reads it now
    monkeypatch.delenv("RECDB_DATABASE__STORAGE_COMPATIBILITY")
    assert main(["--db", str(made.db), "db", "upgrade-format"]) == ExitCode.OK
    assert storage_version(made.db) == 64
    assert counts(made.db) == before
    with duckdb.connect(str(made.db)) as con:  # sequences kept their values: the next run id is new
        assert con.execute("SELECT nextval('score_runs_seq')").fetchone()[0] > max(
            r[0] for r in con.execute("SELECT run_id FROM score_runs").fetchall()
        )
    assert sorted(p.name for p in tmp_path.iterdir() if ".tmp" in p.name) == []


def test_a_failed_rewrite_leaves_the_file_unchanged(
    published: Published, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = own_copy(published, tmp_path)
    digest = hashlib.sha256(made.db.read_bytes()).hexdigest()

    def broken(settings: object, source: Path, target: Path) -> tuple[int, int]:
        target.write_bytes(b"half a file")
        raise DatabaseError("the copy of it has 3 rows in ratings, not 5; nothing changed")

    monkeypatch.setattr(db_format, "_copy", broken)
    assert main(["--db", str(made.db), "db", "upgrade-format"]) == ExitCode.DATABASE
    assert hashlib.sha256(made.db.read_bytes()).hexdigest() == digest
    assert [p.name for p in tmp_path.iterdir() if ".tmp" in p.name] == []
