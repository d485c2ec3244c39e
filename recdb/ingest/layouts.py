"""The MovieLens file layouts recdb reads, and the release names it knows.

A *layout* is how a release spells its files (which names, separators, encodings, rating scale); a
*data set* is what was loaded (``ml-1m``, ``ml-latest-small``, ``demo``...). Several data sets share a
layout: every CSV release from ml-20m on is the ``csv`` layout.
"""

from __future__ import annotations

from dataclasses import dataclass

from recdb.db.sql import Query, queries

# The staging queries (sql/ingest/stage.sql) each layout reads its files with.
_Q = queries("ingest")

# ML-1M's 18 genres, in the order its README lists them (ml-100k's u.item flags are the same list).
ML_1M_GENRES: tuple[str, ...] = (
    "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary", "Drama", "Fantasy",
    "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western",
)  # fmt: skip


@dataclass(frozen=True)
class Layout:
    """One GroupLens file layout: file names by role and how to read them."""

    name: str
    files: dict[str, str]  # role -> file name; roles: ratings, movies, users, tags
    required: tuple[str, ...]
    delimiter: str
    header: bool  # the CSV releases start every file with a header line
    half_stars: bool  # ratings 0.5-5 in steps of 0.5 (else whole stars 1-5)
    stage_queries: dict[str, Query]  # role -> its query in sql/ingest/stage.sql
    genres: tuple[str, ...] | None = None  # the release's fixed genre list, when movies name genres

    @property
    def scale(self) -> str:
        return "half stars 0.5-5" if self.half_stars else "whole stars 1-5"


ML_100K = Layout(
    name="ml-100k",
    files={"ratings": "u.data", "movies": "u.item", "users": "u.user"},
    required=("ratings", "movies", "users"),
    delimiter="\t",  # u.data; u.item and u.user are '|' (fixed in their queries)
    header=False,
    half_stars=False,
    stage_queries={
        "ratings": _Q.stage_ratings_dat,
        "movies": _Q.stage_movies_item,
        "users": _Q.stage_users_100k,
    },
)
ML_1M = Layout(
    name="ml-1m",
    files={"ratings": "ratings.dat", "movies": "movies.dat", "users": "users.dat"},
    required=("ratings", "movies", "users"),
    delimiter="::",
    header=False,
    half_stars=False,
    stage_queries={
        "ratings": _Q.stage_ratings_dat,
        "movies": _Q.stage_movies_dat,
        "users": _Q.stage_users_1m,
    },
    genres=ML_1M_GENRES,
)
ML_10M = Layout(
    name="ml-10m",
    files={"ratings": "ratings.dat", "movies": "movies.dat", "tags": "tags.dat"},
    required=("ratings", "movies"),
    delimiter="::",
    header=False,
    half_stars=True,
    stage_queries={"ratings": _Q.stage_ratings_dat, "movies": _Q.stage_movies_dat, "tags": _Q.stage_tags_dat},
)
CSV = Layout(
    name="csv",
    files={"ratings": "ratings.csv", "movies": "movies.csv", "tags": "tags.csv"},
    required=("ratings", "movies"),
    delimiter=",",
    header=True,
    half_stars=True,
    stage_queries={"ratings": _Q.stage_ratings_csv, "movies": _Q.stage_movies_csv, "tags": _Q.stage_tags_csv},
)
_DAT_NAMES = set(ML_1M.files.values()) | set(ML_10M.files.values())
LAYOUTS: dict[str, Layout] = {lay.name: lay for lay in (ML_100K, ML_1M, ML_10M, CSV)}

# Header lines the CSV releases must start with (a different header means a different file).
CSV_HEADERS = {
    "ratings": "userId,movieId,rating,timestamp",
    "movies": "movieId,title,genres",
    "tags": "userId,movieId,tag,timestamp",
}

# Release names -> the layout their files must have. The official ml-10m zip unpacks to ml-10M100K.
RELEASES: dict[str, str] = {
    "ml-100k": "ml-100k",
    "ml-1m": "ml-1m",
    "ml-10m": "ml-10m",
    "ml-20m": "csv",
    "ml-25m": "csv",
    "ml-32m": "csv",
    "ml-latest": "csv",
    "ml-latest-small": "csv",
    "demo": "ml-1m",
}
RELEASE_ALIASES = {"ml-10m100k": "ml-10m"}


def release_name(candidate: str) -> str | None:
    """The known release a folder or zip name stands for (``ML-1M`` -> ``ml-1m``), else None."""
    key = candidate.strip().lower()
    key = RELEASE_ALIASES.get(key, key)
    return key if key in RELEASES else None


def mixed_layouts(names: set[str]) -> list[str] | None:
    """One file of each layout family present when ``names`` hold files of more than one, else None.

    ML-1M and ML-10M share their file names (one family: ``.dat``); ml-100k and the CSV releases are
    the others. A folder with u.data and ratings.dat holds two releases, and which was meant is a guess.
    """
    families = [sorted(names & set(ML_100K.files.values())), sorted(names & _DAT_NAMES),
                sorted(names & set(CSV.files.values()))]  # fmt: skip
    present = [found[0] for found in families if found]
    return present if len(present) > 1 else None


def detect_layout(names: set[str]) -> Layout | None:
    """The layout whose files are present in ``names`` (file names in one folder), else None.

    ``users.dat`` tells ML-1M from ML-10M (which has none); a folder missing a required file is
    still detected here, so the caller can say which file is missing.
    """
    if names & set(ML_100K.files.values()):
        return ML_100K
    if "users.dat" in names:
        return ML_1M
    if names & {"ratings.dat", "movies.dat", "tags.dat"}:
        return ML_10M
    if names & {"ratings.csv", "movies.csv"}:
        return CSV
    return None
