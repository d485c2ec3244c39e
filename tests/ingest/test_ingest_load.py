"""Loading behaviour on the tiny releases: every layout, titles, vocabularies, reloads, appends, replace."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from recdb.errors import ConfigError, DataError, DatasetMismatchError, ExitCode
from recdb.ingest.load import load_dataset
from recdb.jobs.cli import main
from recdb.settings import Settings
from tests.ingest.ingest_support import (
    TINY,
    TINY_COUNTS,
    snapshot,
    unchanged,
    write_release,
    write_release_zip,
)
from tests.settings_support import with_sections


def _rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.mark.parametrize("name", sorted(TINY))
def test_every_layout_loads(settings: Settings, tmp_path: Path, name: str) -> None:
    result = load_dataset(settings, write_release(tmp_path, name))
    assert (result.action, result.dataset, result.load_id) == ("initial", name, 1)
    assert (result.users, result.movies, result.ratings, result.tags) == TINY_COUNTS[name]
    assert result.ratings_added == TINY_COUNTS[name][2]
    # References hold although the child tables carry no FOREIGN KEY clauses (see 0005_movie_genres.sql).
    orphans = _rows(
        settings.database.path,
        "SELECT (SELECT count(*) FROM ratings WHERE user_id NOT IN (SELECT user_id FROM users)"
        "        OR movie_id NOT IN (SELECT movie_id FROM movies))"
        "     + (SELECT count(*) FROM tags WHERE user_id NOT IN (SELECT user_id FROM users)"
        "        OR movie_id NOT IN (SELECT movie_id FROM movies))"
        "     + (SELECT count(*) FROM movie_genres WHERE genre_id NOT IN (SELECT genre_id FROM genres))",
    )
    assert orphans == [(0,)]


def test_titles_split_into_title_and_year(settings: Settings, tmp_path: Path) -> None:
    load_dataset(settings, write_release(tmp_path, "ml-1m"))
    assert _rows(settings.database.path, "SELECT movie_id, title, year FROM movies ORDER BY movie_id") == [
        (1, "Toy Story", 1995),
        (2, "City of Lost Children, The (Cité des enfants perdus, La)", 1995),  # latin-1 decoded
        (3, "Shawshank Redemption, The", 1994),
    ]
    load_dataset(settings, write_release(tmp_path, "ml-latest-small"), replace=True)
    assert _rows(settings.database.path, "SELECT title, year, title_raw FROM movies WHERE movie_id = 3") == [
        ('Cité des "enfants"', 1995, 'Cité des "enfants" (1995) ')  # quotes, utf-8, trailing space
    ]
    load_dataset(settings, write_release(tmp_path, "ml-10m"), replace=True)
    assert _rows(settings.database.path, "SELECT title, year FROM movies WHERE movie_id = 2") == [
        ("Some Series", 2007)
    ]
    load_dataset(settings, write_release(tmp_path, "ml-100k"), replace=True)
    assert _rows(settings.database.path, "SELECT title, year FROM movies WHERE movie_id = 3") == [
        ("unknown", None)
    ]


def test_genres_without_a_genre_get_no_rows(settings: Settings, tmp_path: Path) -> None:
    load_dataset(settings, write_release(tmp_path, "ml-10m"))
    db = settings.database.path
    assert _rows(db, "SELECT count(*) FROM movie_genres WHERE movie_id = 2") == [(0,)]  # (no genres listed)
    assert _rows(db, "SELECT name FROM genres ORDER BY genre_id") == [
        ("Adventure",), ("Animation",), ("Children",), ("Comedy",), ("Fantasy",)
    ]  # fmt: skip
    load_dataset(settings, write_release(tmp_path, "ml-100k"), replace=True)
    assert _rows(db, "SELECT count(*) FROM movie_genres WHERE movie_id = 3") == [(0,)]  # ML-100K 'unknown'


def test_demographics_share_one_vocabulary(settings: Settings, tmp_path: Path) -> None:
    db = settings.database.path
    load_dataset(settings, write_release(tmp_path, "ml-1m"))
    assert _rows(
        db, "SELECT user_id, gender, age_group, age_raw, occupation, occupation_raw FROM users ORDER BY 1"
    ) == [
        (1, "F", "Under 18", 1, "K-12 student", "10"),
        (2, "M", "56+", 56, "self-employed", "16"),
        (3, "M", "25-34", 25, "scientist", "15"),
    ]
    load_dataset(settings, write_release(tmp_path, "ml-100k"), replace=True)
    assert _rows(
        db, "SELECT user_id, age_group, age_raw, occupation, occupation_raw FROM users ORDER BY 1"
    ) == [
        (1, "18-24", 24, "technician/engineer", "technician"),
        (2, "50-55", 53, "other", "other"),
        (3, "18-24", 23, "writer", "writer"),
    ]
    load_dataset(settings, write_release(tmp_path, "ml-10m"), replace=True)
    assert _rows(
        db, "SELECT count(*) FROM users WHERE gender IS NULL AND age_group IS NULL AND occupation IS NULL"
    )[0] == (4,)  # no users file: NULL, never guessed; taggers without ratings are users too


def test_half_stars_are_kept(settings: Settings, tmp_path: Path) -> None:
    load_dataset(settings, write_release(tmp_path, "ml-10m"))
    assert _rows(settings.database.path, "SELECT rating FROM ratings ORDER BY ALL") == [
        (0.5,),
        (3.5,),
        (4.0,),
        (5.0,),
    ]


def test_reload_is_a_no_op(settings: Settings, tmp_path: Path) -> None:
    folder = write_release(tmp_path, "ml-latest-small")
    load_dataset(settings, folder)
    before = snapshot(settings.database.path)
    again = load_dataset(settings, folder)
    assert (again.action, again.load_id, again.ratings_added, again.ratings) == ("unchanged", None, 0, 3)
    # The same files in a zip (checksums are of the members), and a byte-identical copy elsewhere.
    archive = write_release_zip(tmp_path / "zips" / "ml-latest-small.zip", "ml-latest-small")
    assert load_dataset(settings, archive).action == "unchanged"
    assert load_dataset(settings, write_release(tmp_path / "copy", "ml-latest-small")).action == "unchanged"
    assert load_dataset(settings, folder, replace=True).action == "unchanged"  # nothing to replace
    assert snapshot(settings.database.path) == before


def test_newer_copy_appends_only_new_rows(settings: Settings, tmp_path: Path) -> None:
    load_dataset(settings, write_release(tmp_path / "v1", "ml-latest-small"))
    newer = {
        "ratings.csv": TINY["ml-latest-small"]["ratings.csv"] + b"3,2,2.5,964990000\n4,4,5.0,964990001\n",
        "movies.csv": TINY["ml-latest-small"]["movies.csv"] + b"4,New Film (2019),Drama|IMAX\n",
        "tags.csv": TINY["ml-latest-small"]["tags.csv"] + b"4,4,imax,1445714999\n",
    }
    result = load_dataset(settings, write_release(tmp_path / "v2", "ml-latest-small", newer))
    assert (result.action, result.load_id, result.ratings_added) == ("append", 2, 2)
    assert (result.users, result.movies, result.ratings, result.tags) == (4, 4, 5, 3)
    db = settings.database.path
    assert _rows(db, "SELECT load_id, count(*) FROM ratings GROUP BY ALL ORDER BY ALL") == [(1, 3), (2, 2)]
    # ratings has no primary key (0006_ratings.sql): the loader keeps (user, movie) unique.
    assert _rows(db, "SELECT count(*) = count(DISTINCT (user_id, movie_id)) FROM ratings") == [(True,)]
    added = "SELECT action, users_added, movies_added, ratings_added, tags_added FROM loads WHERE load_id = 2"
    assert _rows(db, added) == [("append", 1, 1, 2, 1)]
    genres = "SELECT g.name FROM movie_genres JOIN genres AS g USING (genre_id) WHERE movie_id = 4 ORDER BY 1"
    assert _rows(db, genres) == [("Drama",), ("IMAX",)]
    assert (
        load_dataset(settings, write_release(tmp_path / "v2", "ml-latest-small", newer)).action == "unchanged"
    )


@pytest.mark.parametrize(
    ("ratings", "text", "line"),
    [
        (
            b"userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,3,2.0,964981247\n2,2,0.5,964982224\n",
            "changed",
            3,
        ),
        (b"userId,movieId,rating,timestamp\n1,1,4.0,964982703\n2,2,0.5,964982224\n", "missing", None),
    ],
    ids=["changed-rating", "missing-rating"],
)
def test_newer_copy_may_only_append(
    loaded_db: Callable[[str], Path],
    settings: Settings,
    tmp_path: Path,
    ratings: bytes,
    text: str,
    line: int | None,
) -> None:
    db = loaded_db("ml-latest-small")
    with unchanged(db), pytest.raises(DataError, match=rf"rating {text} .*--replace") as info:
        load_dataset(settings, write_release(tmp_path, "ml-latest-small", {"ratings.csv": ratings}))
    assert Path(str(info.value.file)).name == "ratings.csv" and info.value.line == line


def test_other_data_set_needs_replace(
    loaded_db: Callable[[str], Path], settings: Settings, tmp_path: Path
) -> None:
    db = loaded_db("ml-1m")
    other = write_release(tmp_path, "ml-100k")
    with (
        unchanged(db),
        pytest.raises(DatasetMismatchError, match=r"holds data set 'ml-1m'.*not 'ml-100k'.*--replace"),
    ):
        load_dataset(settings, other)
    result = load_dataset(settings, other, replace=True)
    assert (result.action, result.dataset, result.ratings, result.ratings_added) == (
        "replace",
        "ml-100k",
        4,
        4,
    )
    assert _rows(db, "SELECT load_id, dataset, action FROM loads ORDER BY 1") == [
        (1, "ml-1m", "initial"), (2, "ml-100k", "replace")
    ]  # fmt: skip
    assert _rows(db, "SELECT DISTINCT load_id FROM ratings") == [(2,)]


def test_loads_row_records_checksums_and_source(settings: Settings, tmp_path: Path) -> None:
    folder = write_release(tmp_path, "ml-10m")
    load_dataset(settings, folder)
    [(dataset, release, source, sums)] = _rows(
        settings.database.path, "SELECT dataset, release, source, file_checksums FROM loads"
    )
    assert (dataset, release, source) == ("ml-10m", "ml-10m", str(folder.resolve()))
    assert isinstance(sums, dict)
    assert sorted(sums) == ["movies.dat", "ratings.dat", "tags.dat"]
    assert all(len(v) == 64 for v in sums.values())


def test_data_set_names(settings: Settings, tmp_path: Path) -> None:
    assert load_dataset(settings, write_release(tmp_path, "ml-1m")).dataset == "ml-1m"
    renamed = write_release(tmp_path / "x", "ml-1m").rename(tmp_path / "x" / "My Ratings")
    assert load_dataset(settings, renamed, replace=True).dataset == "my-ratings"
    demo = write_release(tmp_path / "d", "ml-1m").rename(tmp_path / "d" / "whatever")
    (demo / "DEMO").write_text('{"dataset": "demo", "seed": 0}\n')
    assert load_dataset(settings, demo, replace=True).dataset == "demo"
    nested = tmp_path / "n" / "ml-10M100K"  # the official ml-10m zip's folder name, one level down
    write_release(tmp_path / "n" / "ml-10M100K", "ml-10m")
    assert load_dataset(settings, nested, replace=True).dataset == "ml-10m"
    assert nested.is_dir()


def test_missing_source_is_a_usage_error(settings: Settings, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file or folder"):
        load_dataset(settings, tmp_path / "nowhere")
    with pytest.raises(ConfigError, match=r"ml-20m: no such file or folder.*recdb fetch ml-20m"):
        load_dataset(settings, "ml-20m")  # a release name, not fetched yet
    with pytest.raises(ConfigError, match=r"ml-7m: no such file or folder; unknown MovieLens release"):
        load_dataset(settings, "ml-7m")


def test_release_name_loads_the_fetched_copy(settings: Settings, tmp_path: Path) -> None:
    from recdb.ingest.fetch import RECORD

    folder = write_release(settings.data.cache_dir, "ml-latest-small")
    (folder / RECORD).write_text("{}\n")  # what `recdb fetch` leaves in a verified, unpacked release
    result = load_dataset(settings, "ml-latest-small")
    assert (result.dataset, result.ratings) == ("ml-latest-small", 3)


def test_read_only_database_gives_a_clear_error(settings: Settings, tmp_path: Path) -> None:
    load_dataset(settings, write_release(tmp_path, "ml-1m"))
    db = settings.database.path
    before = snapshot(db)
    os.chmod(db, 0o444)
    try:
        with pytest.raises(ConfigError, match=r"is read-only \(setting database.path\)"):
            load_dataset(settings, write_release(tmp_path, "ml-100k"), replace=True)
    finally:
        os.chmod(db, 0o644)
    assert snapshot(db) == before


def test_cli_exit_codes_and_output(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(settings.database.path)
    good = write_release(tmp_path / "good", "ml-1m")
    assert main(["--db", db, "load", str(good)]) == ExitCode.OK
    assert (
        "ml-1m: load 1: initial, +5 ratings; now 3 users, 3 movies, 5 ratings, 0 tags"
        in capsys.readouterr().out
    )
    bad = write_release(tmp_path / "bad", "ml-1m", {"ratings.dat": b"1::1::9::978300760\n"})
    assert main(["--db", db, "load", str(bad)]) == ExitCode.DATA
    assert "ratings.dat:1: rating 9.0 is outside the scale" in capsys.readouterr().err
    assert main(["--db", db, "load", str(write_release(tmp_path, "ml-100k"))]) == ExitCode.DATA  # mismatch
    assert "--replace" in capsys.readouterr().err
    assert main(["--db", db, "load", "--replace", str(write_release(tmp_path, "ml-100k"))]) == ExitCode.OK
    capsys.readouterr()
    assert main(["--db", db, "info"]) == ExitCode.OK
    out = capsys.readouterr().out
    assert "ratings" in out and "ml-100k (ml-100k layout): 1 load(s)" in out and "<- current" in out
    assert "#2" in out and "replace" in out and "#1" in out


def test_default_source_is_the_demo_data(settings: Settings) -> None:
    small = with_sections(settings, demo={"ratings": 2_000})
    result = load_dataset(small)
    assert (result.dataset, result.action, result.ratings) == ("demo", "initial", 2_000)
    assert load_dataset(small).action == "unchanged"  # same seed and size: the same files
