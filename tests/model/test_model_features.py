"""Feature encoding: index maps with an unknown index, padded genres, tokenised titles."""

from __future__ import annotations

import polars as pl

from recdb.features.encoders import build_encoders, encode_movies, encode_users, tokenize_titles
from recdb.settings import FeatureSettings

USERS = pl.DataFrame(
    {
        "user_id": [1, 2, 3],
        "gender": ["F", "M", None],
        "age_group": ["18-24", "25-34", "56+"],
        "occupation": ["writer", "programmer", "artist"],
    },
    schema_overrides={"user_id": pl.Int32},
)
MOVIES = pl.DataFrame(
    {
        "movie_id": [10, 20, 30],
        "title": ["Shawshank Redemption, The", "Toy Story (1995)", "Brand New Words"],
        "year": [1994, 1995, 2001],
        "genres": [["Drama"], ["Animation", "Comedy"], ["Horror", "Comedy"]],
    },
    schema_overrides={"movie_id": pl.Int32, "year": pl.Int32},
)
TRAIN = pl.DataFrame({"user_id": [1, 2, 1], "movie_id": [10, 20, 20], "rating": [5.0, 3.0, 4.0]})


def test_tokenize_titles() -> None:
    out = tokenize_titles(pl.Series(["Shawshank Redemption, The (1994)", "Léon: The Professional", None]))
    assert out.to_list() == [["shawshank", "redemption", "the"], ["léon", "the", "professional"], []]


def test_unknown_and_missing_map_to_zero() -> None:
    enc = build_encoders(USERS, MOVIES, TRAIN, FeatureSettings(title_length=4, max_genres=3))
    users = encode_users(USERS, enc)
    assert users.shape == (3, 4)
    assert users[2, 0] == 0  # user 3 has no training ratings: unknown id (cold start)
    assert users[2, 1] == 0  # NULL gender
    assert users[2, 2] == 0  # an age group only a cold user has is not in the vocabulary
    assert users[0, 0] == 1 and users[1, 0] == 2


def test_movies_padding_and_oov() -> None:
    enc = build_encoders(USERS, MOVIES, TRAIN, FeatureSettings(title_length=4, max_genres=3))
    ids, genres, titles = encode_movies(MOVIES, enc)
    assert ids.tolist() == [1, 2, 0]  # movie 30 was never rated in training
    assert enc.genres == ["Animation", "Comedy", "Drama"]  # from training movies only
    assert genres.tolist() == [[3, 0, 0], [1, 2, 0], [2, 0, 0]]  # unknown Horror dropped, padding 0
    words = {w: i + 2 for i, w in enumerate(enc.words)}
    assert titles[1].tolist() == [words["toy"], words["story"], 0, 0]
    assert titles[2].tolist() == [1, 1, 1, 0]  # out-of-vocabulary words
    long = MOVIES.with_columns(pl.lit("the the the the the the").alias("title"))
    assert encode_movies(long, enc)[2].shape == (3, 4)  # cut to title_length


def test_encoders_state_round_trip() -> None:
    enc = build_encoders(USERS, MOVIES, TRAIN, FeatureSettings())
    from recdb.features.encoders import Encoders

    again = Encoders.from_state(enc.to_state())
    assert (encode_users(USERS, again) == encode_users(USERS, enc)).all()
    assert all(
        (a == b).all() for a, b in zip(encode_movies(MOVIES, again), encode_movies(MOVIES, enc), strict=True)
    )
