"""The item-item term of a network's list score: w · (x_u · B), EASE's closed form over the training ratings.

x_u is the user's history (1 for every movie the user has rated, as the caller knows it at scoring
time) and B the EASE weights (Steck 2019) among the most rated training movies, fitted in closed form
after the network is trained (:mod:`recdb.training.itemitem`). The network learns what a closed form
cannot (demographics, genres, titles: cold start); the item-item part carries the co-watch structure
the towers' dot products miss. The same module carries the rating term α · (e_u · W) of the predicted
ratings (``HybridModel.rating_item``): there the user's history has values, e_u the network's own
residuals r − r̂ on the user's known ratings, and W is EASE's closed form on the residual matrix
(docs/model.md, "The rating term"). A user without history (cold start) gets 0 from it, and so does a movie
outside B (new, or beyond ``train.item_max_movies``): their scores come from the towers alone.

:class:`ItemItem` holds B as buffers (``movies``: the movie-vocabulary rows it covers, ``weights``: B,
``blend``: w), so it travels in the checkpoint as plain tensors; their shapes depend on the data, so
loading resizes them first. :meth:`ItemItem.bind` maps B onto a catalogue's columns once, and
:meth:`BoundItemItem.scores` is the one place the term is computed (through
:class:`recdb.training.predictor.NetworkPredictor`, for scoring, evaluation and training alike).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from recdb.ranking import UserRows, chunk_offsets

#: Entries of one dense score block (64 MB of float32): bounds the users per chunk where a block is
#: users × movies (the term's pairs here; the blend grid's rankings in recdb.training.blend), e.g. at
#: ML-25M scale with 4,000 columns, 4,096 users.
BLOCK_ENTRIES = 1 << 24

#: State-dict defaults for checkpoints written before the item-item term existed: no term.
EMPTY_STATE: dict[str, torch.Tensor] = {
    "movies": torch.zeros(0, dtype=torch.long),
    "weights": torch.zeros(0, 0),
    "blend": torch.tensor(0.0),
}


@dataclass(frozen=True)
class BoundItemItem:
    """B mapped onto a catalogue: ``cols`` the catalogue columns it covers, ``weights`` B among them."""

    cols: torch.Tensor  # int64 [n]
    position: torch.Tensor  # int64 [n_movies]: each catalogue column's row in weights, -1 when uncovered
    weights: torch.Tensor  # float32 [n, n]
    blend: float
    n_movies: int

    def covered(
        self, history: UserRows, user_rows: np.ndarray, values: np.ndarray | None = None
    ) -> torch.Tensor:
        """w · (x_u · B) over B's own columns for each of ``user_rows``: float32 [len(user_rows), n].

        ``history``: each catalogue user row's rated catalogue columns (CSR); ``values``: one value per
        pair of ``history.indices`` (the rating term's residuals), None for 1 per rated movie (the list
        term's x_u). Sparse × dense, so the cost is the users' ratings × n, not users × n².
        This is the one place the term's formula lives: :meth:`scores` and :meth:`pair_scores` use it.
        """
        rows, offsets = chunk_offsets(history, np.asarray(user_rows, dtype=np.int64))
        cols = torch.from_numpy(np.asarray(history.indices)[offsets].astype(np.int64, copy=False))
        pos = self.position[cols]
        keep = pos >= 0
        index = torch.stack([rows[keep], pos[keep]])
        if values is None:
            x = torch.full((index.shape[1],), self.blend)
        else:
            x = self.blend * torch.from_numpy(np.asarray(values, dtype=np.float32)[offsets])[keep]
        sparse = torch.sparse_coo_tensor(
            index,
            x,
            (len(user_rows), len(self.cols)),
            check_invariants=False,  # built in range above
        )
        return torch.sparse.mm(sparse, self.weights)

    def scores(
        self, history: UserRows, user_rows: np.ndarray, values: np.ndarray | None = None
    ) -> torch.Tensor:
        """The term for every catalogue column (0 outside B): float32 [len(user_rows), n_movies]."""
        term = self.covered(history, user_rows, values)
        if len(self.cols) == self.n_movies:  # every column covered, in catalogue order
            return term
        out = torch.zeros(len(user_rows), self.n_movies)
        out[:, self.cols] = term
        return out

    def pair_scores(
        self, history: UserRows, user_rows: np.ndarray, movie_cols: np.ndarray, values: np.ndarray | None
    ) -> torch.Tensor:
        """The term of the pairs (user_rows[i], movie_cols[i]): float32 [len(user_rows)], 0 for a movie
        outside B. Computed per chunk of distinct users over B's n columns, never users × catalogue."""
        user_rows = np.asarray(user_rows, dtype=np.int64)
        out = torch.zeros(len(user_rows))
        pos = self.position[torch.as_tensor(np.asarray(movie_cols), dtype=torch.long)]
        users, inverse = np.unique(user_rows, return_inverse=True)
        order = np.argsort(inverse, kind="stable")
        step = max(1, BLOCK_ENTRIES // max(len(self.cols), 1))
        bounds = np.searchsorted(inverse[order], np.arange(0, len(users) + step, step))
        for k, first in enumerate(range(0, len(users), step)):
            pairs = torch.from_numpy(order[bounds[k] : bounds[k + 1]])
            block = self.covered(history, users[first : first + step], values)
            p = pos[pairs]
            hit = p >= 0
            local = torch.from_numpy(inverse[pairs.numpy()] - first)
            out[pairs[hit]] = block[local[hit], p[hit]]
        return out


class ItemItem(nn.Module):
    """B and w as buffers (see the module docstring); empty until :meth:`set_weights`."""

    movies: torch.Tensor
    weights: torch.Tensor
    blend: torch.Tensor

    def __init__(self) -> None:
        super().__init__()
        for name, value in EMPTY_STATE.items():
            self.register_buffer(name, value.clone())
        self._register_load_state_dict_pre_hook(self._resize)

    def _resize(self, state_dict: dict[str, Any], prefix: str, *_: Any) -> None:
        """B's shape is the data's: take the incoming shapes before the copy."""
        for name in ("movies", "weights"):
            incoming = state_dict.get(prefix + name)
            if incoming is not None:
                setattr(self, name, torch.empty_like(incoming, device=getattr(self, name).device))

    def set_weights(self, movies: torch.Tensor, weights: torch.Tensor) -> None:
        """B ``weights`` [n, n] over the movie-vocabulary rows ``movies`` [n] (w is left as it is)."""
        self.movies = movies.to(torch.long).to(self.blend.device)
        self.weights = weights.float().to(self.blend.device)

    def clear(self) -> None:
        """Off, with no B kept (w = 0 chosen): the checkpoint carries no n × n matrix it would never use."""
        self.blend.zero_()
        self.set_weights(torch.zeros(0, dtype=torch.long), torch.zeros(0, 0))

    def bind(self, movie_index: torch.Tensor) -> BoundItemItem | None:
        """B over a catalogue whose columns have movie-vocabulary rows ``movie_index`` [M] (0 unknown).

        None when the term is off (w = 0, or no B): the list score is the towers' alone.
        """
        if float(self.blend) == 0.0 or self.movies.numel() == 0:
            return None
        index = movie_index.cpu()
        size = max(int(index.max()) if len(index) else 0, int(self.movies.max())) + 1
        lookup = torch.full((size,), -1, dtype=torch.long)
        lookup[self.movies.cpu()] = torch.arange(len(self.movies))
        lookup[0] = -1  # the unknown movie is not in B
        found = lookup[index]
        cols = (found >= 0).nonzero().squeeze(1)
        rows = found[cols]
        weights = self.weights.cpu()
        if not torch.equal(rows, torch.arange(len(self.movies))):
            weights = weights[rows][:, rows]
        position = torch.full((len(index),), -1, dtype=torch.long)
        position[cols] = torch.arange(len(cols))
        return BoundItemItem(cols, position, weights.contiguous(), float(self.blend), len(index))
