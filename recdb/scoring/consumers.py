"""recdb's own consumers of the published tables: ``recommend``, ``predict`` and ``export``.

They follow the consumer protocol of docs/consumers.md: open read-only (``connect`` retries while a
job holds the write lock), read, close at once, so a job is never kept waiting by them.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

import numpy as np
import polars as pl

from recdb.catalog import load_catalog
from recdb.db import frame, one, open_db, queries, records, scalar
from recdb.errors import ConfigError
from recdb.scoring.inputs import PredictorLoader, rated_with_stars
from recdb.settings import Settings
from recdb.training import registry

log = logging.getLogger(__name__)

Format = Literal["table", "csv", "json"]


@dataclass(frozen=True)
class ExportResult:
    run_id: int
    path: Path  # the Parquet file
    manifest: Path  # manifest.json beside it, naming the file and the run
    rows: int


def show_recommendations(
    settings: Settings, user_id: int, *, limit: int | None = None, fmt: Format = "table"
) -> str:
    """The user's published list (latest_recommendations), rendered as text."""
    q = queries("scoring")
    with open_db(settings.database, read_only=True) as con:
        summary = _latest_summary(con)
        if not scalar(con, q.user_exists, {"user_id": user_id}):
            raise ConfigError(f"user {user_id} is not in the database (argument USER_ID)")
        found = frame(con, q.user_recommendations, {"user_id": user_id, "limit": limit or 1_000_000})
    log.info("run %d (published %s): %d rows for user %d", summary["run_id"], summary["published_at"],
             found.height, user_id)  # fmt: skip
    return render(found, fmt)


def predict_ratings(
    settings: Settings,
    user_id: int,
    movie_ids: list[int],
    *,
    model_id: int | None = None,
    loader: PredictorLoader | None = None,
) -> pl.DataFrame:
    """Ad-hoc predicted ratings (clipped to the release's scale) with the user's actual rating, if any."""
    users = [user_id] * len(movie_ids)
    found = predict_pairs(settings, users, movie_ids, model_id=model_id, loader=loader)
    return found.drop("user_id")


def predict_pairs(
    settings: Settings,
    user_ids: list[int],
    movie_ids: list[int],
    *,
    model_id: int | None = None,
    loader: PredictorLoader | None = None,
) -> pl.DataFrame:
    """Predicted ratings of the pairs (user_ids[i], movie_ids[i]) in one model load, in their order."""
    if loader is None:
        loader = registry.load_predictor  # looked up now, so a test can patch the registry
    q = queries("scoring")
    with open_db(settings.database, read_only=True) as con:
        catalog = load_catalog(con)
        lo, hi = one(con, q.rating_scale) or (None, None)
        rated = frame(con, q.pair_ratings, {"user_ids": user_ids, "movie_ids": movie_ids})
        history = frame(con, q.users_ratings, {"user_ids": sorted(set(user_ids))})
        predictor, _ = loader(con, settings, model_id)
    users = catalog.users["user_id"].to_numpy()
    movies = catalog.movies["movie_id"].to_numpy()
    wanted_users = np.asarray(user_ids, dtype=users.dtype)
    wanted = np.asarray(movie_ids, dtype=movies.dtype)
    unknown_users = np.unique(wanted_users[~np.isin(wanted_users, users)])
    if unknown_users.size:
        names = ", ".join(map(str, unknown_users.tolist()))
        raise ConfigError(f"user(s) {names} not in the database (argument USER_ID)")
    unknown = np.unique(wanted[~np.isin(wanted, movies)])
    if unknown.size:
        raise ConfigError(f"movie(s) {', '.join(map(str, unknown.tolist()))} not in the database (MOVIE_ID)")
    # the users' own ratings: the history a model's predicted ratings may use (the hybrid's rating term)
    known, stars = rated_with_stars(
        catalog, history["user_id"].to_numpy(), history["movie_id"].to_numpy(), history["rating"].to_numpy()
    )
    predictor.bind(replace(catalog, rated=known, rated_ratings=stars))
    cols = np.searchsorted(movies, wanted).astype(np.int64)
    rows = np.searchsorted(users, wanted_users).astype(np.int64)
    predicted = predictor.predict(rows, cols).float().clamp(lo or 0.5, hi or 5.0).numpy()
    out = pl.DataFrame({"user_id": wanted_users, "movie_id": wanted, "predicted_rating": predicted})
    out = out.with_columns(pl.col("user_id", "movie_id").cast(pl.Int32))
    titles = catalog.movies.select("movie_id", "title", "year")
    return (
        out.join(titles, on="movie_id", how="left", maintain_order="left")
        .join(
            rated.with_columns(pl.col("user_id", "movie_id").cast(pl.Int32)),
            on=["user_id", "movie_id"],
            how="left",
            maintain_order="left",
        )
        .select(
            "user_id",
            "movie_id",
            "title",
            "year",
            "predicted_rating",
            pl.col("rating").alias("actual_rating"),
        )
    )


def predict_report(
    settings: Settings,
    user_id: int,
    movie_ids: list[int],
    *,
    model_id: int | None = None,
    fmt: Format = "table",
) -> str:
    """``predict_ratings`` rendered as text (what ``recdb predict`` prints)."""
    return render(predict_ratings(settings, user_id, movie_ids, model_id=model_id), fmt)


def export_latest(settings: Settings, out_dir: Path) -> ExportResult:
    """Write the latest published run as Parquet (``recommendations-run<ID>.parquet``) and a manifest.

    Both files are written under temporary names and renamed into place, the manifest last, so a tool
    that reads ``manifest.json`` first always finds a complete file of the run it names.
    """
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create export folder {out_dir} (argument DIR): {exc}") from None
    q = queries("scoring")
    with open_db(settings.database, read_only=True) as con:
        summary = _latest_summary(con)
        run_id = int(summary["run_id"])
        path = out_dir / f"recommendations-run{run_id}.parquet"
        tmp = path.with_name(path.name + ".tmp")
        rows = scalar(con, q.export_recommendations, {"run_id": run_id, "path": str(tmp)}) or 0
    os.replace(tmp, path)
    manifest = out_dir / "manifest.json"
    body = {
        **summary,
        "file": path.name,
        "rows": int(rows),
        "exported_at": datetime.now(timezone.utc).isoformat(),
    }
    manifest_tmp = manifest.with_name("manifest.json.tmp")
    manifest_tmp.write_text(json.dumps(body, indent=2, default=str) + "\n", encoding="utf-8")
    os.replace(manifest_tmp, manifest)
    log.info("exported run %d: %d rows to %s", run_id, rows, path)
    return ExportResult(run_id=run_id, path=path, manifest=manifest, rows=int(rows))


def render(frame: pl.DataFrame, fmt: Format) -> str:
    """A frame as an aligned text table, CSV or JSON lines."""
    if fmt == "csv":
        return frame.write_csv().rstrip("\n")
    if fmt == "json":
        return frame.write_ndjson().rstrip("\n")
    rounded = frame.with_columns(pl.col(pl.Float32, pl.Float64).round(2))  # 3.4433389 -> 3.44 on screen
    text = rounded.select(pl.all().cast(pl.Utf8).fill_null(""))
    longest = text.select(pl.all().str.len_chars().max().fill_null(0)).row(0)
    widths = {c: max(len(c), int(n)) for c, n in zip(text.columns, longest, strict=True)}
    header = "  ".join(c.ljust(widths[c]) for c in text.columns)
    lines = text.select(
        pl.concat_str(
            [pl.col(c).str.pad_end(widths[c]) for c in text.columns], separator="  "
        ).str.strip_chars_end()
    ).to_series()
    return "\n".join([header.rstrip(), *lines.to_list()])


def _latest_summary(con: Any) -> dict[str, Any]:
    found = records(con, queries("scoring").latest_run_summary)
    if not found:
        raise ConfigError("no scoring run has been published yet: run `recdb score` first")
    return found[0]


__all__ = [
    "ExportResult",
    "export_latest",
    "predict_pairs",
    "predict_ratings",
    "predict_report",
    "render",
    "show_recommendations",
]
