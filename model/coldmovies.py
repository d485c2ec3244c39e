"""The cold-movie term of a network's predicted ratings: what a user's own ratings say about a new movie.

A movie the network never saw in training (cold: its id is unknown) can only be predicted from its
features. Two things make the towers' plain prediction for it worse than it need be (docs/model.md,
"The cold-movie term"):

* the title CNN recognises the titles it was trained on, so for a known movie it partly stands in for
  the id; a new title gets a generic output that adds nothing (measured: ML-1M cold movies, MAE 0.8404
  without the title against 0.8413 with it);
* a user's ratings are not a random sample of movies: what a user chooses to rate, and how the
  user's taste per genre differs from the model's, is in the user's history but not in the towers'
  features-only prediction.

So for a cold movie i and a user u with rated history, the prediction is

    clip( r̂⁰(u, i) + c_u + Σ_g a_ig · d_ug )

with r̂⁰ the network's clipped rating of a movie side built from genres alone (id unknown, no title),
e_uj = r_uj − r̂⁰(u, j) the user's residuals on the known ratings against that same features-only
prediction, c_u = Σ_j e_uj / (n_u + USER_SHRINK) their shrunk mean, a_jg = 1/|G(j)| for each of movie
j's genres, and d_ug = Σ_j a_jg (e_uj − c_u) / (Σ_j a_jg + GENRE_SHRINK) the user's shrunk mean
residual per genre. A user without history gets c_u = d_ug = 0 (the features-only prediction). Known
movies are untouched, and so are the list scores: cold movies are still ranked by their features.

Nothing is fitted at training time: the offsets come from the history the caller passes when it binds
the predictor (``Catalog.rated`` / ``rated_ratings``: scoring passes every stored rating, evaluation
train + valid), so a user's ratings since training count. The checkpoint carries one buffer,
``active``; checkpoints written before the term existed load with it off. The shrinkages are fixed
(ratings of prior weight, as in the baselines): a per-genre shrinkage of 2, 5 or 10 moves ML-1M's
cold-movie MAE by about 0.3 % (docs/model.md, session 8).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

USER_SHRINK = 5.0  # ratings of prior weight toward 0 for a user's mean residual c_u
GENRE_SHRINK = 10.0  # (genre-weighted) ratings of prior weight toward c_u for a user's genre residual
PAIRS_CHUNK = 1 << 20  # history pairs per step of the per-genre sums


def genre_weights(genres: torch.Tensor, n_genres: int) -> torch.Tensor:
    """a [M, n_genres] float32: 1/|G(i)| at each of movie i's genres. genres [M, G], 0 padding."""
    out = torch.zeros(len(genres), n_genres, device=genres.device)
    out.scatter_(1, genres, 1.0)
    out[:, 0] = 0.0  # padding is no genre
    return out / out.sum(1, keepdim=True).clamp(min=1.0)


@dataclass(frozen=True)
class BoundColdMovies:
    """The term bound to a catalogue and its users' history (see the module docstring)."""

    movie_sides: torch.Tensor  # [M, Sm]: every movie's side from its genres alone (id unknown, no title)
    weights: torch.Tensor  # float32 [M, n_genres]: a
    user_offset: torch.Tensor  # float32 [U]: c_u
    genre_offset: torch.Tensor  # float32 [U, n_genres]: d_ug

    def offsets(self, user_rows: torch.Tensor, movie_cols: torch.Tensor) -> torch.Tensor:
        """c_u + Σ_g a_ig d_ug of aligned pairs: float32 [len(user_rows)]."""
        genre = (self.weights[movie_cols] * self.genre_offset[user_rows]).sum(1)
        return self.user_offset[user_rows] + genre


def fit_offsets(
    user_rows: torch.Tensor,
    movie_cols: torch.Tensor,
    residuals: torch.Tensor,
    weights: torch.Tensor,
    n_users: int,
) -> tuple[torch.Tensor, torch.Tensor]:
    """(c [U], d [U, n_genres]) from the residuals e of the history pairs (user_rows[k], movie_cols[k]).

    Sums in float64 (ML-25M's 25M residuals summed in float32 would lose the offsets' last digits),
    ``PAIRS_CHUNK`` pairs at a time (25M pairs × 20 genres at once would be 4 GB).
    """
    e = residuals.double()
    zeros = torch.zeros(n_users, dtype=torch.float64, device=e.device)
    n = zeros.clone().index_add_(0, user_rows, torch.ones_like(e))
    c = zeros.clone().index_add_(0, user_rows, e) / (n + USER_SHRINK)
    spread = torch.zeros(n_users, weights.shape[1], dtype=torch.float64, device=e.device)
    mass = torch.zeros_like(spread)
    for start in range(0, len(e), PAIRS_CHUNK):
        rows = user_rows[start : start + PAIRS_CHUNK]
        a = weights[movie_cols[start : start + PAIRS_CHUNK]].double()  # [chunk, n_genres]
        spread.index_add_(0, rows, a * (e[start : start + PAIRS_CHUNK] - c[rows]).unsqueeze(1))
        mass.index_add_(0, rows, a)
    return c.float(), (spread / (mass + GENRE_SHRINK)).float()


class ColdMovies(nn.Module):
    """The term's switch as a buffer: off while training (the heads train apart), on once trained."""

    active: torch.Tensor

    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("active", torch.tensor(0.0))

    def switch_on(self) -> None:
        self.active.fill_(1.0)

    def is_on(self) -> bool:
        return float(self.active) != 0.0
