"""The streaming pass over a file (recdb.ingest.scan) with tiny chunks, so every check crosses a boundary.

Real files are read in 1 MiB chunks; a 5-byte chunk puts quotes, CRLF pairs, blank lines and NUL bytes
on both sides of a chunk boundary, where a check that looks at one chunk at a time would miss them.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from recdb.errors import DataError
from recdb.ingest import scan as scan_module
from recdb.ingest.scan import InputFile, scan


@pytest.fixture(autouse=True, params=[3, 5, 1 << 20], ids=["chunk3", "chunk5", "chunk1M"])
def _small_chunks(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scan_module, "_CHUNK", request.param)


def _scan(tmp_path: Path, data: bytes, *, csv: bool = True, text: bool = False) -> InputFile:
    path = tmp_path / "f"
    path.write_bytes(data)
    return scan(io.BytesIO(data), "tags", "f", path, "f", csv=csv, text=text)


def test_line_breaks_inside_quotes_map_records_to_lines(tmp_path: Path) -> None:
    data = b'h\n1,"a\nb",1\n2,x,2\n3,"p ""q""\nr\ns",3\n4,y,4\n'
    got = _scan(tmp_path, data)
    assert got.lines == 8
    # DuckDB numbers records: header 1, then 2, 3, 4, 5; the file's lines are 1, 2, 4, 5, 8.
    assert [got.physical_line(n) for n in (1, 2, 3, 4, 5)] == [1, 2, 4, 5, 8]


def test_no_quotes_no_mapping(tmp_path: Path) -> None:
    got = _scan(tmp_path, b"a,b\n1,2\n3,4\n")
    assert got.joined == () and got.physical_line(3) == 3


@pytest.mark.parametrize(
    ("data", "line", "text"),
    [
        (b"a,b\r\n1,2\r\n3,4\n5,6\r\n", 3, "ends with LF but line 1 with CRLF"),
        (b"a,b\n1,2\r\n3,4\n", 2, "ends with CRLF but line 1 with LF"),
        (b"a,b\n1,2\n\n3,4\n", 3, "blank line"),
        (b"a,b\r\n1,2\r\n\r\n3,4\r\n", 3, "blank line"),
        (b"a,b\n1,2\n3,\x004\n", 3, "NUL byte"),
        (b"a,b\n1,2\n3,4", 3, "truncated"),
    ],
)
def test_line_structure_errors_name_the_line(tmp_path: Path, data: bytes, line: int, text: str) -> None:
    with pytest.raises(DataError) as info:
        _scan(tmp_path, data)
    assert info.value.line == line and text in str(info.value)


@pytest.mark.parametrize(
    ("data", "line", "text"),
    [
        ("1::Café\n".encode() + "2::Café\n".encode("latin-1"), 2, "but line 1 is: the file mixes"),
        ("1::Café\n".encode("latin-1") + "2::Über\n".encode(), 1, "but line 2 is: the file mixes"),
        (b"1::ok\n2::Don\x92t\n", 2, "byte 0x92 is no latin-1 character"),
        (b"\xef\xbb\xbf1::Caf\xe9\n", 1, "byte-order mark"),
    ],
)
def test_text_that_is_neither_utf8_nor_latin1(tmp_path: Path, data: bytes, line: int, text: str) -> None:
    with pytest.raises(DataError) as info:
        _scan(tmp_path, data, csv=False, text=True)
    assert info.value.line == line and text in str(info.value)


def test_latin1_and_utf8_text_are_accepted(tmp_path: Path) -> None:
    assert _scan(tmp_path, "1::Café\n".encode("latin-1"), csv=False, text=True).encoding == "latin-1"
    assert _scan(tmp_path, "1::Café\n".encode(), csv=False, text=True).encoding == "utf-8"
    assert _scan(tmp_path, b"a\r\nb\r\n").lines == 2  # CRLF throughout is fine
