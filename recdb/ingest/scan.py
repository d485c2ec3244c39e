"""One streaming pass over each release file: its checksum, and the line structure DuckDB would misreport.

DuckDB's CSV reader hides or misreports a few things, so this pass catches them first, with the line:

- an empty file, a blank line (DuckDB skips it silently, shifting the line numbers of later messages),
  a last line without its newline (a truncated download or copy);
- a NUL byte (no MovieLens file has one; DuckDB keeps it inside a title);
- in the CSV releases, one LF line in a CRLF file (DuckDB only says "the CSV Parser state machine
  reached an invalid state"), and quoted fields spanning lines: DuckDB numbers *records*, so each extra
  line inside quotes would shift every later message by one. :attr:`InputFile.joined` records them and
  :meth:`InputFile.physical_line` turns a record number back into the file's line;
- in the .dat releases' text files (titles, tags, zip codes), which are UTF-8 or latin-1: a file that is
  neither (a Windows-1252 byte, UTF-8 and latin-1 lines mixed, a UTF-8 byte-order mark on latin-1 text)
  is refused naming the line, where DuckDB would only say "File is not latin-1 encoded".
"""

from __future__ import annotations

import bisect
import codecs
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from recdb.errors import DataError

_CHUNK = 1 << 20
_BOM = b"\xef\xbb\xbf"
_C1 = re.compile(rb"[\x80-\x9f]")  # C1 control codes: never latin-1 text, but Windows-1252's €, ’, “ ...
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]")


@dataclass(frozen=True)
class InputFile:
    """One file the load reads."""

    role: str  # ratings, movies, users or tags
    name: str  # file name in the release, e.g. ratings.dat (the key of loads.file_checksums)
    path: Path  # a local file DuckDB can read (unpacked from the zip when the source is one)
    label: str  # how messages name it: the path, or zip/member for a zip
    sha256: str
    lines: int
    encoding: str  # 'utf-8' or 'latin-1', for DuckDB's read_csv
    # Record numbers (as DuckDB counts lines: one per record) of the records holding a line break inside
    # quotes, once per extra line, sorted; empty in nearly every file.
    joined: tuple[int, ...] = ()

    def physical_line(self, record_line: int) -> int:
        """The line in the file where the record DuckDB calls line ``record_line`` starts."""
        return record_line + bisect.bisect_left(self.joined, record_line)


@dataclass
class _State:
    """What the pass has seen so far."""

    newlines: int = 0
    crlf: int = 0
    last: bytes = b"\n"  # as if a newline preceded the file: a file starting with one has a blank line 1
    in_quote: bool = False
    joined: list[int] | None = None


def scan(
    src: IO[bytes],
    role: str,
    name: str,
    path: Path,
    label: str,
    *,
    csv: bool,
    text: bool,
    sink: Callable[[bytes], object] | None = None,
) -> InputFile:
    """Checksum one file (copying it to ``sink`` if given) and check its line structure.

    ``csv``: the file is one of the CSV releases' (quoted fields, UTF-8); ``text``: a .dat text file that
    may be UTF-8 or latin-1.
    """
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")() if text else None
    utf8 = True
    state = _State(joined=[])
    size = 0
    while chunk := src.read(_CHUNK):
        digest.update(chunk)
        if sink is not None:
            sink(chunk)
        _check_chunk(chunk, state, label)
        if csv:
            _track_quotes(chunk, state)
        if decoder is not None and utf8:
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                utf8 = False
        state.newlines += chunk.count(b"\n")
        state.last = chunk[-1:]
        size += len(chunk)
    if size == 0:
        raise DataError("the file is empty", file=label)
    if state.last != b"\n":
        raise DataError(
            "the last line does not end with a newline: the file looks truncated",
            file=label,
            line=state.newlines + 1,
        )
    if csv and 0 < state.crlf < state.newlines:
        _raise_mixed_endings(path, label)
    if text and not utf8:
        _check_latin1(path, label)
    # ML-1M's .dat files are latin-1; ML-10M's may be UTF-8: whichever decodes. The CSV releases are
    # UTF-8 by definition, and DuckDB reports invalid bytes in them with the line number.
    encoding = "utf-8" if decoder is None or utf8 else "latin-1"
    joined = tuple(state.joined or ())
    return InputFile(role, name, path, label, digest.hexdigest(), state.newlines, encoding, joined)


def _check_chunk(chunk: bytes, state: _State, label: str) -> None:
    """Blank lines and NUL bytes in this chunk; counts its CRLF line ends."""
    window = state.last + chunk
    at = _first_blank(window)
    if at is not None:
        line = state.newlines + window[: at + 1].count(b"\n") - window[:1].count(b"\n") + 1
        raise DataError("blank line (MovieLens files have none; is the file damaged?)", file=label, line=line)
    nul = chunk.find(b"\0")
    if nul >= 0:
        line = state.newlines + chunk.count(b"\n", 0, nul) + 1
        raise DataError("NUL byte (a MovieLens file is text; is the file damaged?)", file=label, line=line)
    state.crlf += window.count(b"\r\n")


def _first_blank(window: bytes) -> int | None:
    hits = [i for i in (window.find(b"\n\n"), window.find(b"\n\r\n")) if i >= 0]
    return min(hits) if hits else None


def _track_quotes(chunk: bytes, state: _State) -> None:
    """Record the line breaks inside quoted fields (a doubled quote toggles twice: parity is enough)."""
    if not state.in_quote and b'"' not in chunk:
        return
    assert state.joined is not None
    start = 0
    for match in re.finditer(b'"', chunk):
        if state.in_quote:
            _record_joined(chunk, start, match.start(), state)
        state.in_quote = not state.in_quote
        start = match.end()
    if state.in_quote:
        _record_joined(chunk, start, len(chunk), state)


def _record_joined(chunk: bytes, start: int, end: int, state: _State) -> None:
    assert state.joined is not None
    at = chunk.find(b"\n", start, end)
    while at >= 0:
        physical = state.newlines + chunk.count(b"\n", 0, at) + 1  # the line this break ends
        state.joined.append(physical - len(state.joined))  # ... as DuckDB numbers its record
        at = chunk.find(b"\n", at + 1, end)


def _raise_mixed_endings(path: Path, label: str) -> None:
    """Name the first line whose end (CRLF or LF) differs from the first line's."""
    with open(path, "rb") as fh:
        first = fh.readline()
        crlf = first.endswith(b"\r\n")
        for number, line in enumerate(fh, start=2):
            if line.endswith(b"\r\n") != crlf:
                found, usual = ("CRLF", "LF") if not crlf else ("LF", "CRLF")
                raise DataError(
                    f"this line ends with {found} but line 1 with {usual}: mixed line ends (was the file "
                    "edited on another system?); convert the whole file to one kind",
                    file=label,
                    line=number,
                )


def _check_latin1(path: Path, label: str) -> None:
    """A text file that is not UTF-8 must be latin-1 throughout; else name the first line that is not."""
    not_utf8: int | None = None
    utf8: int | None = None
    c1: tuple[int, int] | None = None  # line, byte
    with open(path, "rb") as fh:
        for number, line in enumerate(fh, start=1):
            if number == 1 and line.startswith(_BOM):
                raise DataError(
                    "the file starts with a UTF-8 byte-order mark but is not UTF-8 (latin-1 text?): remove "
                    "the mark or re-encode the file as UTF-8",
                    file=label,
                    line=1,
                )
            if line.isascii():
                continue
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                not_utf8 = not_utf8 or number
                found = _C1.search(line)
                if found is not None and c1 is None:
                    c1 = (number, found.group()[0])
            else:
                if utf8 is None and _UTF8_MULTIBYTE.search(line):
                    utf8 = number
    if not_utf8 is not None and utf8 is not None:
        raise DataError(
            f"this line is not UTF-8, but line {utf8} is: the file mixes encodings (UTF-8 and latin-1?); "
            "re-encode it as one",
            file=label,
            line=not_utf8,
        )
    if c1 is not None:
        raise DataError(
            f"byte 0x{c1[1]:02x} is no latin-1 character (Windows-1252 text?); re-encode the file as UTF-8 "
            "or latin-1",
            file=label,
            line=c1[0],
        )
