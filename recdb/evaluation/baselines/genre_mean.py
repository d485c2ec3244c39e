"""Genre mean, the cold-start fallback for movies: what the movie's genres are rated and who likes them.

* Predicted rating: μ + b_u + mean over the movie's genres of b_g, with b_u the user's shrunk mean
  residual r − μ and b_g the shrunk mean residual r − μ − b_u of the ratings of movies in genre g (a
  movie without genres gets μ + b_u). The movie's own ratings are not used beyond their share in its
  genres: it is a cold-start model. b_u is the user's *plain* mean, not one fitted jointly with movie
  biases: a new movie has no bias, and the quality of the movies a user chooses to rate is part of
  what the user will rate next (ML-1M cold movies: MAE 0.8301 against 0.8431 with the joint b_u;
  docs/benchmarks.md, "Session 8").
* Top-k score: the user's affinity for the movie's genres: the mean, over the movie's genres, of the
  share of the user's ratings that fall in that genre (shrunk toward everyone's share).
"""

from __future__ import annotations

import numpy as np
import polars as pl
import torch

from recdb.evaluation.baselines.base import Baseline, Interactions
from recdb.predictor import Catalog

GENRE_SHRINK = 25.0  # ratings of prior weight toward 0 for a genre's residual
USER_SHRINK = 10.0  # ratings of prior weight toward 0 for a user's mean residual (as in biases())
AFFINITY_SHRINK = 10.0  # ratings of prior weight toward the global genre shares
#: Ratings per step of the user x genre accumulation (20M ratings x 20 genres x 8 B at once is 3 GB).
RATINGS_CHUNK = 1 << 20


def genre_matrix(movies: pl.DataFrame) -> torch.Tensor:
    """float64 [n_movies, n_genres]: row i has 1/|G(i)| at each of movie i's genres (a mean operator)."""
    pairs = movies.select(pl.col("genres")).with_row_index("col").explode("genres").drop_nulls("genres")
    names = sorted(pairs["genres"].unique().to_list())
    out = torch.zeros(movies.height, max(len(names), 1), dtype=torch.float64)
    if pairs.is_empty():
        return out
    code = pairs.select(pl.col("genres").rank("dense").cast(pl.Int64) - 1).to_series().to_numpy()
    cols = torch.from_numpy(pairs["col"].to_numpy().astype(np.int64))
    out[cols, torch.tensor(code, dtype=torch.long)] = 1.0
    return out / out.sum(1, keepdim=True).clamp_min(1.0)


class GenreMean(Baseline):
    """Genre means (see the module docstring)."""

    name = "genre_mean"

    def _fit(self, m: Interactions, catalog: Catalog) -> None:
        self.mu = m.global_mean
        centred = m.ratings.double() - self.mu
        b_user = torch.zeros(m.n_users, dtype=torch.float64).index_add_(0, m.rows, centred)
        self.b_user = (b_user / (m.user_counts().double() + USER_SHRINK)).float()
        self.genres = genre_matrix(catalog.movies)  # [M, G]
        resid = (m.ratings - self.mu - self.b_user[m.rows]).double()
        movie_sum = torch.zeros(m.n_movies, dtype=torch.float64).index_add_(0, m.cols, resid)
        movie_n = m.movie_counts().double()
        has_genre = (self.genres > 0).double()
        b_genre = (has_genre.T @ movie_sum) / (has_genre.T @ movie_n + GENRE_SHRINK)
        self.movie_term = (self.genres @ b_genre).float()  # [M]
        # user × genre shares: each rating spreads weight 1 over the movie's genres
        per_user = torch.zeros(m.n_users, self.genres.shape[1], dtype=torch.float64)
        for start in range(0, m.rows.numel(), RATINGS_CHUNK):  # [chunk, n_genres] at a time, in order
            part = slice(start, start + RATINGS_CHUNK)
            per_user.index_add_(0, m.rows[part], self.genres[m.cols[part]])
        overall = per_user.sum(0) / per_user.sum().clamp_min(1.0)
        n_u = m.user_counts().double().unsqueeze(1)
        affinity = (per_user + AFFINITY_SHRINK * overall) / (n_u + AFFINITY_SHRINK)
        self.affinity = affinity.float()

    def _scores(self, rows: torch.Tensor) -> torch.Tensor:
        return (self.affinity[rows].double() @ self.genres.T).float()

    def _ratings(self, rows: torch.Tensor) -> torch.Tensor:
        return self.mu + self.b_user[rows].unsqueeze(1) + self.movie_term.unsqueeze(0)
