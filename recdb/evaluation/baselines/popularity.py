"""Popularity: rank by how many users rated each movie; predict the movie's shrunk mean rating."""

from __future__ import annotations

import torch

from recdb.evaluation.baselines.base import Baseline, Interactions, biases
from recdb.predictor import Catalog


class Popularity(Baseline):
    """Score = number of training ratings of the movie (same list for every user); r̂ = μ + b_i."""

    name = "popularity"

    def _fit(self, m: Interactions, catalog: Catalog) -> None:
        self.counts = m.movie_counts()
        self.mu, _, self.b_movie = biases(m, iterations=1)  # one pass: b_i against μ only (no user term)

    def _scores(self, rows: torch.Tensor) -> torch.Tensor:
        return self.counts.unsqueeze(0).expand(rows.numel(), -1).clone()

    def _ratings(self, rows: torch.Tensor) -> torch.Tensor:
        return (self.mu + self.b_movie).unsqueeze(0).expand(rows.numel(), -1)
