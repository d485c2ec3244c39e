"""The engine switch (``compute.engine``), at the three lowest levels every caller goes through:

- :func:`fit_network`: fit a network on prepared tensors, with early stopping
  (:func:`recdb.training.fit.fit_epochs` in this process, or on Ray Train workers that call it too);
- :func:`score_users`: score every catalogue user in blocks with a bound predictor
  (:func:`recdb.scoring.compute.score_lists` here, or :class:`recdb.scoring.compute.BlockScorer` on a
  Ray actor pool);
- :func:`ranker`: how an evaluation ranks the full catalogue for its rank users in blocks with a
  bound predictor (:func:`recdb.evaluation.core.ranking` here, or
  :func:`recdb.evaluation.core.rank_block` on a Ray actor pool).

The local engine never imports Ray: the Ray modules are imported inside the ``ray`` branches only.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch

from recdb.evaluation.core import Ranker, ranking
from recdb.model.network import Network
from recdb.scoring.compute import Scored, score_lists
from recdb.scoring.inputs import ScoreInputs
from recdb.settings import Settings
from recdb.training.data import TrainingData
from recdb.training.fit import FitHooks, Fitted, Fixed, fit_epochs
from recdb.training.history import EpochHistory
from recdb.training.loop import LoopConfig, evaluate


def fit_network(
    settings: Settings,
    model: Network,
    optimizer: torch.optim.Optimizer,
    data: TrainingData,
    loop: LoopConfig,
    device: torch.device,
    history: EpochHistory,
    label: str,
    fixed: Fixed | None = None,
) -> Fitted:
    """Train ``model`` on ``data`` up to ``train.epochs`` with early stopping; each epoch's row goes
    to ``history`` (training_history). The model is left as training ended; the result holds the
    best epoch's weights. ``fixed`` (a refit): exactly its epochs, no validation, the last kept."""
    tr, threshold = settings.train, settings.evaluate.relevance_threshold
    if settings.compute.engine == "ray":
        from recdb.compute.ray_train import fit_on_ray

        fitted = fit_on_ray(settings, model, data, loop, label, fixed)
        model.to(device)  # the workers got a CPU copy; the driver goes on with γ and the test metrics
        for row in fitted.history if fixed is None else []:  # a refit's epochs have no valid row to keep
            history.add(row)
        return fitted

    def valid(m: Network) -> dict[str, float]:
        return evaluate(m, data, "valid", ["train"], threshold, device, tr.metric_users)

    hooks = FitHooks(valid=valid, on_epoch=history.add)
    return fit_epochs(model, optimizer, data, loop, tr, device, hooks, label, fixed)


def score_users(settings: Settings, inputs: ScoreInputs, *, k: int) -> Scored:
    """Top-k lists of every user of ``inputs`` with ``inputs.predictor`` (not yet bound)."""
    if settings.compute.engine == "ray":
        from recdb.compute.ray_score import score_on_ray

        return score_on_ray(settings, inputs, k=k)
    return score_lists(
        inputs,
        k=k,
        chunk_users=settings.score.chunk_users,
        relevance_threshold=settings.evaluate.relevance_threshold,
        reason_candidates=settings.score.reason_candidates,
    )


@contextmanager
def ranker(settings: Settings) -> Iterator[Ranker]:
    """How an evaluation ranks its rank users while the block lasts (a
    :data:`recdb.evaluation.core.Ranker`): :func:`recdb.evaluation.core.ranking` here, or one Ray actor
    pool for every method ranked in the block (:func:`recdb.compute.ray_eval.ray_ranker`)."""
    if settings.compute.engine == "ray":
        from recdb.compute.ray_eval import ray_ranker

        with ray_ranker(settings) as rank:
            yield rank
        return
    yield ranking
