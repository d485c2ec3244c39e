"""UBCF, the paper's comparison: user-based k-nearest-neighbour collaborative filtering.

Similarity between users is cosine over their rating vectors (unrated = 0), or Pearson (cosine over
mean-centred ratings) with ``evaluate.similarity = "pearson"``. Each user keeps the ``k`` most similar
other users with a positive similarity (``evaluate.neighbors``), found for all users at fit time with
dense float32 matrix multiplies in user chunks.

* Predicted rating: r̂(u, i) = r̄_u + Σ_v s(u,v) (r_vi − r̄_v) / Σ_v s(u,v), over the neighbours v that
  rated i; when none did, the user + movie bias prediction μ + b_u + b_i.
* Top-k score: Σ_v s(u,v) · [v rated i], the similarity-weighted votes of the neighbours. A user with no
  neighbour (no training ratings) gets the popularity ranking.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import torch

from recdb.evaluation.baselines.base import CHUNK_USERS, Baseline, Interactions, biases, sparse_times
from recdb.predictor import Catalog


def normalise_rows(x: torch.Tensor) -> torch.Tensor:
    """Rows scaled to unit L2 norm (all-zero rows stay zero)."""
    norm = x.norm(dim=1, keepdim=True)
    return x / torch.where(norm > 0, norm, torch.ones_like(norm))


def neighbour_graph(vectors: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The ``k`` most cosine-similar other rows of each row: (indices int64 [n, k], weights float32 [n, k]).

    Non-positive similarities get weight 0 (they are not neighbours); self-similarity is excluded.
    """
    unit = normalise_rows(vectors)
    n = unit.shape[0]
    k = max(1, min(k, n - 1))
    idx = torch.empty(n, k, dtype=torch.long)
    weights = torch.empty(n, k, dtype=torch.float32)
    for start in range(0, n, CHUNK_USERS):
        stop = min(start + CHUNK_USERS, n)
        sims = unit[start:stop] @ unit.T
        sims[torch.arange(stop - start), torch.arange(start, stop)] = float("-inf")
        values, top = torch.topk(sims, k, dim=1)
        idx[start:stop] = top
        weights[start:stop] = values.clamp_min(0.0)
    return idx, weights


def sparse_rows(idx: torch.Tensor, weights: torch.Tensor, n_cols: int) -> sp.csr_matrix:
    """A scipy CSR matrix [len(idx), n_cols] with ``weights[r, j]`` at column ``idx[r, j]``.

    scipy's CSR × dense product is several times faster here than torch's sparse kernels on CPU.
    """
    n, k = idx.shape
    indptr = np.arange(0, n * k + 1, k, dtype=np.int64)
    return sp.csr_matrix((weights.reshape(-1).numpy(), idx.reshape(-1).numpy(), indptr), shape=(n, n_cols))


class NeighbourBaseline(Baseline):
    """What user- and item-based kNN share: neighbour count, similarity, and the dense-memory estimate."""

    def __init__(self, neighbors: int = 50, similarity: str = "cosine") -> None:
        super().__init__()
        if similarity not in ("cosine", "pearson"):
            raise ValueError(f"similarity must be cosine or pearson, not {similarity!r}")
        self.neighbors = neighbors
        self.similarity = similarity

    def dense_bytes(self, n_users: int, n_movies: int) -> int:
        # five float32 [n_users, n_movies] matrices at the peak: ubcf holds binary, ratings, centred
        # (+ the temporary before masking) and the [binary | centred] copy; item kNN binary, ratings,
        # the transposed copy, its unit rows (pearson: the centred copy) and the residuals
        return 5 * 4 * n_users * n_movies


class UserKNN(NeighbourBaseline):
    """User-based kNN CF (see the module docstring)."""

    name = "ubcf"

    def _fit(self, m: Interactions, catalog: Catalog) -> None:
        binary = m.binary()
        ratings = m.dense()
        counts = m.user_counts()
        self.mu, self.b_user, self.b_movie = biases(m)
        self.user_mean = torch.where(counts > 0, ratings.sum(1) / counts.clamp_min(1), torch.tensor(self.mu))
        centred = (ratings - self.user_mean.unsqueeze(1)) * binary
        vectors = centred if self.similarity == "pearson" else ratings
        self.idx, self.weights = neighbour_graph(vectors, self.neighbors)
        self.n_movies = m.n_movies
        # [binary | centred] side by side: one sparse product gives the vote mass and the numerator
        self.stacked = torch.cat([binary, centred], dim=1).numpy()
        self.popularity = m.movie_counts() / max(float(m.movie_counts().max()), 1.0)

    def _weights(self, rows: torch.Tensor) -> sp.csr_matrix:
        return sparse_rows(self.idx[rows], self.weights[rows], self.stacked.shape[0])

    def _scores(self, rows: torch.Tensor) -> torch.Tensor:
        scores = sparse_times(self._weights(rows), self.stacked[:, : self.n_movies])
        lonely = self.weights[rows].sum(1) <= 0
        scores[lonely] = self.popularity
        return scores

    def _ratings(self, rows: torch.Tensor) -> torch.Tensor:
        both = sparse_times(self._weights(rows), self.stacked)
        den, num = both[:, : self.n_movies], both[:, self.n_movies :]
        fallback = self.mu + self.b_user[rows].unsqueeze(1) + self.b_movie.unsqueeze(0)
        knn = self.user_mean[rows].unsqueeze(1) + num / den.clamp_min(1e-12)
        return torch.where(den > 1e-12, knn, fallback)
