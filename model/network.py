"""What every recommendation network is to the jobs: its typed config and one small interface.

Shapes: ``B`` aligned (user, movie) pairs, ``U`` users, ``M`` movies, ``G`` max_genres, ``L``
title_length; ``Su`` / ``Sm`` the widths of a network's user side and movie side (its own business).

A network scores in two steps, so that scoring a catalogue is a matrix product of precomputed sides:

1. ``user_side(users)`` and ``movie_side(ids, genres, titles)`` run the towers once per user and
   once per movie;
2. ``rating(user, movie)`` combines *aligned* rows into predicted ratings, ``score_matrix(user,
   movie)`` combines *every* user with *every* movie into list scores.

Training, scoring and evaluation use only this interface (:class:`Network`), never the concrete
classes, so a new architecture is one class in ``model/`` and one entry in
:data:`recdb.model.towers.ARCHITECTURES`. A network with a second, "will watch it" head trained on
implicit feedback exposes it through :meth:`Network.ranking_head` (:class:`RankingHead`).

:class:`ModelConfig` is everything needed to rebuild a network's shapes: the architecture, the
``[model]`` hyper-parameters and the embedding table sizes of the training data. In a checkpoint it
is stored as plain JSON values under the keys ``architecture``, ``model_config`` (the
hyper-parameters, as ``settings.model`` minus the architecture) and ``sizes`` (the tables), the
layout checkpoints have always had, so old checkpoints load and warm starts compare the
hyper-parameters of old and new models.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any, ClassVar, Protocol

import torch
from torch import nn

from recdb.model.coldmovies import ColdMovies
from recdb.model.itemitem import ItemItem


@dataclass(frozen=True)
class TableSizes:
    """Rows of each embedding table, the unknown / padding rows included (``Encoders.sizes``)."""

    n_users: int
    n_movies: int
    n_gender: int
    n_age: int
    n_occupation: int
    n_genres: int
    n_words: int


@dataclass(frozen=True)
class ModelConfig:
    """A network's architecture, hyper-parameters (the ``[model]`` settings) and table sizes."""

    architecture: str  # a key of recdb.model.towers.ARCHITECTURES
    sizes: TableSizes
    embed_dim: int  # D: id and genre embedding width
    hidden_dim: int  # H: the paper's hidden layer width
    title_filters: int  # title CNN output channels per window height
    title_windows: tuple[int, ...]  # title CNN window heights (words)
    word_dim: int  # title word embedding width
    dropout: float  # dropout on the towers' inputs
    id_dropout: float  # probability, per training step, of replacing an id by "unknown" (cold start)

    @classmethod
    def from_parts(cls, architecture: str, hyper: Mapping[str, Any], sizes: Mapping[str, int]) -> ModelConfig:
        """From JSON values: ``hyper`` as ``settings.model`` dumps it, ``sizes`` as ``Encoders.sizes``.

        Keys this version does not know are ignored (a checkpoint may carry more); a missing one
        raises ``TypeError``.
        """
        known = {f.name for f in fields(cls)} - {"architecture", "sizes"}
        values = {k: v for k, v in hyper.items() if k in known}
        if "title_windows" in values:
            values["title_windows"] = tuple(int(w) for w in values["title_windows"])
        table_names = {f.name for f in fields(TableSizes)}
        tables = TableSizes(**{k: int(v) for k, v in sizes.items() if k in table_names})
        return cls(architecture=str(architecture), sizes=tables, **values)

    @classmethod
    def from_checkpoint(cls, state: Mapping[str, Any]) -> ModelConfig:
        """The config stored in a checkpoint by :meth:`to_checkpoint` (or by any older version)."""
        return cls.from_parts(state["architecture"], state["model_config"], state["sizes"])

    def hyper_params(self) -> dict[str, Any]:
        """The ``[model]`` settings (architecture aside) as JSON values: what a warm start compares."""
        out = {k: v for k, v in asdict(self).items() if k not in ("architecture", "sizes")}
        out["title_windows"] = list(self.title_windows)
        return out

    def to_checkpoint(self) -> dict[str, Any]:
        """Plain JSON values for the checkpoint: ``architecture``, ``model_config`` and ``sizes``."""
        return {
            "architecture": self.architecture,
            "model_config": self.hyper_params(),
            "sizes": asdict(self.sizes),
        }


class RankingHead(Protocol):
    """A second head scoring "user will watch movie", trained with a softmax over movies.

    List scores blend it with the predicted rating: watch + γ · rating terms, γ = ``rank_blend``
    (a buffer, so it travels in the checkpoint), chosen after training.
    """

    rank_blend: torch.Tensor  # γ, a 0-d buffer

    def watch_scores(self, user: torch.Tensor, movie: torch.Tensor) -> torch.Tensor:
        """Every user × every movie watch logit: user side [U, Su], movie side [M, Sm] → [U, M]."""
        ...

    def watch_pairs(self, user: torch.Tensor, movie: torch.Tensor) -> torch.Tensor:
        """Watch logits of aligned rows: [B, Su], [B, Sm] → [B]."""
        ...

    def rank_scores(
        self, user: torch.Tensor, movie: torch.Tensor, blend: float | None = None
    ) -> torch.Tensor:
        """List scores with γ = ``blend`` (None: ``rank_blend``): [U, Su], [M, Sm] → [U, M]."""
        ...


class Network(nn.Module, ABC):
    """The interface of every recommendation network (see the module docstring)."""

    #: Buffers added after the first checkpoints were written, with the values that reproduce the
    #: older behaviour; loading a checkpoint without one of them uses this value.
    later_buffers: ClassVar[Mapping[str, float | torch.Tensor]] = {}

    config: ModelConfig

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config

    @abstractmethod
    def user_side(self, users: torch.Tensor) -> torch.Tensor:
        """users [U, 4] (id, gender, age, occupation indices) → user side [U, Su]."""

    @abstractmethod
    def movie_side(self, ids: torch.Tensor, genres: torch.Tensor, titles: torch.Tensor) -> torch.Tensor:
        """ids [M], genres [M, G], titles [M, L] → movie side [M, Sm]."""

    @abstractmethod
    def rating(self, user: torch.Tensor, movie: torch.Tensor) -> torch.Tensor:
        """Predicted ratings (unclipped) of aligned rows: user [B, Su], movie [B, Sm] → [B]."""

    @abstractmethod
    def score_matrix(self, user: torch.Tensor, movie: torch.Tensor) -> torch.Tensor:
        """List scores (higher first) of every user × every movie: [U, Su], [M, Sm] → [U, M]."""

    def ranking_head(self) -> RankingHead | None:
        """The "will watch" head, or None for a network with the rating head only."""
        return None

    def item_vectors(self, movie: torch.Tensor) -> torch.Tensor:
        """The movies in the network's item space: movie side [M, Sm] → [M, d].

        Two movies whose vectors point the same way (cosine) are alike to the network; the scoring
        job explains a recommendation by the user's liked movie closest to it in this space
        (``recommendations.because_movie_id``). By default the movie side itself; a network whose
        movie side carries more than the ranking uses (biases, a second head) narrows it down.
        """
        return movie

    def history_term(self) -> ItemItem | None:
        """The item-item term added to the list scores of users with a history, or None."""
        return None

    def rating_term(self) -> ItemItem | None:
        """The item-item term added to the predicted ratings of users with rated history (its values
        the network's own residuals on them), or None."""
        return None

    def cold_movie_term(self) -> ColdMovies | None:
        """The switch of the cold-movie term of the predicted ratings (:mod:`recdb.model.coldmovies`),
        or None for a network whose cold movies are predicted by the towers alone."""
        return None

    def batch_sides(
        self, users: torch.Tensor, ids: torch.Tensor, genres: torch.Tensor, titles: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """(user side [B, Su], movie side [R, Sm]) of a training step's users and movies.

        The user side runs first; a network may change the order, which decides the order of its
        dropout draws and so the exact numbers of a seeded training.
        """
        user = self.user_side(users)
        return user, self.movie_side(ids, genres, titles)

    def forward(
        self, users: torch.Tensor, ids: torch.Tensor, genres: torch.Tensor, titles: torch.Tensor
    ) -> torch.Tensor:
        """Predicted ratings [B] of aligned (user, movie) rows: users [B, 4], ids [B], ..."""
        return self.rating(self.user_side(users), self.movie_side(ids, genres, titles))
