"""A top-k list for a user the database does not have, described only by demographics (cold start).

The model scores any user in the catalogue it is bound to, including users it never saw in training
(their demographic features carry them, as for users without ratings in the nightly's scoring). A new
user is therefore one more row appended to the catalogue's users, scored against every movie and cut
with :func:`recdb.ranking.top_k`; the ratings shown are the model's predictions for those pairs.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from recdb.catalog import load_catalog
from recdb.db import one, open_db, queries, scalar
from recdb.errors import ConfigError
from recdb.predictor import Catalog
from recdb.ranking import top_k
from recdb.settings import Settings
from recdb.training import registry


def recommend_new_user(
    settings: Settings,
    *,
    gender: str | None = None,
    age: int | None = None,
    occupation: str | int | None = None,
    k: int = 10,
    model_id: int | None = None,
) -> pl.DataFrame:
    """The model's top ``k`` movies for a new user; columns rank, movie_id, title, year, genres,
    predicted_rating. Raises :class:`ConfigError` for a value the vocabularies do not know."""
    if k < 1:
        raise ConfigError(f"k must be at least 1, got {k}")
    if gender is not None and gender.upper() not in ("M", "F"):
        raise ConfigError(f"gender must be 'M' or 'F', got {gender!r}")
    q = queries("scoring")
    with open_db(settings.database, read_only=True) as con:
        age_group = None if age is None else scalar(con, q.age_group_of, {"age": int(age)})
        if age is not None and age_group is None:
            raise ConfigError(f"age {age} is in no age band (age_groups)")
        job = None if occupation is None else scalar(con, q.occupation_of, {"value": str(occupation)})
        if occupation is not None and job is None:
            raise ConfigError(f"occupation {occupation!r} is not in occupations or occupation_aliases")
        catalog = load_catalog(con)
        lo, hi = one(con, q.rating_scale) or (None, None)
        predictor, _ = registry.load_predictor(con, settings, model_id)
    newcomer = pl.DataFrame(
        {
            "user_id": [int(catalog.users["user_id"].cast(pl.Int64).max() or 0) + 1],
            "gender": [None if gender is None else gender.upper()],
            "age_group": [age_group],
            "occupation": [job],
        },
        schema=catalog.users.schema,
    )
    extended = Catalog(users=pl.concat([catalog.users, newcomer]), movies=catalog.movies)
    predictor.bind(extended)
    row = np.array([extended.n_users - 1], dtype=np.int64)
    _, cols = top_k(predictor.rank_scores(row), k)
    picked = cols[0].numpy().astype(np.int64)
    ratings = predictor.predict(np.repeat(row, picked.size), picked).float().clamp(lo or 0.5, hi or 5.0)
    return (
        catalog.movies[picked]
        .select("movie_id", "title", "year", "genres")
        .with_columns(
            pl.Series("predicted_rating", ratings.numpy()),
            pl.int_range(1, picked.size + 1, dtype=pl.Int16).alias("rank"),
        )
        .select("rank", "movie_id", "title", "year", "genres", "predicted_rating")
    )
