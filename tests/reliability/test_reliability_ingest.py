# ruff: noqa: E501  (the table of cases reads better one case per line)
"""The hostile-input corpus for ``recdb load``: every ingestion attempt (#1-#36) of the hostile-testing
report of 2026-12-01, as data this test generates, run through the real CLI.

Each case starts from a tiny release of tests/ingest/ingest_support.py (never MovieLens itself), breaks
one thing, and loads it with ``recdb --db DB load --replace`` into a database that already holds the
valid release. A refused case must exit with its code, print one line naming the file (and the line,
where there is one), and leave every table exactly as it was. An accepted case says what was loaded.
Cases the report found held are here too, so they stay held.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from recdb.errors import ExitCode
from recdb.ingest.workdir import scratch_root
from recdb.jobs.cli import main
from tests.ingest.ingest_support import TINY, one_row, snapshot, write_release, write_release_zip

Build = Callable[[Path], Path]  # tmp folder -> the source to load


def _lines(release: str, file: str) -> list[bytes]:
    return TINY[release][file].splitlines(keepends=True)


def _set_line(release: str, file: str, number: int, text: bytes) -> Build:
    """The release with line ``number`` (1-based) of ``file`` replaced by ``text``."""
    lines = _lines(release, file)
    lines[number - 1] = text + b"\n"
    return _changed(release, {file: b"".join(lines)})


def _append(release: str, file: str, text: bytes) -> Build:
    return _changed(release, {file: TINY[release][file] + text})


def _changed(release: str, changes: dict[str, bytes | None]) -> Build:
    return lambda tmp: write_release(tmp / "src", release, changes)


@dataclass(frozen=True)
class Case:
    id: str
    attempt: int  # the report's row
    base: str  # the tiny release the database holds before
    build: Build
    code: ExitCode = ExitCode.DATA
    file: str | None = None  # the file the message names (its last path part)
    line: int | None = None
    text: str = ""
    replace: bool = True
    env: dict[str, str] = field(default_factory=dict)
    absent: str | None = None  # text the message must not hold


# ---- builders for the cases that are more than one changed file ------------------------------------

_CRLF_100K = {name: data.replace(b"\n", b"\r\n") for name, data in TINY["ml-100k"].items()}
_BOM = b"\xef\xbb\xbf"
_SECRET = b"root:x:0:0:root:/root:/bin/bash\n"


def _zip_with_escapes(tmp: Path) -> Path:
    """#25: the release plus members that try to write outside (relative climbs, an absolute path)."""
    archive = write_release_zip(tmp / "ml-100k.zip", "ml-100k")
    with zipfile.ZipFile(archive, "a") as zf:
        zf.writestr("../../../../escaped-25.txt", "x")
        zf.writestr("/tmp/escaped-25-abs.txt", "x")
    return archive


def _zip_release_above(tmp: Path) -> Path:
    """#26: the release files themselves sit under ../../.. inside the zip."""
    tmp.mkdir(parents=True, exist_ok=True)
    archive = tmp / "ml-100k.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for name, data in TINY["ml-100k"].items():
            zf.writestr(f"../../../ml-100k/{name}", data)
    return archive


def _zip_bomb(tmp: Path) -> Path:
    """#27: u.data is 64 MiB of NULs, ~65 KB packed (the report used 1 GiB; the ratio is what matters)."""
    archive = write_release_zip(tmp / "ml-100k.zip", "ml-100k", {"u.data": None})
    with zipfile.ZipFile(archive, "a", zipfile.ZIP_DEFLATED) as zf, zf.open("ml-100k/u.data", "w") as out:
        block = b"\0" * (1 << 20)
        for _ in range(64):
            out.write(block)
    return archive


def _zip_big(tmp: Path) -> Path:
    """A zip of honest ratings over the size cap (the test sets data.max_unpacked_mb to 1)."""
    rows = b"".join(b"%d\t%d\t3\t874965758\n" % (1 + i % 3, 1 + i % 3) for i in range(120_000))
    return write_release_zip(tmp / "ml-100k.zip", "ml-100k", {"u.data": rows})


def _link(target: Callable[[Path], Path], name: str) -> Build:
    """The release with ``name`` replaced by a symbolic link to ``target(tmp)``."""

    def build(tmp: Path) -> Path:
        folder = write_release(tmp / "src", "ml-100k", {name: None})
        (folder / name).symlink_to(target(tmp))
        return folder

    return build


def _secret(tmp: Path) -> Path:
    (tmp / "secret.txt").write_bytes(_SECRET)
    return tmp / "secret.txt"


def _inside_copy(tmp: Path) -> Path:
    (tmp / "src" / "ml-100k").mkdir(parents=True, exist_ok=True)
    (tmp / "src" / "ml-100k" / "ratings-copy").write_bytes(TINY["ml-100k"]["u.data"])
    return Path("ratings-copy")  # relative: stays inside the folder


def _fifo(tmp: Path) -> Path:
    folder = write_release(tmp / "src", "ml-100k", {"u.data": None})
    os.mkfifo(folder / "u.data")
    return folder


def _two_layouts(name: str, other: str) -> Build:
    """#30/#31: one folder holding ml-100k's files and another release's."""

    def build(tmp: Path) -> Path:
        folder = write_release(tmp / "src", "ml-100k")
        target = folder.rename(folder.with_name(name))
        for file, data in TINY[other].items():
            (target / file).write_bytes(data)
        return target

    return build


def _multiline_tag(tmp: Path) -> Path:
    """#35: a quoted tag spanning 3 lines at line 2, then 50 tags, the last of an unknown movie."""
    body = b'2,1,"spans\nthree\nlines",1445714994\n' + b"3,2,fine,1445714996\n" * 49
    tags = b"userId,movieId,tag,timestamp\n" + body + b"3,404,unknown movie,1445714996\n"
    return write_release(tmp / "src", "ml-latest-small", {"tags.csv": tags})


def _multiline_title(tmp: Path) -> Path:
    """#35/#14: a quoted title spanning 2 lines (after a quoted title with commas): a line break is a
    control character in a title."""
    movies = TINY["ml-latest-small"]["movies.csv"] + b'4,"Two\nLines (1999)",Drama\n'
    return write_release(tmp / "src", "ml-latest-small", {"movies.csv": movies})


def _multiline_tag_then_bad_field(tmp: Path) -> Path:
    """#35, the reader's own rejects after a quoted tag spanning 3 lines: the 4-field check names line 5."""
    tags = b'userId,movieId,tag,timestamp\n2,1,"a\nb\nc",1445714994\n3,2,x\n'
    return write_release(tmp / "src", "ml-latest-small", {"tags.csv": tags})


_TAGS_END = 1 + 3 + 49 + 1  # header, 3 lines of the quoted tag, 49 tags, the bad one: line 54

_GOOD_ITEM_1 = _lines("ml-100k", "u.item")[0]
_ITEM_UTF8_THEN_LATIN1 = _GOOD_ITEM_1.replace(b"Toy Story", "Über Toy".encode()) + b"".join(
    _lines("ml-100k", "u.item")[1:]
)
_CSV_CRLF_ONE_LF = (
    b"userId,movieId,rating,timestamp\r\n1,1,4.0,964982703\r\n1,3,4.5,964981247\n2,2,0.5,964982224\r\n"
)

# ---- the corpus ----------------------------------------------------------------------------------

R100, R1M, R10M, CSV = "ml-100k", "ml-1m", "ml-10m", "ml-latest-small"
OK = ExitCode.OK

CASES: list[Case] = [
    Case("01-three-fields", 1, R100, _set_line(R100, "u.data", 3, b"2\t1\t4"), file="u.data", line=3, text="wrong number of fields"),
    Case("02-user-x12", 2, R100, _set_line(R100, "u.data", 2, b"x12\t2\t3\t876893171"), file="u.data", line=2, text="'user_id' is not a number"),
    Case("03-rating-6", 3, R100, _set_line(R100, "u.data", 4, b"3\t3\t6\t876893119"), file="u.data", line=4, text="outside the scale"),
    Case("03-rating-0", 3, R100, _set_line(R100, "u.data", 4, b"3\t3\t0\t876893119"), file="u.data", line=4, text="outside the scale"),
    Case("03-rating-nan", 3, R100, _set_line(R100, "u.data", 4, b"3\t3\tnan\t876893119"), file="u.data", line=4, text="outside the scale"),
    Case("03-rating-3.5-whole-stars", 3, R100, _set_line(R100, "u.data", 4, b"3\t3\t3.5\t876893119"), file="u.data", line=4, text="whole stars"),
    Case("04-duplicate-same", 4, R100, _append(R100, "u.data", b"1\t1\t5\t874965758\n"), file="u.data", line=1, text="lines 1 and 5"),
    Case("04-duplicate-different", 4, R100, _append(R100, "u.data", b"1\t1\t2\t874965758\n"), file="u.data", line=1, text="rated movie 1 2 times"),
    Case("05-empty-u.data", 5, R100, _changed(R100, {"u.data": b""}), file="u.data", text="the file is empty"),
    Case("05-empty-u.item", 5, R100, _changed(R100, {"u.item": b""}), file="u.item", text="the file is empty"),
    Case("06-truncated-mid-line", 6, R100, _changed(R100, {"u.data": TINY[R100]["u.data"][:-6]}), file="u.data", line=4, text="looks truncated"),
    Case("07-cut-at-line-append", 7, R100, _changed(R100, {"u.data": b"".join(_lines(R100, "u.data")[:2])}), file="u.data", text="rating missing", replace=False),
    Case("08-crlf-everywhere", 8, R1M, _changed(R100, _CRLF_100K), code=OK),
    Case("09-bom-u.data-u.user", 9, R1M, _changed(R100, {"u.data": _BOM + TINY[R100]["u.data"], "u.user": _BOM + TINY[R100]["u.user"]}), code=OK),
    Case("10-bom-on-latin1-u.item", 10, R100, _changed(R100, {"u.item": _BOM + TINY[R100]["u.item"]}), file="u.item", line=1, text="byte-order mark"),
    Case("11-latin1-titles", 11, R100, _changed(R1M, {}), code=OK),
    Case("12-utf8-and-latin1-lines", 12, R100, _changed(R100, {"u.item": _ITEM_UTF8_THEN_LATIN1}), file="u.item", line=2, text="mixes encodings"),
    Case("13-cp1252-byte", 13, R100, _set_line(R100, "u.item", 3, b"3|Don\x92t Panic (1995)|||http://x|1|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0"), file="u.item", line=3, text="byte 0x92"),
    Case("14-nul-in-title", 14, R100, _set_line(R100, "u.item", 1, _GOOD_ITEM_1.rstrip(b"\n").replace(b"Toy Story", b"Toy\0Story")), file="u.item", line=1, text="NUL byte"),
    Case("14-control-char-in-title", 14, R100, _set_line(R1M, "movies.dat", 3, b"3::Shawshank\x07Redemption, The (1994)::Drama"), file="movies.dat", line=3, text="control character (U+0007)"),
    Case("15-nul-in-u.data", 15, R100, _set_line(R100, "u.data", 4, b"3\t3\t2\t8768\x0093119"), file="u.data", line=4),
    Case("16-huge-title-line", 16, R100, _set_line(R100, "u.item", 2, b"2|" + b"x" * 3_000_000 + b"|01-Jan-1995||http://x|0|0|0|0|0|0|0|0|1|0|0|0|0|0|0|0|0|0|0"), file="u.item", line=2),
    Case("16-huge-u.data-line", 16, R100, _set_line(R100, "u.data", 3, b"2\t1\t4\t" + b"9" * 3_000_000), file="u.data", line=3),
    Case("17-unknown-user", 17, R100, _append(R100, "u.data", b"944\t1\t3\t876893119\n"), file="u.data", line=5, text="user 944 is not in u.user"),
    Case("17-unknown-movie", 17, R100, _append(R100, "u.data", b"1\t1683\t3\t876893119\n"), file="u.data", line=5, text="movie 1683 is not in u.item"),
    Case("18-user-0", 18, R100, _set_line(R100, "u.data", 2, b"0\t2\t3\t876893171"), file="u.data", line=2, text="not a positive integer"),
    Case("18-user-minus-5", 18, R100, _set_line(R100, "u.data", 2, b"-5\t2\t3\t876893171"), file="u.data", line=2, text="not a positive integer"),
    Case("19-user-over-int32", 19, R100, _set_line(R100, "u.data", 2, b"3000000000\t2\t3\t876893171"), file="u.data", line=2, text="3000000000 is too large"),
    Case("20-ids-int32-max", 20, R1M, _changed(R100, {
        "u.user": TINY[R100]["u.user"] + b"2147483647|30|F|other|12345\n",
        "u.item": TINY[R100]["u.item"] + b"2147483647|Max (1999)|||http://x|0|0|0|0|0|0|0|0|1|0|0|0|0|0|0|0|0|0|0\n",
        "u.data": TINY[R100]["u.data"] + b"2147483647\t2147483647\t4\t876893119\n"}), code=OK),
    Case("21-ts-year-2100", 21, R100, _set_line(R100, "u.data", 2, b"1\t2\t3\t4102444800"), file="u.data", line=2, text="between 1970 and now"),
    Case("21-ts-negative", 21, R100, _set_line(R100, "u.data", 2, b"1\t2\t3\t-100"), file="u.data", line=2, text="between 1970 and now"),
    Case("21-ts-1e17", 21, R100, _set_line(R100, "u.data", 2, b"1\t2\t3\t100000000000000000"), file="u.data", line=2, text="between 1970 and now"),
    Case("21-ts-over-int64", 21, R100, _set_line(R100, "u.data", 2, b"1\t2\t3\t99999999999999999999"), file="u.data", line=2),
    Case("22-ts-fraction", 22, R100, _set_line(R100, "u.data", 2, b"1\t2\t3\t881250949.7"), file="u.data", line=2, text="whole seconds"),
    Case("22-ts-exponent", 22, R100, _set_line(R100, "u.data", 3, b"2\t1\t4\t8.8e8"), file="u.data", line=3, text="whole seconds"),
    Case("22-tag-ts-exponent", 22, CSV, _append(CSV, "tags.csv", b"2,2,x,1.4e9\n"), file="tags.csv", line=4, text="whole seconds"),
    Case("23-genre-cyberpunk", 23, R1M, _set_line(R1M, "movies.dat", 2, b"2::City of Lost Children (1995)::Adventure|Cyberpunk"), file="movies.dat", line=2, text="genre Cyberpunk is not one of"),
    Case("24-forty-genres-10m", 24, R10M, _set_line(R10M, "movies.dat", 3, b"3::Jumanji (1995)::" + b"|".join(b"G%02d" % i for i in range(40))), code=OK),
    Case("25-zip-member-escapes", 25, R1M, _zip_with_escapes, code=OK),
    Case("26-zip-release-above", 26, R1M, _zip_release_above, code=OK),
    Case("27-zip-bomb-ratio", 27, R100, _zip_bomb, file="u.data", text="data.max_zip_ratio"),
    Case("27-zip-over-size-cap", 27, R100, _zip_big, file="u.data", text="data.max_unpacked_mb", env={"RECDB_DATA__MAX_UNPACKED_MB": "1"}),
    Case("28-symlink-to-secret", 28, R100, _link(_secret, "u.user"), file="u.user", text="outside the data folder", absent="root:x"),
    Case("29-symlink-inside-folder", 29, R1M, _link(_inside_copy, "u.data"), code=OK),
    Case("29-dangling-symlink", 29, R100, _link(lambda tmp: tmp / "nowhere", "u.data"), file="ml-100k", text="u.data missing"),
    Case("29-fifo", 29, R100, _fifo, file="ml-100k", text="u.data missing"),
    Case("30-100k-and-1m-named-mixed", 30, R100, _two_layouts("mixed", R1M), file="mixed", text="more than one release"),
    Case("30-100k-and-1m-named-ml-1m", 30, R100, _two_layouts("ml-1m", R1M), file="ml-1m", text="more than one release"),
    Case("31-100k-and-csv", 31, R100, _two_layouts("ml-100k", CSV), file="ml-100k", text="more than one release"),
    Case("32-csv-extra-header-column", 32, CSV, _set_line(CSV, "ratings.csv", 1, b"userId,movieId,rating,timestamp,extra"), file="ratings.csv", line=1, text="expected the header"),
    Case("32-csv-extra-field", 32, CSV, _set_line(CSV, "ratings.csv", 3, b"1,3,4.5,964981247,9"), file="ratings.csv", line=3, text="wrong number of fields"),
    Case("32-csv-movies-extra-field", 32, CSV, _set_line(CSV, "movies.csv", 2, b"1,Toy Story (1995),Comedy,extra"), file="movies.csv", line=2, text="wrong number of fields"),
    Case("33-crlf-csv-one-lf-line", 33, CSV, _changed(CSV, {"ratings.csv": _CSV_CRLF_ONE_LF}), file="ratings.csv", line=3, text="mixed line ends"),
    Case("34-csv-quoted-commas", 34, R100, _changed(CSV, {}), code=OK),
    Case("35-multiline-title-refused", 35, CSV, _multiline_title, file="movies.csv", line=5, text="control character (U+000A)"),
    Case("35-multiline-tag-then-reader-reject", 35, CSV, _multiline_tag_then_bad_field, file="tags.csv", line=5, text="wrong number of fields"),
    Case("35-multiline-tag-line-numbers", 35, CSV, _multiline_tag, file="tags.csv", line=_TAGS_END, text="movie 404 is not in movies.csv"),
]  # fmt: skip


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A database per tiny release, loaded once through the CLI; each case copies one."""
    root = tmp_path_factory.mktemp("reliability-ingest")
    out: dict[str, Path] = {}
    for name in TINY:
        db = root / f"{name}.duckdb"
        assert main(["--db", str(db), "load", str(write_release(root / "src", name))]) == ExitCode.OK
        out[name] = db
    return out


def _load(db: Path, source: Path, replace: bool, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["--db", str(db), "load", *(["--replace"] if replace else []), str(source)])
    return code, capsys.readouterr().err


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_input(
    case: Case,
    templates: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    for key, value in case.env.items():
        monkeypatch.setenv(key, value)
    db = tmp_path / "db" / "recdb.duckdb"
    db.parent.mkdir()
    shutil.copyfile(templates[case.base], db)
    source = case.build(tmp_path / "input")
    before = snapshot(db)
    code, err = _load(db, source, case.replace, capsys)
    assert code == case.code, err
    assert not scratch_root(db).exists()  # the unpacked files are gone, refused or not
    if case.code == OK:
        _accepted(case, db, tmp_path)
        return
    assert snapshot(db) == before, "a refused load changed the database"
    message = err.strip().splitlines()
    assert len(message) == 1 and message[0].startswith("recdb: error: "), err
    assert case.file is not None
    where = f"{case.file}:{case.line}: " if case.line is not None else f"{case.file}: "
    assert where in message[0], err
    assert case.text in message[0], err
    assert case.absent is None or case.absent not in err


def _accepted(case: Case, db: Path, tmp_path: Path) -> None:
    """What an accepted case must have loaded."""
    checks: dict[str, tuple[str, tuple[object, ...]]] = {
        "08-crlf-everywhere": (
            "SELECT max(length(zip_code)), count(*) FILTER (WHERE title LIKE '%\r%') FROM users, movies",
            (5, 0),
        ),
        "09-bom-u.data-u.user": ("SELECT count(*), min(user_id) FROM ratings", (4, 1)),
        "11-latin1-titles": (
            "SELECT title FROM movies WHERE movie_id = 2",
            ("City of Lost Children, The (Cité des enfants perdus, La)",),
        ),
        "20-ids-int32-max": (
            "SELECT count(*) FROM ratings WHERE user_id = 2147483647 AND movie_id = 2147483647",
            (1,),
        ),
        "24-forty-genres-10m": ("SELECT count(*) FROM movie_genres WHERE movie_id = 3", (40,)),
        "25-zip-member-escapes": ("SELECT count(*) FROM ratings", (4,)),
        "26-zip-release-above": ("SELECT count(*) FROM ratings", (4,)),
        "29-symlink-inside-folder": ("SELECT count(*) FROM ratings", (4,)),
        "34-csv-quoted-commas": ("SELECT title FROM movies WHERE movie_id = 2", ("American President, The",)),
    }
    sql, expected = checks[case.id]
    assert one_row(db, sql) == expected
    if case.attempt in (25, 26):  # nothing was written outside the scratch folder
        assert not list(tmp_path.rglob("escaped-25*")) and not Path("/tmp/escaped-25-abs.txt").exists()


def test_cut_copy_with_replace_loads_what_it_holds(
    templates: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """#7 with --replace: a copy cut at a line boundary is taken as it is (the documented limitation)."""
    db = tmp_path / "recdb.duckdb"
    shutil.copyfile(templates[R100], db)
    cut = write_release(tmp_path / "src", R100, {"u.data": b"".join(_lines(R100, "u.data")[:2])})
    assert _load(db, cut, True, capsys)[0] == OK
    assert one_row(db, "SELECT count(*) FROM ratings") == (2,)


def test_leftover_of_a_killed_load_is_removed_by_the_next(
    templates: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """#36: a load killed with -9 leaves its scratch folder; the next load of that database removes it.

    The dead run is a real process that has exited (its pid is gone); a folder of a live process stays.
    """
    db = tmp_path / "recdb.duckdb"
    shutil.copyfile(templates[R100], db)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True)  # fmt: skip
    leftover = scratch_root(db) / f"{int(dead.stdout)}-abc123"
    leftover.mkdir(parents=True)
    (leftover / "u.data").write_bytes(b"\0" * 4096)
    alive = scratch_root(db) / f"{os.getppid()}-def456"
    alive.mkdir()
    system_tmp = tmp_path / "system-tmp"
    system_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system_tmp))
    archive = write_release_zip(
        tmp_path / "ml-100k.zip", R100, {"u.data": TINY[R100]["u.data"] + b"1\t3\t4\t876893171\n"}
    )
    assert _load(db, archive, False, capsys)[0] == OK
    assert not leftover.exists()
    assert alive.exists()
    assert not list(system_tmp.iterdir())  # nothing unpacked into the system temp folder


def test_scratch_folder_that_is_a_link_is_refused(
    templates: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Cleaning leftovers deletes files: never through a symbolic link planted where the folder goes."""
    db = tmp_path / "recdb.duckdb"
    shutil.copyfile(templates[R100], db)
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "precious.txt").write_text("keep me")
    scratch_root(db).symlink_to(victim)
    code, err = _load(db, write_release_zip(tmp_path / "ml-100k.zip", R100), False, capsys)
    assert code == ExitCode.USAGE and "symbolic link" in err
    assert (victim / "precious.txt").read_text() == "keep me"
