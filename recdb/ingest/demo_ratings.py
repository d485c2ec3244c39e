"""Draw the demo ratings for a block of users: which movies each user rates, the stars, the times.

Sampling without duplicates is vectorised: each round draws extra candidate movies per user (by
popularity, kept with a probability rising with the user's taste), merges them into the user's pool
with one ``np.unique`` on a combined ``user * n_movies + movie`` key, and tops up the users still short.
Late rounds draw uniformly so heavy users (up to half the catalogue) always fill. Finally each user
keeps a random subset of their pool of exactly the planned size.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from recdb.ingest import demo_vocab as V
from recdb.ingest.demo_world import MU, RATING_NOISE_SD, SELECT_BETA, World, affinity

# Ratings per block: bounds memory (about 100 bytes per candidate) whatever the total size.
BLOCK_RATINGS = 2_000_000
_POPULAR_ROUNDS = 10
_MAX_ROUNDS = 60


@dataclass
class RatingBlock:
    """Ratings of users ``[first_user, last_user)`` sorted by user then time (0-based indices)."""

    user: np.ndarray  # int64 user index
    movie: np.ndarray  # int64 movie index
    rating: np.ndarray  # int8 stars 1..5
    timestamp: np.ndarray  # int64 Unix seconds


def user_blocks(counts: np.ndarray, block_ratings: int = BLOCK_RATINGS) -> list[tuple[int, int]]:
    """Split users into consecutive blocks of about ``block_ratings`` ratings each (fixed per size)."""
    ends = np.cumsum(counts)
    cuts = np.searchsorted(ends, np.arange(block_ratings, int(ends[-1]), block_ratings), side="right")
    bounds = np.unique(np.concatenate([[0], cuts, [len(counts)]]))
    return [(int(a), int(b)) for a, b in itertools.pairwise(bounds) if b > a]


def iter_ratings(world: World) -> Iterator[RatingBlock]:
    """Yield the ratings block by block; each block has its own seeded stream (deterministic)."""
    for number, (first, last) in enumerate(user_blocks(world.users.counts, BLOCK_RATINGS)):
        rng = np.random.default_rng([world.seed, 1, number])
        yield _block(world, rng, first, last)


def _block(world: World, rng: np.random.Generator, first: int, last: int) -> RatingBlock:
    users = np.arange(first, last)
    movies = _choose_movies(world, rng, users)
    user = np.repeat(users, world.users.counts[first:last])
    stars = _stars(world, rng, user, movies)
    start = world.users.start[user]
    # Users rate in bursts: most ratings soon after their first one, a tail up to their span.
    when = start + (world.users.span[user] * rng.random(len(user)) ** 3).astype(np.int64)
    when = np.minimum(when, V.TIME_MAX)
    # One int64 key sorts faster than lexsort: block-local user (< 2**17: a block has at most
    # BLOCK_RATINGS / 20 users) | seconds since TIME_MIN (< 2**27) | movie index (< 2**16 = 65,536).
    key = ((user - first) << 43) | ((when - V.TIME_MIN) << 16) | movies
    order = np.argsort(key)
    return RatingBlock(user[order], movies[order], stars[order], when[order])


def _choose_movies(world: World, rng: np.random.Generator, users: np.ndarray) -> np.ndarray:
    """Distinct movies for each user in ``users``, exactly ``counts[user]`` each, grouped by user."""
    n_movies = len(world.movies.ids)
    first = int(users[0])
    want = world.users.counts[users]
    pool = np.empty(0, dtype=np.int64)  # sorted unique keys local_user * n_movies + movie
    have = np.zeros(len(users), dtype=np.int64)
    for round_no in range(_MAX_ROUNDS):
        short = np.flatnonzero(have < want)
        if len(short) == 0:
            break
        deficit = want[short] - have[short]
        factor = 2.5 * 2.0 ** min(round_no, 6)
        local = np.repeat(short, np.ceil(deficit * factor).astype(np.int64) + 2)
        if round_no < _POPULAR_ROUNDS:
            movie = np.searchsorted(world.movies.popularity_cdf, rng.random(len(local)), side="right")
            movie = np.minimum(movie, n_movies - 1)
            score = affinity(world, local + first, movie) + 0.5 * world.movies.quality[movie]
            keep = rng.random(len(local)) < 1.0 / (1.0 + np.exp(-SELECT_BETA * score))
            local, movie = local[keep], movie[keep]
        else:  # uniform top-up: guarantees heavy users fill, whatever the popularity skew
            movie = rng.integers(0, n_movies, len(local))
        pool = _merge_unique(pool, local * n_movies + movie)
        have = np.bincount(pool // n_movies, minlength=len(users))
    else:
        raise RuntimeError("demo generator: could not fill every user's ratings")  # pragma: no cover
    # Keep a random subset of exactly want[u] per user: shuffle within users, cut at the wanted count.
    owner = pool // n_movies
    order = np.argsort(owner + rng.random(len(pool)))  # owner is an integer: a random order within owners
    starts = np.concatenate([[0], np.cumsum(have)[:-1]])
    rank = np.arange(len(pool)) - starts[owner[order]]
    chosen = order[rank < want[owner[order]]]
    chosen.sort()  # back in (user, movie) order so rows line up with np.repeat(users, want)
    return pool[chosen] % n_movies


def _merge_unique(pool: np.ndarray, new: np.ndarray) -> np.ndarray:
    """Sorted unique union of a sorted unique ``pool`` and new keys.

    Not ``np.unique``: its hash-based path is several times slower here. Sorting the new keys and
    then the two sorted runs with timsort (``kind="stable"``) merges them in linear time.
    """
    new = np.sort(new)
    merged = np.concatenate([pool, new])
    merged.sort(kind="stable")
    keep = np.empty(len(merged), dtype=bool)
    keep[:1] = True
    np.not_equal(merged[1:], merged[:-1], out=keep[1:])
    return merged[keep]


def _stars(world: World, rng: np.random.Generator, user: np.ndarray, movie: np.ndarray) -> np.ndarray:
    # Student-t noise (sd RATING_NOISE_SD) and a per-user spread: some users use the whole 1..5 scale,
    # others hug their mean, which gives ML-1M's share of 1s and 5s.
    noise = RATING_NOISE_SD * rng.standard_t(4, len(user)) / np.sqrt(2.0)
    deviation = world.movies.quality[movie] + affinity(world, user, movie) + noise
    value = MU + world.users.bias[user] + world.users.spread[user] * deviation
    return np.clip(np.rint(value), 1, 5).astype(np.int8)
