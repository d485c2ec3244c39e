"""Shapes, the genre padding mask, the title CNN, and the paper model's identical rankings."""

from __future__ import annotations

import torch

from recdb.model.network import ModelConfig
from recdb.model.towers import HybridModel, PaperModel, TitleCNN, masked_mean
from tests.settings_support import tiny_model_config

SIZES = {
    "n_users": 11,
    "n_gender": 3,
    "n_age": 8,
    "n_occupation": 22,
    "n_movies": 21,
    "n_genres": 19,
    "n_words": 50,
}
CFG = tiny_model_config(embed_dim=8, hidden_dim=16, title_filters=4, title_windows=[2, 3, 4, 5], word_dim=6)
HYBRID = ModelConfig.from_parts("hybrid", CFG, SIZES)
PAPER = ModelConfig.from_parts("paper", CFG, SIZES)


def _batch(n: int, gen: torch.Generator) -> tuple[torch.Tensor, ...]:
    users = torch.stack([torch.randint(0, hi, (n,), generator=gen) for hi in (11, 3, 8, 22)], dim=1)  # [n, 4]
    ids = torch.randint(0, 21, (n,), generator=gen)
    genres = torch.randint(0, 19, (n, 18), generator=gen)
    titles = torch.randint(0, 50, (n, 15), generator=gen)
    return users, ids, genres, titles


def test_masked_mean_ignores_padding() -> None:
    emb = torch.nn.Embedding(5, 3)
    index = torch.tensor([[1, 2, 0, 0], [3, 0, 0, 0], [0, 0, 0, 0]])
    out = masked_mean(emb(index), index)
    assert out.shape == (3, 3)
    torch.testing.assert_close(out[0], (emb.weight[1] + emb.weight[2]) / 2)
    torch.testing.assert_close(out[1], emb.weight[3])
    torch.testing.assert_close(out[2], torch.zeros(3))  # a movie without genres
    with torch.no_grad():  # whatever the padding row holds, it never leaks in
        emb.weight[0] = 100.0
    torch.testing.assert_close(masked_mean(emb(index), index), out)


def test_title_cnn_shape_and_padding_invariance() -> None:
    torch.manual_seed(0)
    cnn = TitleCNN(50, 6, 4, [2, 3, 4, 5])
    short = torch.tensor([[7, 8, 9]])
    out = cnn(short)  # shorter than the widest window: padded inside
    assert out.shape == (1, 16)
    padded = torch.tensor([[7, 8, 9] + [0] * 12])
    torch.testing.assert_close(cnn(padded), out)


def test_tower_shapes() -> None:
    gen = torch.Generator().manual_seed(0)
    users, ids, genres, titles = _batch(5, gen)
    hybrid = HybridModel(HYBRID, 3.5)
    uv, mv = hybrid.user_side(users), hybrid.movie_side(ids, genres, titles)
    assert uv.shape == (5, 2 * 8 + 1) and mv.shape == (5, 2 * 8 + 2)
    assert hybrid.rating(uv, mv).shape == (5,)
    assert hybrid.rank_scores(uv, mv).shape == (5, 5)
    torch.testing.assert_close(torch.diagonal(hybrid.rating_matrix(uv, mv)), hybrid.rating(uv, mv))
    paper = PaperModel(PAPER, 3.5)
    assert paper(users, ids, genres, titles).shape == (5,)


def test_paper_model_ranks_movies_identically_for_every_user() -> None:
    """ȳ = f(W3(f(W1ū + b1) + f(W2(v̄ + d̄) + b2)) + b3): the user term only shifts every movie's score."""
    torch.manual_seed(1)
    gen = torch.Generator().manual_seed(1)
    model = PaperModel(PAPER, 3.5).eval()
    users, _, _, _ = _batch(10, gen)
    _, ids, genres, titles = _batch(20, gen)
    with torch.no_grad():
        model.W3.bias.fill_(50.0)  # keep the output ReLU in its linear part for every pair
        n_u, n_m = len(users), len(ids)
        ratings = model(
            users.repeat_interleave(n_m, 0),
            ids.repeat(n_u),
            genres.repeat(n_u, 1),
            titles.repeat(n_u, 1),
        ).reshape(n_u, n_m)  # the plain forward pass, pair by pair
        torch.testing.assert_close(
            ratings, model.score_matrix(model.user_side(users), model.movie_side(ids, genres, titles))
        )
    orders = torch.argsort(ratings, dim=1, stable=True)
    assert torch.equal(orders, orders[0].expand_as(orders)), "every user must get the same movie ranking"
    # and the hybrid model does not have this property
    hybrid = HybridModel(HYBRID, 3.5).eval()
    with torch.no_grad():
        scores = hybrid.rank_scores(hybrid.user_side(users), hybrid.movie_side(ids, genres, titles))
    h_orders = torch.argsort(scores, dim=1, stable=True)
    assert not torch.equal(h_orders, h_orders[0].expand_as(h_orders))


def test_title_cnn_equals_conv1d_with_max_over_real_windows() -> None:
    """The one-matmul CNN computes exactly Conv1d per window height → ReLU → max over real windows."""
    torch.manual_seed(0)
    cnn = TitleCNN(50, 6, 4, [2, 3, 4, 5])
    tokens = torch.zeros(5, 15, dtype=torch.long)
    for i, n in enumerate([1, 2, 5, 15, 0]):  # titles of 1, 2, 5, 15 and no words
        tokens[i, :n] = torch.randint(2, 50, (n,))
    x = cnn.words(tokens).transpose(1, 2)  # [B, W, L]
    n_real = (tokens != 0).sum(1, keepdim=True)
    expected = []
    for j, (kernel, w) in enumerate(zip(cnn.kernels, cnn.windows, strict=True)):
        weight = kernel.detach().reshape(w, 6, 4).permute(2, 1, 0)  # Conv1d layout [filters, W, w]
        h = torch.relu(torch.nn.functional.conv1d(x, weight, cnn.bias.detach()[4 * j : 4 * (j + 1)]))
        valid = torch.arange(h.shape[2]).unsqueeze(0) < (n_real - w + 1).clamp(min=1)
        expected.append(h.masked_fill(~valid.unsqueeze(1), 0).max(2).values)
    torch.testing.assert_close(cnn(tokens), torch.cat(expected, 1))


def test_rank_blend_adds_gamma_times_the_user_relative_rating() -> None:
    gen = torch.Generator().manual_seed(1)
    users, ids, genres, titles = _batch(6, gen)
    hybrid = HybridModel(HYBRID, 3.5).eval()
    uv, mv = hybrid.user_side(users), hybrid.movie_side(ids, genres, titles)
    watch = hybrid.watch_scores(uv, mv)
    torch.testing.assert_close(hybrid.rank_scores(uv, mv), watch)  # γ = 0 until training sets it
    # γ × the predicted rating without μ and b_u, which do not change a user's ranking
    relative = hybrid.rating_matrix(uv, mv) - hybrid.global_mean - uv[:, 2 * 8 : 2 * 8 + 1]
    torch.testing.assert_close(hybrid.rank_scores(uv, mv, blend=0.5), watch + 0.5 * relative)
    with torch.no_grad():
        hybrid.rank_blend.fill_(0.5)
    torch.testing.assert_close(hybrid.rank_scores(uv, mv), watch + 0.5 * relative)
    assert "rank_blend" in hybrid.state_dict()  # travels with the checkpoint
