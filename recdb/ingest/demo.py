"""Embedded demo data: ML-1M-format files generated from a seed, with structure a model can learn.

``generate_demo(out_dir, ratings=..., seed=...)`` writes ``users.dat``, ``movies.dat`` and
``ratings.dat`` exactly as the real ml-1m release spells them (``::`` separators, ML-1M's age and
occupation codes and 18 genres, whole-star ratings, Unix timestamps in 2000–2003), plus a ``README``
and the marker file :data:`DEMO_MARKER` (JSON: seed, sizes, generator version) by which the loader
names the data set ``demo``. What is planted is described in :mod:`recdb.ingest.demo_world`.

Files are written under temporary names and renamed; the marker is written last and removed first,
so a folder with a marker always holds a complete data set. A folder whose marker already matches
the requested seed, size and generator version is left as it is (regenerating 25M ratings costs
minutes), unless ``force=True``.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np
import polars as pl

from recdb.errors import ConfigError
from recdb.ingest import demo_vocab as V
from recdb.ingest.demo_ratings import iter_ratings
from recdb.ingest.demo_world import DemoSizes, World, build_world, demo_sizes

log = logging.getLogger(__name__)

DEMO_MARKER = "DEMO"
"""File in a generated folder marking it as demo data (JSON with seed, sizes and generator version)."""

DEMO_DATASET = "demo"
"""The data set name the loader records for generated data."""

GENERATOR_VERSION = 1
"""Bumped whenever the same seed would give different files."""

MIN_RATINGS = 1_000
FILES = ("users.dat", "movies.dat", "ratings.dat")


@dataclass(frozen=True)
class DemoInfo:
    """What :func:`make_demo` wrote (or found already there)."""

    path: Path
    seed: int
    ratings: int
    users: int
    movies: int
    generated: bool  # False when an identical data set was already in place
    seconds: float


def generate_demo(out_dir: Path, *, ratings: int, seed: int, force: bool = False) -> Path:
    """Write an ML-1M-format demo data set of ``ratings`` ratings into ``out_dir``; return ``out_dir``."""
    return make_demo(out_dir, ratings=ratings, seed=seed, force=force).path


def make_demo(out_dir: Path, *, ratings: int, seed: int, force: bool = False) -> DemoInfo:
    """Like :func:`generate_demo`, returning what was written (for the ``recdb demo-data`` command)."""
    if ratings < MIN_RATINGS:
        raise ConfigError(
            f"demo data needs at least {MIN_RATINGS} ratings (demo.ratings / --ratings), got {ratings}"
        )
    out_dir = Path(out_dir)
    sizes = demo_sizes(ratings)
    marker = _marker(sizes, seed)
    started = time.perf_counter()
    if not force and read_demo_marker(out_dir) == marker and all((out_dir / f).is_file() for f in FILES):
        log.info("demo data in %s is already seed %d, %d ratings: kept", out_dir, seed, ratings)
        return DemoInfo(out_dir, seed, ratings, sizes.users, sizes.movies, False, 0.0)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / DEMO_MARKER).unlink(missing_ok=True)  # incomplete until the marker is back
    world = build_world(sizes, seed)
    _write(out_dir / "users.dat", lambda fh: _write_ml(_users_frame(world), fh))
    _write(out_dir / "movies.dat", lambda fh: _write_ml(_movies_frame(world), fh))
    _write(out_dir / "ratings.dat", lambda fh: _write_ratings(world, fh))
    _write(out_dir / "README", lambda fh: fh.write(_readme(sizes, seed).encode()))
    _write(out_dir / DEMO_MARKER, lambda fh: fh.write(json.dumps(marker, indent=2).encode() + b"\n"))
    seconds = time.perf_counter() - started
    log.info(
        "demo data: %d ratings, %d users, %d movies in %s (%.1f s)",
        ratings,
        sizes.users,
        sizes.movies,
        out_dir,
        seconds,
    )
    return DemoInfo(out_dir, seed, ratings, sizes.users, sizes.movies, True, seconds)


def read_demo_marker(folder: Path) -> dict[str, object] | None:
    """The marker's content if ``folder`` holds generated demo data, else None."""
    try:
        value = json.loads((Path(folder) / DEMO_MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _marker(sizes: DemoSizes, seed: int) -> dict[str, object]:
    return {
        "dataset": DEMO_DATASET,
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "ratings": sizes.ratings,
        "users": sizes.users,
        "movies": sizes.movies,
    }


# ``::`` is not a one-byte separator: write ``:`` and an always-empty column between the fields.
_GAP = pl.lit(None, dtype=pl.String)


def _ml_lines(frame: pl.DataFrame) -> pl.DataFrame:
    """Interleave empty columns so ``a:b:c`` with separator ``:`` reads ``a::b::c``."""
    columns: list[pl.Expr] = []
    for i, name in enumerate(frame.columns):
        if i:
            columns.append(_GAP.alias(f"_gap{i}"))
        columns.append(pl.col(name))
    return frame.select(columns)


def _write_ml(frame: pl.DataFrame, fh: IO[bytes]) -> None:
    """Append ``frame`` (already interleaved by :func:`_ml_lines`) as ML ``::`` lines, never quoted."""
    frame.write_csv(fh, include_header=False, separator=":", quote_style="never", null_value="")


def _write(path: Path, writer: Callable[[IO[bytes]], object]) -> None:
    """Write to a temporary name beside ``path`` and rename, so a crash never leaves half a file."""
    tmp = path.with_name(f".{path.name}.partial")
    try:
        with open(tmp, "wb") as fh:
            writer(fh)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _users_frame(world: World) -> pl.DataFrame:
    u = world.users
    frame = pl.DataFrame(
        {
            "user_id": np.arange(1, len(u.male) + 1),
            "gender": np.where(u.male, "M", "F"),
            "age": V.AGE_CODES[u.age],
            "occupation": u.occupation,
            "zip": u.zip_code,
        }
    ).with_columns(pl.col("zip").cast(pl.String).str.zfill(5))
    return _ml_lines(frame)


def _movies_frame(world: World) -> pl.DataFrame:
    m = world.movies
    vocab = pl.Series("w", (*V.TITLE_WORDS, ""), dtype=pl.String)
    genre_names = pl.Series("g", (*V.GENRES, ""), dtype=pl.String)
    n_vocab = len(V.TITLE_WORDS)
    words = [
        vocab.gather(np.where(m.words[:, j] >= 0, m.words[:, j], n_vocab)) for j in range(m.words.shape[1])
    ]
    genres = [genre_names.gather(m.genres[:, j]) for j in range(m.genres.shape[1])]
    frame = pl.DataFrame({"movie_id": m.ids, "year": m.year, "article": m.article})
    frame = frame.with_columns(
        # Join the non-empty words with spaces, then ML's ", The" and " (Year)".
        pl.concat_str([pl.lit(w).replace("", None) for w in words], separator=" ", ignore_nulls=True).alias(
            "base"
        ),
        pl.concat_str([pl.lit(g).replace("", None) for g in genres], separator="|", ignore_nulls=True).alias(
            "genres"
        ),
    ).with_columns(
        pl.concat_str(
            [
                pl.col("base"),
                pl.when(pl.col("article")).then(pl.lit(", The")).otherwise(pl.lit("")),
                pl.lit(" ("),
                pl.col("year").cast(pl.String),
                pl.lit(")"),
            ]
        ).alias("title")
    )
    return _ml_lines(frame.select("movie_id", "title", "genres"))


def _write_ratings(world: World, fh: IO[bytes]) -> None:
    """Block by block, so memory stays bounded at any size."""
    ids = world.movies.ids
    for block in iter_ratings(world):
        frame = pl.DataFrame(
            {
                "user_id": (block.user + 1).astype(np.int32),
                "movie_id": ids[block.movie].astype(np.int32),
                "rating": block.rating,
                "timestamp": block.timestamp,
            }
        )
        _write_ml(_ml_lines(frame), fh)


def _readme(sizes: DemoSizes, seed: int) -> str:
    return f"""Generated demo data (recdb demo-data): NOT real MovieLens data.

Seed {seed}, generator version {GENERATOR_VERSION}: {sizes.ratings:,} ratings by {sizes.users:,} users
of {sizes.movies:,} movies. Same seed and size give byte-identical files.

Format: exactly ML-1M's (see its README): users.dat UserID::Gender::Age::Occupation::Zip-code,
movies.dat MovieID::Title (Year)::Genres, ratings.dat UserID::MovieID::Rating::Timestamp, whole stars
1-5, timestamps 2000-2003. The {DEMO_MARKER} file marks the folder as demo data for `recdb load`.

Planted structure: user genre tastes depend on gender, age and occupation plus individual noise;
movie quality depends on genres, title words and release year; popularity is Zipf-like; users pick
which movies to rate partly by taste; rating = round(mean + user bias + movie quality + taste . genres
+ noise), clipped to 1-5. Every user has at least 20 ratings and no (user, movie) pair repeats.
"""
