"""Download official GroupLens MovieLens releases into a cache, verify them, and unpack them.

``fetch_release(data, "ml-1m")`` downloads ``<data.base_url>/ml-1m.zip`` into ``data.cache_dir`` under a
temporary name, checks it against the checksum recdb ships (``releases.json``: sha256, and md5 where
GroupLens publishes one), keeps the verified zip as ``cache_dir/ml-1m.zip``, and unpacks it to
``cache_dir/ml-1m/`` (the release's files directly inside, whatever the zip's own folder is called:
ml-10m's zip holds ``ml-10M100K/``). Unpacking goes to a temporary folder that is renamed into place
with a ``.recdb-fetch.json`` record (URL, checksums, time) written first, so a folder with that record is
complete and verified; :func:`cached_release` trusts exactly that.

Failures raise :class:`~recdb.errors.FetchError` (exit code 3, a data error) and leave nothing that
looks complete: a checksum mismatch deletes the download; with no network the message says how to load
a local copy instead. An unknown release name raises :class:`~recdb.errors.ConfigError` (exit code 2).
``ml-latest`` is rebuilt by GroupLens from time to time and has no fixed checksum: it is fetched with a
warning and the observed checksum is recorded. A release with no shipped checksum is refused unless
``verify=False`` (``recdb fetch --no-verify``), which also accepts a mismatch, with a warning.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import logging
import os
import shutil
import urllib.error
import urllib.request
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import IO

from recdb.errors import ConfigError, FetchError
from recdb.ingest.source import ZipLimits, check_zip_sizes
from recdb.logs import progress
from recdb.settings import DataSettings

log = logging.getLogger(__name__)

RECORD = ".recdb-fetch.json"
"""Written into an unpacked release folder once it is verified and complete."""

_CHUNK = 1 << 20


@dataclass(frozen=True)
class Release:
    """One GroupLens release as listed in ``releases.json``."""

    name: str
    file: str  # zip file name under data.base_url
    folder: str  # the folder inside the zip
    layout: str  # ml-100k | ml-1m | ml-10m | csv
    size: int | None
    sha256: str | None
    md5: str | None
    changes: bool  # rebuilt upstream from time to time: no fixed checksum


def load_releases(path: Path | None = None) -> dict[str, Release]:
    """The releases recdb knows, from the packaged ``releases.json`` (or ``path``)."""
    if path is None:
        text = resources.files("recdb.ingest").joinpath("releases.json").read_text(encoding="utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    entries = json.loads(text)["releases"]
    return {
        name: Release(
            name=name,
            file=e["file"],
            folder=e["folder"],
            layout=e["layout"],
            size=e.get("size"),
            sha256=e.get("sha256"),
            md5=e.get("md5"),
            changes=bool(e.get("changes", False)),
        )
        for name, e in entries.items()
    }


def get_release(name: str, releases: Mapping[str, Release] | None = None) -> Release:
    """The release called ``name``; ConfigError listing the known names otherwise."""
    known = load_releases() if releases is None else releases
    if name not in known:
        raise ConfigError(f"unknown MovieLens release {name!r}; known releases: {', '.join(known)}")
    return known[name]


def cached_release(
    data: DataSettings, name: str, *, releases: Mapping[str, Release] | None = None
) -> Path | None:
    """The unpacked, verified folder of release ``name`` in the cache, or None if not fetched yet."""
    get_release(name, releases)
    folder = data.cache_dir / name
    return folder if (folder / RECORD).is_file() else None


def fetch_release(
    data: DataSettings,
    name: str,
    *,
    verify: bool = True,
    refresh: bool = False,
    releases: Mapping[str, Release] | None = None,
) -> Path:
    """Download (unless cached), verify and unpack release ``name``; return its unpacked folder.

    ``refresh`` downloads again even when cached (for ``ml-latest``, which GroupLens updates); the
    cached copy is replaced only once the new one is verified and unpacked. ``releases`` replaces the
    packaged release list (tests use it to pin other checksums).
    """
    release = get_release(name, releases)
    cached = cached_release(data, name, releases={name: release})
    if cached is not None and not refresh:
        log.info("%s already fetched: %s", name, cached)
        return cached
    data.cache_dir.mkdir(parents=True, exist_ok=True)
    url = _url(data.base_url, release.file)
    zip_path = data.cache_dir / release.file
    if (
        zip_path.is_file() and not refresh
    ):  # downloaded before (or copied here by hand for an offline machine)
        log.info("using %s already in the cache", zip_path)
        sums = _checksums(zip_path)
        verified = _verify(
            release, sums, zip_path.stat().st_size, verify, source=str(zip_path), discard=zip_path
        )
    else:
        sums, verified = _download(url, zip_path, release, data, verify)
    record = {"url": url, **sums, "verified": verified}
    folder = _unpack(zip_path, release, data.cache_dir, record, ZipLimits.of(data))
    log.info("fetched %s into %s", name, folder)
    return folder


def _url(base_url: str, file: str) -> str:
    return base_url if base_url.endswith(file) else base_url.rstrip("/") + "/" + file


def _offline_hint(release: Release, data: DataSettings) -> str:
    return (
        f"load a local copy instead: `recdb load /path/to/{release.folder}` (the unpacked folder) or "
        f"`recdb load /path/to/{release.file}`, or put {release.file} into {data.cache_dir} and rerun "
        f"`recdb fetch {release.name}`"
    )


def _download(
    url: str, target: Path, release: Release, data: DataSettings, verify: bool
) -> tuple[dict[str, str], bool]:
    """Stream ``url`` to a temporary file beside ``target``, verify it, then rename it into place."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}.partial")
    sha256, md5 = hashlib.sha256(), hashlib.md5(usedforsecurity=False)
    size = 0
    try:
        try:
            response = urllib.request.urlopen(url, timeout=data.download_timeout_s)
        except urllib.error.HTTPError as exc:
            raise FetchError(f"cannot download {url}: HTTP {exc.code} {exc.reason}") from None
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            reason = getattr(exc, "reason", exc)
            raise FetchError(
                f"cannot download {url}: {reason} (no network?); {_offline_hint(release, data)}"
            ) from None
        with response, open(tmp, "wb") as out:
            total = int(response.headers.get("Content-Length") or 0) or release.size
            with progress(f"downloading {release.file}", total, unit="B", unit_scale=True) as bar:
                while chunk := _read(response, url, release, data):
                    out.write(chunk)
                    sha256.update(chunk)
                    md5.update(chunk)
                    size += len(chunk)
                    bar.update(len(chunk))
        expected_length = int(response.headers.get("Content-Length") or 0)
        if expected_length and size != expected_length:
            raise FetchError(f"download of {url} was cut short: {size:,} of {expected_length:,} bytes")
        sums = {"sha256": sha256.hexdigest(), "md5": md5.hexdigest(), "size": str(size)}
        verified = _verify(release, sums, size, verify, source=url, discard=None)
        os.replace(tmp, target)
        return sums, verified
    finally:
        tmp.unlink(missing_ok=True)


def _read(response: IO[bytes], url: str, release: Release, data: DataSettings) -> bytes:
    try:
        return response.read(_CHUNK)
    except (OSError, http.client.HTTPException) as exc:  # timeouts and resets mid-download
        raise FetchError(f"download of {url} failed: {exc}; {_offline_hint(release, data)}") from None


def _checksums(path: Path) -> dict[str, str]:
    sha256, md5 = hashlib.sha256(), hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            sha256.update(chunk)
            md5.update(chunk)
    return {"sha256": sha256.hexdigest(), "md5": md5.hexdigest(), "size": str(path.stat().st_size)}


def _verify(
    release: Release, sums: Mapping[str, str], size: int, verify: bool, *, source: str, discard: Path | None
) -> bool:
    """Compare the observed checksums with the shipped ones: True if they match, FetchError if not.

    False when nothing could be checked (``ml-latest``) or a mismatch was accepted (``verify=False``).
    ``discard`` is deleted on a mismatch (a bad zip already in the cache must not be reused).
    """
    if release.changes:
        log.warning(
            "%s changes over time and has no fixed checksum: accepted %s with sha256 %s (recorded)",
            release.name,
            source,
            sums["sha256"],
        )
        return False
    expected = {k: v for k, v in (("sha256", release.sha256), ("md5", release.md5)) if v}
    if not expected:
        if verify:
            raise FetchError(
                f"recdb ships no checksum for {release.name}, so {source} cannot be verified; "
                f"rerun with --no-verify to accept it as downloaded"
            )
        log.warning("%s: no checksum shipped; accepted unverified (sha256 %s)", release.name, sums["sha256"])
        return False
    wrong = [f"{k} {sums[k]} (expected {v})" for k, v in expected.items() if sums[k] != v.lower()]
    if release.size is not None and size != release.size:
        wrong.insert(0, f"size {size:,} bytes (expected {release.size:,})")
    if not wrong:
        return True
    if not verify:
        log.warning("%s: checksum mismatch ignored (--no-verify): %s", release.name, "; ".join(wrong))
        return False
    if discard is not None:
        discard.unlink(missing_ok=True)
    raise FetchError(f"{source} is not the official {release.file}: {'; '.join(wrong)}; nothing was kept")


def _unpack(
    zip_path: Path, release: Release, cache_dir: Path, record: Mapping[str, object], limits: ZipLimits
) -> Path:
    """Extract into a temporary folder, check it, and rename its release folder to ``cache_dir/<name>``."""
    final = cache_dir / release.name
    work = cache_dir / f".{release.name}.{os.getpid()}.unpack"
    shutil.rmtree(work, ignore_errors=True)
    try:
        try:
            with zipfile.ZipFile(zip_path) as archive:
                _check_members(archive, release, zip_path)
                check_zip_sizes(zip_path, archive.infolist(), limits)  # an unverified zip may be a bomb
                archive.extractall(work)
        except zipfile.BadZipFile as exc:
            zip_path.unlink(missing_ok=True)  # a damaged download must not be reused
            raise FetchError(f"{zip_path} is not a valid zip ({exc}); it was removed, fetch again") from None
        inner = work / release.folder
        stamp = {**record, "release": release.name, "fetched_at": datetime.now(timezone.utc).isoformat()}
        (inner / RECORD).write_text(json.dumps(stamp, indent=2) + "\n", encoding="utf-8")
        if final.exists():  # a refresh, or an unrecorded earlier attempt: swap it out, delete it below
            os.rename(final, work / "previous")
        os.rename(inner, final)
        return final
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _check_members(archive: zipfile.ZipFile, release: Release, zip_path: Path) -> None:
    """Every member must sit inside the release's folder, with no absolute or ``..`` paths."""
    prefix = release.folder + "/"
    bad = [
        n
        for n in archive.namelist()
        if not n.startswith(prefix) or PurePosixPath(n).is_absolute() or ".." in PurePosixPath(n).parts
    ]
    if bad or not archive.namelist():
        raise FetchError(
            f"{zip_path} does not hold {release.name} (expected everything under {prefix}): {bad[:3]}"
        )
