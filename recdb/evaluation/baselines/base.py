"""What every baseline shares: the training interactions by catalogue position, and the fit/bind cycle.

A baseline is fitted on a Polars frame of ratings (user_id, movie_id, rating) and a :class:`Catalog`.
It keeps the frame, so :meth:`Baseline.bind` to another catalogue (more users or movies, e.g. cold
start) simply refits against the new positions: users and movies without ratings get fallbacks.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import polars as pl
import scipy.sparse as sp
import torch

from recdb.evaluation.data import positions
from recdb.predictor import Catalog, genre_vectors

#: Users scored per dense block in rank_scores/predict (a [chunk, n_movies] float32 block each).
CHUNK_USERS = 512


@dataclass(frozen=True)
class Interactions:
    """Training ratings by catalogue position, with the dense views kNN and EASE need."""

    rows: torch.Tensor  # int64 [n]
    cols: torch.Tensor  # int64 [n]
    ratings: torch.Tensor  # float32 [n]
    n_users: int
    n_movies: int

    @classmethod
    def build(cls, ratings: pl.DataFrame, catalog: Catalog) -> Interactions:
        rows, cols, values = positions(ratings, catalog)
        return cls(
            rows=torch.from_numpy(rows),
            cols=torch.from_numpy(cols),
            ratings=torch.from_numpy(values),
            n_users=catalog.n_users,
            n_movies=catalog.n_movies,
        )

    @property
    def global_mean(self) -> float:
        return float(self.ratings.double().mean()) if self.ratings.numel() else 3.0

    @property
    def rating_range(self) -> tuple[float, float]:
        if not self.ratings.numel():
            return (1.0, 5.0)
        return (float(self.ratings.min()), float(self.ratings.max()))

    def dense(self, values: torch.Tensor | None = None) -> torch.Tensor:
        """float32 [n_users, n_movies] with ``values`` (default: the ratings) at the rated cells, else 0."""
        out = torch.zeros(self.n_users, self.n_movies, dtype=torch.float32)
        out[self.rows, self.cols] = self.ratings if values is None else values
        return out

    def sparse(self, values: torch.Tensor | None = None) -> sp.csr_matrix:
        """float32 CSR [n_users, n_movies] with ``values`` (default: 1, the binary matrix) where rated."""
        data = np.ones(len(self.rows), dtype=np.float32) if values is None else values.numpy()
        shape = (self.n_users, self.n_movies)
        return sp.csr_matrix((data.astype(np.float32), (self.rows.numpy(), self.cols.numpy())), shape=shape)

    def binary(self) -> torch.Tensor:
        """float32 [n_users, n_movies]: 1 where rated."""
        return self.dense(torch.ones_like(self.ratings))

    def user_counts(self) -> torch.Tensor:
        return torch.bincount(self.rows, minlength=self.n_users).float()

    def movie_counts(self) -> torch.Tensor:
        return torch.bincount(self.cols, minlength=self.n_movies).float()


def sparse_times(a: sp.csr_matrix, dense: np.ndarray) -> torch.Tensor:
    """``a @ dense`` as a float32 tensor."""
    return torch.from_numpy(np.asarray(a @ dense, dtype=np.float32))


def biases(
    m: Interactions, *, reg_movie: float = 25.0, reg_user: float = 10.0, iterations: int = 3
) -> tuple[float, torch.Tensor, torch.Tensor]:
    """The classic regularised baseline predictor r ≈ μ + b_u + b_i (Koren 2010, §2.1).

    Alternating shrunk means: b_i = Σ(r − μ − b_u) / (reg_movie + n_i), b_u = Σ(r − μ − b_i) /
    (reg_user + n_u). Users and movies without ratings get 0.
    """
    mu = m.global_mean
    b_user = torch.zeros(m.n_users, dtype=torch.float64)
    b_movie = torch.zeros(m.n_movies, dtype=torch.float64)
    r = m.ratings.double()
    n_u, n_i = m.user_counts().double(), m.movie_counts().double()
    for _ in range(iterations):
        resid = r - mu - b_user[m.rows]
        b_movie = torch.zeros(m.n_movies, dtype=torch.float64).index_add_(0, m.cols, resid) / (
            reg_movie + n_i
        )
        resid = r - mu - b_movie[m.cols]
        b_user = torch.zeros(m.n_users, dtype=torch.float64).index_add_(0, m.rows, resid) / (reg_user + n_u)
    return mu, b_user.float(), b_movie.float()


def chunks(user_rows: np.ndarray, size: int = CHUNK_USERS) -> Iterator[tuple[slice, torch.Tensor]]:
    """(slice into the request, user rows as a tensor) per block of ``size`` users."""
    rows = torch.as_tensor(np.asarray(user_rows), dtype=torch.long)
    for start in range(0, rows.numel(), size):
        yield slice(start, start + size), rows[start : start + size]


class Baseline(ABC):
    """Base of every baseline: ``fit(train, catalog)`` then the :class:`recdb.predictor.Predictor` API.

    Subclasses implement :meth:`_fit` (on :class:`Interactions`), :meth:`_scores` (a dense
    ``[len(rows), n_movies]`` block of rank scores) and :meth:`_ratings` (a dense block of predicted
    ratings); :meth:`predict` gathers the requested pairs from the blocks and clips them to the
    training rating range.
    """

    name: str = "baseline"
    #: False for pure top-k methods whose predict() is only a fallback (not reported as MAE/RMSE).
    rates: bool = True

    def __init__(self) -> None:
        self._train: pl.DataFrame | None = None
        self._catalog: Catalog | None = None
        self._range = (1.0, 5.0)

    def dense_bytes(self, n_users: int, n_movies: int) -> int:
        """Peak bytes of the dense matrices :meth:`fit` builds for this catalogue size.

        0 for the cheap baselines (per-user or per-movie vectors; ``[chunk, n_movies]`` blocks at
        scoring time are bounded by the chunk). The evaluation skips a baseline whose figure exceeds
        ``evaluate.max_dense_gb``.
        """
        return 0

    def fit(self, train: pl.DataFrame, catalog: Catalog) -> Baseline:
        """Fit on ratings (user_id, movie_id, rating) for the users and movies of ``catalog``."""
        self._train = train.select("user_id", "movie_id", "rating")
        self._catalog = None
        self.bind(catalog)
        return self

    def bind(self, catalog: Catalog) -> None:
        if self._train is None:
            raise RuntimeError(f"{self.name}: fit() before bind()")
        if catalog is self._catalog:
            return
        self._catalog = catalog
        m = Interactions.build(self._train, catalog)
        self._range = m.rating_range
        self._fit(m, catalog)

    def rank_scores(self, user_rows: np.ndarray) -> torch.Tensor:
        blocks = [self._scores(rows) for _, rows in chunks(user_rows)]
        if not blocks:
            return torch.zeros(0, self._n_movies(), dtype=torch.float32)
        return torch.cat(blocks).float()

    def predict(self, user_rows: np.ndarray, movie_cols: np.ndarray) -> torch.Tensor:
        """Predicted ratings of pairs: one dense block per chunk of distinct users, then a gather."""
        users = np.asarray(user_rows, dtype=np.int64)
        movies = torch.as_tensor(np.asarray(movie_cols, dtype=np.int64))
        out = torch.empty(users.size, dtype=torch.float32)
        if users.size == 0:
            return out
        unique, inverse = np.unique(users, return_inverse=True)
        inverse = inverse.reshape(-1)
        # pairs grouped by user block (one sort), so each block finds its pairs by two bisections
        # instead of a scan of every pair per block
        order = np.argsort(inverse, kind="stable")
        grouped = inverse[order]
        inverse_t = torch.from_numpy(inverse)
        for block, rows in chunks(unique):
            dense = self._ratings(rows)
            lo, hi = np.searchsorted(grouped, [block.start, block.start + rows.numel()])
            pos = torch.from_numpy(order[lo:hi])
            out[pos] = dense[inverse_t[pos] - block.start, movies[pos]].float()
        return out.clamp(*self._range)

    def item_vectors(self) -> torch.Tensor:
        """The movies' genres (:func:`recdb.predictor.genre_vectors`): a baseline has no item space of
        its own that every baseline shares."""
        assert self._catalog is not None, f"{self.name}: bind() before item_vectors()"
        return genre_vectors(self._catalog)

    def _n_movies(self) -> int:
        assert self._catalog is not None
        return self._catalog.n_movies

    @abstractmethod
    def _fit(self, m: Interactions, catalog: Catalog) -> None: ...

    @abstractmethod
    def _scores(self, rows: torch.Tensor) -> torch.Tensor: ...

    @abstractmethod
    def _ratings(self, rows: torch.Tensor) -> torch.Tensor: ...
