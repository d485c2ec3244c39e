"""Fit the hybrid's item-item term B: EASE's closed form on the training ratings.

B (Steck 2019, the evaluation's EASE baseline's closed form, :func:`ease_from_gram`) covers the
``train.item_max_movies`` most rated training movies: its Gram matrix and inverse take O(n²) memory
and O(n³) time, so a large catalogue keeps only its head (ML-1M: all 3,673 rated movies, about 2 s;
at the default n = 4,000: 64 MB of float32 while fitting and in the checkpoint). Its weight w is
chosen with γ in :mod:`recdb.training.blend` (B fitted on train for the choice, then on train + valid);
a refit (:func:`fix_item_item`) fits B on every rating it trains on and keeps its evaluated model's w.
"""

from __future__ import annotations

import logging
import time

import numpy as np
import scipy.sparse as sp
import torch

from recdb.evaluation.baselines.ease import ease_from_gram
from recdb.model.network import Network
from recdb.settings import TrainSettings
from recdb.training.data import TrainingData

log = logging.getLogger(__name__)


def head_movies(data: TrainingData, max_movies: int) -> torch.Tensor:
    """Catalogue columns of the ``max_movies`` most rated training movies (ties: catalogue order), sorted."""
    counts = torch.bincount(data.parts["train"].movies, minlength=len(data.tensors.movie_ids))
    rated = (counts > 0).nonzero().squeeze(1)
    if len(rated) > max_movies:
        order = torch.sort(counts[rated], descending=True, stable=True).indices[:max_movies]
        rated = torch.sort(rated[order]).values
    return rated


def fit_weights(
    data: TrainingData, cols: torch.Tensor, lam: float, parts: list[str], values: np.ndarray | None = None
) -> torch.Tensor:
    """EASE's B [n, n] among catalogue columns ``cols`` from the binary matrix of ``parts``' ratings,
    or from the matrix of ``values`` (one per rating of ``parts``, in their order: the residuals)."""
    users = torch.cat([data.parts[p].users for p in parts])
    movies = torch.cat([data.parts[p].movies for p in parts])
    position = torch.full((len(data.tensors.movie_ids),), -1, dtype=torch.long)
    position[cols] = torch.arange(len(cols))
    pos = position[movies]
    keep = (pos >= 0).numpy()
    x = sp.csr_matrix(
        (
            # counts: exact in float32
            np.ones(int(keep.sum()), dtype=np.float32) if values is None else values[keep].astype(np.float32),
            (users.numpy()[keep], pos.numpy()[keep]),
        ),
        shape=(len(data.tensors.users), len(cols)),
    )
    gram = torch.from_numpy((x.T @ x).toarray())  # sparse × sparse: never the dense user × movie matrix
    return ease_from_gram(gram, lam)


@torch.no_grad()
def fit_term(model: Network, data: TrainingData, tr: TrainSettings, parts: list[str]) -> int | None:
    """Fit ``model``'s item-item B on ``parts``' ratings (w is left as it is); the movies it covers, or
    None when there is no term (the paper network, ``train.item_max_movies`` 0, or w fixed to 0)."""
    term = model.history_term()
    if term is None or tr.item_max_movies == 0 or tr.item_blend == 0.0:
        return None
    start = time.perf_counter()
    cols = head_movies(data, tr.item_max_movies)
    term.set_weights(data.tensors.movie_ids[cols], fit_weights(data, cols, tr.item_lambda, parts))
    log.info(
        "item-item B on %s: %d movies, λ %g (%.1f s)",
        " + ".join(parts), len(cols), tr.item_lambda, time.perf_counter() - start,
    )  # fmt: skip
    return len(cols)


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
