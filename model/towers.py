"""The recommendation networks: a user tower, a movie tower (id + genres + title CNN) and two heads.

Both implement :class:`recdb.model.network.Network` (user side, movie side, rating of aligned pairs,
score matrix) and are built from a :class:`recdb.model.network.ModelConfig` by :func:`build_model`.

Shapes: ``B`` batch, ``U`` users, ``M`` movies, ``G`` max_genres, ``L`` title_length, ``D`` embed_dim,
``H`` hidden_dim. Index 0 of every embedding table is "unknown" (ids, demographics) or padding
(genres, title words).

- :class:`PaperModel` is the paper's formula, ȳ = f(W3(f(W1ū + b1) + f(W2(v̄ + d̄) + b2)) + b3) with
  f = ReLU. Because the user and movie branches are *added* before the last linear layer, the score of
  a movie for a user is f(a_u + c_m + b3) with scalars a_u = W3 f(W1ū + b1) and c_m = W3 f(W2(v̄ + d̄) + b2):
  every user ranks movies by c_m, i.e. everyone gets the same ranking (see docs/model.md).
- :class:`HybridModel` (the default) uses the same towers but combines them by dot products, so each
  user gets their own ranking: rating = μ + b_u + b_m + ⟨p_u, q_m⟩ (MSE head) and
  watch score = ⟨s_u, t_m⟩ + c_m (ranking head, trained with a softmax over movies on "user rated movie").
  Lists are ranked by watch score + γ · (⟨p_u, q_m⟩ + b_m): "will watch it" plus γ × "will like it"
  (the predicted rating without the terms that are constant per user). γ (``rank_blend``) is chosen on
  validation after training (:mod:`recdb.training.blend`); it is 0 while training.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import ClassVar

import torch
from torch import nn
from torch.nn import functional as F

from recdb.model.coldmovies import ColdMovies
from recdb.model.itemitem import EMPTY_STATE, ItemItem
from recdb.model.network import ModelConfig, Network, RankingHead, TableSizes

PAD = 0


def masked_mean(vectors: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """Mean of ``vectors`` [B, G, D] over positions where ``index`` [B, G] is not padding → [B, D].

    Padding positions are excluded (not averaged in as zeros or learnt vectors); an all-padding row
    (a movie without genres) gives the zero vector.
    """
    mask = (index != PAD).unsqueeze(-1).to(vectors.dtype)  # [B, G, 1]
    return (vectors * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)


def init_embeddings(module: nn.Module, std: float = 0.05) -> None:
    """Small initial embeddings: N(0, 1) vectors would start every dot product far from the mean rating."""
    for m in module.modules():
        if isinstance(m, nn.Embedding):
            nn.init.normal_(m.weight, std=std)
            if m.padding_idx is not None:
                with torch.no_grad():
                    m.weight[m.padding_idx].zero_()


class TitleCNN(nn.Module):
    """Kim-style text CNN: word embeddings → convolution per window height → ReLU → max over time → concat.

    Written for speed on a CPU with few channels: only windows that start on a real word are built
    (a title of n words has n - 1 windows of height 2, not title_length - 1), every window height runs
    in ONE matrix multiply (narrower kernels zero-padded to the widest height, the zeros not trained),
    and the max over time is a scatter-max per title. The result equals a Conv1d per height followed
    by a max over the windows that contain a real word (tested against that).
    """

    heights: torch.Tensor  # buffer: the window height of each output column

    def __init__(self, n_words: int, word_dim: int, filters: int, windows: list[int]) -> None:
        super().__init__()
        self.words = nn.Embedding(n_words, word_dim, padding_idx=PAD)
        self.windows = list(windows)
        self.widest, self.narrowest = max(self.windows), min(self.windows)
        self.word_dim = word_dim
        self.kernels = nn.ParameterList(
            nn.Parameter(torch.empty(w * word_dim, filters).uniform_(-1, 1) / math.sqrt(w * word_dim))
            for w in self.windows
        )
        self.bias = nn.Parameter(torch.zeros(len(self.windows) * filters))
        self.register_buffer(
            "heights", torch.tensor(self.windows).repeat_interleave(filters), persistent=False
        )
        self.out_dim = filters * len(self.windows)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        """tokens [B, L] (words first, then padding) → [B, filters * len(windows)]."""
        b = len(tokens)
        n_real = (tokens != PAD).sum(dim=1)  # [B]
        # windows start at 0 .. n_real - narrowest (at least one window per title, even a short one)
        counts = (n_real - self.narrowest + 1).clamp(min=1)  # [B]
        title = torch.repeat_interleave(torch.arange(b, device=tokens.device), counts)  # [N]
        start = torch.arange(len(title), device=tokens.device) - torch.repeat_interleave(
            torch.cumsum(counts, 0) - counts, counts
        )  # [N]
        padded = F.pad(tokens, (0, self.widest), value=PAD)  # windows may run past the last word
        offsets = torch.arange(self.widest, device=tokens.device)
        window_tokens = padded[title.unsqueeze(1), start.unsqueeze(1) + offsets]  # [N, widest]
        x = self.words(window_tokens).reshape(len(title), self.widest * self.word_dim)  # [N, widest * W]
        kernel = torch.cat(
            [
                F.pad(k, (0, 0, 0, (self.widest - w) * self.word_dim))
                for k, w in zip(self.kernels, self.windows, strict=True)
            ],
            dim=1,
        )  # [widest * W, n_windows * filters]
        h = F.relu(x @ kernel + self.bias)  # [N, n_windows * filters]
        # a height-w window must start at or before n_real - w (or be the title's first window)
        limit = (n_real[title].unsqueeze(1) - self.heights.unsqueeze(0) + 1).clamp(min=1)
        h = h.masked_fill(start.unsqueeze(1) >= limit, 0.0)  # ReLU output ≥ 0: 0 never beats a real window
        out = torch.zeros(b, self.out_dim, dtype=h.dtype, device=h.device)
        return out.scatter_reduce(0, title.unsqueeze(1).expand_as(h), h, reduce="amax", include_self=True)


class UserFields(nn.Module):
    """ū: the concatenated embeddings of user id, gender, age group and occupation."""

    def __init__(self, sizes: TableSizes, embed_dim: int) -> None:
        super().__init__()
        small = max(4, embed_dim // 2)
        self.id = nn.Embedding(sizes.n_users, embed_dim)
        self.gender = nn.Embedding(sizes.n_gender, small)
        self.age = nn.Embedding(sizes.n_age, small)
        self.occupation = nn.Embedding(sizes.n_occupation, small)
        self.out_dim = embed_dim + 3 * small

    def forward(self, users: torch.Tensor) -> torch.Tensor:
        """users [B, 4] (id, gender, age, occupation indices) → ū [B, out_dim]."""
        return torch.cat(
            [
                self.id(users[:, 0]),
                self.gender(users[:, 1]),
                self.age(users[:, 2]),
                self.occupation(users[:, 3]),
            ],
            dim=1,
        )


class MovieFields(nn.Module):
    """v̄ (movie id embedding ‖ masked mean of genre embeddings) and d̄ (title CNN)."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        d, sizes = config.embed_dim, config.sizes
        self.id = nn.Embedding(sizes.n_movies, d)
        self.genre = nn.Embedding(sizes.n_genres, d, padding_idx=PAD)
        self.title = TitleCNN(
            sizes.n_words, config.word_dim, config.title_filters, list(config.title_windows)
        )
        self.v_dim = 2 * d

    def forward(
        self, ids: torch.Tensor, genres: torch.Tensor, titles: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """ids [B], genres [B, G], titles [B, L] → (v̄ [B, 2D], d̄ [B, title.out_dim])."""
        v = torch.cat([self.id(ids), masked_mean(self.genre(genres), genres)], dim=1)
        return v, self.title(titles)


class PaperModel(Network):
    """ȳ = f(W3(f(W1ū + b1) + f(W2(v̄ + d̄) + b2)) + b3), f = ReLU, trained with MSE.

    User side: the user branch f(W1ū + b1) [·, H]; movie side: the movie branch f(W2(v̄ + d̄) + b2) [·, H].
    """

    def __init__(self, config: ModelConfig, global_mean: float) -> None:
        super().__init__(config)
        h = config.hidden_dim
        self.user = UserFields(config.sizes, config.embed_dim)
        self.movie = MovieFields(config)
        # v̄ + d̄ needs equal widths: the CNN output is mapped to v̄'s width when they differ
        cnn = self.movie.title.out_dim
        self.title_proj: nn.Module = (
            nn.Identity() if cnn == self.movie.v_dim else nn.Linear(cnn, self.movie.v_dim)
        )
        self.W1 = nn.Linear(self.user.out_dim, h)
        self.W2 = nn.Linear(self.movie.v_dim, h)
        self.W3 = nn.Linear(h, 1)
        self.dropout = nn.Dropout(config.dropout)
        init_embeddings(self)
        with torch.no_grad():  # start at the global mean so the output ReLU is active from step one
            self.W3.bias.fill_(global_mean)

    def user_side(self, users: torch.Tensor) -> torch.Tensor:
        """f(W1ū + b1): users [U, 4] → [U, H]."""
        return F.relu(self.W1(self.dropout(self.user(users))))

    def movie_side(self, ids: torch.Tensor, genres: torch.Tensor, titles: torch.Tensor) -> torch.Tensor:
        """f(W2(v̄ + d̄) + b2): ids [M], genres [M, G], titles [M, L] → [M, H]."""
        v, d = self.movie(ids, genres, titles)
        return F.relu(self.W2(self.dropout(v + self.title_proj(d))))

    def rating(self, user: torch.Tensor, movie: torch.Tensor) -> torch.Tensor:
        """f(W3(user_h + movie_h) + b3) for aligned rows [B, H] → ratings [B]."""
        return F.relu(self.W3(user + movie)).squeeze(1)

    def score_matrix(self, user: torch.Tensor, movie: torch.Tensor) -> torch.Tensor:
        """Every user × every movie, [U, H] × [M, H] → [U, M]; W3 is linear, so W3(a + c) = W3a + W3c + b3."""
        a = user @ self.W3.weight.squeeze(0)  # [U]
        c = movie @ self.W3.weight.squeeze(0)  # [M]
        return F.relu(a.unsqueeze(1) + c.unsqueeze(0) + self.W3.bias)

    def item_vectors(self, movie: torch.Tensor) -> torch.Tensor:
        """The movie branch f(W2(v̄ + d̄) + b2) [M, H], the movie side itself.

        The paper's network has no personal space (every user ranks movies by the same scalar c_m),
        so the item space is the movie features after W2: movies with alike ids, genres and titles.
        """
        return movie

    def batch_sides(
        self, users: torch.Tensor, ids: torch.Tensor, genres: torch.Tensor, titles: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The movie branch first: the order of dropout draws every seeded paper training has used."""
        movie = self.movie_side(ids, genres, titles)
        return self.user_side(users), movie


class HybridModel(Network):
    """Towers → (rating head) μ + b_u + b_m + ⟨p_u, q_m⟩ and (ranking head) ⟨s_u, t_m⟩ + c_m.

    Each tower ends in one linear layer whose output is split into the rating vector, the ranking
    vector and the bias(es), so scoring is a matrix multiply of precomputed user and movie vectors:
    the user side is p_u ‖ s_u ‖ b_u [·, 2D + 1], the movie side q_m ‖ t_m ‖ b_m ‖ c_m [·, 2D + 2].
    """

    # Checkpoints written before the rank blend existed rank by the ranking head alone.
    # Checkpoints written before the item-item term existed rank without it.
    later_buffers: ClassVar[Mapping[str, float | torch.Tensor]] = {
        "rank_blend": 0.0,
        **{f"item_item.{name}": value for name, value in EMPTY_STATE.items()},
        # ... and those written before the rating term existed predict without it.
        **{f"rating_item.{name}": value for name, value in EMPTY_STATE.items()},
        # ... and those written before the cold-movie term existed predict cold movies without it.
        "cold_movies.active": 0.0,
    }

    global_mean: torch.Tensor  # buffer: μ, the training ratings' mean
    rank_blend: torch.Tensor  # buffer: γ, the predicted rating's weight in the ranking score

    def __init__(self, config: ModelConfig, global_mean: float) -> None:
        super().__init__(config)
        d = config.embed_dim
        self.d = d
        self.user = UserFields(config.sizes, d)
        self.movie = MovieFields(config)
        self.user_out = nn.Linear(self.user.out_dim, 2 * d + 1)  # p_u ‖ s_u ‖ b_u
        self.movie_out = nn.Linear(
            self.movie.v_dim + self.movie.title.out_dim, 2 * d + 2
        )  # q_m ‖ t_m ‖ b_m ‖ c_m
        self.dropout = nn.Dropout(config.dropout)
        self.register_buffer("global_mean", torch.tensor(float(global_mean)))
        self.register_buffer("rank_blend", torch.tensor(0.0))
        self.item_item = ItemItem()  # w · (x_u · B), fitted after training (model/itemitem.py)
        self.rating_item = ItemItem()  # α · (e_u · W) on predicted ratings, e_u the user's residuals
        self.cold_movies = ColdMovies()  # a new movie's rating from genres + the user's residuals
        init_embeddings(self)

    def user_side(self, users: torch.Tensor) -> torch.Tensor:
        """users [U, 4] → [U, 2D + 1] (p_u ‖ s_u ‖ b_u)."""
        return self.user_out(self.dropout(self.user(users)))

    def movie_side(self, ids: torch.Tensor, genres: torch.Tensor, titles: torch.Tensor) -> torch.Tensor:
        """ids [M], genres [M, G], titles [M, L] → [M, 2D + 2] (q_m ‖ t_m ‖ b_m ‖ c_m)."""
        v, d = self.movie(ids, genres, titles)
        return self.movie_out(self.dropout(torch.cat([v, d], dim=1)))

    def rating(self, user: torch.Tensor, movie: torch.Tensor) -> torch.Tensor:
        """Aligned rows of user [B, 2D+1] and movie [B, 2D+2] vectors → predicted ratings [B]."""
        d = self.d
        dot = (user[:, :d] * movie[:, :d]).sum(dim=1)
        return self.global_mean + user[:, 2 * d] + movie[:, 2 * d] + dot

    def score_matrix(self, user: torch.Tensor, movie: torch.Tensor) -> torch.Tensor:
        """The published list score, the ranking head blended with γ = ``rank_blend``: [U, M]."""
        return self.rank_scores(user, movie)

    def ranking_head(self) -> RankingHead:
        return self

    def history_term(self) -> ItemItem:
        return self.item_item

    def rating_term(self) -> ItemItem:
        return self.rating_item

    def cold_movie_term(self) -> ColdMovies:
        return self.cold_movies

    def watch_scores(self, user: torch.Tensor, movie: torch.Tensor) -> torch.Tensor:
        """Every user × every movie ranking-head logit ⟨s_u, t_m⟩ + c_m: [U, 2D+1] × [M, 2D+2] → [U, M]."""
        d = self.d
        return user[:, d : 2 * d] @ movie[:, d : 2 * d].T + movie[:, 2 * d + 1]

    def watch_pairs(self, user: torch.Tensor, movie: torch.Tensor) -> torch.Tensor:
        """Ranking-head logits ⟨s_u, t_m⟩ + c_m of aligned rows [B, 2D+1], [B, 2D+2] → [B]."""
        d = self.d
        return (user[:, d : 2 * d] * movie[:, d : 2 * d]).sum(1) + movie[:, 2 * d + 1]

    def rank_scores(
        self, user: torch.Tensor, movie: torch.Tensor, blend: float | None = None
    ) -> torch.Tensor:
        """Every user × every movie list score, watch + γ (⟨p_u, q_m⟩ + b_m): [U, M].

        ``blend`` overrides γ = ``rank_blend``. Still one matrix multiply: [s_u ‖ γ p_u] · [t_m ‖ q_m].
        """
        gamma = self.rank_blend if blend is None else torch.tensor(float(blend), device=user.device)
        if float(gamma) == 0.0:
            return self.watch_scores(user, movie)
        d = self.d
        u = torch.cat([user[:, d : 2 * d], gamma * user[:, :d]], dim=1)  # [U, 2D]
        m = torch.cat([movie[:, d : 2 * d], movie[:, :d]], dim=1)  # [M, 2D]
        return u @ m.T + (movie[:, 2 * d + 1] + gamma * movie[:, 2 * d])

    def item_vectors(self, movie: torch.Tensor) -> torch.Tensor:
        """t_m ‖ γ q_m [M, 2D]: the movie's half of the list score's dot product (the biases left out).

        The list score is ⟨s_u ‖ p_u, t_m ‖ γ q_m⟩ + per-movie terms, so these are the vectors users
        rank movies with; with γ = 0 the q_m half is zero and only the ranking head counts.
        """
        d = self.d
        return torch.cat([movie[:, d : 2 * d], self.rank_blend * movie[:, :d]], dim=1)

    def rating_matrix(self, user: torch.Tensor, movie: torch.Tensor) -> torch.Tensor:
        """Every user × every movie predicted rating (unclipped): [U, M]."""
        d = self.d
        return user[:, :d] @ movie[:, :d].T + user[:, 2 * d : 2 * d + 1] + movie[:, 2 * d] + self.global_mean


#: Every architecture by its ``model.architecture`` name: (config, global mean) → a fresh network.
ARCHITECTURES: dict[str, Callable[[ModelConfig, float], Network]] = {
    "paper": PaperModel,
    "hybrid": HybridModel,
}


def build_model(config: ModelConfig, global_mean: float) -> Network:
    """The network ``config.architecture`` names, freshly initialised (μ = ``global_mean``)."""
    cls = ARCHITECTURES.get(config.architecture)
    if cls is None:
        raise ValueError(f"unknown architecture {config.architecture!r}")
    return cls(config, global_mean)
