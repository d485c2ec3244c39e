"""The trained networks behind the :class:`recdb.predictor.Predictor` contract.

``bind`` encodes the catalogue with the checkpoint's own vocabularies (a user or movie the model never
saw gets the unknown index: cold start, predicted from its features) and runs both towers once over
every user and movie, in chunks. After that, ``rank_scores`` is one matrix multiply (hybrid) or one
broadcast add (paper, whose score is f(a_u + c_m + b3)) and ``predict`` a row-wise product.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from recdb.features.encoders import Encoders, encode_movies, encode_users
from recdb.model.towers import HybridModel, PaperModel
from recdb.predictor import Catalog

_CHUNK = 8192  # rows per tower forward pass at bind time: bounds memory for 160k users / 60k movies


@dataclass(frozen=True)
class CatalogTensors:
    """A catalogue encoded for the networks; row i is position i of the catalogue's frames."""

    users: torch.Tensor  # int64 [U, 4]
    movie_ids: torch.Tensor  # int64 [M]
    genres: torch.Tensor  # int64 [M, G]
    titles: torch.Tensor  # int64 [M, L]


def encode_catalog(catalog: Catalog, enc: Encoders, device: torch.device | str = "cpu") -> CatalogTensors:
    ids, genres, titles = encode_movies(catalog.movies, enc)
    return CatalogTensors(
        users=torch.from_numpy(encode_users(catalog.users, enc)).to(device),
        movie_ids=torch.from_numpy(ids).to(device),
        genres=torch.from_numpy(genres).to(device),
        titles=torch.from_numpy(titles).to(device),
    )


@torch.no_grad()
def tower_outputs(model: nn.Module, data: CatalogTensors) -> tuple[torch.Tensor, torch.Tensor]:
    """(user side [U, ·], movie side [M, ·]) of the network for every catalogue row, model in eval mode."""
    was_training = model.training
    model.eval()
    if isinstance(model, HybridModel):
        user_fn, movie_fn = model.user_vectors, model.movie_vectors
    elif isinstance(model, PaperModel):
        user_fn, movie_fn = model.user_branch, model.movie_branch
    else:
        raise TypeError(f"unknown network {type(model).__name__}")
    users = torch.cat([user_fn(data.users[i : i + _CHUNK]) for i in range(0, len(data.users), _CHUNK)])
    movies = torch.cat(
        [
            movie_fn(data.movie_ids[i : i + _CHUNK], data.genres[i : i + _CHUNK], data.titles[i : i + _CHUNK])
            for i in range(0, len(data.movie_ids), _CHUNK)
        ]
    )
    model.train(was_training)
    return users, movies


class NetworkPredictor:
    """A trained hybrid or paper network as a Predictor (see the module docstring)."""

    def __init__(
        self,
        model: nn.Module,
        encoders: Encoders,
        name: str,
        rating_scale: tuple[float, float],
        device: torch.device | str = "cpu",
    ) -> None:
        self.name = name
        self.model = model.to(device).eval()
        self.encoders = encoders
        self.low, self.high = rating_scale
        self.device = torch.device(device)
        self._users: torch.Tensor | None = None
        self._movies: torch.Tensor | None = None

    def bind(self, catalog: Catalog) -> None:
        self._users, self._movies = tower_outputs(
            self.model, encode_catalog(catalog, self.encoders, self.device)
        )

    def _bound(self) -> tuple[torch.Tensor, torch.Tensor]:
        if self._users is None or self._movies is None:
            raise RuntimeError("call bind(catalog) before scoring")
        return self._users, self._movies

    @torch.no_grad()
    def rank_scores(self, user_rows: np.ndarray) -> torch.Tensor:
        users, movies = self._bound()
        u = users[torch.as_tensor(np.asarray(user_rows), dtype=torch.long, device=self.device)]
        if isinstance(self.model, HybridModel):
            scores = self.model.rank_scores(u, movies)
        else:
            assert isinstance(self.model, PaperModel)
            scores = self.model.score_matrix(u, movies)
        return scores.float().cpu()

    @torch.no_grad()
    def predict(self, user_rows: np.ndarray, movie_cols: np.ndarray) -> torch.Tensor:
        users, movies = self._bound()
        u = users[torch.as_tensor(np.asarray(user_rows), dtype=torch.long, device=self.device)]
        m = movies[torch.as_tensor(np.asarray(movie_cols), dtype=torch.long, device=self.device)]
        if isinstance(self.model, HybridModel):
            ratings = self.model.rating(u, m)
        else:
            assert isinstance(self.model, PaperModel)
            ratings = self.model.combine(u, m)
        return ratings.clamp(self.low, self.high).float().cpu()
