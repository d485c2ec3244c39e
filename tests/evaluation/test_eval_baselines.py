"""Each baseline on tiny hand-made matrices, checked against hand computation."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import polars as pl
import pytest
import torch

from recdb.evaluation.baselines import (
    EASE,
    BiasBaseline,
    DemographicMean,
    GenreMean,
    GlobalMean,
    ItemKNN,
    Popularity,
    UserKNN,
)
from recdb.predictor import Catalog
from tests.evaluation.eval_support import make_catalog, random_ratings


def frame(triples: Sequence[tuple[int, int, float]]) -> pl.DataFrame:
    u, m, r = zip(*triples, strict=True)
    return pl.DataFrame(
        {
            "user_id": pl.Series(u, dtype=pl.Int32),
            "movie_id": pl.Series(m, dtype=pl.Int32),
            "rating": pl.Series(r, dtype=pl.Float32),
        }
    )


# users 1..3 × movies 1..3 (positions 0..2); user 1 has not rated movie 3
HAND = frame([(1, 1, 5), (1, 2, 3), (2, 1, 4), (2, 2, 2), (2, 3, 4), (3, 2, 4), (3, 3, 1)])


def cos(a: list[float], b: list[float]) -> float:
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_ubcf_prediction_by_hand() -> None:
    cat = make_catalog(3, 3)
    s12, s13 = cos([5, 3, 0], [4, 2, 4]), cos([5, 3, 0], [0, 4, 1])
    assert s12 > s13 > 0
    mean1, mean2, mean3 = 4.0, 10 / 3, 2.5
    one = UserKNN(neighbors=1).fit(HAND, cat)  # neighbour of user 1: user 2
    assert one.predict(np.array([0]), np.array([2])).item() == pytest.approx(mean1 + (4 - mean2), abs=1e-5)
    two = UserKNN(neighbors=2).fit(HAND, cat)
    expected = mean1 + (s12 * (4 - mean2) + s13 * (1 - mean3)) / (s12 + s13)
    assert two.predict(np.array([0]), np.array([2])).item() == pytest.approx(expected, abs=1e-5)
    # top-k score = similarity-weighted votes of the neighbours
    assert two.rank_scores(np.array([0]))[0, 2].item() == pytest.approx(s12 + s13, abs=1e-5)
    assert two.rank_scores(np.array([0]))[0, 0].item() == pytest.approx(s12, abs=1e-5)


def test_ubcf_pearson_uses_centred_ratings() -> None:
    cat = make_catalog(3, 3)
    model = UserKNN(neighbors=2, similarity="pearson").fit(HAND, cat)
    # centred vectors: u1 (1, -1, 0), u2 (2/3, -4/3, 2/3), u3 (0, 1.5, -1.5)
    s12 = cos([1, -1, 0], [2 / 3, -4 / 3, 2 / 3])
    s13 = cos([1, -1, 0], [0, 1.5, -1.5])
    assert s13 < 0  # negative similarity: not a neighbour
    expected = 4.0 + s12 * (4 - 10 / 3) / s12
    assert model.predict(np.array([0]), np.array([2])).item() == pytest.approx(expected, abs=1e-5)


def test_ease_matches_closed_form() -> None:
    cat = make_catalog(3, 3)
    x = np.array([[1, 1, 0], [1, 1, 1], [0, 1, 1]], dtype=np.float64)
    lam = 2.0
    p = np.linalg.inv(x.T @ x + lam * np.eye(3))
    b = np.eye(3) - p / np.diag(p)[None, :]
    np.testing.assert_allclose(np.diag(b), 0, atol=1e-12)
    model = EASE(lam=lam).fit(HAND, cat)
    np.testing.assert_allclose(model.rank_scores(np.arange(3)).numpy(), x @ b, rtol=1e-4, atol=1e-5)


def test_global_mean_bias_popularity() -> None:
    cat = make_catalog(3, 3)
    mu = 23 / 7
    assert GlobalMean().fit(HAND, cat).predict(np.array([0, 1]), np.array([2, 0])).tolist() == pytest.approx(
        [mu] * 2
    )
    pop = Popularity().fit(HAND, cat)
    assert pop.rank_scores(np.array([0]))[0].tolist() == [2.0, 3.0, 2.0]
    # movie 1: ratings 5, 4 → b_i = (5 - mu + 4 - mu) / (25 + 2)
    assert pop.predict(np.array([2]), np.array([0])).item() == pytest.approx(mu + (9 - 2 * mu) / 27, abs=1e-5)
    bias = BiasBaseline().fit(HAND, cat)
    pred = bias.predict(np.array([0, 2]), np.array([0, 0]))
    assert pred[0] > pred[1]  # user 1 rates high, user 3 low


def test_item_knn_by_hand() -> None:
    cat = make_catalog(3, 3)
    model = ItemKNN(neighbors=1)
    model.fit(HAND, cat)
    # item columns: m1 (5, 4, 0), m2 (3, 2, 4), m3 (0, 4, 1); m3's nearest item is m1
    s31, s32 = cos([0, 4, 1], [5, 4, 0]), cos([0, 4, 1], [3, 2, 4])
    assert s31 > s32
    # user 1 rated m1: score(m3) = s31 (m2 is not among m3's 1 neighbour)
    assert model.rank_scores(np.array([0]))[0, 2].item() == pytest.approx(s31, abs=1e-5)
    mu, b_u, b_i = model.mu, model.b_user, model.b_movie
    base = lambda u, i: mu + b_u[u].item() + b_i[i].item()  # noqa: E731
    expected = base(0, 2) + (5 - base(0, 0))
    assert model.predict(np.array([0]), np.array([2])).item() == pytest.approx(expected, abs=1e-4)


def demographic_catalog() -> Catalog:
    cat = make_catalog(6, 4)
    users = cat.users.with_columns(
        gender=pl.Series(["M", "M", "F", "F", "M", "F"]),
        age_group=pl.Series(["18-24"] * 6),
        occupation=pl.Series(["writer"] * 6),
    )
    return Catalog(users=users, movies=cat.movies)


def test_demographic_mean_uses_the_cell() -> None:
    cat = demographic_catalog()
    # men (1, 2) rate everything 5 and watch movie 1; women (3, 4) rate 1 and watch movie 4
    train = frame([(1, 1, 5), (2, 1, 5), (1, 2, 5), (3, 4, 1), (4, 4, 1), (3, 3, 1)])
    model = DemographicMean().fit(train, cat)
    new_man, new_woman = 4, 5  # users 5 and 6 have no ratings
    pred = model.predict(np.array([new_man, new_woman]), np.array([1, 1]))
    assert pred[0] > pred[1]
    scores = model.rank_scores(np.array([new_man, new_woman]))
    assert int(scores[0].argmax()) == 0 and int(scores[1].argmax()) == 3


def test_genre_mean_for_an_unrated_movie() -> None:
    cat = make_catalog(4, 8)  # movie i (0-based) has genre GENRES[i % 4], plus the next one when i % 3 == 0
    # Action movies (0, 4) rated high, Comedy (1, 5) low; movies 4 (Action) and 5 (Comedy) unrated
    train = frame([(u, m, r) for u in (1, 2, 3) for m, r in ((1, 5), (2, 1))] + [(4, 3, 3)])
    model = GenreMean().fit(train, cat)
    action, comedy = model.predict(np.array([3, 3]), np.array([4, 5]))
    assert action > comedy
    # user 1 only rated Action/Comedy movies: a Drama-only movie (index 2) scores lower than Action-only 4
    s = model.rank_scores(np.array([0]))[0]
    assert s[4] > s[2]


def test_genre_mean_starts_from_the_user_s_plain_mean() -> None:
    """b_u is the user's own shrunk mean residual: a user who rates only well-liked movies is
    expected to rate the next one high too (a b_u fitted with movie biases would take that out)."""
    from recdb.evaluation.baselines.genre_mean import USER_SHRINK

    cat = make_catalog(3, 4)
    train = frame([(1, 1, 5), (1, 2, 5), (2, 1, 5), (2, 2, 5), (2, 3, 1)])
    mu = (5 * 4 + 1) / 5
    model = GenreMean().fit(train, cat)
    first, second = model.predict(np.array([0, 1]), np.array([3, 3]))  # the unrated movie 4
    b1 = (2 * (5 - mu)) / (2 + USER_SHRINK)
    b2 = (2 * (5 - mu) + (1 - mu)) / (3 + USER_SHRINK)
    assert float(first - second) == pytest.approx(b1 - b2, abs=1e-5)


@pytest.mark.parametrize("cls", [UserKNN, ItemKNN, EASE])
def test_personalised_baselines_find_the_taste_groups(cls: type) -> None:
    cat = make_catalog(60, 40)
    train = random_ratings(60, 40, 0.3, seed=1).filter(pl.col("rating") >= 4)
    model = cls().fit(train, cat)
    scores = model.rank_scores(np.arange(60))
    rated = torch.zeros(60, 40, dtype=torch.bool)
    rated[torch.tensor(train["user_id"].to_numpy() - 1, dtype=torch.long),
          torch.tensor(train["movie_id"].to_numpy() - 1, dtype=torch.long)] = True  # fmt: skip
    top = scores.masked_fill(rated, -math.inf).topk(5, dim=1).indices
    liked_half = (top < 20) == (torch.arange(60) % 2 == 1).unsqueeze(1)
    assert liked_half.float().mean() > 0.8
