"""The planted world behind the demo data: users, movies, who rates what, and how they rate it.

Everything is vectorised numpy driven by one seed, so 25M ratings take about a minute and the same
seed always gives the same data. The structure a model can learn:

- **Users**: a taste vector over the 18 genres = gender, age and occupation effects + individual noise,
  and a rating bias (older users rate a little higher, as in ML-1M).
- **Movies**: 1–3 genres, a release year and a title made of vocabulary words; the movie's quality =
  genre effects (ML-1M's genre means) + the effects of its title words + an old-film bonus + noise.
  Popularity is Zipf-like and correlated with quality.
- **Who rates what**: candidates drawn by popularity are kept with a probability rising with the
  user's taste for the movie, so *which* movies a user rated carries signal for top-k.
- **Ratings**: round(mu + user bias + movie quality + taste · genres + noise), clipped to 1..5.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from recdb.ingest import demo_vocab as V

N_GENRES = len(V.GENRES)
MAX_GENRES = 3
MAX_TITLE_WORDS = 4
MIN_RATINGS_PER_USER = 20  # as in every GroupLens release
ACTIVITY_SIGMA = 1.1  # lognormal tail of ratings per user above 20 (ML-1M: median 96, mean 165)
MAX_USER_SHARE = 0.4  # no user rates more than this share of the catalogue

# Planted effect sizes (rating points). Chosen so ratings average ~3.6 with ML-1M's histogram shape,
# and the planted features explain a clear share of the variance without making the data trivial.
MU = 3.14
USER_BIAS_SD = 0.45
USER_SPREAD_SD = 0.30  # log-sd of each user's multiplier on movie, taste and noise deviations
MOVIE_NOISE_SD = 0.33
TASTE_DEMO_SD = 0.40
TASTE_OCC_SD = 0.25
TASTE_NOISE_SD = 0.30
WORD_EFFECT_SD = 0.35
WORD_EFFECT_SHARE = 0.30
RATING_NOISE_SD = 0.90
# ML-1M mean rating by age band minus the overall mean: older users rate higher.
AGE_BIAS = np.array([-0.03, -0.07, -0.03, 0.03, 0.06, 0.13, 0.19])
OLD_FILM_BONUS = 0.006  # per year before 1995
SELECT_BETA = 2.5  # how strongly taste decides which movies a user rates
POPULARITY_SCALE = 1.6


@dataclass(frozen=True)
class DemoSizes:
    """How many users, movies and ratings a demo data set of a given size has."""

    ratings: int
    users: int
    movies: int


def demo_sizes(ratings: int) -> DemoSizes:
    """Users ≈ ratings / 165 (ML-1M's ratio); movies interpolated log-log through real releases.

    Anchors: 100k ratings → 1.7k movies (ML-100K), 1M → 3.9k (ML-1M), 25M → 60k (ML-25M, capped).
    """
    users = max(5, round(ratings / 165))
    log_r = np.log(np.array([1e5, 1e6, 2.5e7]))
    log_m = np.log(np.array([1700.0, 3900.0, 60000.0]))
    x = np.log(float(ratings))
    if x < log_r[0]:  # extrapolate the first segment's slope below 100k
        slope = (log_m[1] - log_m[0]) / (log_r[1] - log_r[0])
        y = log_m[0] + slope * (x - log_r[0])
    else:
        y = float(np.interp(x, log_r, log_m))
    movies = int(min(60_000, max(500, round(float(np.exp(y))))))
    return DemoSizes(ratings=ratings, users=users, movies=movies)


@dataclass
class Users:
    """Generated users; index i is UserID i + 1."""

    male: np.ndarray  # bool [n]
    age: np.ndarray  # index into AGE_CODES [n]
    occupation: np.ndarray  # code 0..20 [n]
    zip_code: np.ndarray  # int 0..99999 [n]
    bias: np.ndarray  # float [n]
    spread: np.ndarray  # float [n]: how much of the rating scale the user uses (1 = average)
    taste: np.ndarray  # float [n, N_GENRES + 1]; the last column is 0 (padding genre)
    counts: np.ndarray  # ratings per user [n]
    start: np.ndarray  # first rating time, Unix seconds [n]
    span: np.ndarray  # seconds between first and last rating [n]


@dataclass
class Movies:
    """Generated movies; index j is movie ``ids[j]``."""

    ids: np.ndarray  # MovieID, increasing with small gaps [m]
    year: np.ndarray  # [m]
    genres: np.ndarray  # genre indices [m, MAX_GENRES], padded with N_GENRES, ascending
    n_genres: np.ndarray  # [m]
    words: np.ndarray  # word indices [m, MAX_TITLE_WORDS], -1 = no word
    article: np.ndarray  # bool [m]: title ends in ", The" (ML style)
    quality: np.ndarray  # float [m]: the movie's rating effect
    popularity_cdf: np.ndarray  # float64 [m], cumulative share for inverse-CDF sampling


@dataclass
class World:
    sizes: DemoSizes
    users: Users
    movies: Movies
    seed: int


def build_world(sizes: DemoSizes, seed: int) -> World:
    """Draw users and movies (everything but the ratings) from ``seed``."""
    rng = np.random.default_rng([seed, 0])
    users = _make_users(rng, sizes)
    movies = _make_movies(rng, sizes.movies)
    return World(sizes=sizes, users=users, movies=movies, seed=seed)


def _make_users(rng: np.random.Generator, sizes: DemoSizes) -> Users:
    n = sizes.users
    male = rng.random(n) < V.MALE_SHARE
    age = rng.choice(len(V.AGE_CODES), size=n, p=V.AGE_COUNTS / V.AGE_COUNTS.sum())
    occupation = rng.choice(
        len(V.OCCUPATION_COUNTS), size=n, p=V.OCCUPATION_COUNTS / V.OCCUPATION_COUNTS.sum()
    )
    zip_code = rng.integers(1000, 100_000, size=n)
    # Taste depends on demographics (shared effects) plus individual noise.
    w_gender = rng.normal(0.0, TASTE_DEMO_SD, (2, N_GENRES))
    w_age = rng.normal(0.0, TASTE_DEMO_SD, (len(V.AGE_CODES), N_GENRES))
    w_occ = rng.normal(0.0, TASTE_OCC_SD, (len(V.OCCUPATION_COUNTS), N_GENRES))
    taste = np.zeros((n, N_GENRES + 1))
    taste[:, :N_GENRES] = (
        w_gender[male.astype(np.int64)]
        + w_age[age]
        + w_occ[occupation]
        + rng.normal(0.0, TASTE_NOISE_SD, (n, N_GENRES))
    )
    bias = rng.normal(0.0, USER_BIAS_SD, n) + AGE_BIAS[age]
    spread = np.exp(rng.normal(0.0, USER_SPREAD_SD, n))
    cap = max(MIN_RATINGS_PER_USER, int(MAX_USER_SHARE * sizes.movies))
    counts = _activity(rng, n, sizes.ratings, cap)
    span_total = V.TIME_MAX - V.TIME_MIN
    start = V.TIME_MIN + (rng.beta(0.5, 2.5, n) * span_total).astype(np.int64)
    # Most users rate everything within an hour or so; some keep coming back for months (ML-1M's shape).
    remaining = V.TIME_MAX - start
    session = np.exp(rng.normal(np.log(3600.0), 1.5, n))
    returning = remaining * rng.beta(0.7, 1.5, n)
    span = np.minimum(np.where(rng.random(n) < 0.3, returning, session), remaining).astype(np.int64)
    return Users(male, age, occupation, zip_code, bias, spread, taste, counts, start, span)


def _activity(rng: np.random.Generator, n: int, total: int, cap: int) -> np.ndarray:
    """Ratings per user: ≥ 20 each, a long right tail (lognormal), at most ``cap``, summing to ``total``."""
    if total > n * cap:
        raise ValueError(f"{total} ratings cannot fit {n} users with at most {cap} each")
    excess = rng.lognormal(0.0, ACTIVITY_SIGMA, n)
    target = total - MIN_RATINGS_PER_USER * n
    cap_ex = cap - MIN_RATINGS_PER_USER
    # Scale the tail so the capped sum meets the target (bisection on a monotone function).
    lo, hi = 0.0, 1.0
    while np.minimum(hi * excess, cap_ex).sum() < target:
        hi *= 2.0
    for _ in range(80):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if np.minimum(mid * excess, cap_ex).sum() < target else (lo, mid)
    scaled = np.minimum(hi * excess, cap_ex)
    counts = np.floor(scaled).astype(np.int64)
    frac = scaled - counts
    missing = target - int(counts.sum())
    while missing > 0:  # hand out the rounding remainder, largest fractions first (at most n each pass)
        eligible = np.flatnonzero(counts < cap_ex)
        pick = eligible[np.argsort(-frac[eligible], kind="stable")][:missing]
        counts[pick] += 1
        frac[pick] = -1.0
        missing -= len(pick)
    while missing < 0:  # the bisection overshot by a few: take them from the heaviest users
        pick = np.argsort(-counts, kind="stable")[:-missing]
        counts[pick] -= 1
        missing += len(pick)
    return counts + MIN_RATINGS_PER_USER


def _make_movies(rng: np.random.Generator, m: int) -> Movies:
    ids = np.cumsum(1 + (rng.random(m) < 0.02)).astype(np.int64)  # a few gaps, as in ML-1M
    year = np.maximum(V.YEAR_MIN, V.YEAR_MAX - np.floor(rng.exponential(9.0, m))).astype(np.int64)
    # 1..3 genres each, chosen without replacement in proportion to ML-1M's genre counts (Gumbel top-k).
    n_genres = 1 + rng.choice(MAX_GENRES, size=m, p=V.GENRES_PER_MOVIE_P)
    keys = np.log(V.GENRE_COUNTS / V.GENRE_COUNTS.sum()) + rng.gumbel(size=(m, N_GENRES))
    top = np.argsort(-keys, axis=1)[:, :MAX_GENRES]
    genres = np.sort(np.where(np.arange(MAX_GENRES) < n_genres[:, None], top, N_GENRES), axis=1)
    # Titles: 1..4 words with Zipf-like word frequencies, some with ", The" appended ML-style.
    n_vocab = len(V.TITLE_WORDS)
    word_p = 1.0 / (np.arange(n_vocab) + 10.0)
    n_words = 1 + rng.binomial(MAX_TITLE_WORDS - 1, 0.35, m)
    words = rng.choice(n_vocab, size=(m, MAX_TITLE_WORDS), p=word_p / word_p.sum())
    words = np.where(np.arange(MAX_TITLE_WORDS) < n_words[:, None], words, -1)
    article = rng.random(m) < 0.12
    word_effect = np.where(
        rng.random(n_vocab) < WORD_EFFECT_SHARE, rng.normal(0.0, WORD_EFFECT_SD, n_vocab), 0.0
    )
    title_effect = np.where(words >= 0, word_effect[np.maximum(words, 0)], 0.0).sum(axis=1)
    offsets = np.append(V.GENRE_OFFSETS, 0.0)
    genre_effect = offsets[genres].sum(axis=1) / n_genres
    quality = (
        genre_effect
        + title_effect
        + OLD_FILM_BONUS * np.maximum(0, 1995 - year)
        + rng.normal(0.0, MOVIE_NOISE_SD, m)
    )
    # Skewed popularity: log weight = -scale * Gumbel, which matches the quantiles of ML-1M's ratings per
    # movie (a few blockbusters, a long tail rated a handful of times); better movies rank higher.
    rank = np.argsort(np.argsort(-(quality + rng.normal(0.0, 0.6, m))))
    log_weight = np.sort(-POPULARITY_SCALE * rng.gumbel(size=m))[::-1]
    weight = np.exp(log_weight[rank] - log_weight[0])
    cdf = np.cumsum(weight)
    cdf /= cdf[-1]
    return Movies(ids, year, genres, n_genres, words, article, quality, cdf)


def affinity(world: World, users: np.ndarray, movies: np.ndarray) -> np.ndarray:
    """Taste of each user for each movie's genres (mean over the movie's genres); pairwise arrays."""
    taste = world.users.taste
    g = world.movies.genres[movies]
    total = taste[users, g[:, 0]] + taste[users, g[:, 1]] + taste[users, g[:, 2]]
    return total / world.movies.n_genres[movies]
