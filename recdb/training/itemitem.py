"""Fit the hybrid's item-item term after training: EASE's B on the training ratings, and its weight w.

B (Steck 2019, the evaluation's EASE baseline's closed form, :func:`ease_from_gram`) covers the
``train.item_max_movies`` most rated training movies: its Gram matrix and inverse take O(n²) memory
and O(n³) time, so a large catalogue keeps only its head (ML-1M: all 3,706 rated movies, a few
seconds; at the default n = 4,000: about 0.13 GB of float64 while fitting, 64 MB of float32 in the
checkpoint). w is the ``train.item_blend_grid`` value with the best valid NDCG@10, scored through the
network's Predictor with the training ratings as the users' history, as scoring will
(``train.item_blend`` a number fixes it); the test part chooses nothing. Once w is chosen, B is
refitted on train + valid (the towers never see valid, but a closed form loses nothing by it, and the
evaluation's EASE fits on both too). The network's γ (:mod:`recdb.training.blend`) is chosen first,
without the term, then once more with it (before the refit: valid must not be in B when choosing).
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import torch

from recdb.evaluation.baselines.ease import ease_from_gram
from recdb.model.network import Network
from recdb.settings import TrainSettings
from recdb.training.blend import choose_rank_blend
from recdb.training.data import TrainingData
from recdb.training.loop import bound_predictor, list_metrics

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ItemItemChoice:
    blend: float  # w
    movies: int  # movies B covers
    seconds: float  # fitting B and choosing w
    valid: dict[float, dict[str, float]]  # every w tried → its valid NDCG@10 and P@10

    @property
    def chosen(self) -> dict[str, float]:
        return self.valid[self.blend]


def head_movies(data: TrainingData, max_movies: int) -> torch.Tensor:
    """Catalogue columns of the ``max_movies`` most rated training movies (ties: catalogue order), sorted."""
    counts = torch.bincount(data.parts["train"].movies, minlength=len(data.tensors.movie_ids))
    rated = (counts > 0).nonzero().squeeze(1)
    if len(rated) > max_movies:
        order = torch.sort(counts[rated], descending=True, stable=True).indices[:max_movies]
        rated = torch.sort(rated[order]).values
    return rated


def fit_weights(data: TrainingData, cols: torch.Tensor, lam: float, parts: list[str]) -> torch.Tensor:
    """EASE's B [n, n] among catalogue columns ``cols`` from the binary matrix of ``parts``' ratings."""
    users = torch.cat([data.parts[p].users for p in parts])
    movies = torch.cat([data.parts[p].movies for p in parts])
    position = torch.full((len(data.tensors.movie_ids),), -1, dtype=torch.long)
    position[cols] = torch.arange(len(cols))
    pos = position[movies]
    keep = (pos >= 0).numpy()
    x = sp.csr_matrix(
        (np.ones(int(keep.sum()), dtype=np.float64), (users.numpy()[keep], pos.numpy()[keep])),
        shape=(len(data.tensors.users), len(cols)),
    )
    gram = torch.from_numpy((x.T @ x).toarray())  # sparse × sparse: never the dense user × movie matrix
    return ease_from_gram(gram, lam)


@torch.no_grad()
def fit_item_item(
    model: Network, data: TrainingData, tr: TrainSettings, threshold: float, device: torch.device
) -> ItemItemChoice | None:
    """Fit B and set w on ``model``'s item-item term (None: no term, or ``train.item_max_movies`` 0)."""
    term = model.history_term()
    if term is None or tr.item_max_movies == 0:
        return None
    start = time.perf_counter()
    cols = head_movies(data, tr.item_max_movies)
    movies = data.tensors.movie_ids[cols]
    term.set_weights(movies, fit_weights(data, cols, tr.item_lambda, ["train"]))
    grid = tr.item_blend_grid if tr.item_blend == "auto" else [float(tr.item_blend)]
    tried: dict[float, dict[str, float]] = {}
    for w in sorted(set(grid)):
        term.blend.fill_(w)
        predictor = bound_predictor(model, data, device, ["train"])
        tried[w] = list_metrics(predictor, data, "valid", ["train"], threshold, tr.metric_users)
    ndcg = {w: v["ndcg10"] for w, v in tried.items() if math.isfinite(v["ndcg10"])}
    best = max(ndcg, key=lambda w: (ndcg[w], -w)) if ndcg else min(tried)
    term.blend.fill_(best)
    head = model.ranking_head()
    if best > 0 and tr.rank_blend == "auto" and head is not None:
        # with the term in, the network's γ has a new optimum (ML-1M seed 0: 0.75 → 1.5)
        gamma = choose_rank_blend(model, data, tr.rank_blend_grid, threshold, device, tr.metric_users)
        head.rank_blend.fill_(gamma.gamma)
        tried[best] = gamma.chosen
    if best > 0 and len(data.parts["valid"]):  # w chosen: B from every rating the test part does not hold
        term.set_weights(movies, fit_weights(data, cols, tr.item_lambda, ["train", "valid"]))
    elif best == 0:  # no term: keep no B in the checkpoint either
        term.set_weights(torch.zeros(0, dtype=torch.long), torch.zeros(0, 0))
    seconds = time.perf_counter() - start
    log.info(
        "item-item term: %d movies, λ %g, w = %g (valid NDCG@10 %s; %.1f s)",
        len(cols),
        tr.item_lambda,
        best,
        ", ".join(f"{w:g}: {v['ndcg10']:.4f}" for w, v in tried.items()),
        seconds,
    )
    return ItemItemChoice(blend=best, movies=len(cols), seconds=seconds, valid=tried)


@torch.no_grad()
def fix_item_item(model: Network, data: TrainingData, tr: TrainSettings, blend: float | None) -> None:
    """A refit's term: B over every rating it trains on (its train part), w fixed to its evaluated
    model's ``blend`` (None or 0, or no term: nothing to fit, the term stays off)."""
    term = model.history_term()
    if term is None or tr.item_max_movies == 0 or not blend:
        return
    cols = head_movies(data, tr.item_max_movies)
    term.set_weights(data.tensors.movie_ids[cols], fit_weights(data, cols, tr.item_lambda, ["train"]))
    term.blend.fill_(blend)
    log.info("item-item term of the refit: %d movies, λ %g, w = %g (fixed)", len(cols), tr.item_lambda, blend)
