"""``load_dataset``: one MovieLens release (folder, zip or cached release name) into the database.

What a load does, by what the database holds already:

- nothing: everything is inserted (action ``initial``);
- the same data set, same file checksums: nothing at all happens, no ``loads`` row (``unchanged``),
  even with ``replace``;
- the same data set, other files (a newer copy): the new ratings, users, movies and tags are added
  (``append``). A newer copy may only *append*: a (user, movie) whose rating or time differs from the
  loaded one, or a loaded rating missing from the copy, is a :class:`DataError` that says to pass
  ``--replace``, because silently rewriting history would change the ratings that existing splits and
  models were built from. Users and movies already loaded are kept as they are; new ones are added.
  A copy that turns out to add nothing is ``unchanged`` too;
- another data set: refused (:class:`DatasetMismatchError`) unless ``replace``, which deletes the old
  data set and loads the new one (``replace``; the ``loads`` history stays). ``replace`` with a changed
  copy of the same data set reloads it as it is now (the way out of the append-only rule).

Everything is checked before anything is written, and the writing is ONE transaction, so any error leaves
the database exactly as it was.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import duckdb

from recdb.config_paths import DEMO_SOURCE
from recdb.db import open_db, transaction
from recdb.errors import ConfigError, DataError, DatasetMismatchError
from recdb.ingest.checks import check_append, check_staged
from recdb.ingest.demo import generate_demo
from recdb.ingest.fetch import cached_release
from recdb.ingest.publish import current_load, publish, totals
from recdb.ingest.source import Release, ZipLimits, open_release
from recdb.ingest.stage import stage_release
from recdb.ingest.workdir import load_workdir
from recdb.logs import progress
from recdb.settings import Settings

log = logging.getLogger(__name__)

Action = Literal["initial", "append", "replace", "unchanged"]


@dataclass(frozen=True)
class LoadResult:
    """What a load did. Counts are totals in the database afterwards, except ``ratings_added``."""

    load_id: int | None  # None when unchanged (no loads row is written)
    action: Action
    dataset: str
    users: int
    movies: int
    ratings: int
    tags: int
    ratings_added: int

    def summary(self) -> str:
        """One line for people and cron logs."""
        what = (
            "unchanged (same data already loaded)"
            if self.load_id is None
            else f"load {self.load_id}: {self.action}"
        )
        return (
            f"{self.dataset}: {what}, +{self.ratings_added:,} ratings; now {self.users:,} users, "
            f"{self.movies:,} movies, {self.ratings:,} ratings, {self.tags:,} tags"
        )


class _NothingNew(Exception):
    """Raised inside the transaction to roll back an append that added no row."""


def load_dataset(
    settings: Settings, source: str | Path | None = None, *, replace: bool = False
) -> LoadResult:
    """Load a MovieLens release into ``settings.database`` (see the module docstring for the rules).

    ``source``: a folder or a zip of any GroupLens layout (ml-100k, ml-1m, ml-10m, the CSV releases), or
    a release name already fetched into ``data.cache_dir`` (``recdb fetch``), or ``"demo"``: the demo
    data generated into ``demo.dir``; None means ``data.source``, and when that is unset too, the demo
    data when no config file is in use (else :class:`ConfigError`).
    ``replace`` (or ``data.replace``) allows replacing a different data set.
    Raises :class:`DataError` (exit code 3) for bad input, naming the file and line.
    """
    replace = replace or settings.data.replace
    path = _resolve_source(settings, source)
    _check_writable(settings.database.path)
    started = time.perf_counter()
    with load_workdir(settings.database.path) as workdir:
        release = open_release(path, workdir, ZipLimits.of(settings.data))
        log.info("loading %s (%s layout) from %s", release.dataset, release.layout.name, release.source)
        with open_db(settings.database) as con:
            result = _load(con, release, replace)
    log.info(
        "%s: %s, %d ratings added (%d users, %d movies, %d ratings, %d tags) in %.2f s",
        result.dataset, result.action, result.ratings_added, result.users, result.movies, result.ratings,
        result.tags, time.perf_counter() - started,
    )  # fmt: skip
    return result


def _load(con: duckdb.DuckDBPyConnection, release: Release, replace: bool) -> LoadResult:
    current = current_load(con)
    if current is not None and current.dataset != release.dataset and not replace:
        raise DatasetMismatchError(
            f"the database holds data set {current.dataset!r} (load {current.load_id}), "
            f"not {release.dataset!r}: pass --replace (or set data.replace) to replace it",
            file=release.source,
        )
    if current is not None and current.dataset == release.dataset and current.checksums == release.checksums:
        # Even with replace: reloading identical files would only renumber load_ids (and data.replace may
        # be set for the nightly job, which must stay a no-op on unchanged data).
        log.info("%s: same files as load %d, nothing to do", release.dataset, current.load_id)
        return _unchanged(con, release)
    action: Action = "initial" if current is None else ("replace" if replace else "append")
    started_at = dt.datetime.now(dt.timezone.utc)
    try:
        # Staging and checks write only TEMP tables; the database changes in the one transaction below.
        # a bar (a terminal only) of the steps: each file staged, the checks, the publish transaction
        with progress(f"loading {release.dataset}", len(release.files) + 2, unit="step") as bar:
            stage_release(con, release, staged=lambda: bar.update(1))
            check_staged(con, release)
            bar.update(1)
            with transaction(con):
                if action == "append":
                    check_append(con, release)
                load_id, before, after = publish(con, release, action, started_at)
                if action == "append" and after == before:
                    raise _NothingNew
            bar.update(1)
    except _NothingNew:
        log.info("%s: the files changed but hold no new rows", release.dataset)
        return _unchanged(con, release)
    except duckdb.ConstraintException as exc:  # the checks should have caught it: still a data error
        raise DataError(f"rejected by the database: {exc}", file=release.source) from None
    return LoadResult(
        load_id, action, release.dataset, after.users, after.movies, after.ratings, after.tags,
        after.ratings - before.ratings,
    )  # fmt: skip


def _unchanged(con: duckdb.DuckDBPyConnection, release: Release) -> LoadResult:
    now = totals(con)
    return LoadResult(None, "unchanged", release.dataset, now.users, now.movies, now.ratings, now.tags, 0)


def _resolve_source(settings: Settings, source: str | Path | None) -> Path:
    """The folder or zip to read: a path, a cached release name, data.source, or the demo data."""
    if source is None:
        source = settings.data.source
    if source is None and settings.config_file is not None:
        # Only the embedded default falls back to the demo data: a configured (cron) run that forgot
        # data.source must not train on and publish made-up ratings.
        raise ConfigError(
            f"no data to load: data.source is not set in {settings.config_file} (env RECDB_DATA__SOURCE); "
            f'set it to a folder, a zip or a release name, or to "{DEMO_SOURCE}" for the demo data'
        )
    if source is None or source == DEMO_SOURCE:  # a folder named demo is ./demo
        return generate_demo(settings.demo.dir, ratings=settings.demo.ratings, seed=settings.demo.seed)
    path = Path(source).expanduser()
    if path.exists():
        return path
    text = str(source)
    if isinstance(source, str) and "/" not in text and os.sep not in text and not text.endswith(".zip"):
        return _cached(settings, text)
    raise ConfigError(
        f"{text}: no such file or folder (recdb load takes a folder, a zip or a fetched release name)"
    )


def _cached(settings: Settings, name: str) -> Path:
    try:
        cached = cached_release(settings.data, name)
    except ConfigError as exc:  # not a known release name either
        raise ConfigError(f"{name}: no such file or folder; {exc}") from None
    if cached is None:
        raise ConfigError(
            f"{name}: no such file or folder, and no release of that name in the cache "
            f"{settings.data.cache_dir} (setting data.cache_dir): run `recdb fetch {name}` first, "
            "or pass the path of a local copy"
        )
    return Path(cached)


def _check_writable(db_path: Path) -> None:
    """Refuse early, with the setting's name, when the database file is read-only.

    The write bits are checked as well as ``os.access``: root may write anyway, but a file someone made
    read-only (chmod a-w) is a statement not to change it.
    """
    if db_path.exists() and (not os.access(db_path, os.W_OK) or db_path.stat().st_mode & 0o222 == 0):
        raise ConfigError(
            f"database {db_path} is read-only (setting database.path): a load must write to it; "
            f"make it writable (chmod u+w) or point database.path at another file"
        )
