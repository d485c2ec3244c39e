"""User + movie bias: the classic regularised baseline predictor r̂ = μ + b_u + b_i."""

from __future__ import annotations

import torch

from recdb.evaluation.baselines.base import Baseline, Interactions, biases
from recdb.predictor import Catalog


class BiasBaseline(Baseline):
    """r̂ = μ + b_u + b_i (shrunk means, see :func:`biases`). Ranks by b_i: the same list for everyone."""

    name = "bias"

    def _fit(self, m: Interactions, catalog: Catalog) -> None:
        self.mu, self.b_user, self.b_movie = biases(m)

    def _scores(self, rows: torch.Tensor) -> torch.Tensor:
        return self._ratings(rows)

    def _ratings(self, rows: torch.Tensor) -> torch.Tensor:
        return self.mu + self.b_user[rows].unsqueeze(1) + self.b_movie.unsqueeze(0)
