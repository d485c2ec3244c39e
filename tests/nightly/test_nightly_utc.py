"""Times are UTC instants (TIMESTAMPTZ): the same database reports the same ages under any TZ, and a
database written with the old local timestamps migrates to the right instants."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from recdb.db import open_db, queries
from recdb.db.connection import migration_files
from recdb.db.sql import parse_named
from recdb.nightly import records
from recdb.scoring.job import score_all
from recdb.settings import Settings
from tests.nightly.nightly_support import cli_env, insert_running_run, recdb_cmd
from tests.scoring_fakes import DotPredictor, fake_loader, fill_synthetic

ZONES = ("UTC", "America/Los_Angeles", "Pacific/Kiritimati")  # UTC-8 and UTC+14: 22 h apart
TESTS = Path(__file__).resolve().parents[1]
_OLD = parse_named(Path(__file__).with_name("old_times.sql").read_text(), "old_times.sql")


def status_under(settings: Settings, zone: str) -> dict:
    env = {**cli_env(settings), "TZ": zone}
    done = subprocess.run(recdb_cmd("status", "--json"), env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode in (0, 4), done.stderr
    return json.loads(done.stdout)


def test_the_same_database_reports_the_same_ages_in_every_time_zone(settings: Settings) -> None:
    with open_db(settings.database) as con:
        fill_synthetic(con, users=12, movies=20, per_user=4)
    score_all(settings, loader=fake_loader(DotPredictor(dim=4, seed=0), model_id=1))
    run_id = insert_running_run(settings, host="h", pid=1)
    records.finish_run(settings, run_id, status="succeeded", exit_code=0, error=None)
    seen = {zone: status_under(settings, zone) for zone in ZONES}
    for zone, status in seen.items():
        # written moments ago: a few seconds old (ages are rounded to 0.01 h), never negative
        assert 0 <= status["published"]["age_hours"] <= 0.1, (zone, status["published"])
        assert 0 <= status["last_success"]["age_hours"] <= 0.1, (zone, status["last_success"])
        assert status["published"]["published_at"].endswith("+00:00"), status["published"]
        assert status["published"]["published_at"] == seen["UTC"]["published"]["published_at"]
        assert status["runs"][0]["started_at"] == seen["UTC"]["runs"][0]["started_at"]


_BUILD_OLD = """
import sys, duckdb
from recdb.db.connection import apply_migrations, migration_files
import recdb.db.connection as c
c.migration_files = lambda: [p for p in migration_files() if p.stem < "0090"]
con = duckdb.connect(sys.argv[1])
apply_migrations(con)
con.execute(c.queries("session").local_zone)  # the old code wrote in the process's zone
sys.path.insert(0, sys.argv[3])  # tests/, for the test support module
from scoring_fakes import fill_synthetic
fill_synthetic(con, users=12, movies=20, per_user=4)  # loads, users, movies: rebuilt by 0093
con.execute(sys.argv[2])
con.close()
"""


@pytest.mark.parametrize("zone", ["America/Los_Angeles", "Pacific/Kiritimati"])
def test_a_database_with_local_timestamps_migrates_to_utc(settings: Settings, zone: str) -> None:
    db = str(settings.database.path)
    env = {**cli_env(settings), "TZ": zone}
    before = time.time()
    old = subprocess.run([sys.executable, "-c", _BUILD_OLD, db, _OLD["old_run"], str(TESTS)], env=env,
                         capture_output=True, text=True, timeout=120)  # fmt: skip
    assert old.returncode == 0, old.stderr
    # the next job (here `recdb init`) in the writer's zone migrates: local times become instants
    init = subprocess.run(recdb_cmd("init"), env=env, capture_output=True, text=True, timeout=120)
    assert init.returncode == 0, init.stderr
    with open_db(settings.database, read_only=True) as con:
        started, finished, kind = con.execute(_OLD["run_times"]).fetchone()  # type: ignore[misc]
        applied = {r[0] for r in con.execute(queries("migrations").applied_versions).fetchall()}
        loaded, users, movies, ratings = con.execute(_OLD["load_time_and_counts"]).fetchone()  # type: ignore[misc]
    assert kind == "TIMESTAMP WITH TIME ZONE"
    assert abs(started - (before - 7200)) < 120 and abs(finished - (before - 3600)) < 120
    assert {p.stem for p in migration_files()} <= applied
    assert abs(loaded - before) < 120 and (users, movies) == (12, 20) and ratings > 0
    # and read under the zone at the other end of the world, the run is still an hour old
    age = status_under(settings, "Pacific/Kiritimati" if zone != "Pacific/Kiritimati" else "UTC")
    assert 0.9 <= age["last_success"]["age_hours"] <= 1.1, age["last_success"]
