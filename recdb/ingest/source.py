"""Finding a release's files in a folder or a zip, naming the data set, and checksumming the files.

A zip is unpacked (only the files the layout reads) into a temporary folder, because DuckDB's CSV reader
reads files, not zip members. The checksums recorded in ``loads.file_checksums`` are those of the
*files' contents* (for a zip: of its members, not of the zip itself), so the same release loaded from
its folder and from its zip counts as the same data and the second load is a no-op.

One streaming pass over each file computes its SHA-256 and also catches what DuckDB's reader would
hide or misreport: an empty file, a blank line (DuckDB skips it silently, which would shift the line
numbers in later messages), and a last line without its newline (a truncated download or copy).
"""

from __future__ import annotations

import codecs
import hashlib
import json
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from recdb.errors import DataError
from recdb.ingest.layouts import LAYOUTS, RELEASES, Layout, detect_layout, release_name

DEMO_MARKER = "DEMO"  # written by recdb.ingest.demo; JSON with a "dataset" key
_CHUNK = 1 << 20
_KNOWN_NAMES = {name for layout in LAYOUTS.values() for name in layout.files.values()}
# Files whose text (titles, tags, zip codes) may be latin-1 in the .dat releases.
_TEXT_ROLES = {"movies", "users", "tags"}


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


@dataclass(frozen=True)
class Release:
    """A located release: which data set, which layout, which files."""

    dataset: str
    layout: Layout
    source: str
    files: dict[str, InputFile]  # by role

    @property
    def checksums(self) -> dict[str, str]:
        return {f.name: f.sha256 for f in self.files.values()}


def open_release(source: Path, workdir: Path) -> Release:
    """Locate, check and checksum the release at ``source``: a folder, or a zip (unpacked in ``workdir``)."""
    if source.is_dir():
        return _from_folder(source)
    if source.is_file():
        if not zipfile.is_zipfile(source):
            raise DataError("not a folder or a zip file of a MovieLens release", file=str(source))
        return _from_zip(source, workdir)
    raise DataError("no such file or folder", file=str(source))


def _from_folder(folder: Path) -> Release:
    names = {p.name for p in folder.iterdir() if p.is_file()}
    root = folder
    if not names & _KNOWN_NAMES:
        # A folder holding the release one level down, as an unpacked zip does (ml-1m/ml-1m/...).
        subdirs = [p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")]
        if len(subdirs) == 1:
            root = subdirs[0]
            names = {p.name for p in root.iterdir() if p.is_file()}
    dataset = (
        _demo_dataset(root) or release_name(root.name) or release_name(folder.name) or _derived(folder.name)
    )
    layout = _choose_layout(dataset, names, str(folder))
    files: dict[str, InputFile] = {}
    for role, name in layout.files.items():
        if name not in names:
            continue
        path = root / name
        with open(path, "rb") as fh:
            files[role] = _scan(fh, role, name, path, str(path), layout)
    return Release(dataset, layout, str(folder.resolve()), files)


def _from_zip(zip_path: Path, workdir: Path) -> Release:
    try:
        with zipfile.ZipFile(zip_path) as zf:
            members = [m for m in zf.infolist() if not m.is_dir()]
            prefix = _release_prefix([PurePosixPath(m.filename) for m in members])
            if prefix is None:
                raise DataError(
                    f"not a MovieLens release: none of {', '.join(sorted(_KNOWN_NAMES))} in the zip",
                    file=str(zip_path),
                )
            inside = {
                PurePosixPath(m.filename).name: m
                for m in members
                if PurePosixPath(m.filename).parent == prefix
            }
            marker = inside.get(DEMO_MARKER)
            demo = _marker_dataset(zf.read(marker)) if marker is not None else None
            dataset = (
                demo or release_name(zip_path.stem) or release_name(prefix.name) or _derived(zip_path.stem)
            )
            layout = _choose_layout(dataset, set(inside), str(zip_path))
            files: dict[str, InputFile] = {}
            for role, name in layout.files.items():
                if name not in inside:
                    continue
                member = inside[name]
                target = workdir / name
                label = f"{zip_path}/{member.filename}"
                with zf.open(member) as src, open(target, "wb") as sink:
                    files[role] = _scan(src, role, name, target, label, layout, sink.write)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError) as exc:
        raise DataError(f"cannot read the zip: {exc}", file=str(zip_path)) from None
    return Release(dataset, layout, str(zip_path.resolve()), files)


def _release_prefix(paths: list[PurePosixPath]) -> PurePosixPath | None:
    """The folder inside a zip that holds the release files (the shallowest one), else None."""
    folders = sorted(
        {p.parent for p in paths if p.name in _KNOWN_NAMES}, key=lambda p: (len(p.parts), str(p))
    )
    return folders[0] if folders else None


def _choose_layout(dataset: str, names: set[str], where: str) -> Layout:
    """The layout to read: the known release's own when its files are there, else what the files show."""
    expected = LAYOUTS[RELEASES[dataset]] if dataset in RELEASES else None
    detected = detect_layout(names)
    if expected is not None and (detected is None or names & set(expected.files.values())):
        layout = expected
    elif detected is not None:
        layout = detected
    else:
        raise DataError(
            "not a MovieLens release: expected u.data/u.item/u.user (ml-100k), ratings.dat/movies.dat "
            "(ml-1m, ml-10m) or ratings.csv/movies.csv (ml-20m and later)",
            file=where,
        )
    missing = [layout.files[r] for r in layout.required if layout.files[r] not in names]
    if missing:
        raise DataError(f"incomplete {layout.name} release: {', '.join(missing)} missing", file=where)
    return layout


def _demo_dataset(folder: Path) -> str | None:
    marker = folder / DEMO_MARKER
    return _marker_dataset(marker.read_bytes()) if marker.is_file() else None


def _marker_dataset(raw: bytes) -> str:
    """The data set a demo marker names (``demo`` unless its JSON says otherwise)."""
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return "demo"
    name = value.get("dataset") if isinstance(value, dict) else None
    return name if isinstance(name, str) and name else "demo"


def _derived(name: str) -> str:
    """A data set name from a folder or zip name that is no known release (``My Copy`` -> ``my-copy``)."""
    return re.sub(r"[^a-z0-9._-]+", "-", name.lower()).strip("-") or "movielens"


def _scan(
    src: IO[bytes],
    role: str,
    name: str,
    path: Path,
    label: str,
    layout: Layout,
    sink: Callable[[bytes], object] | None = None,
) -> InputFile:
    """Checksum one file (copying it to ``sink`` if given) and check its line structure."""
    digest = hashlib.sha256()
    decoder = (
        codecs.getincrementaldecoder("utf-8")() if role in _TEXT_ROLES and layout.name != "csv" else None
    )
    utf8 = True
    newlines = 0
    blank_line: int | None = None
    last = b"\n"  # as if a newline preceded the file: a file starting with one has a blank line 1
    size = 0
    while chunk := src.read(_CHUNK):
        digest.update(chunk)
        if sink is not None:
            sink(chunk)
        if blank_line is None:
            blank_line = _first_blank(last + chunk, newlines)
        if decoder is not None and utf8:
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                utf8 = False
        newlines += chunk.count(b"\n")
        last = chunk[-1:]
        size += len(chunk)
    if size == 0:
        raise DataError("the file is empty", file=label)
    if blank_line is not None:
        raise DataError(
            "blank line (MovieLens files have none; is the file damaged?)", file=label, line=blank_line
        )
    if last != b"\n":
        raise DataError(
            "the last line does not end with a newline: the file looks truncated",
            file=label,
            line=newlines + 1,
        )
    # ML-1M's .dat files are latin-1; ML-10M's may be UTF-8: whichever decodes. The CSV releases are
    # UTF-8 by definition, and DuckDB reports invalid bytes in them with the line number.
    encoding = "utf-8" if decoder is None or utf8 else "latin-1"
    return InputFile(role, name, path, label, digest.hexdigest(), newlines, encoding)


def _first_blank(window: bytes, newlines_before: int) -> int | None:
    """Line number of the first empty line in ``window`` (prefixed by the previous chunk's last byte)."""
    hits = [i for i in (window.find(b"\n\n"), window.find(b"\n\r\n")) if i >= 0]
    if not hits:
        return None
    # window[0] is the byte before this chunk: newlines up to and including the hit, minus that byte's.
    at = min(hits)
    return newlines_before + window[: at + 1].count(b"\n") - window[:1].count(b"\n") + 1
