"""Global mean: every rating predicted as the mean training rating; no ranking signal (a floor)."""

from __future__ import annotations

import torch

from recdb.evaluation.baselines.base import Baseline, Interactions
from recdb.predictor import Catalog


class GlobalMean(Baseline):
    """r̂ = μ. Rank scores are constant, so its top-k lists are the lowest catalogue positions."""

    name = "global_mean"

    def _fit(self, m: Interactions, catalog: Catalog) -> None:
        self.mu = m.global_mean
        self.n_movies = m.n_movies

    def _scores(self, rows: torch.Tensor) -> torch.Tensor:
        return torch.full((rows.numel(), self.n_movies), self.mu, dtype=torch.float32)

    def _ratings(self, rows: torch.Tensor) -> torch.Tensor:
        return self._scores(rows)
