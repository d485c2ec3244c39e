"""Every recommendation says why: the user's liked movie closest to it, or a new user's profile."""

from __future__ import annotations

import numpy as np
import polars as pl
import pyarrow as pa
import torch

from recdb.predictor import Catalog
from recdb.scoring.job import score_all
from recdb.scoring.rank import ChunkTopK
from recdb.scoring.reasons import Reasons, liked_movies, profile_reasons
from recdb.settings import Settings
from tests.scoring.scoring_support import COLD_USERS, K, query
from tests.scoring_fakes import DotPredictor, fake_loader


def _catalog(n_users: int, n_movies: int) -> Catalog:
    users = pl.DataFrame(
        {
            "user_id": pl.Series(range(1, n_users + 1), dtype=pl.Int32),
            "gender": ["M", "F", None, "F"][:n_users],
            "age_group": ["25-34", None, None, "18-24"][:n_users],
            "occupation": ["programmer", "artist", None, None][:n_users],
        }
    )
    movies = pl.DataFrame(
        {
            "movie_id": pl.Series(range(10, 10 + n_movies), dtype=pl.Int32),
            "title": [f"m{i}" for i in range(n_movies)],
            "year": pl.Series([None] * n_movies, dtype=pl.Int32),
            "genres": [["Drama"]] * n_movies,
        }
    )
    return Catalog(users=users, movies=movies)


def _pairs(rows: list[tuple[int, int, float]]) -> pa.Table:
    return pa.table(
        {
            "user_id": pa.array([r[0] for r in rows], pa.int32()),
            "movie_id": pa.array([r[1] for r in rows], pa.int32()),
            "rating": pa.array([r[2] for r in rows], pa.float32()),
        }
    )


def test_liked_movies_are_ratings_from_4_or_the_users_top_rated() -> None:
    catalog = _catalog(4, 6)
    pairs = _pairs([(1, 15, 5.0), (1, 11, 4.0), (1, 12, 3.0), (2, 13, 2.0), (2, 10, 3.0), (2, 14, 3.0)])
    liked = liked_movies(catalog, pairs, 4.0)
    assert liked.indptr.tolist() == [0, 2, 4, 4, 4]  # users 3 and 4 have no ratings
    assert liked.cols.tolist() == [1, 5, 0, 4]  # user 1: >= 4; user 2: none reaches 4, their best (3)
    capped = liked_movies(catalog, pairs, 4.0, limit=1)  # the highest rated, then the lower movie id
    assert capped.indptr.tolist() == [0, 1, 2, 2, 2] and capped.cols.tolist() == [5, 0]


def test_profile_reasons_name_a_new_users_features() -> None:
    reasons = profile_reasons(_catalog(4, 2), np.array([0, 3, 0, 0])).to_pylist()
    assert reasons == [
        "new user: popular with 25-34 programmer men",
        None,  # has ratings: the reason is a movie
        "new user: popular with all users",  # no features at all
        "new user: popular with 18-24 women",
    ]


def test_the_closest_liked_movie_is_chosen_without_a_loop_per_user() -> None:
    """Against a plain loop per user, on random vectors and liked lists of very different lengths."""
    gen = np.random.default_rng(0)
    n_users, n_movies, k = 40, 300, 7
    users = pl.DataFrame({"user_id": pl.Series(range(n_users), dtype=pl.Int32)}).with_columns(
        gender=pl.lit(None, pl.Utf8), age_group=pl.lit(None, pl.Utf8), occupation=pl.lit(None, pl.Utf8)
    )
    cat = Catalog(users=users, movies=_catalog(1, n_movies).movies)
    rows = []
    for u in range(1, n_users):  # user 0: no ratings
        n = int(gen.integers(1, 200))
        for m in gen.choice(n_movies, size=n, replace=False):
            rows.append((u, 10 + int(m), float(gen.integers(1, 6))))
    vectors = torch.from_numpy(gen.standard_normal((n_movies, 8)).astype(np.float32))
    reasons = Reasons(cat, _pairs(rows), 4.0, vectors, limit=0)
    listed = gen.integers(0, n_movies, size=(n_users, k))
    top = ChunkTopK(
        user_rows=np.repeat(np.arange(n_users), k),
        ranks=np.tile(np.arange(1, k + 1, dtype=np.int16), n_users),
        movie_cols=listed.reshape(-1).astype(np.int64),
    )
    got = reasons.because(np.arange(n_users), top).reshape(n_users, k)
    unit = vectors / vectors.norm(dim=1, keepdim=True)
    assert (got[0] == -1).all()
    for u in range(1, n_users):
        mine = [(m - 10, r) for uu, m, r in rows if uu == u]
        floor = min(4.0, max(r for _, r in mine))
        liked = sorted(c for c, r in mine if r >= floor)
        sims = unit[listed[u]] @ unit[liked].T
        assert got[u].tolist() == [liked[int(i)] for i in sims.argmax(dim=1)]


def test_every_published_row_has_its_reason(synthetic_db: Settings) -> None:
    result = score_all(synthetic_db, k=K, loader=fake_loader(DotPredictor(dim=8), 1))
    rows = query(synthetic_db, "reasons_of_run", run_id=result.run_id)
    assert len(rows) == result.rows
    cold = [r for r in rows if not r[4]]
    assert len({r[0] for r in cold}) == COLD_USERS
    assert all(r[3] is None and r[7].startswith("new user: popular with ") for r in cold)
    warm = [r for r in rows if r[4]]
    # a movie the user rated, liked (>= 4, or the user's best), and never the recommended movie itself
    assert all(r[3] is not None and r[7] is None and r[5] >= min(4.0, r[6]) and r[3] != r[2] for r in warm)
    shown = query(synthetic_db, "view_reasons")
    assert len(shown) == result.rows and all(r[4] for r in shown)
    assert all(r[4] == f"because you liked {r[3]}" for r in shown if r[2] is not None)
