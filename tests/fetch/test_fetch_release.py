"""recdb fetch: download over HTTP, verify the shipped checksum, unpack atomically, fail cleanly offline."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import time
import zipfile
from pathlib import Path

import pytest

from recdb.errors import ConfigError, FetchError
from recdb.ingest.fetch import RECORD, cached_release, fetch_release, get_release, load_releases
from recdb.jobs.cli import main
from recdb.settings import DataSettings, Settings

NAMES = ["ml-100k", "ml-1m", "ml-10m", "ml-20m", "ml-25m", "ml-32m", "ml-latest", "ml-latest-small"]


def _data(settings: Settings, url: str) -> DataSettings:
    return settings.data.model_copy(update={"base_url": url})


def _zip_folder(src: Path, zip_path: Path, folder: str, names: list[str]) -> Path:
    zip_path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in names:
            archive.write(src / name, f"{folder}/{name}")
    return zip_path


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _leftovers(cache: Path) -> list[str]:
    return sorted(p.name for p in cache.iterdir()) if cache.exists() else []


def test_releases_json_lists_every_grouplens_release() -> None:
    releases = load_releases()
    assert list(releases) == NAMES
    for name, release in releases.items():
        assert release.file == f"{name}.zip"
        if release.changes:
            assert release.sha256 is None
        else:
            assert release.sha256 is not None and re.fullmatch(r"[0-9a-f]{64}", release.sha256)
            assert release.md5 is not None and re.fullmatch(r"[0-9a-f]{32}", release.md5)
    assert releases["ml-10m"].folder == "ml-10M100K"
    assert {r.layout for r in releases.values()} == {"ml-100k", "ml-1m", "ml-10m", "csv"}


@pytest.mark.realdata
def test_shipped_checksum_matches_the_real_ml_latest_small_zip(ml_root: Path) -> None:
    zip_path = ml_root / "ml-latest-small" / "ml-latest-small.zip"
    release = get_release("ml-latest-small")
    assert _sha256(zip_path) == release.sha256
    assert hashlib.md5(zip_path.read_bytes(), usedforsecurity=False).hexdigest() == release.md5


@pytest.mark.realdata
def test_fetch_real_zip_then_cached_without_a_request(ml_root: Path, settings: Settings, serve) -> None:
    server = serve(ml_root / "ml-latest-small")
    data = _data(settings, server.url)
    assert cached_release(data, "ml-latest-small") is None
    folder = fetch_release(data, "ml-latest-small")
    assert folder == data.cache_dir / "ml-latest-small"
    assert {"ratings.csv", "movies.csv", "tags.csv", "links.csv", "README.txt", RECORD} <= {
        p.name for p in folder.iterdir()
    }
    record = json.loads((folder / RECORD).read_text())
    assert record["verified"] is True and record["sha256"] == get_release("ml-latest-small").sha256
    assert server.requests == ["/ml-latest-small.zip"]
    assert _leftovers(data.cache_dir) == ["ml-latest-small", "ml-latest-small.zip"]
    assert fetch_release(data, "ml-latest-small") == folder
    assert cached_release(data, "ml-latest-small") == folder
    assert server.requests == ["/ml-latest-small.zip"]  # the second fetch made no request


@pytest.mark.realdata
def test_checksum_mismatch_fails_cleanly_and_leaves_nothing(
    ml_root: Path, settings: Settings, serve, tmp_path: Path
) -> None:
    files = ["u.data", "u.item", "u.user", "u.genre", "u.occupation", "README"]
    _zip_folder(ml_root / "ml-100k", tmp_path / "srv" / "ml-100k.zip", "ml-100k", files)
    data = _data(settings, serve(tmp_path / "srv").url)
    with pytest.raises(FetchError, match=r"not the official ml-100k\.zip: size .* sha256 .*nothing was kept"):
        fetch_release(data, "ml-100k")
    assert _leftovers(data.cache_dir) == []
    assert cached_release(data, "ml-100k") is None


@pytest.mark.realdata
def test_matching_checksum_override_unpacks(ml_root: Path, settings: Settings, serve, tmp_path: Path) -> None:
    files = ["u.data", "u.item", "u.user"]
    zip_path = _zip_folder(ml_root / "ml-100k", tmp_path / "srv" / "ml-100k.zip", "ml-100k", files)
    pinned = dataclasses.replace(get_release("ml-100k"), sha256=_sha256(zip_path), md5=None, size=None)
    data = _data(settings, serve(tmp_path / "srv").url)
    folder = fetch_release(data, "ml-100k", releases={"ml-100k": pinned})
    assert (folder / "u.data").read_bytes() == (ml_root / "ml-100k" / "u.data").read_bytes()
    assert cached_release(data, "ml-100k", releases={"ml-100k": pinned}) == folder


def test_zip_of_the_wrong_shape_is_refused(settings: Settings, serve, tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "notes.txt").write_text("not movielens\n")
    zip_path = _zip_folder(tmp_path / "src", tmp_path / "srv" / "ml-1m.zip", "something-else", ["notes.txt"])
    pinned = dataclasses.replace(get_release("ml-1m"), sha256=_sha256(zip_path), md5=None, size=None)
    data = _data(settings, serve(tmp_path / "srv").url)
    with pytest.raises(FetchError, match="does not hold ml-1m"):
        fetch_release(data, "ml-1m", releases={"ml-1m": pinned})
    assert cached_release(data, "ml-1m", releases={"ml-1m": pinned}) is None
    assert "ml-1m" not in _leftovers(data.cache_dir)


def test_changing_release_is_accepted_with_observed_checksum_recorded(
    settings: Settings, serve, tmp_path: Path
) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "ratings.csv").write_text("userId,movieId,rating,timestamp\n1,1,4.0,964982703\n")
    zip_path = _zip_folder(tmp_path / "src", tmp_path / "srv" / "ml-latest.zip", "ml-latest", ["ratings.csv"])
    data = _data(settings, serve(tmp_path / "srv").url)
    folder = fetch_release(data, "ml-latest")
    record = json.loads((folder / RECORD).read_text())
    assert record["verified"] is False and record["sha256"] == _sha256(zip_path)


def test_refresh_replaces_the_cached_copy_only_when_the_new_one_is_good(
    settings: Settings, serve, dead_url: str, tmp_path: Path
) -> None:
    (tmp_path / "src").mkdir()
    ratings = tmp_path / "src" / "ratings.csv"
    ratings.write_text("userId,movieId,rating,timestamp\n1,1,4.0,964982703\n")
    _zip_folder(tmp_path / "src", tmp_path / "srv" / "ml-latest.zip", "ml-latest", ["ratings.csv"])
    server = serve(tmp_path / "srv")
    data = _data(settings, server.url)
    folder = fetch_release(data, "ml-latest")
    ratings.write_text("userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,2,3.5,964982704\n")
    (tmp_path / "srv" / "ml-latest.zip").unlink()
    _zip_folder(tmp_path / "src", tmp_path / "srv" / "ml-latest.zip", "ml-latest", ["ratings.csv"])
    assert fetch_release(data, "ml-latest") == folder and len(server.requests) == 1  # cached: no request
    with pytest.raises(FetchError):  # offline refresh: the cached copy stays
        fetch_release(data.model_copy(update={"base_url": dead_url}), "ml-latest", refresh=True)
    assert (folder / "ratings.csv").read_text().count("\n") == 2
    assert fetch_release(data, "ml-latest", refresh=True) == folder
    assert (folder / "ratings.csv").read_text().count("\n") == 3
    assert _leftovers(data.cache_dir) == ["ml-latest", "ml-latest.zip"]


def test_refused_connection_fails_fast_with_offline_advice(settings: Settings, dead_url: str) -> None:
    data = _data(settings, dead_url)
    started = time.perf_counter()
    with pytest.raises(FetchError, match=r"no network\?.*recdb load /path/to/ml-1m"):
        fetch_release(data, "ml-1m")
    assert time.perf_counter() - started < 5
    assert _leftovers(data.cache_dir) == []


def test_download_cut_short_leaves_nothing(settings: Settings, serve, tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "u.data").write_bytes(bytes(range(256)) * 400)
    _zip_folder(tmp_path / "src", tmp_path / "srv" / "ml-100k.zip", "ml-100k", ["u.data"])
    data = _data(settings, serve(tmp_path / "srv", truncate=True).url)
    with pytest.raises(FetchError, match=r"ml-100k\.zip"):
        fetch_release(data, "ml-100k", verify=False)  # even unverified, a short download is refused
    assert _leftovers(data.cache_dir) == []


def test_server_that_never_answers_times_out(settings: Settings, silent_url: str) -> None:
    data = settings.data.model_copy(update={"base_url": silent_url, "download_timeout_s": 0.5})
    started = time.perf_counter()
    with pytest.raises(FetchError, match=r"timed out.*recdb load"):
        fetch_release(data, "ml-1m")
    assert time.perf_counter() - started < 5
    assert _leftovers(data.cache_dir) == []


def test_http_error_is_a_fetch_error(settings: Settings, serve, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    data = _data(settings, serve(tmp_path / "empty").url)
    with pytest.raises(FetchError, match="HTTP 404"):
        fetch_release(data, "ml-1m")
    assert _leftovers(data.cache_dir) == []


@pytest.mark.realdata
def test_zip_put_in_the_cache_by_hand_needs_no_network(
    ml_root: Path, settings: Settings, dead_url: str
) -> None:
    data = _data(settings, dead_url)
    data.cache_dir.mkdir(parents=True)
    (data.cache_dir / "ml-latest-small.zip").write_bytes(
        (ml_root / "ml-latest-small" / "ml-latest-small.zip").read_bytes()
    )
    assert (fetch_release(data, "ml-latest-small") / "ratings.csv").is_file()


def test_wrong_zip_in_the_cache_is_removed(settings: Settings, dead_url: str) -> None:
    data = _data(settings, dead_url)
    data.cache_dir.mkdir(parents=True)
    (data.cache_dir / "ml-1m.zip").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(FetchError, match="not the official"):
        fetch_release(data, "ml-1m")
    assert _leftovers(data.cache_dir) == []


def test_no_verify_accepts_a_mismatch(settings: Settings, serve, tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "u.data").write_text("1\t1\t5\t874965758\n")
    _zip_folder(tmp_path / "src", tmp_path / "srv" / "ml-100k.zip", "ml-100k", ["u.data"])
    data = _data(settings, serve(tmp_path / "srv").url)
    folder = fetch_release(data, "ml-100k", verify=False)
    assert json.loads((folder / RECORD).read_text())["verified"] is False


def test_unknown_release_is_a_usage_error(settings: Settings) -> None:
    with pytest.raises(ConfigError, match="known releases: ml-100k, ml-1m"):
        fetch_release(settings.data, "ml-2m")
    with pytest.raises(ConfigError):
        cached_release(settings.data, "ml-2m")


def test_cli_exit_codes(
    settings: Settings, serve, dead_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = str(tmp_path / "cli-cache")
    assert main(["fetch", "ml-2m", "--cache-dir", cache]) == 2
    assert "known releases" in capsys.readouterr().err
    assert main(["fetch", "ml-1m", "--base-url", dead_url, "--cache-dir", cache]) == 3
    assert "recdb load" in capsys.readouterr().err
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "u.data").write_text("1\t1\t5\t874965758\n")
    _zip_folder(tmp_path / "src", tmp_path / "srv" / "ml-100k.zip", "ml-100k", ["u.data"])
    url = serve(tmp_path / "srv").url
    assert main(["fetch", "ml-100k", "--base-url", url, "--cache-dir", cache]) == 3
    assert main(["fetch", "ml-100k", "--base-url", url, "--cache-dir", cache, "--no-verify"]) == 0
    assert "recdb load ml-100k" in capsys.readouterr().out
