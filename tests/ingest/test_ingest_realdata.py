"""The real GroupLens files: exact counts, the mean rating, folder vs zip, reloads and an incremental append.

ml-1m is loaded once here (a few seconds); the other releases are small.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from recdb.ingest.load import load_dataset
from recdb.settings import Settings
from tests.ingest.ingest_support import one_row, snapshot
from tests.settings_support import with_sections

pytestmark = pytest.mark.realdata


def test_ml_1m(settings: Settings, ml_root: Path) -> None:
    result = load_dataset(settings, ml_root / "ml-1m")
    assert (result.dataset, result.action) == ("ml-1m", "initial")
    assert (result.ratings, result.users, result.movies, result.tags) == (1_000_209, 6_040, 3_883, 0)
    db = settings.database.path
    assert one_row(db, "SELECT round(avg(rating), 4), count(DISTINCT movie_id) FROM ratings") == (
        3.5816,
        3_706,
    )
    assert one_row(db, "SELECT count(*) FROM genres") == (18,)
    assert one_row(db, "SELECT count(*) FROM users WHERE age_group IS NULL OR occupation IS NULL") == (0,)
    assert one_row(db, "SELECT title, year FROM movies WHERE movie_id = 318") == (
        "Shawshank Redemption, The",
        1994,
    )
    assert one_row(db, "SELECT title FROM movies WHERE movie_id = 73") == (
        "Misérables, Les",
    )  # latin-1 decoded
    loads = snapshot(db, ("loads",))["loads"]  # (the whole ratings table is too big to compare cheaply)
    again = load_dataset(settings, ml_root / "ml-1m")
    assert (again.action, again.load_id, again.ratings_added) == ("unchanged", None, 0)
    assert snapshot(db, ("loads",))["loads"] == loads
    assert one_row(db, "SELECT count(*), max(load_id) FROM ratings") == (1_000_209, 1)


def test_ml_100k(settings: Settings, ml_root: Path) -> None:
    result = load_dataset(settings, ml_root / "ml-100k")
    assert (result.dataset, result.ratings, result.users, result.movies) == ("ml-100k", 100_000, 943, 1_682)
    db = settings.database.path
    assert one_row(db, "SELECT count(*) FROM users WHERE age_group IS NULL OR occupation IS NULL") == (0,)
    assert one_row(db, "SELECT occupation FROM users WHERE occupation_raw = 'healthcare' LIMIT 1") == (
        "doctor/health care",
    )


def test_ml_latest_small_folder_and_zip(settings: Settings, ml_root: Path, tmp_path: Path) -> None:
    folder = ml_root / "ml-latest-small"
    result = load_dataset(settings, folder)
    assert (result.dataset, result.ratings, result.users, result.movies) == (
        "ml-latest-small",
        100_836,
        610,
        9_742,
    )
    db = settings.database.path
    assert one_row(db, "SELECT count(*) FROM ratings WHERE rating <> floor(rating)") == (
        30_398,
    )  # half stars kept
    assert one_row(db, "SELECT min(rating), max(rating) FROM ratings") == (0.5, 5.0)
    assert one_row(db, "SELECT count(*) FROM tags") == (3_683,)
    assert one_row(
        db, "SELECT count(*) FROM movies WHERE movie_id NOT IN (SELECT movie_id FROM movie_genres)"
    ) == (34,)
    # The zip holds the same files: same checksums, nothing to do.
    assert load_dataset(settings, folder / "ml-latest-small.zip").action == "unchanged"
    # And into an empty database it gives the same counts.
    fresh = with_sections(settings, database={"path": tmp_path / "z.db"})
    zipped = load_dataset(fresh, folder / "ml-latest-small.zip")
    assert (zipped.dataset, zipped.ratings, zipped.users, zipped.movies) == (
        "ml-latest-small",
        100_836,
        610,
        9_742,
    )
    assert snapshot(tmp_path / "z.db")["ratings"] == snapshot(db)["ratings"]


def test_ml_100k_appended_copy_loads_incrementally(settings: Settings, ml_root: Path, tmp_path: Path) -> None:
    source = ml_root / "ml-100k"
    older = tmp_path / "older" / "ml-100k"
    older.mkdir(parents=True)
    for name in ("u.item", "u.user"):
        shutil.copyfile(source / name, older / name)
    lines = (source / "u.data").read_bytes().splitlines(keepends=True)
    (older / "u.data").write_bytes(b"".join(lines[:-2_500]))  # the newest copy adds the last 2,500
    first = load_dataset(settings, older)
    assert (first.action, first.ratings) == ("initial", 97_500)
    second = load_dataset(settings, source)
    assert (second.action, second.load_id, second.ratings_added, second.ratings) == (
        "append",
        2,
        2_500,
        100_000,
    )
    db = settings.database.path
    assert one_row(db, "SELECT count(*) FROM ratings WHERE load_id = 2") == (2_500,)
    assert one_row(db, "SELECT ratings_added, users_added, movies_added FROM loads WHERE load_id = 2") == (
        2_500,
        0,
        0,
    )
    assert load_dataset(settings, source).action == "unchanged"
