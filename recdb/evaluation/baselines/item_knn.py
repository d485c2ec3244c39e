"""Item-based kNN collaborative filtering (Sarwar et al. 2001; Deshpande & Karypis 2004).

Item similarity is cosine over the items' rating columns (Pearson: centred by the item mean); each item
keeps its ``k`` most similar items with positive similarity.

* Top-k score: Σ_{j ∈ N(i), u rated j} s(i, j), the similarity mass of the user's movies among i's neighbours.
* Predicted rating: b_ui + Σ_j s(i,j) (r_uj − b_uj) / Σ_j s(i,j) over the neighbours j the user rated,
  with b_ui = μ + b_u + b_i the bias baseline (used alone when the user rated no neighbour).
"""

from __future__ import annotations

import numpy as np
import torch

from recdb.evaluation.baselines.base import Interactions, biases, sparse_times
from recdb.evaluation.baselines.ubcf import NeighbourBaseline, neighbour_graph, sparse_rows
from recdb.predictor import Catalog


class ItemKNN(NeighbourBaseline):
    """Item-based kNN CF (see the module docstring)."""

    name = "item_knn"

    def _fit(self, m: Interactions, catalog: Catalog) -> None:
        binary = m.binary()
        ratings = m.dense()
        self.mu, self.b_user, self.b_movie = biases(m)
        if self.similarity == "pearson":
            item_mean = ratings.sum(0) / m.movie_counts().clamp_min(1)
            vectors = ((ratings - item_mean) * binary).T
        else:
            vectors = ratings.T
        idx, weights = neighbour_graph(vectors.contiguous(), self.neighbors)
        self.graph = sparse_rows(idx, weights, m.n_movies)  # [n_movies, n_movies]: row i = i's neighbours
        baseline = self.mu + self.b_user[m.rows] + self.b_movie[m.cols]
        self.binary = binary.numpy()
        self.residual = m.dense(m.ratings - baseline).numpy()
        self.has_history = m.user_counts() > 0
        self.popularity = m.movie_counts() / max(float(m.movie_counts().max()), 1.0)

    def _times_graph(self, dense: np.ndarray) -> torch.Tensor:
        """out[u, i] = Σ_j∈N(i) s(i, j) dense[u, j], as (graph @ denseᵀ)ᵀ so scipy does sparse × dense."""
        return sparse_times(self.graph, np.ascontiguousarray(dense.T)).T.contiguous()

    def _scores(self, rows: torch.Tensor) -> torch.Tensor:
        scores = self._times_graph(self.binary[rows.numpy()])
        scores[~self.has_history[rows]] = self.popularity
        return scores

    def _ratings(self, rows: torch.Tensor) -> torch.Tensor:
        r = rows.numpy()
        both = self._times_graph(np.concatenate([self.binary[r], self.residual[r]], axis=0))
        den, num = both[: r.size], both[r.size :]
        baseline = self.mu + self.b_user[rows].unsqueeze(1) + self.b_movie.unsqueeze(0)
        return torch.where(den > 1e-12, baseline + num / den.clamp_min(1e-12), baseline)
