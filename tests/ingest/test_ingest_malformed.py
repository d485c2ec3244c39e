# ruff: noqa: E501  (the table of cases reads better one case per line)
"""Malformed input: every case fails with a DataError naming the file and line, and changes nothing.

Each case starts from a valid tiny release (tests/ingest/ingest_support.py) and breaks one thing. The
database already holds the valid release, and the broken copy is loaded with ``replace=True``, so the
failure happens on the longest path (a replace deletes the old data first) and must be rolled back.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from recdb.errors import DataError, ExitCode
from recdb.ingest.load import load_dataset
from recdb.settings import Settings
from tests.ingest.ingest_support import TINY, unchanged, write_release, write_release_zip


def _lines(release: str, file: str) -> list[bytes]:
    return TINY[release][file].splitlines(keepends=True)


def _set_line(release: str, file: str, number: int, text: bytes) -> dict[str, bytes | None]:
    """The release's ``file`` with line ``number`` (1-based) replaced by ``text``."""
    lines = _lines(release, file)
    lines[number - 1] = text + b"\n"
    return {file: b"".join(lines)}


def _append(release: str, file: str, text: bytes) -> dict[str, bytes | None]:
    return {file: TINY[release][file] + text}


# id, release, changed files, file named in the message, line (None: no single line), text in the message
CASES: list[tuple[str, str, dict[str, bytes | None], str, int | None, str]] = [
    ("1m-field-count", "ml-1m", _set_line("ml-1m", "ratings.dat", 3, b"2::1::4"), "ratings.dat", 3,
     "wrong number of fields"),
    ("1m-too-many-fields", "ml-1m", _set_line("ml-1m", "users.dat", 2, b"2::M::56::16::70072::x"), "users.dat", 2,
     "wrong number of fields"),
    ("1m-user-id-not-numeric", "ml-1m", _set_line("ml-1m", "ratings.dat", 4, b"x2::3::5::978300275"), "ratings.dat",
     4, "not a number"),
    ("1m-rating-6", "ml-1m", _set_line("ml-1m", "ratings.dat", 2, b"1::2::6::978302109"), "ratings.dat", 2,
     "outside the scale"),
    ("1m-half-star", "ml-1m", _set_line("ml-1m", "ratings.dat", 5, b"3::2::3.5::978824291"), "ratings.dat", 5,
     "whole stars 1-5"),
    ("1m-timestamp-text", "ml-1m", _set_line("ml-1m", "ratings.dat", 1, b"1::1::5::2000-12-31"), "ratings.dat", 1,
     "timestamp is not a Unix time in whole seconds"),
    ("1m-timestamp-negative", "ml-1m", _set_line("ml-1m", "ratings.dat", 2, b"1::2::3::-978302109"),
     "ratings.dat", 2, "timestamp"),
    ("1m-unknown-movie", "ml-1m", _append("ml-1m", "ratings.dat", b"3::99::4::978824291\n"), "ratings.dat", 6,
     "movie 99 is not in movies.dat"),
    ("1m-unknown-user", "ml-1m", _append("ml-1m", "ratings.dat", b"9::1::4::978824291\n"), "ratings.dat", 6,
     "user 9 is not in users.dat"),
    ("1m-duplicate-rating", "ml-1m", _append("ml-1m", "ratings.dat", b"2::1::2::978824291\n"), "ratings.dat", 3,
     "user 2 rated movie 1 2 times (lines 3 and 6)"),
    ("1m-bad-age-code", "ml-1m", _set_line("ml-1m", "users.dat", 3, b"3::M::7::15::55117"), "users.dat", 3,
     "age code 7"),
    ("1m-bad-occupation", "ml-1m", _set_line("ml-1m", "users.dat", 1, b"1::F::1::21::48067"), "users.dat", 1,
     "occupation code 21"),
    ("1m-bad-gender", "ml-1m", _set_line("ml-1m", "users.dat", 2, b"2::X::56::16::70072"), "users.dat", 2,
     "gender X"),
    ("1m-truncated", "ml-1m", {"movies.dat": TINY["ml-1m"]["movies.dat"][:-9]}, "movies.dat", 3, "truncated"),
    ("1m-empty-file", "ml-1m", {"ratings.dat": b""}, "ratings.dat", None, "empty"),
    ("1m-missing-file", "ml-1m", {"movies.dat": None}, "ml-1m", None, "movies.dat missing"),
    ("1m-tab-separated", "ml-1m", {"ratings.dat": TINY["ml-1m"]["ratings.dat"].replace(b"::", b"\t")},
     "ratings.dat", 1, "check the separator"),
    ("1m-blank-line", "ml-1m", _set_line("ml-1m", "ratings.dat", 3, b""), "ratings.dat", 3, "blank line"),
    ("1m-duplicate-movie", "ml-1m", _append("ml-1m", "movies.dat", b"2::Again (1999)::Drama\n"), "movies.dat", 2,
     "movie 2 appears 2 times"),
    ("1m-empty-title", "ml-1m", _set_line("ml-1m", "movies.dat", 3, b"3::::Drama"), "movies.dat", 3, "no title"),
    ("100k-movie-id-not-numeric", "ml-100k", _set_line("ml-100k", "u.data", 2, b"1\tx2\t3\t876893171"), "u.data", 2,
     "'movie_id' is not a number"),
    ("100k-rating-0", "ml-100k", _set_line("ml-100k", "u.data", 4, b"3\t3\t0\t876893119"), "u.data", 4,
     "outside the scale"),
    ("100k-genre-flag-2", "ml-100k", _set_line("ml-100k", "u.item", 1, b"1|Toy Story (1995)|01-Jan-1995||http://x|0|0|0|1|1|2|0|0|0|0|0|0|0|0|0|0|0|0|0"), "u.item", 1, "genre flags"),
    ("100k-item-field-count", "ml-100k", {"u.item": TINY["ml-100k"]["u.item"].replace(b"http://x|1|0|", b"http://x|1|")},
     "u.item", 3, "wrong number of fields"),
    ("100k-unknown-occupation", "ml-100k", _set_line("ml-100k", "u.user", 2, b"2|53|F|astronaut|94043"), "u.user", 2,
     "occupation astronaut"),
    ("100k-unknown-user", "ml-100k", _append("ml-100k", "u.data", b"7\t1\t3\t876893119\n"), "u.data", 5,
     "user 7 is not in u.user"),
    ("10m-rating-5.5", "ml-10m", _set_line("ml-10m", "ratings.dat", 2, b"1::2::5.5::838983525"), "ratings.dat", 2,
     "half stars 0.5-5"),
    ("10m-rating-quarter", "ml-10m", _set_line("ml-10m", "ratings.dat", 3, b"2::1::0.25::838983392"), "ratings.dat",
     3, "outside the scale"),
    ("10m-tag-unknown-movie", "ml-10m", _append("ml-10m", "tags.dat", b"15::42::boring::1215184630\n"), "tags.dat",
     3, "movie 42 is not in movies.dat"),
    ("10m-unknown-movie", "ml-10m", _append("ml-10m", "ratings.dat", b"5::77::3::838983421\n"), "ratings.dat", 5,
     "movie 77"),
    ("csv-invalid-utf8", "ml-latest-small", _set_line("ml-latest-small", "movies.csv", 3, b'2,"Caf\xe9 (1995)",Drama'),
     "movies.csv", 3, "invalid UTF-8"),
    ("csv-wrong-header", "ml-latest-small", _set_line("ml-latest-small", "ratings.csv", 1, b"user,movie,rating,time"),
     "ratings.csv", 1, "expected the header"),
    ("csv-rating-5.5", "ml-latest-small", _append("ml-latest-small", "ratings.csv", b"2,3,5.5,964982224\n"),
     "ratings.csv", 5, "outside the scale"),
    ("csv-duplicate-rating", "ml-latest-small", _append("ml-latest-small", "ratings.csv", b"1,3,3.0,964982224\n"),
     "ratings.csv", 3, "user 1 rated movie 3 2 times"),
    ("csv-tags-field-count", "ml-latest-small", _append("ml-latest-small", "tags.csv", b"2,1,funny\n"), "tags.csv",
     4, "wrong number of fields"),
    ("csv-header-only", "ml-latest-small", {"ratings.csv": b"userId,movieId,rating,timestamp\n"}, "ratings.csv",
     None, "no data rows"),
    ("csv-truncated", "ml-latest-small", {"ratings.csv": TINY["ml-latest-small"]["ratings.csv"][:-5]}, "ratings.csv",
     4, "truncated"),
    ("csv-unknown-movie", "ml-latest-small", _append("ml-latest-small", "ratings.csv", b"4,404,3.0,964982224\n"),
     "ratings.csv", 5, "movie 404 is not in movies.csv"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("release", "changes", "file", "line", "text"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_malformed_release_is_refused_and_changes_nothing(
    loaded_db: Callable[[str], Path],
    settings: Settings,
    tmp_path: Path,
    release: str,
    changes: dict[str, bytes | None],
    file: str,
    line: int | None,
    text: str,
) -> None:
    db = loaded_db(release)
    bad = write_release(tmp_path / "bad", release, changes)
    with unchanged(db), pytest.raises(DataError) as info:
        load_dataset(settings, bad, replace=True)
    err = info.value
    assert err.exit_code == ExitCode.DATA
    assert err.file is not None and Path(err.file).name == file, str(err)
    assert err.line == line, str(err)
    assert text in str(err)
    assert f"{file}:{line}:" in str(err) if line is not None else f"{file}: " in str(err)


def test_zip_without_movielens_files(
    loaded_db: Callable[[str], Path], settings: Settings, tmp_path: Path
) -> None:
    db = loaded_db("ml-1m")
    archive = tmp_path / "photos.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("holiday/readme.txt", "not ratings")
    with unchanged(db), pytest.raises(DataError, match=r"photos\.zip: not a MovieLens release"):
        load_dataset(settings, archive, replace=True)


def test_file_that_is_no_zip(loaded_db: Callable[[str], Path], settings: Settings, tmp_path: Path) -> None:
    db = loaded_db("ml-1m")
    fake = tmp_path / "ml-1m.zip"
    fake.write_bytes(b"1::1::5::978300760\n")
    with unchanged(db), pytest.raises(DataError, match="not a folder or a zip file"):
        load_dataset(settings, fake, replace=True)


def test_broken_member_of_a_zip_is_named(
    loaded_db: Callable[[str], Path], settings: Settings, tmp_path: Path
) -> None:
    db = loaded_db("ml-latest-small")
    ratings = TINY["ml-latest-small"]["ratings.csv"] + b"1,2,x,964982224\n"
    archive = write_release_zip(tmp_path / "ml-latest-small.zip", "ml-latest-small", {"ratings.csv": ratings})
    with unchanged(db), pytest.raises(DataError) as info:
        load_dataset(settings, archive)
    assert info.value.file == f"{archive}/ml-latest-small/ratings.csv"
    assert info.value.line == 5 and "'rating' is not a number" in str(info.value)
