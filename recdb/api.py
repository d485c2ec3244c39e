"""recdb's Python API: the published recommendations, ad-hoc predictions and cold-start lists.

Importable from ``recdb`` itself (``recdb.recommendations(...)``). Every function opens the database
read-only (retrying for a few seconds while a job publishes) and closes it again, so Python code never
holds up the nightly. Settings come from the usual places (``RECDB_CONFIG``, ``RECDB_*`` variables);
``db=`` names another database file. This module imports nothing heavy at import time: ``import recdb``
stays as quick as ``recdb --help``.

>>> import recdb
>>> lists = recdb.recommendations(user_ids=[1, 2], k=3, db=db)
>>> lists.columns[:7]
['user_id', 'rank', 'movie_id', 'title', 'year', 'genres', 'predicted_rating']
>>> lists.columns[7:]
['because_movie_id', 'because_title', 'reason', 'run_id']
>>> lists["reason"].null_count()  # every row says why
0
>>> lists.group_by("user_id").len().sort("user_id")["len"].to_list()
[3, 3]
>>> movie = int(lists["movie_id"][0])
>>> predicted = recdb.predict([(1, movie), (2, movie)], db=db)
>>> predicted.select("user_id", "movie_id").rows() == [(1, movie), (2, movie)]
True
>>> new_user = recdb.recommend(gender="F", age=29, occupation="programmer", k=5, db=db)
>>> new_user.height, new_user["rank"].to_list()
(5, [1, 2, 3, 4, 5])
>>> con = recdb.connect(db=db)
>>> con.execute("SELECT count(DISTINCT user_id) > 0 FROM latest_recommendations").fetchone()
(True,)
>>> con.close()
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb
    import polars as pl

    from recdb.settings import Settings


def connect(db: str | Path | None = None, settings: Settings | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only DuckDB connection to the database (``db``, else ``settings``' / the configured one).

    Waits a few seconds while a job holds the write lock, then raises :class:`recdb.errors.BusyError`.
    Close it when done: an open connection keeps the nightly from publishing.
    """
    from recdb.db import connect as open_connection

    return open_connection(_settings(db, settings).database, read_only=True)


def recommendations(
    user_ids: Iterable[int] | None = None,
    k: int = 10,
    *,
    con: duckdb.DuckDBPyConnection | None = None,
    db: str | Path | None = None,
    settings: Settings | None = None,
) -> pl.DataFrame:
    """The published lists (``latest_recommendations``), the first ``k`` of each, for ``user_ids`` (all
    users when None): one row per (user_id, rank), ordered by user and rank.

    ``con``: a connection from :func:`connect` to reuse (left open); otherwise one is opened and closed.
    """
    from recdb.db import frame, queries

    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    params = {"k": k, "user_ids": None if user_ids is None else [int(u) for u in user_ids]}
    if con is not None:
        return frame(con, queries("scoring").latest_lists, params)
    own = connect(db, settings)
    try:
        return frame(own, queries("scoring").latest_lists, params)
    finally:
        own.close()


def predict(
    pairs: Iterable[tuple[int, int]] | pl.DataFrame,
    *,
    model_id: int | None = None,
    db: str | Path | None = None,
    settings: Settings | None = None,
) -> pl.DataFrame:
    """Predicted ratings of (user_id, movie_id) pairs by the newest ready model (or ``model_id``), with
    the user's actual rating where there is one; a frame with columns user_id and movie_id works too."""
    import polars as pl

    from recdb.scoring.consumers import predict_pairs

    table = pairs if isinstance(pairs, pl.DataFrame) else pl.DataFrame(
        list(pairs), schema=["user_id", "movie_id"], orient="row"
    )  # fmt: skip
    return predict_pairs(
        _settings(db, settings),
        table["user_id"].cast(pl.Int64).to_list(),
        table["movie_id"].cast(pl.Int64).to_list(),
        model_id=model_id,
    )


def recommend(
    *,
    gender: str | None = None,
    age: int | None = None,
    occupation: str | int | None = None,
    k: int = 10,
    model_id: int | None = None,
    db: str | Path | None = None,
    settings: Settings | None = None,
) -> pl.DataFrame:
    """A top-``k`` list for a new user known only by demographics (cold start, scored by the model).

    ``gender`` "M" or "F"; ``age`` in years; ``occupation`` a name ("programmer"), an ML-100K name or an
    ML-1M code; any of them may be left out. Columns: rank, movie_id, title, year, genres,
    predicted_rating.
    """
    from recdb.scoring.coldstart import recommend_new_user

    return recommend_new_user(
        _settings(db, settings), gender=gender, age=age, occupation=occupation, k=k, model_id=model_id
    )


def _settings(db: str | Path | None, settings: Settings | None) -> Settings:
    from recdb.settings import load_settings

    base = settings if settings is not None else load_settings()
    if db is None:
        return base
    return base.model_copy(update={"database": base.database.model_copy(update={"path": Path(db)})})


__all__ = ["connect", "predict", "recommend", "recommendations"]
