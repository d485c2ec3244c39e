"""Feature encoding with Polars: index maps for ids and demographics, padded genre lists, tokenised titles.

Pure functions of frames. The vocabularies (:class:`Encoders`) are built from the *training* ratings
only and travel inside the checkpoint, so users, movies, words or categories seen later map the same
way, and anything the model never saw maps to index 0:

- ids, gender, age_group, occupation: index 0 = unknown / missing (cold start, NULL demographics),
  1.. = the training vocabulary in sorted order;
- genres: index 0 = padding (and unknown genre), which the model masks out; lists padded to
  ``features.max_genres``;
- titles (already without the year in ``movies.title``; a trailing "(1995)" is stripped anyway):
  lower-cased, split on anything that is not a letter or digit; index 0 = padding, 1 = out of
  vocabulary, 2.. = words of training movies seen at least ``features.min_word_count`` times;
  padded or cut to ``features.title_length``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
import torch

from recdb.settings import FeatureSettings

UNKNOWN = 0  # id / category index of anything the model never saw
PAD = 0  # genre and title padding index
OOV = 1  # title word not in the vocabulary
DEMOGRAPHICS = ("gender", "age_group", "occupation")


@dataclass(frozen=True)
class Encoders:
    """Vocabularies and id maps; position i of a list has index i + 1 (words: i + 2)."""

    user_ids: np.ndarray  # int64, sorted
    movie_ids: np.ndarray  # int64, sorted
    gender: list[str]
    age_group: list[str]
    occupation: list[str]
    genres: list[str]
    words: list[str]
    title_length: int
    max_genres: int

    @property
    def sizes(self) -> dict[str, int]:
        """Embedding table sizes, unknown/padding rows included."""
        return {
            "n_users": len(self.user_ids) + 1,
            "n_movies": len(self.movie_ids) + 1,
            "n_gender": len(self.gender) + 1,
            "n_age": len(self.age_group) + 1,
            "n_occupation": len(self.occupation) + 1,
            "n_genres": len(self.genres) + 1,
            "n_words": len(self.words) + 2,
        }

    def to_state(self) -> dict[str, Any]:
        """Tensors, lists of str and ints only, so ``torch.load(weights_only=True)`` accepts it."""
        return {
            "user_ids": torch.from_numpy(self.user_ids.astype(np.int64)),
            "movie_ids": torch.from_numpy(self.movie_ids.astype(np.int64)),
            "gender": list(self.gender),
            "age_group": list(self.age_group),
            "occupation": list(self.occupation),
            "genres": list(self.genres),
            "words": list(self.words),
            "title_length": self.title_length,
            "max_genres": self.max_genres,
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Encoders:
        return cls(
            user_ids=state["user_ids"].numpy(),
            movie_ids=state["movie_ids"].numpy(),
            gender=list(state["gender"]),
            age_group=list(state["age_group"]),
            occupation=list(state["occupation"]),
            genres=list(state["genres"]),
            words=list(state["words"]),
            title_length=int(state["title_length"]),
            max_genres=int(state["max_genres"]),
        )


def tokenize_titles(titles: pl.Series) -> pl.Series:
    """Lower-cased word lists of titles, a trailing year in parentheses removed."""
    return (
        titles.fill_null("")
        .str.replace(r"\s*\(\d{4}(-\d{0,4})?\)\s*$", "")
        .str.to_lowercase()
        .str.replace_all(r"[^\p{L}\p{N}]+", " ")
        .str.strip_chars()
        .str.split(" ")
        .list.eval(pl.element().filter(pl.element() != ""))
    )


def build_encoders(
    users: pl.DataFrame, movies: pl.DataFrame, train: pl.DataFrame, features: FeatureSettings
) -> Encoders:
    """Vocabularies from the users and movies that appear in the training ratings ``train``."""
    train_users = users.join(train.select("user_id").unique(), on="user_id", how="semi")
    train_movies = movies.join(train.select("movie_id").unique(), on="movie_id", how="semi")
    words = (
        tokenize_titles(train_movies["title"])
        .explode()
        .drop_nulls()
        .value_counts()
        .filter(pl.col("count") >= features.min_word_count)
    )
    return Encoders(
        user_ids=np.sort(train["user_id"].unique().to_numpy()).astype(np.int64),
        movie_ids=np.sort(train["movie_id"].unique().to_numpy()).astype(np.int64),
        **{col: _vocab(train_users[col]) for col in DEMOGRAPHICS},
        genres=_vocab(train_movies["genres"].explode()),
        words=sorted(words[words.columns[0]].to_list()),
        title_length=features.title_length,
        max_genres=features.max_genres,
    )


def _vocab(values: pl.Series) -> list[str]:
    return sorted(values.drop_nulls().unique().cast(pl.Utf8).to_list())


def _index(
    values: pl.Series, vocab: list[str] | np.ndarray, start: int = 1, default: int = UNKNOWN
) -> np.ndarray:
    """Map each value to start + its position in ``vocab``; values not in it (or null) to ``default``."""
    old = pl.Series(vocab, dtype=values.dtype) if len(vocab) else pl.Series([], dtype=values.dtype)
    mapped = values.replace_strict(
        old, pl.int_range(start, start + len(old), eager=True), default=default, return_dtype=pl.Int64
    )
    return mapped.fill_null(default).to_numpy().astype(np.int64)


def encode_users(users: pl.DataFrame, enc: Encoders) -> np.ndarray:
    """int64 ``[n_users, 4]``: id, gender, age_group, occupation indices (0 = unknown)."""
    columns = [_index(users["user_id"].cast(pl.Int64), enc.user_ids)]
    columns += [_index(users[col].cast(pl.Utf8), getattr(enc, col)) for col in DEMOGRAPHICS]
    return np.stack(columns, axis=1)


def encode_movies(movies: pl.DataFrame, enc: Encoders) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Movie id indices ``[n]``, genre indices ``[n, max_genres]`` and title tokens ``[n, title_length]``."""
    ids = _index(movies["movie_id"].cast(pl.Int64), enc.movie_ids)
    genres = _pad_lists(movies["genres"], enc.genres, enc.max_genres, start=1, default=PAD, drop_unknown=True)
    titles = _pad_lists(tokenize_titles(movies["title"]), enc.words, enc.title_length, start=2, default=OOV)
    return ids, genres, titles


def _pad_lists(
    lists: pl.Series, vocab: list[str], length: int, *, start: int, default: int, drop_unknown: bool = False
) -> np.ndarray:
    """Index every list element, then scatter into a ``[n, length]`` array padded with PAD (vectorised)."""
    exploded = (
        pl.DataFrame({"items": lists.cast(pl.List(pl.Utf8))})
        .with_row_index("row")
        .explode("items")
        .drop_nulls("items")
    )
    token = _index(exploded["items"], vocab, start=start, default=default)
    row = exploded["row"].to_numpy().astype(np.int64)
    if drop_unknown:  # an unknown genre is dropped rather than stored as padding in the middle
        keep = token != default
        token, row = token[keep], row[keep]
    # position of each element within its list: running count per row (rows are contiguous)
    first = np.searchsorted(row, row, side="left")
    pos = np.arange(len(row)) - first
    keep = pos < length
    out = np.full((len(lists), length), PAD, dtype=np.int64)
    out[row[keep], pos[keep]] = token[keep]
    return out
