"""Fit the hybrid's rating term after training: W on the network's residuals, α on valid RMSE.

Predicted ratings add α · Σ_j e_uj · W_ji over the user's rated movies j (:mod:`recdb.model.itemitem`,
``HybridModel.rating_item``), e_uj = r_uj − r̂(u, j) the network's own (clipped) residuals on the
user's known ratings and W = EASE's closed form (:func:`recdb.training.itemitem.fit_weights`) on the
residual matrix E of the training ratings, W = ease_from_gram(EᵀE, λ = ``train.rating_item_lambda``),
over the same ``train.item_max_movies`` head movies as the list term's B.

W is fitted on the train residuals to choose α on valid RMSE (``train.rating_item_blend_grid``), then
refitted on train + valid residuals (the test part chooses nothing). The prediction is
clip(clip(r̂) + α · c), c linear in α before the clip, so every α of the grid is scored from one pass
through the Predictor (``NetworkPredictor.rating_parts``). A refit (:func:`fix_rating_term`) fits W
on every rating it trains on and keeps its evaluated model's α.
"""

from __future__ import annotations

import logging
import time

import numpy as np
import torch

from recdb.model.network import Network
from recdb.settings import TrainSettings
from recdb.training.data import TrainingData
from recdb.training.itemitem import fit_weights, head_movies
from recdb.training.loop import bound_predictor
from recdb.training.metrics import rating_errors

log = logging.getLogger(__name__)


@torch.no_grad()
def residuals(model: Network, data: TrainingData, device: torch.device, parts: list[str]) -> np.ndarray:
    """r − clipped r̂ of every rating of ``parts`` (in their order), the network's towers alone."""
    predictor = bound_predictor(model, data, device)  # no history: the term stays out
    out = []
    for part in parts:
        p = data.parts[part]
        out.append((p.ratings - predictor.predict(p.users.numpy(), p.movies.numpy())).numpy())
    return np.concatenate(out) if out else np.zeros(0, dtype=np.float32)


@torch.no_grad()
def fit_rating_term(
    model: Network, data: TrainingData, tr: TrainSettings, device: torch.device, parts: list[str]
) -> int | None:
    """Fit ``model``'s rating-term W on ``parts``' residuals (α is left as it is); the movies it
    covers, or None when there is no term (the paper network, ``item_max_movies`` 0, α fixed to 0)."""
    term = model.rating_term()
    if term is None or tr.item_max_movies == 0 or tr.rating_item_blend == 0.0:
        return None
    start = time.perf_counter()
    cols = head_movies(data, tr.item_max_movies)
    values = residuals(model, data, device, parts)
    weights = fit_weights(data, cols, tr.rating_item_lambda, parts, values)
    term.set_weights(data.tensors.movie_ids[cols], weights)
    log.info(
        "rating term W on %s residuals: %d movies, λ %g (%.1f s)",
        " + ".join(parts), len(cols), tr.rating_item_lambda, time.perf_counter() - start,
    )  # fmt: skip
    return len(cols)


@torch.no_grad()
def choose_rating_blend(
    model: Network, data: TrainingData, alphas: list[float], device: torch.device
) -> dict[float, dict[str, float]]:
    """Valid MAE / RMSE of every α (W fitted, the history the train part); the model is not changed."""
    term = model.rating_term()
    assert term is not None
    kept = term.blend.clone()
    try:
        term.blend.fill_(1.0)
        predictor = bound_predictor(model, data, device, ["train"])
        valid = data.parts["valid"]
        base, unit = predictor.rating_parts(valid.users.numpy(), valid.movies.numpy())
    finally:
        term.blend.copy_(kept)
    low, high = data.rating_scale
    tried = {}
    for alpha in sorted(set(alphas)):
        predicted = base if unit is None or alpha == 0 else (base + alpha * unit).clamp(low, high)
        tried[alpha] = rating_errors(predicted, valid.ratings)
    return tried


def set_rating_blend(
    model: Network, data: TrainingData, tr: TrainSettings, device: torch.device, valid: dict[str, float]
) -> dict[str, float]:
    """Choose and set α after training (``train.rating_item_blend``: "auto" tries its grid, a number
    fixes it); returns ``valid`` with the chosen predictions' MAE and RMSE. α > 0 refits W on
    train + valid residuals; α = 0 leaves no W in the checkpoint."""
    term = model.rating_term()
    movies = fit_rating_term(model, data, tr, device, ["train"])
    if term is None or movies is None or len(data.parts["valid"]) == 0:
        if term is not None:
            term.clear()
        return valid
    auto = tr.rating_item_blend == "auto"
    alphas = tr.rating_item_blend_grid if auto else [float(tr.rating_item_blend)]
    tried = choose_rating_blend(model, data, alphas, device)
    best = min(tried, key=lambda a: (tried[a]["rmse"], a))  # ties: the smaller α
    term.blend.fill_(best)
    if best > 0:
        fit_rating_term(model, data, tr, device, ["train", "valid"])
    else:
        term.clear()
    log.info(
        "rating term: α = %g over %d movies (valid MAE / RMSE %s)",
        best, movies, ", ".join(f"{a:g}: {v['mae']:.4f} / {v['rmse']:.4f}" for a, v in tried.items()),
    )  # fmt: skip
    return {**valid, **tried[best]}


@torch.no_grad()
def fix_rating_term(
    model: Network, data: TrainingData, tr: TrainSettings, device: torch.device, blend: float | None
) -> None:
    """A refit's rating term: W over the residuals of every rating it trains on (its train part), α
    fixed to its evaluated model's ``blend`` (None or 0, or no term: the term stays off)."""
    term = model.rating_term()
    if term is None or tr.item_max_movies == 0 or not blend:
        return
    term.blend.fill_(blend)
    movies = fit_rating_term(model, data, tr, device, ["train"])
    if movies is None:  # rating_item_blend fixed to 0 now: no term
        term.clear()
        return
    log.info("rating term of the refit: %s movies, α = %g (fixed)", movies, blend)
