"""The training data as tensors: the encoded catalogue and the split's ratings as catalogue rows.

Built once per training run from Polars frames, then sliced per mini-batch (no per-sample Dataset).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
import torch

from recdb.errors import DataError
from recdb.features.encoders import Encoders, build_encoders
from recdb.predictor import Catalog
from recdb.ranking import MovieSets
from recdb.settings import FeatureSettings
from recdb.training.predictor import CatalogTensors, encode_catalog


@dataclass(frozen=True)
class RatingTensors:
    """Ratings as catalogue positions: user rows, movie columns, stars (sorted by user row)."""

    users: torch.Tensor  # int64 [n]
    movies: torch.Tensor  # int64 [n]
    ratings: torch.Tensor  # float32 [n]

    def __len__(self) -> int:
        return len(self.ratings)


@dataclass(frozen=True)
class TrainingData:
    catalog: Catalog
    encoders: Encoders
    tensors: CatalogTensors
    parts: dict[str, RatingTensors]  # train, valid, test
    global_mean: float
    rating_scale: tuple[float, float]
    rated_movies: torch.Tensor  # int64 [R]: catalogue rows of the movies with training ratings, sorted
    rated_position: torch.Tensor  # int64 [M]: each catalogue movie's position in rated_movies (-1: none)

    def history(self, parts: list[str]) -> tuple[MovieSets, np.ndarray]:
        """The movie columns each user row rated in ``parts`` (the users' history for those parts) and
        their ratings, aligned with the sets' pairs (``Catalog.rated`` / ``Catalog.rated_ratings``)."""
        users = torch.cat([self.parts[p].users for p in parts]).numpy()
        movies = torch.cat([self.parts[p].movies for p in parts]).numpy()
        stars = torch.cat([self.parts[p].ratings for p in parts]).numpy()
        sets, ratings = MovieSets.from_rated(users, movies, stars, len(self.tensors.users))
        assert ratings is not None
        return sets, ratings

    def tensors_on(self, device: torch.device) -> CatalogTensors:
        """The encoded catalogue on ``device`` (the same tensors when it is already there)."""
        t = self.tensors
        return CatalogTensors(*(x.to(device) for x in (t.users, t.movie_ids, t.genres, t.titles)))


def prepare_data(catalog: Catalog, split: pl.DataFrame, features: FeatureSettings) -> TrainingData:
    """Encoders from the train part, the catalogue encoded with them, every part as tensors."""
    train = split.filter(pl.col("part") == "train")
    if train.height == 0:
        raise DataError("the split has no training ratings")
    encoders = build_encoders(catalog.users, catalog.movies, train, features)
    rows = _with_rows(split, catalog)
    parts = {
        name: _rating_tensors(rows.filter(pl.col("part") == name)) for name in ("train", "valid", "test")
    }
    ratings = split["rating"]
    n_movies = catalog.movies.height
    rated = torch.unique(parts["train"].movies)
    position = torch.full((n_movies,), -1, dtype=torch.long)
    position[rated] = torch.arange(len(rated))
    return TrainingData(
        catalog=catalog,
        encoders=encoders,
        tensors=encode_catalog(catalog, encoders),
        parts=parts,
        global_mean=float(train["rating"].mean()),  # type: ignore[arg-type]
        rating_scale=(float(ratings.min()), float(ratings.max())),  # type: ignore[arg-type]
        rated_movies=rated,
        rated_position=position,
    )


def _with_rows(split: pl.DataFrame, catalog: Catalog) -> pl.DataFrame:
    """Add the catalogue positions (user_row, movie_row) of every rating."""
    users = catalog.users.select("user_id").with_row_index("user_row")
    movies = catalog.movies.select("movie_id").with_row_index("movie_row")
    out = split.join(users, on="user_id", how="inner").join(movies, on="movie_id", how="inner")
    if out.height != split.height:
        raise DataError(
            f"{split.height - out.height} ratings refer to users or movies missing from the catalogue"
        )
    return out.sort("user_row", "movie_row")


def _rating_tensors(frame: pl.DataFrame) -> RatingTensors:
    return RatingTensors(
        users=torch.from_numpy(frame["user_row"].to_numpy().astype(np.int64)),
        movies=torch.from_numpy(frame["movie_row"].to_numpy().astype(np.int64)),
        ratings=torch.from_numpy(frame["rating"].to_numpy().astype(np.float32)),
    )
