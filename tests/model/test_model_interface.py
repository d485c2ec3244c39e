"""One interface for every network: ModelConfig round trips, checkpoints old and new, a third architecture."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any, get_args

import numpy as np
import pytest
import torch
from torch import nn

from recdb.catalog import load_catalog
from recdb.db import open_db
from recdb.features.encoders import Encoders
from recdb.model.network import ModelConfig, Network, TableSizes
from recdb.model.towers import ARCHITECTURES, build_model
from recdb.settings import ModelSettings, Settings
from recdb.training.checkpoint import load_checkpoint, model_from_checkpoint, save_checkpoint
from recdb.training.predictor import NetworkPredictor
from recdb.training.registry import load_predictor
from recdb.training.trainer import model_config, train_model
from tests.settings_support import tiny_model_config, with_sections

ROOT = Path(__file__).resolve().parents[2]
SIZES = {"n_users": 6, "n_movies": 9, "n_gender": 3, "n_age": 8, "n_occupation": 22}
SIZES |= {"n_genres": 5, "n_words": 10}
CFG = tiny_model_config()
# The parameter and buffer names checkpoints have always had (model/towers.py before the interface):
# a legacy checkpoint loads only while they stay.
STATE_KEYS = {
    "paper": [
        "user.id.weight", "user.gender.weight", "user.age.weight", "user.occupation.weight",
        "movie.id.weight", "movie.genre.weight", "movie.title.bias", "movie.title.words.weight",
        "movie.title.kernels.0", "movie.title.kernels.1", "title_proj.weight", "title_proj.bias",
        "W1.weight", "W1.bias", "W2.weight", "W2.bias", "W3.weight", "W3.bias",
    ],
    "hybrid": [
        "global_mean", "rank_blend", "user.id.weight", "user.gender.weight", "user.age.weight",
        "user.occupation.weight", "movie.id.weight", "movie.genre.weight", "movie.title.bias",
        "movie.title.words.weight", "movie.title.kernels.0", "movie.title.kernels.1",
        "user_out.weight", "user_out.bias", "movie_out.weight", "movie_out.bias",
        "item_item.movies", "item_item.weights", "item_item.blend",
        "rating_item.movies", "rating_item.weights", "rating_item.blend", "cold_movies.active",
    ],
}  # fmt: skip


def _inputs(n: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    users = torch.stack([torch.randint(0, hi, (n,), generator=gen) for hi in (6, 3, 8, 22)], dim=1)
    ids = torch.randint(0, 9, (n,), generator=gen)
    genres = torch.randint(0, 5, (n, 3), generator=gen)
    titles = torch.randint(0, 10, (n, 4), generator=gen)
    return users, ids, genres, titles


def _trained_looking(architecture: str) -> Network:
    torch.manual_seed(3)
    model = build_model(ModelConfig.from_parts(architecture, CFG, SIZES), 3.5)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.1)
    return model.eval()


def _outputs(model: Network) -> tuple[torch.Tensor, torch.Tensor]:
    users, ids, genres, titles = _inputs(7)
    with torch.no_grad():
        user, movie = model.user_side(users), model.movie_side(ids, genres, titles)
        return model.rating(user, movie), model.score_matrix(user, movie)


def _encoders() -> Encoders:
    return Encoders(
        user_ids=np.arange(1, 6, dtype=np.int64),
        movie_ids=np.arange(1, 9, dtype=np.int64),
        gender=["F", "M"],
        age_group=[str(a) for a in range(7)],
        occupation=[str(o) for o in range(21)],
        genres=["Action", "Comedy", "Drama", "War"],
        words=[f"w{i}" for i in range(8)],
        title_length=4,
        max_genres=3,
    )


@pytest.mark.parametrize("architecture", ["paper", "hybrid"])
def test_both_architectures_implement_the_network_interface(architecture: str) -> None:
    model = _trained_looking(architecture)
    assert isinstance(model, Network) and model.config.architecture == architecture
    users, ids, genres, titles = _inputs(5)
    with torch.no_grad():
        user, movie = model.user_side(users), model.movie_side(ids[:3], genres[:3], titles[:3])
        assert user.shape[0] == 5 and movie.shape[0] == 3
        assert model.score_matrix(user, movie).shape == (5, 3)
        aligned = model.movie_side(ids, genres, titles)
        assert model.rating(user, aligned).shape == (5,)
        torch.testing.assert_close(model(users, ids, genres, titles), model.rating(user, aligned))
    head = model.ranking_head()
    if architecture == "paper":  # the rating head only: lists rank by the predicted rating
        assert head is None
        torch.testing.assert_close(
            torch.diagonal(model.score_matrix(user, aligned)), model.rating(user, aligned)
        )
    else:
        assert head is model
        torch.testing.assert_close(model.score_matrix(user, movie), head.rank_scores(user, movie))
        torch.testing.assert_close(
            torch.diagonal(head.watch_scores(user, aligned)), head.watch_pairs(user, aligned)
        )


@pytest.mark.parametrize("architecture", ["paper", "hybrid"])
def test_item_vectors_are_the_movie_half_the_lists_rank_with(architecture: str) -> None:
    """One row per movie; for the hybrid, ⟨[s_u ‖ p_u], item vector⟩ is the list score less its
    per-movie terms, so the vectors are the space users rank movies in."""
    model = _trained_looking(architecture)
    users, ids, genres, titles = _inputs(5)
    with torch.no_grad():
        if architecture == "hybrid":
            model.rank_blend.fill_(0.5)
        user, movie = model.user_side(users), model.movie_side(ids, genres, titles)
        vectors = model.item_vectors(movie)
        assert vectors.shape[0] == 5 and vectors.ndim == 2
        if architecture == "paper":  # no personal space: the movie branch after W2
            torch.testing.assert_close(vectors, movie)
        else:
            d = model.config.embed_dim
            per_movie = movie[:, 2 * d + 1] + 0.5 * movie[:, 2 * d]
            user_part = torch.cat([user[:, d : 2 * d], user[:, :d]], dim=1)
            torch.testing.assert_close(user_part @ vectors.T + per_movie, model.score_matrix(user, movie))


@pytest.mark.parametrize("architecture", ["paper", "hybrid"])
def test_model_config_round_trips_as_plain_json(architecture: str) -> None:
    config = ModelConfig.from_parts(architecture, CFG, SIZES)
    stored = json.loads(json.dumps(config.to_checkpoint()))
    assert stored == {"architecture": architecture, "model_config": CFG, "sizes": SIZES}
    assert ModelConfig.from_checkpoint(stored) == config
    assert config.sizes == TableSizes(**SIZES) and config.title_windows == (2, 3)


def test_model_config_mirrors_the_model_settings(settings: Settings) -> None:
    """Every [model] setting is in the config (and so in the checkpoint), every architecture is built."""
    config = ModelConfig.from_parts(settings.model.architecture, model_config(settings), SIZES)
    assert config.hyper_params() == model_config(settings)
    assert set(config.hyper_params()) == set(ModelSettings.model_fields) - {"architecture"}
    assert set(ARCHITECTURES) == set(get_args(ModelSettings.model_fields["architecture"].annotation))
    with pytest.raises(ValueError, match="unknown architecture 'nope'"):
        build_model(ModelConfig.from_parts("nope", CFG, SIZES), 3.5)


@pytest.mark.parametrize("architecture", ["paper", "hybrid"])
def test_checkpoint_round_trip_rebuilds_the_same_network(architecture: str, tmp_path: Path) -> None:
    model = _trained_looking(architecture)
    if (head := model.ranking_head()) is not None:
        head.rank_blend.fill_(0.75)
    state = {
        **model.config.to_checkpoint(),
        "global_mean": 3.5,
        "state_dict": model.state_dict(),
        "encoders": _encoders().to_state(),
    }
    save_checkpoint(tmp_path / "model-1.pt", state)
    again, encoders = model_from_checkpoint(load_checkpoint(tmp_path / "model-1.pt"))
    assert again.config == model.config and not again.training
    assert list(again.state_dict()) == STATE_KEYS[architecture]
    for got, expected in zip(_outputs(again), _outputs(model), strict=True):
        torch.testing.assert_close(got, expected, rtol=0, atol=0)
    assert encoders.words == _encoders().words


@pytest.mark.parametrize("architecture", ["paper", "hybrid"])
def test_a_legacy_checkpoint_loads(architecture: str, tmp_path: Path) -> None:
    """The layout written before ModelConfig existed: a settings dump, Encoders.sizes, no rank_blend."""
    model = _trained_looking(architecture)
    weights = {k: v for k, v in model.state_dict().items() if k != "rank_blend"}
    legacy: dict[str, Any] = {
        "architecture": architecture,
        "model_config": {
            "embed_dim": 4, "hidden_dim": 8, "title_filters": 2, "title_windows": [2, 3],
            "word_dim": 4, "dropout": 0.0, "id_dropout": 0.0,
        },
        "sizes": _encoders().sizes,
        "global_mean": 3.5,
        "rating_scale": [1.0, 5.0],
        "state_dict": weights,
        "optimizer": {},
        "encoders": _encoders().to_state(),
        "settings": {},
        "model_id": 1,
        "split_id": "random-s0-t0.2-v0.1-l1",
        "load_id": 1,
    }  # fmt: skip
    assert _encoders().sizes == SIZES
    save_checkpoint(tmp_path / "model-1.pt", legacy)
    again, _ = model_from_checkpoint(load_checkpoint(tmp_path / "model-1.pt"))
    assert again.config == model.config
    head = again.ranking_head()
    assert head is None or float(head.rank_blend) == 0.0  # the ranking head alone, as it was served
    for got, expected in zip(_outputs(again), _outputs(model), strict=True):
        torch.testing.assert_close(got, expected, rtol=0, atol=0)


class DotModel(Network):
    """A third architecture, written against the interface only: rating = μ + ⟨p_u, q_m⟩."""

    def __init__(self, config: ModelConfig, global_mean: float) -> None:
        super().__init__(config)
        self.users = nn.Embedding(config.sizes.n_users, config.embed_dim)
        self.movies = nn.Embedding(config.sizes.n_movies, config.embed_dim)
        self.mean = nn.Parameter(torch.tensor(float(global_mean)))

    def user_side(self, users: torch.Tensor) -> torch.Tensor:
        return self.users(users[:, 0])

    def movie_side(self, ids: torch.Tensor, genres: torch.Tensor, titles: torch.Tensor) -> torch.Tensor:
        return self.movies(ids)

    def rating(self, user: torch.Tensor, movie: torch.Tensor) -> torch.Tensor:
        return self.mean + (user * movie).sum(1)

    def score_matrix(self, user: torch.Tensor, movie: torch.Tensor) -> torch.Tensor:
        return user @ movie.T


@pytest.mark.slow
def test_a_third_architecture_trains_is_evaluated_through_the_predictor_and_serves(
    demo_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(ARCHITECTURES, "dot", DotModel)
    calls = {"predict": 0, "rank_scores": 0}
    for name in calls:
        original = getattr(NetworkPredictor, name)

        def spy(self: NetworkPredictor, *args: Any, _name: str = name, _f: Any = original) -> Any:
            calls[_name] += 1
            return _f(self, *args)

        monkeypatch.setattr(NetworkPredictor, name, spy)
    settings = with_sections(demo_settings, model={"architecture": "dot"}, train={"epochs": 2})
    result = train_model(settings)
    assert result.rank_blend is None and result.epochs == 2
    assert all(np.isfinite(list(result.test_metrics.values())))
    # training's per-epoch and final evaluation scored through the Predictor scoring uses
    assert calls["predict"] >= 3 and calls["rank_scores"] >= 3
    with open_db(settings.database) as con:
        catalog = load_catalog(con)
        predictor, record = load_predictor(con, settings, result.model_id)
    assert record.architecture == "dot" and predictor.name == "dot"
    predictor.bind(catalog)
    assert predictor.rank_scores(np.arange(3)).shape == (3, catalog.n_movies)


def test_only_the_model_package_knows_the_concrete_networks() -> None:
    """Jobs and training use the Network interface: no import of, or isinstance on, a network class."""
    concrete = {"PaperModel", "HybridModel"}
    offenders = []
    for path in sorted([*ROOT.joinpath("recdb").rglob("*.py"), *ROOT.joinpath("jobs").rglob("*.py")]):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = {a.name for a in node.names} if isinstance(node, ast.ImportFrom) else set()
            if isinstance(node, ast.Name) and node.id in concrete:
                names.add(node.id)
            if names & concrete:
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not offenders, offenders
