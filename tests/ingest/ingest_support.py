"""Tiny hand-written releases of every layout, and table snapshots, shared by the ingestion tests.

The tiny releases are written byte for byte here (never copied from the real data), so each malformed
input test can start from a valid release and break exactly one thing.

(A uniquely named module rather than ``conftest``: several test folders have a conftest.py, and
``from conftest import`` could pick up another folder's.)
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

# Each release: folder name -> {file name: bytes}. ML-1M's movies.dat is latin-1 (é is one byte).
TINY: dict[str, dict[str, bytes]] = {
    "ml-1m": {
        "users.dat": b"1::F::1::10::48067\n2::M::56::16::70072\n3::M::25::15::55117\n",
        "movies.dat": (
            "1::Toy Story (1995)::Animation|Children's|Comedy\n"
            "2::City of Lost Children, The (Cité des enfants perdus, La) (1995)::Adventure|Sci-Fi\n"
            "3::Shawshank Redemption, The (1994)::Drama\n"
        ).encode("latin-1"),
        "ratings.dat": (
            b"1::1::5::978300760\n1::2::3::978302109\n2::1::4::978301968\n2::3::5::978300275\n3::2::1::978824291\n"
        ),
    },
    "ml-100k": {
        "u.user": b"1|24|M|technician|85711\n2|53|F|other|94043\n3|23|M|writer|32067\n",
        "u.item": (
            "1|Toy Story (1995)|01-Jan-1995||http://us.imdb.com/M/title-exact?Toy%20Story%20(1995)"
            "|0|0|0|1|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0\n"
            "2|Café Society (1995)|01-Jan-1995||http://x|0|0|0|0|0|0|0|0|1|0|0|0|0|0|0|0|0|0|0\n"
            "3|unknown|||http://x|1|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0\n"
        ).encode("latin-1"),
        "u.data": b"1\t1\t5\t874965758\n1\t2\t3\t876893171\n2\t1\t4\t878542960\n3\t3\t2\t876893119\n",
    },
    "ml-10m": {
        "movies.dat": b"1::Toy Story (1995)::Adventure|Animation|Children|Comedy|Fantasy\n"
        b"2::Some Series (2007-)::(no genres listed)\n3::Jumanji (1995)::Adventure|Children|Fantasy\n",
        "ratings.dat": b"1::1::5::838985046\n1::2::3.5::838983525\n2::1::0.5::838983392\n"
        b"2::3::4::838983421\n",
        "tags.dat": b"15::1::excellent!::1215184630\n20::3::Jumanji sequel::1188263867\n",
    },
    "ml-latest-small": {
        "movies.csv": (
            "movieId,title,genres\n1,Toy Story (1995),Adventure|Animation|Children|Comedy|Fantasy\n"
            '2,"American President, The (1995)",Comedy|Drama|Romance\n'
            '3,"Cité des ""enfants"" (1995) ",(no genres listed)\n'
        ).encode(),
        "ratings.csv": b"userId,movieId,rating,timestamp\n"
        b"1,1,4.0,964982703\n1,3,4.5,964981247\n2,2,0.5,964982224\n",
        "tags.csv": b"userId,movieId,tag,timestamp\n"
        b'2,1,funny,1445714994\n3,2,"Highly quotable, really",1445714996\n',
    },
}
TINY_COUNTS = {  # users, movies, ratings, tags
    "ml-1m": (3, 3, 5, 0),
    "ml-100k": (3, 3, 4, 0),
    "ml-10m": (4, 3, 4, 2),
    "ml-latest-small": (3, 3, 3, 2),
}


def write_release(root: Path, name: str, changes: Mapping[str, bytes | None] | None = None) -> Path:
    """Write tiny release ``name`` into ``root/name``; ``changes`` replace (bytes) or drop (None) files."""
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, bytes | None] = {**TINY[name], **(changes or {})}
    for file, data in files.items():
        if data is not None:
            (folder / file).write_bytes(data)
    return folder


def write_release_zip(archive: Path, name: str, changes: Mapping[str, bytes | None] | None = None) -> Path:
    """Like ``write_release``, but a zip ``archive`` holding the folder ``name/``, as GroupLens ships it."""
    archive.parent.mkdir(parents=True, exist_ok=True)
    files: dict[str, bytes | None] = {**TINY[name], **(changes or {})}
    with zipfile.ZipFile(archive, "w") as zf:
        for file, data in files.items():
            if data is not None:
                zf.writestr(f"{name}/{file}", data)
    return archive


def snapshot(db: Path, only: tuple[str, ...] | None = None) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's full content (or the ``only`` ones), sorted, to compare before and after a load."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' ORDER BY table_name"
            ).fetchall()
        ]
        return {
            n: con.execute(f'SELECT * FROM "{n}" ORDER BY ALL').fetchall()
            for n in names
            if not only or n in only
        }
    finally:
        con.close()


@contextmanager
def unchanged(db: Path) -> Iterator[None]:
    """Assert that the block leaves every table of ``db`` exactly as it was (a refused load rolls back)."""
    before = snapshot(db)
    yield
    assert snapshot(db) == before


def one_row(db: Path, sql: str) -> tuple[object, ...]:
    """The one row ``sql`` returns from the database file ``db``, read-only."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.execute(sql).fetchone()
        assert row is not None
        return tuple(row)
    finally:
        con.close()
