"""Finding a release's files in a folder or a zip, naming the data set, and checksumming the files.

A zip is unpacked (only the files the layout reads) into a temporary folder, because DuckDB's CSV reader
reads files, not zip members. The checksums recorded in ``loads.file_checksums`` are those of the
*files' contents* (for a zip: of its members, not of the zip itself), so the same release loaded from
its folder and from its zip counts as the same data and the second load is a no-op.

One streaming pass over each file (:mod:`recdb.ingest.scan`) computes its SHA-256 and catches what
DuckDB's reader would hide or misreport. What is refused here, before any file is read:

- a zip that would unpack to more than ``data.max_unpacked_mb``, or a member packed more than
  ``data.max_zip_ratio`` times (a zip bomb), naming the member;
- a file in a data folder that is a symbolic link leaving the folder (a link to /etc/passwd must not
  have its first line quoted in an error message): refused naming the link, nothing read from it;
- a folder or zip holding the files of two layouts at once (u.data and ratings.dat, say): which one the
  user meant is a guess, so neither is loaded.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from recdb.errors import DataError
from recdb.ingest.layouts import LAYOUTS, RELEASES, Layout, detect_layout, mixed_layouts, release_name
from recdb.ingest.scan import InputFile, scan
from recdb.settings import DataSettings

DEMO_MARKER = "DEMO"  # written by recdb.ingest.demo; JSON with a "dataset" key
# Below this size a member's compression ratio says nothing (a tiny file of repeats packs 100x).
_RATIO_MIN_BYTES = 1 << 20
_KNOWN_NAMES = {name for layout in LAYOUTS.values() for name in layout.files.values()}
# Files whose text (titles, tags, zip codes) may be latin-1 in the .dat releases.
_TEXT_ROLES = {"movies", "users", "tags"}


@dataclass(frozen=True)
class ZipLimits:
    """Caps on what a zip may unpack to (settings data.max_unpacked_mb and data.max_zip_ratio)."""

    max_bytes: int = 4096 << 20
    max_ratio: float = 50.0

    @classmethod
    def of(cls, data: DataSettings) -> ZipLimits:
        return cls(data.max_unpacked_mb << 20, data.max_zip_ratio)


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


def open_release(source: Path, workdir: Path, limits: ZipLimits | None = None) -> Release:
    """Locate, check and checksum the release at ``source``: a folder, or a zip (unpacked in ``workdir``)."""
    if source.is_dir():
        return _from_folder(source)
    if source.is_file():
        if not zipfile.is_zipfile(source):
            raise DataError("not a folder or a zip file of a MovieLens release", file=str(source))
        return _from_zip(source, workdir, limits or ZipLimits())
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
        _check_inside(path, folder)
        with open(path, "rb") as fh:
            files[role] = _scan(fh, role, name, path, str(path), layout)
    return Release(dataset, layout, str(folder.resolve()), files)


def _check_inside(path: Path, folder: Path) -> None:
    """Refuse a file that is a link to somewhere outside the data folder (nothing is read from it)."""
    if not path.resolve().is_relative_to(folder.resolve()):
        raise DataError(
            "a symbolic link to a file outside the data folder: recdb does not follow it; copy the file "
            "into the folder instead",
            file=str(path),
        )


def _from_zip(zip_path: Path, workdir: Path, limits: ZipLimits) -> Release:
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
            chosen = {role: inside[name] for role, name in layout.files.items() if name in inside}
            check_zip_sizes(zip_path, list(chosen.values()), limits)
            files: dict[str, InputFile] = {}
            for role, member in chosen.items():
                name = layout.files[role]
                target = workdir / name
                label = f"{zip_path}/{member.filename}"
                with zf.open(member) as src, open(target, "wb") as sink:
                    files[role] = _scan(src, role, name, target, label, layout, sink.write)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError) as exc:
        raise DataError(f"cannot read the zip: {exc}", file=str(zip_path)) from None
    return Release(dataset, layout, str(zip_path.resolve()), files)


def check_zip_sizes(zip_path: Path, members: list[zipfile.ZipInfo], limits: ZipLimits) -> None:
    """Refuse a zip bomb before unpacking anything, by the sizes its directory declares.

    Python's zipfile never unpacks more than a member's declared size (and checks its CRC), so checking
    the declared sizes bounds what is written.
    """
    total = 0
    for member in members:
        label = f"{zip_path}/{member.filename}"
        total += member.file_size
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > _RATIO_MIN_BYTES and ratio > limits.max_ratio:
            raise DataError(
                f"unpacks to {member.file_size:,} bytes from {member.compress_size:,} ({ratio:,.0f}x; "
                f"setting data.max_zip_ratio is {limits.max_ratio:g}): refused as a likely zip bomb",
                file=label,
            )
        if total > limits.max_bytes:
            raise DataError(
                f"the release files would unpack to more than {limits.max_bytes >> 20:,} MiB (setting "
                f"data.max_unpacked_mb); this member alone is {member.file_size:,} bytes",
                file=label,
            )


def _release_prefix(paths: list[PurePosixPath]) -> PurePosixPath | None:
    """The folder inside a zip that holds the release files (the shallowest one), else None."""
    folders = sorted(
        {p.parent for p in paths if p.name in _KNOWN_NAMES}, key=lambda p: (len(p.parts), str(p))
    )
    return folders[0] if folders else None


def _choose_layout(dataset: str, names: set[str], where: str) -> Layout:
    """The layout to read: the known release's own when its files are there, else what the files show."""
    mixed = mixed_layouts(names)
    if mixed is not None:
        raise DataError(
            f"holds the files of more than one release ({' and '.join(mixed)}): which one to load is a "
            "guess; put each release in a folder of its own",
            file=where,
        )
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


def _scan(src: IO[bytes], role: str, name: str, path: Path, label: str, layout: Layout,
          sink: Callable[[bytes], object] | None = None) -> InputFile:  # fmt: skip
    csv = layout.name == "csv"
    return scan(src, role, name, path, label, csv=csv, text=role in _TEXT_ROLES and not csv, sink=sink)
