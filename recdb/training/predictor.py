"""The trained networks behind the :class:`recdb.predictor.Predictor` contract.

``bind`` encodes the catalogue with the checkpoint's own vocabularies (a user or movie the model never
saw gets the unknown index: cold start, predicted from its features) and runs both towers once over
every user and movie, in chunks (``Network.user_side`` / ``movie_side``). After that, ``rank_scores``
is the network's ``score_matrix`` (one matrix multiply for the hybrid, one broadcast add for the
paper, whose score is f(a_u + c_m + b3)), plus the hybrid's item-item term over the user's history
(``Catalog.rated``, see :mod:`recdb.model.itemitem`), ``predict`` its clipped ``rating`` of aligned rows
plus the hybrid's rating term (the user's residuals on ``Catalog.rated_ratings`` · W, clipped again),
or for a movie the network has no id for, its cold-movie term (:mod:`recdb.model.coldmovies`), and
``item_vectors`` its ``item_vectors`` of the movie side. Training's
per-epoch evaluation goes through the same class, bound to its already encoded catalogue
(:meth:`NetworkPredictor.bind_encoded`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import torch

from recdb.features.encoders import Encoders, encode_movies, encode_users
from recdb.model.coldmovies import BoundColdMovies, fit_offsets, genre_weights
from recdb.model.itemitem import BoundItemItem
from recdb.model.network import Network
from recdb.predictor import Catalog
from recdb.ranking import UserRows

_CHUNK = 8192  # rows per tower forward pass at bind time: bounds memory for 160k users / 60k movies
_PAIR_CHUNK = 1 << 18  # pairs per rating pass (see _towers_rating)


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


@contextmanager
def _eval_mode(model: Network) -> Iterator[None]:
    """The network in eval mode (no dropout) for the block, then back in the mode it was in."""
    was_training = model.training
    model.eval()
    try:
        yield
    finally:
        model.train(was_training)


@torch.no_grad()
def tower_outputs(model: Network, data: CatalogTensors) -> tuple[torch.Tensor, torch.Tensor]:
    """(user side [U, Su], movie side [M, Sm]) of the network for every catalogue row, in eval mode."""
    with _eval_mode(model):
        users = torch.cat(
            [model.user_side(data.users[i : i + _CHUNK]) for i in range(0, len(data.users), _CHUNK)]
        )
        movies = movie_sides(model, data.movie_ids, data.genres, data.titles)
    return users, movies


def _history_pairs(history: UserRows) -> tuple[np.ndarray, np.ndarray]:
    """(user row, movie column) int64 of every pair of ``history``, aligned with ``history.indices``."""
    indptr = np.asarray(history.indptr)
    rows = np.repeat(np.arange(len(indptr) - 1, dtype=np.int64), np.diff(indptr))
    return rows, np.asarray(history.indices, dtype=np.int64)


def movie_sides(
    model: Network, ids: torch.Tensor, genres: torch.Tensor, titles: torch.Tensor
) -> torch.Tensor:
    """The movie side [M, Sm] of every row, ``_CHUNK`` movies per tower pass (the caller sets the mode)."""
    return torch.cat(
        [
            model.movie_side(ids[i : i + _CHUNK], genres[i : i + _CHUNK], titles[i : i + _CHUNK])
            for i in range(0, len(ids), _CHUNK)
        ]
    )


class NetworkPredictor:
    """A trained network (any :class:`Network`) as a Predictor (see the module docstring)."""

    def __init__(
        self,
        model: Network,
        encoders: Encoders,
        name: str,
        rating_scale: tuple[float, float],
        device: torch.device | str = "cpu",
    ) -> None:
        self.name = name
        # no .eval() here: bind runs the towers in eval mode and leaves a model in training as it was
        self.model = model.to(device)
        self.encoders = encoders
        self.low, self.high = rating_scale
        self.device = torch.device(device)
        self._users: torch.Tensor | None = None
        self._movies: torch.Tensor | None = None
        self._history: UserRows | None = None
        self._item_item: BoundItemItem | None = None
        self._rating_item: BoundItemItem | None = None
        self._residuals: np.ndarray | None = None  # e_uj of the history's pairs, for the rating term
        # the cold-movie term: its inputs when the catalogue has cold movies, fitted at its first use
        self._cold_inputs: tuple[CatalogTensors, UserRows, np.ndarray] | None = None
        self._cold: BoundColdMovies | None = None

    def bind(self, catalog: Catalog) -> None:
        tensors = encode_catalog(catalog, self.encoders, self.device)
        self.bind_encoded(tensors, catalog.rated, catalog.rated_ratings)

    def bind_encoded(
        self, tensors: CatalogTensors, history: UserRows | None = None, ratings: np.ndarray | None = None
    ) -> None:
        """Bind to a catalogue already encoded with this predictor's encoders, on its device.

        ``history``: each user row's rated movie columns (``Catalog.rated``), for the network's
        item-item term; None leaves the term out (every user scored as if cold). ``ratings``: their
        stars (``Catalog.rated_ratings``), for the rating term and the cold-movie term: the network's
        residuals on them are computed here, once (the cold-movie term's when a pair first needs
        them); None leaves predicted ratings to the towers alone.
        """
        self._users, self._movies = tower_outputs(self.model, tensors)
        self._cold_inputs, self._cold = None, None
        term = self.model.history_term()
        bound = term.bind(tensors.movie_ids) if term is not None and history is not None else None
        self._history, self._item_item = history, bound
        self._rating_item, self._residuals = None, None
        rating = self.model.rating_term()
        if rating is not None and history is not None and ratings is not None:
            self._rating_item = rating.bind(tensors.movie_ids)
            if self._rating_item is not None:
                self._residuals = self._history_residuals(history, ratings, self._rating_item)
        cold = self.model.cold_movie_term()
        on = cold is not None and cold.is_on() and bool((tensors.movie_ids == 0).any())
        if on and history is not None and ratings is not None:
            self._cold_inputs = (tensors, history, ratings)

    @torch.no_grad()
    def _bind_cold(self, tensors: CatalogTensors, history: UserRows, ratings: np.ndarray) -> BoundColdMovies:
        """The cold-movie term over this catalogue: the movie sides from genres alone, and the users'
        offsets from their residuals against them."""
        with _eval_mode(self.model):
            blank = torch.zeros_like(tensors.movie_ids)
            sides = movie_sides(self.model, blank, tensors.genres, torch.zeros_like(tensors.titles))
        rows, cols = _history_pairs(history)
        residuals = torch.from_numpy(np.asarray(ratings, dtype=np.float32)) - self._towers_rating(
            rows, cols, sides
        )
        weights = genre_weights(tensors.genres, self.model.config.sizes.n_genres)
        rows_t, cols_t = torch.from_numpy(rows), torch.from_numpy(cols)
        user_offset, genre_offset = fit_offsets(rows_t, cols_t, residuals, weights.cpu(), len(tensors.users))
        return BoundColdMovies(sides, weights.cpu(), user_offset, genre_offset)

    def _history_residuals(self, history: UserRows, ratings: np.ndarray, bound: BoundItemItem) -> np.ndarray:
        """r − r̂ of every history pair (aligned with ``history.indices``; 0 outside W, never read).

        r̂ is the *clipped* prediction: the residual is the error of what the network serves, the
        figure the correction is fitted to reduce (training fits W on the same residuals).
        """
        rows, cols = _history_pairs(history)
        keep = np.flatnonzero(bound.position[torch.from_numpy(cols)].numpy() >= 0)
        out = np.zeros(len(cols), dtype=np.float32)
        base = self._towers_rating(rows[keep], cols[keep]).numpy()  # chunked inside
        out[keep] = np.asarray(ratings, dtype=np.float32)[keep] - base
        return out

    def _bound(self) -> tuple[torch.Tensor, torch.Tensor]:
        if self._users is None or self._movies is None:
            raise RuntimeError("call bind(catalog) before scoring")
        return self._users, self._movies

    @torch.no_grad()
    def rank_scores(self, user_rows: np.ndarray) -> torch.Tensor:
        users, movies = self._bound()
        u = users[torch.as_tensor(np.asarray(user_rows), dtype=torch.long, device=self.device)]
        scores = self.model.score_matrix(u, movies).float().cpu()
        if self._item_item is not None and self._history is not None:
            scores += self._item_item.scores(self._history, np.asarray(user_rows))
        return scores

    @torch.no_grad()
    def predict(self, user_rows: np.ndarray, movie_cols: np.ndarray) -> torch.Tensor:
        base, correction = self.rating_parts(user_rows, movie_cols)
        return base if correction is None else (base + correction).clamp(self.low, self.high)

    @torch.no_grad()
    def rating_parts(
        self, user_rows: np.ndarray, movie_cols: np.ndarray
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(the towers' clipped rating, the rating term α · (e_u · W) or None when off) of the pairs;
        :meth:`predict` is clip(first + second). Training chooses α from them (linear in α).
        A cold movie's first part is its cold-movie term's rating (no rating term: it is not in W)."""
        base = self._towers_rating(user_rows, movie_cols)
        if self._cold_inputs is not None:
            self._with_cold_movies(base, user_rows, movie_cols)
        if self._rating_item is None or self._history is None or self._residuals is None:
            return base, None
        term = self._rating_item.pair_scores(self._history, user_rows, movie_cols, self._residuals)
        return base, term

    def _with_cold_movies(self, base: torch.Tensor, user_rows: np.ndarray, movie_cols: np.ndarray) -> None:
        """Replace, in place, the towers' rating of each pair on a cold movie by its cold-movie term's
        (fitted the first time a pair needs it: most calls, e.g. a split's valid part, need none)."""
        assert self._cold_inputs is not None
        tensors = self._cold_inputs[0]
        cols_t = torch.as_tensor(np.asarray(movie_cols), dtype=torch.long, device=tensors.movie_ids.device)
        hit = (tensors.movie_ids[cols_t] == 0).nonzero().squeeze(1).cpu()
        if len(hit) == 0:
            return
        if self._cold is None:
            self._cold = self._bind_cold(*self._cold_inputs)
        term = self._cold
        rows, cols = np.asarray(user_rows)[hit.numpy()], np.asarray(movie_cols)[hit.numpy()]
        towers = self._towers_rating(rows, cols, term.movie_sides)
        offsets = term.offsets(
            torch.as_tensor(rows, dtype=torch.long), torch.as_tensor(cols, dtype=torch.long)
        )
        base[hit] = (towers + offsets).clamp(self.low, self.high)

    def _towers_rating(
        self, user_rows: np.ndarray, movie_cols: np.ndarray, sides: torch.Tensor | None = None
    ) -> torch.Tensor:
        """The towers' clipped ratings of the pairs (``sides``: other movie sides than the bound
        ones), ``_PAIR_CHUNK`` pairs at a time: each pair gathers a user and a movie row of 2D + 2
        floats, so 17.5M training pairs at once (ML-25M's residuals) would hold ~9 GB; a chunk ~140 MB."""
        users, movies = self._bound()
        movies = movies if sides is None else sides
        rows = torch.as_tensor(np.asarray(user_rows), dtype=torch.long, device=self.device)
        cols = torch.as_tensor(np.asarray(movie_cols), dtype=torch.long, device=self.device)
        out = torch.empty(len(rows))
        for i in range(0, len(rows), _PAIR_CHUNK):
            rating = self.model.rating(users[rows[i : i + _PAIR_CHUNK]], movies[cols[i : i + _PAIR_CHUNK]])
            out[i : i + _PAIR_CHUNK] = rating.clamp(self.low, self.high).float().cpu()
        return out

    @torch.no_grad()
    def item_vectors(self) -> torch.Tensor:
        _, movies = self._bound()
        return self.model.item_vectors(movies).float().cpu()
