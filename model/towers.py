"""The recommendation networks: a user tower, a movie tower (id + genres + title CNN) and two heads.

Shapes: ``B`` batch, ``G`` max_genres, ``L`` title_length, ``D`` embed_dim, ``H`` hidden_dim.
Index 0 of every embedding table is "unknown" (ids, demographics) or padding (genres, title words).

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
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

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

    def __init__(self, n_users: int, n_gender: int, n_age: int, n_occupation: int, embed_dim: int) -> None:
        super().__init__()
        small = max(4, embed_dim // 2)
        self.id = nn.Embedding(n_users, embed_dim)
        self.gender = nn.Embedding(n_gender, small)
        self.age = nn.Embedding(n_age, small)
        self.occupation = nn.Embedding(n_occupation, small)
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

    def __init__(self, n_movies: int, n_genres: int, n_words: int, cfg: dict[str, Any]) -> None:
        super().__init__()
        d = cfg["embed_dim"]
        self.id = nn.Embedding(n_movies, d)
        self.genre = nn.Embedding(n_genres, d, padding_idx=PAD)
        self.title = TitleCNN(n_words, cfg["word_dim"], cfg["title_filters"], cfg["title_windows"])
        self.v_dim = 2 * d

    def forward(
        self, ids: torch.Tensor, genres: torch.Tensor, titles: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """ids [B], genres [B, G], titles [B, L] → (v̄ [B, 2D], d̄ [B, title.out_dim])."""
        v = torch.cat([self.id(ids), masked_mean(self.genre(genres), genres)], dim=1)
        return v, self.title(titles)


class PaperModel(nn.Module):
    """ȳ = f(W3(f(W1ū + b1) + f(W2(v̄ + d̄) + b2)) + b3), f = ReLU, trained with MSE."""

    def __init__(self, sizes: dict[str, int], cfg: dict[str, Any], global_mean: float) -> None:
        super().__init__()
        h = cfg["hidden_dim"]
        self.user = UserFields(
            sizes["n_users"], sizes["n_gender"], sizes["n_age"], sizes["n_occupation"], cfg["embed_dim"]
        )
        self.movie = MovieFields(sizes["n_movies"], sizes["n_genres"], sizes["n_words"], cfg)
        # v̄ + d̄ needs equal widths: the CNN output is mapped to v̄'s width when they differ
        cnn = self.movie.title.out_dim
        self.title_proj: nn.Module = (
            nn.Identity() if cnn == self.movie.v_dim else nn.Linear(cnn, self.movie.v_dim)
        )
        self.W1 = nn.Linear(self.user.out_dim, h)
        self.W2 = nn.Linear(self.movie.v_dim, h)
        self.W3 = nn.Linear(h, 1)
        self.dropout = nn.Dropout(cfg["dropout"])
        init_embeddings(self)
        with torch.no_grad():  # start at the global mean so the output ReLU is active from step one
            self.W3.bias.fill_(global_mean)

    def user_branch(self, users: torch.Tensor) -> torch.Tensor:
        """f(W1ū + b1): users [B, 4] → [B, H]."""
        return F.relu(self.W1(self.dropout(self.user(users))))

    def movie_branch(self, ids: torch.Tensor, genres: torch.Tensor, titles: torch.Tensor) -> torch.Tensor:
        """f(W2(v̄ + d̄) + b2): → [B, H]."""
        v, d = self.movie(ids, genres, titles)
        return F.relu(self.W2(self.dropout(v + self.title_proj(d))))

    def combine(self, user_h: torch.Tensor, movie_h: torch.Tensor) -> torch.Tensor:
        """f(W3(user_h + movie_h) + b3) for aligned rows [B, H] → ratings [B]."""
        return F.relu(self.W3(user_h + movie_h)).squeeze(1)

    def score_matrix(self, user_h: torch.Tensor, movie_h: torch.Tensor) -> torch.Tensor:
        """Every user × every movie, [U, H] × [M, H] → [U, M]; W3 is linear, so W3(a + c) = W3a + W3c + b3."""
        a = user_h @ self.W3.weight.squeeze(0)  # [U]
        c = movie_h @ self.W3.weight.squeeze(0)  # [M]
        return F.relu(a.unsqueeze(1) + c.unsqueeze(0) + self.W3.bias)

    def forward(
        self, users: torch.Tensor, ids: torch.Tensor, genres: torch.Tensor, titles: torch.Tensor
    ) -> torch.Tensor:
        """Predicted ratings [B] for aligned (user, movie) rows."""
        return self.combine(self.user_branch(users), self.movie_branch(ids, genres, titles))


class HybridModel(nn.Module):
    """Towers → (rating head) μ + b_u + b_m + ⟨p_u, q_m⟩ and (ranking head) ⟨s_u, t_m⟩ + c_m.

    Each tower ends in one linear layer whose output is split into the rating vector, the ranking
    vector and the bias(es), so scoring is a matrix multiply of precomputed user and movie vectors.
    """

    global_mean: torch.Tensor  # buffer: μ, the training ratings' mean
    rank_blend: torch.Tensor  # buffer: γ, the predicted rating's weight in the ranking score

    def __init__(self, sizes: dict[str, int], cfg: dict[str, Any], global_mean: float) -> None:
        super().__init__()
        d = cfg["embed_dim"]
        self.d = d
        self.user = UserFields(sizes["n_users"], sizes["n_gender"], sizes["n_age"], sizes["n_occupation"], d)
        self.movie = MovieFields(sizes["n_movies"], sizes["n_genres"], sizes["n_words"], cfg)
        self.user_out = nn.Linear(self.user.out_dim, 2 * d + 1)  # p_u ‖ s_u ‖ b_u
        self.movie_out = nn.Linear(
            self.movie.v_dim + self.movie.title.out_dim, 2 * d + 2
        )  # q_m ‖ t_m ‖ b_m ‖ c_m
        self.dropout = nn.Dropout(cfg["dropout"])
        self.register_buffer("global_mean", torch.tensor(float(global_mean)))
        self.register_buffer("rank_blend", torch.tensor(0.0))
        init_embeddings(self)

    def user_vectors(self, users: torch.Tensor) -> torch.Tensor:
        """users [B, 4] → [B, 2D + 1] (p_u ‖ s_u ‖ b_u)."""
        return self.user_out(self.dropout(self.user(users)))

    def movie_vectors(self, ids: torch.Tensor, genres: torch.Tensor, titles: torch.Tensor) -> torch.Tensor:
        """ids [B], genres [B, G], titles [B, L] → [B, 2D + 2] (q_m ‖ t_m ‖ b_m ‖ c_m)."""
        v, d = self.movie(ids, genres, titles)
        return self.movie_out(self.dropout(torch.cat([v, d], dim=1)))

    def rating(self, uv: torch.Tensor, mv: torch.Tensor) -> torch.Tensor:
        """Aligned rows of user [B, 2D+1] and movie [B, 2D+2] vectors → predicted ratings [B]."""
        d = self.d
        dot = (uv[:, :d] * mv[:, :d]).sum(dim=1)
        return self.global_mean + uv[:, 2 * d] + mv[:, 2 * d] + dot

    def watch_scores(self, uv: torch.Tensor, mv: torch.Tensor) -> torch.Tensor:
        """Every user × every movie ranking-head logit ⟨s_u, t_m⟩ + c_m: [U, 2D+1] × [M, 2D+2] → [U, M]."""
        d = self.d
        return uv[:, d : 2 * d] @ mv[:, d : 2 * d].T + mv[:, 2 * d + 1]

    def rank_scores(self, uv: torch.Tensor, mv: torch.Tensor, blend: float | None = None) -> torch.Tensor:
        """Every user × every movie list score, watch + γ (⟨p_u, q_m⟩ + b_m): [U, M].

        ``blend`` overrides γ = ``rank_blend``. Still one matrix multiply: [s_u ‖ γ p_u] · [t_m ‖ q_m].
        """
        gamma = self.rank_blend if blend is None else torch.tensor(float(blend), device=uv.device)
        if float(gamma) == 0.0:
            return self.watch_scores(uv, mv)
        d = self.d
        user = torch.cat([uv[:, d : 2 * d], gamma * uv[:, :d]], dim=1)  # [U, 2D]
        movie = torch.cat([mv[:, d : 2 * d], mv[:, :d]], dim=1)  # [M, 2D]
        return user @ movie.T + (mv[:, 2 * d + 1] + gamma * mv[:, 2 * d])

    def rating_matrix(self, uv: torch.Tensor, mv: torch.Tensor) -> torch.Tensor:
        """Every user × every movie predicted rating (unclipped): [U, M]."""
        d = self.d
        return uv[:, :d] @ mv[:, :d].T + uv[:, 2 * d : 2 * d + 1] + mv[:, 2 * d] + self.global_mean


def build_model(
    architecture: str, sizes: dict[str, int], cfg: dict[str, Any], global_mean: float
) -> nn.Module:
    """The network for ``architecture`` ('hybrid' or 'paper')."""
    if architecture == "paper":
        return PaperModel(sizes, cfg, global_mean)
    if architecture == "hybrid":
        return HybridModel(sizes, cfg, global_mean)
    raise ValueError(f"unknown architecture {architecture!r}")
