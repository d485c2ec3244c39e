"""examples/dbt builds: ``dbt build`` (the model and its tests; it parses the sources' freshness
rule too) against the serving copy a tiny nightly wrote. dbt runs from its own environment (.venv-dbt,
made by ``make dbt`` from examples/dbt/requirements.txt: its pins conflict with the dev tools'), and
writes its target/, logs and database under the test's tmp_path, never into the repository."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.consumers.conftest import Published

ROOT = Path(__file__).resolve().parents[2]
PROJECT = ROOT / "examples" / "dbt"


def dbt_binary() -> str | None:
    for found in (os.environ.get("RECDB_DBT"), str(ROOT / ".venv-dbt" / "bin" / "dbt"), shutil.which("dbt")):
        if found and Path(found).is_file() and os.access(found, os.X_OK):
            return found
    return None


DBT = dbt_binary()


@pytest.mark.skipif(DBT is None, reason="no dbt: `make dbt` puts dbt-duckdb into .venv-dbt")
def test_the_dbt_example_builds_on_the_serving_copy(published: Published, tmp_path: Path) -> None:
    assert DBT is not None
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DBT_", "RECDB_"))}
    env.update(RECDB_SERVING_DB=str(published.serving), RECDB_DBT_DB=str(tmp_path / "dbt.duckdb"))
    paths = ["--project-dir", str(PROJECT), "--profiles-dir", str(PROJECT),
             "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")]  # fmt: skip
    before = sorted(p.name for p in PROJECT.rglob("*"))
    done = subprocess.run(
        [DBT, "build", *paths], cwd=tmp_path, env=env, text=True, capture_output=True, timeout=300
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "PASS=12 WARN=0 ERROR=0" in done.stdout  # the model and its 11 tests
    assert sorted(p.name for p in PROJECT.rglob("*")) == before  # nothing written into the repository
