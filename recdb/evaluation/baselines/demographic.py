"""Demographic mean, the cold-start fallback for users: what people like this user rate and watch.

Users are grouped in cells of gender × age group × occupation, backing off to gender × age group, then
gender, then everyone (a missing value is its own category). Each level's estimate is shrunk toward its
parent's, so a small cell leans on the larger one above it.

* Predicted rating: μ + b_i + o(cell), o = the cell's shrunk mean, over its users, of each user's mean
  residual r − μ − b_i (b_i the movie bias). The user's own ratings are not used: it is a cold-start model.
* Top-k score: the movie's popularity within the user's cell (share of the cell's users who rated it),
  shrunk toward the parent cell's.
"""

from __future__ import annotations

import polars as pl
import torch

from recdb.evaluation.baselines.base import Baseline, Interactions, biases
from recdb.predictor import Catalog

LEVELS: tuple[tuple[str, ...], ...] = (
    ("gender",),
    ("gender", "age_group"),
    ("gender", "age_group", "occupation"),
)
OFFSET_SHRINK = 20.0  # users of prior weight toward the parent cell's mean offset
USER_SHRINK = 5.0  # users of prior weight toward the parent cell's popularity


def cell_codes(users: pl.DataFrame) -> list[torch.Tensor]:
    """Per level, each user's cell as a dense code 0..n_cells-1 (int64 [n_users])."""
    codes = []
    for columns in LEVELS:
        key = pl.concat_str([pl.col(c).cast(pl.Utf8).fill_null("?") for c in columns], separator="|")
        code = users.select(key.rank("dense").cast(pl.Int64) - 1).to_series().to_numpy()
        codes.append(torch.tensor(code, dtype=torch.long))
    return codes


class DemographicMean(Baseline):
    """Demographic cell means with back-off (see the module docstring)."""

    name = "demographic"

    def _fit(self, m: Interactions, catalog: Catalog) -> None:
        self.mu, _, self.b_movie = biases(m, iterations=1)
        resid = (m.ratings - self.mu - self.b_movie[m.cols]).double()
        active = (m.user_counts() > 0).double()
        # each user's mean residual: cells average users, not ratings, so heavy raters do not dominate
        # what a new user of the cell is predicted to be like
        user_resid = torch.zeros(m.n_users, dtype=torch.float64).index_add_(0, m.rows, resid)
        user_resid = user_resid / m.user_counts().double().clamp_min(1.0)
        # level 0 (everyone): one cell, offset 0, popularity = share of active users who rated the movie
        prev_code = torch.zeros(m.n_users, dtype=torch.long)
        prev_offset = torch.zeros(1, dtype=torch.float64)
        prev_pop = (m.movie_counts().double() / max(float(active.sum()), 1.0)).unsqueeze(0)
        for code in cell_codes(catalog.users):
            n_cells = int(code.max()) + 1 if code.numel() else 1
            parent = torch.zeros(n_cells, dtype=torch.long).index_copy_(0, code, prev_code)
            rating_cell = code[m.rows]
            users_in = torch.zeros(n_cells, dtype=torch.float64).index_add_(0, code, active)
            sums = torch.zeros(n_cells, dtype=torch.float64).index_add_(0, code, user_resid)
            prev_offset = (sums + OFFSET_SHRINK * prev_offset[parent]) / (users_in + OFFSET_SHRINK)
            cell_movie = torch.zeros(n_cells * m.n_movies, dtype=torch.float64)
            cell_movie.index_add_(0, rating_cell * m.n_movies + m.cols, torch.ones_like(resid))
            prev_pop = (cell_movie.view(n_cells, m.n_movies) + USER_SHRINK * prev_pop[parent]) / (
                users_in.unsqueeze(1) + USER_SHRINK
            )
            prev_code = code
        self.offset = prev_offset.float()[prev_code]  # per user
        self.cell_pop, self.cell_of_user = prev_pop.float(), prev_code

    def _scores(self, rows: torch.Tensor) -> torch.Tensor:
        return self.cell_pop[self.cell_of_user[rows]]

    def _ratings(self, rows: torch.Tensor) -> torch.Tensor:
        return self.mu + self.offset[rows].unsqueeze(1) + self.b_movie.unsqueeze(0)
