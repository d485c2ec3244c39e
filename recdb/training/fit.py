"""``fit_epochs``: fit a network on prepared tensors for up to N epochs, with early stopping on valid.

The one epoch loop of recdb, whatever the engine: the local engine calls it in-process
(:mod:`recdb.training.trainer`), the Ray engine on every Ray Train worker
(:mod:`recdb.compute.ray_train`), each on its shard of the training ratings. What differs between them
comes in through :class:`FitHooks`: how the epoch's loss is averaged over the workers, where the valid
metrics are computed (rank 0, then shared) and what happens to each epoch's row.
"""

from __future__ import annotations

import copy
import logging
import math
import time
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

import torch

from recdb.errors import JobFailedError
from recdb.logs import progress
from recdb.model.network import Network
from recdb.settings import TrainSettings
from recdb.training.data import TrainingData
from recdb.training.loop import LoopConfig, epoch_learning_rate, negative_distribution, train_epoch

log = logging.getLogger(__name__)


def _same(loss: float) -> float:
    return loss


def _nothing(row: dict[str, float]) -> None:
    return None


@dataclass
class FitHooks:
    """What an engine plugs into the loop (the defaults: one process)."""

    valid: Callable[[Network], dict[str, float]]  # the model's valid metrics now (mae, rmse, ndcg10)
    reduce_loss: Callable[[float], float] = _same  # this process's mean loss → the run's mean loss
    on_epoch: Callable[[dict[str, float]], None] = _nothing  # each epoch's row, as it ends
    show_progress: bool = True


@dataclass(frozen=True)
class Fixed:
    """A refit's choices, fixed from its evaluated model: no valid part is left to choose on.

    The epochs run are ``first_epoch`` .. ``first_epoch + epochs - 1`` of the learning-rate schedule
    (1 from scratch; a warm start fine-tunes at the rates the evaluated run ended with), then γ and the
    item-item term's weight w are set (its B is fitted on the refit's ratings).
    """

    epochs: int
    first_epoch: int = 1
    rank_blend: float | None = None
    item_blend: float | None = None
    rating_blend: float | None = None  # α, the rating term's weight (its W fitted on the refit's ratings)


@dataclass
class Fitted:
    """The best epoch's weights and optimizer state (the model is NOT loaded with them), and the curve."""

    best_epoch: int
    state: dict[str, torch.Tensor]
    optimizer_state: dict[str, Any]
    valid_metrics: dict[str, float]
    history: list[dict[str, float]] = field(default_factory=list)


def fit_epochs(
    model: Network,
    optimizer: torch.optim.Optimizer,
    data: TrainingData,
    loop: LoopConfig,
    tr: TrainSettings,
    device: torch.device,
    hooks: FitHooks,
    label: str,
    fixed: Fixed | None = None,
) -> Fitted:
    """Train up to ``tr.epochs`` epochs; keep the epoch with the best selection score (valid RMSE,
    minus ``tr.select_ndcg_weight`` × NDCG@10 with a ranking head); stop after ``tr.patience`` epochs
    without a better one. ``fixed`` (a refit): exactly its epochs, nothing validated, the last kept.
    Raises :class:`JobFailedError` when the loss is not finite."""
    if fixed is not None:
        return _fit_fixed(model, optimizer, _epoch_runner(model, optimizer, data, loop, tr, device, hooks),
                          hooks, label, fixed)  # fmt: skip
    run_epoch = _epoch_runner(model, optimizer, data, loop, tr, device, hooks)
    ranking = model.ranking_head() is not None
    history: list[dict[str, float]] = []
    best: Fitted | None = None
    best_score = math.inf
    with ExitStack() as shown:  # the bar (a terminal only) closes however the loop ends
        for epoch in _shown(range(1, tr.epochs + 1), label, hooks, shown):
            t0 = time.perf_counter()
            loss = run_epoch(epoch)
            train_seconds = time.perf_counter() - t0
            valid = hooks.valid(model)
            row = {"epoch": epoch, "train_loss": loss, "valid_mae": valid["mae"], "valid_rmse": valid["rmse"]}
            row |= {"valid_ndcg10": valid["ndcg10"], "seconds": time.perf_counter() - t0}
            row["train_seconds"] = train_seconds  # not stored in training_history: for the benchmark
            history.append(row)
            hooks.on_epoch(row)
            log.info(
                "%s epoch %d: loss %.4f valid MAE %.4f RMSE %.4f NDCG@10 %.4f (%.1f s)",
                label, epoch, loss, valid["mae"], valid["rmse"], valid["ndcg10"], row["seconds"],
            )  # fmt: skip
            score = selection_score(valid, ranking, tr.select_ndcg_weight)
            if best is None or score < best_score:
                best_score = score
                best = Fitted(
                    epoch, copy.deepcopy(model.state_dict()), copy.deepcopy(optimizer.state_dict()), valid
                )
            elif epoch - best.best_epoch >= tr.patience:
                log.info("%s: early stop after epoch %d (best %d)", label, epoch, best.best_epoch)
                break
    assert best is not None
    best.history = history
    return best


def _fit_fixed(
    model: Network,
    optimizer: torch.optim.Optimizer,
    run_epoch: Callable[[int], float],
    hooks: FitHooks,
    label: str,
    fixed: Fixed,
) -> Fitted:
    """A refit's epochs: no valid part is left, so every epoch runs and the last one is kept."""
    history: list[dict[str, float]] = []
    with ExitStack() as shown:
        for epoch in _shown(range(fixed.first_epoch, fixed.first_epoch + fixed.epochs), label, hooks, shown):
            t0 = time.perf_counter()
            loss = run_epoch(epoch)
            history.append({"epoch": epoch, "train_loss": loss, "seconds": time.perf_counter() - t0})
            log.info("%s epoch %d: loss %.4f (%.1f s)", label, epoch, loss, history[-1]["seconds"])
    state = copy.deepcopy(model.state_dict())
    return Fitted(len(history), state, copy.deepcopy(optimizer.state_dict()), {}, history)


def _epoch_runner(
    model: Network,
    optimizer: torch.optim.Optimizer,
    data: TrainingData,
    loop: LoopConfig,
    tr: TrainSettings,
    device: torch.device,
    hooks: FitHooks,
) -> Callable[[int], float]:
    """One epoch at its scheduled learning rate, returning the (engine-averaged) loss: the part a split
    training and a refit share. Raises :class:`JobFailedError` when the loss is not finite."""
    gen = torch.Generator().manual_seed(tr.seed)
    q = negative_distribution(data)

    def run(epoch: int) -> float:
        lr = epoch_learning_rate(tr.learning_rate, epoch, tr.epochs, tr.schedule, tr.min_lr_fraction)
        for group in optimizer.param_groups:
            group["lr"] = lr
        loss = hooks.reduce_loss(train_epoch(model, optimizer, data, loop, q, gen, device))
        if not math.isfinite(loss):
            raise JobFailedError(
                f"training diverged at epoch {epoch} (loss {loss}); lower train.learning_rate"
            )
        return loss

    return run


def _shown(epochs: range, label: str, hooks: FitHooks, shown: ExitStack) -> Iterable[int]:
    """``epochs``, behind a progress bar when the engine shows one (a terminal only)."""
    if not hooks.show_progress:
        return epochs
    return iter(shown.enter_context(progress(f"training {label}", len(epochs), iterable=epochs)))


def selection_score(valid: dict[str, float], ranking_head: bool, ndcg_weight: float) -> float:
    """Lower is better: valid RMSE, minus ndcg_weight × valid NDCG@10 for a model with a ranking head."""
    if not ranking_head or not math.isfinite(valid["ndcg10"]):
        return valid["rmse"]
    return valid["rmse"] - ndcg_weight * valid["ndcg10"]
