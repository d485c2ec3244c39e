"""``train_model``: read the split from DuckDB, train with early stopping, register the model.

The read-write connection is held only briefly: to read the inputs (drawing the split if it is new
and inserting the ``models`` row with status 'training'), to write each epoch's ``training_history``
row as the epoch ends, and to publish the results (metrics, checkpoint path, status 'ready'), so
consumers can open the database while a model trains. ``warm_start_from`` starts the network from an
older model's weights (see :mod:`recdb.training.warm`).
"""

from __future__ import annotations

import json
import logging
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import torch

from recdb.catalog import load_catalog
from recdb.compute.engine import fit_network
from recdb.db import execute, open_db, queries, scalar, transaction
from recdb.model.network import ModelConfig, Network
from recdb.model.towers import build_model
from recdb.predictor import Catalog
from recdb.settings import Settings
from recdb.training.blend import set_blends
from recdb.training.checkpoint import check_checkpoint_dir, save_checkpoint
from recdb.training.data import TrainingData, prepare_data
from recdb.training.fit import Fixed
from recdb.training.history import EpochHistory
from recdb.training.itemitem import fix_item_item
from recdb.training.loop import (
    LoopConfig,
    evaluate,
)
from recdb.training.ratingterm import fix_rating_term, set_rating_blend
from recdb.training.runtime import resolve_device, seed_everything
from recdb.training.splits import ensure_split, load_split_ratings
from recdb.training.warm import WarmStart, apply_warm_start, load_warm_start

log = logging.getLogger(__name__)


@dataclass
class TrainResult:
    model_id: int
    checkpoint_path: Path
    valid_metrics: dict[str, float]
    test_metrics: dict[str, float]
    split_id: str = ""
    epochs: int = 0
    best_epoch: int = 0
    seconds: float = 0.0
    history: list[dict[str, float]] = field(default_factory=list)
    warm_start_from: int | None = None  # the model whose weights training started from, if any
    rank_blend: float | None = None  # the hybrid's γ (predicted rating's weight in the list score)
    item_blend: float | None = None  # the hybrid's w (the item-item term's weight in the list score)
    rating_blend: float | None = None  # the hybrid's α (the rating term's weight in predicted ratings)
    n_train_ratings: int = 0  # ratings trained on (the train part; every rating for a refit)
    evaluated_model_id: int | None = None  # a refit: the split-trained model whose choices it reused


def model_config(settings: Settings) -> dict[str, Any]:
    """The network's hyper-parameters, as stored in the checkpoint (plain JSON types)."""
    return settings.model.model_dump(mode="json", exclude={"architecture"})


def network_config(settings: Settings, sizes: dict[str, int]) -> ModelConfig:
    """The typed config of the network to train: the ``[model]`` settings and the table sizes."""
    return ModelConfig.from_parts(settings.model.architecture, model_config(settings), sizes)


def train_model(settings: Settings, *, warm_start_from: int | None = None) -> TrainResult:
    """Train ``settings.model.architecture`` on the configured split; returns ids, metrics and paths.

    ``warm_start_from``: a model id whose weights initialise the network (rows of kept users, movies
    and words move to their new positions). When that model or its checkpoint is missing, or its
    architecture or model settings differ, a warning says why and training starts from scratch
    (``TrainResult.warm_start_from`` is then None).

    Raises :class:`JobFailedError` when training diverges (the models row is marked 'failed').
    """
    started = time.perf_counter()
    # An unwritable checkpoint folder fails now, not after the whole training.
    check_checkpoint_dir(Path(settings.database.checkpoint_dir))
    seed_everything(settings.train.seed, settings.train.threads)
    device = resolve_device(settings.train)
    inputs = _register(settings, warm_start_from)
    model_id, split_id, warm = inputs.model_id, inputs.split_id, inputs.warm
    log.info(
        "model %d: training %s on split %s (%s%s)",
        model_id,
        settings.model.architecture,
        split_id,
        device,
        f", warm start from model {warm.model_id}" if warm is not None else "",
    )
    epochs = EpochHistory(settings.database, model_id)
    try:
        result = fit(
            settings, model_id, split_id, inputs.load_id, inputs.catalog, inputs.split, device, epochs, warm
        )
    except BaseException as exc:
        record_failure(settings, model_id, epochs, exc)
        raise
    result.seconds = time.perf_counter() - started
    result.warm_start_from = warm.model_id if warm is not None else None
    _publish(settings, result, epochs)
    log.info(
        "model %d ready: test MAE %.4f RMSE %.4f NDCG@10 %.4f (%.0f s)",
        model_id,
        result.test_metrics["mae"],
        result.test_metrics["rmse"],
        result.test_metrics["ndcg10"],
        result.seconds,
    )
    return result


@dataclass
class _Inputs:
    """What training reads from the database, and the models row it registered ('training')."""

    model_id: int
    split_id: str
    load_id: int
    catalog: Catalog
    split: pl.DataFrame
    warm: WarmStart | None


def _register(settings: Settings, warm_start_from: int | None) -> _Inputs:
    """Draw the split if it is new, read the inputs and insert the models row, in one short connection."""
    q = queries("training")
    with open_db(settings.database) as con:
        split_id = ensure_split(con, settings.train)
        load_id = int(scalar(con, q.latest_load))
        catalog = load_catalog(con)
        split = load_split_ratings(con, split_id)
        warm = None
        if warm_start_from is not None:
            warm = load_warm_start(con, warm_start_from, settings.model.architecture, model_config(settings))
        config = {
            "model": settings.model.model_dump(mode="json"),
            "train": settings.train.model_dump(mode="json"),
            "features": settings.features.model_dump(mode="json"),
            "warm_start_from": warm.model_id if warm is not None else None,
        }
        params = {
            "architecture": settings.model.architecture,
            "config": json.dumps(config),
            "load_id": load_id,
            "split_id": split_id,
        }
        model_id = int(scalar(con, q.insert_model, params))
    return _Inputs(model_id, split_id, load_id, catalog, split, warm)


def _publish(settings: Settings, result: TrainResult, epochs: EpochHistory) -> None:
    """The models row's figures, checkpoint and status 'ready', with any epochs still pending."""
    with open_db(settings.database) as con, transaction(con):
        epochs.write(con)  # normally nothing left: each epoch was written when it ended
        execute(
            con,
            queries("training").finish_model,
            {
                "model_id": result.model_id,
                "valid_mae": result.valid_metrics["mae"],
                "valid_rmse": result.valid_metrics["rmse"],
                "valid_ndcg10": result.valid_metrics["ndcg10"],
                "test_mae": _finite(result.test_metrics["mae"]),
                "test_rmse": _finite(result.test_metrics["rmse"]),
                "test_ndcg10": _finite(result.test_metrics["ndcg10"]),
                "test_precision10": _finite(result.test_metrics["precision10"]),
                "epochs": result.epochs,
                "checkpoint_path": str(result.checkpoint_path),
                "rank_blend": result.rank_blend,
                "item_blend": result.item_blend,
                "rating_blend": result.rating_blend,
            },
        )
        set_lineage(con, result, "split")


def set_lineage(con: Any, result: TrainResult, trained_on: str) -> None:
    """What the model trained on (models.trained_on, evaluated_model_id, n_train_ratings, best_epoch)."""
    execute(
        con,
        queries("training").set_model_lineage,
        {
            "model_id": result.model_id,
            "trained_on": trained_on,
            "evaluated_model_id": result.evaluated_model_id,
            "n_train_ratings": result.n_train_ratings,
            "best_epoch": result.best_epoch,
        },
    )


def record_failure(settings: Settings, model_id: int, epochs: EpochHistory, exc: BaseException) -> None:
    """Mark the models row 'failed'. Best effort: on a full disk this write may fail too, and the
    training's own error is the one to report (the next nightly marks a row left 'training' failed)."""
    try:
        with open_db(settings.database) as con, transaction(con):
            epochs.write(con)  # epochs a busy database kept pending: the curve up to the failure
            message = f"{type(exc).__name__}: {exc}"[:1000]
            execute(con, queries("training").fail_model, {"model_id": model_id, "message": message})
    except Exception as record_exc:
        log.warning("model %d: could not record the failure: %s", model_id, record_exc)


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def fit(
    settings: Settings,
    model_id: int,
    split_id: str,
    load_id: int,
    catalog: Catalog,
    split: pl.DataFrame,
    device: torch.device,
    epochs_done: EpochHistory,
    warm: WarmStart | None = None,
    fixed: Fixed | None = None,
) -> TrainResult:
    """Train one network on ``split``'s train part: early stopping on valid, γ chosen, test measured;
    or, ``fixed`` (a refit), exactly its epochs with γ set and nothing measured."""
    tr, threshold = settings.train, settings.evaluate.relevance_threshold
    data = prepare_data(catalog, split, settings.features)
    model = build_model(network_config(settings, data.encoders.sizes), data.global_mean)
    if warm is not None:
        _warm_start(model, data, warm, model_id)
    _terms_off(model)
    head, cold = model.ranking_head(), model.cold_movie_term()
    model = model.to(device)
    # The optimizer starts fresh even on a warm start: Adam's moments belong to the old table rows'
    # positions, which moved with the new vocabularies.
    optimizer = torch.optim.Adam(model.parameters(), lr=tr.learning_rate, weight_decay=tr.weight_decay)
    loop = loop_config(settings, len(catalog.movies))
    label = f"model {model_id}" + (" refit" if fixed is not None else "")
    fitted = fit_network(settings, model, optimizer, data, loop, device, epochs_done, label, fixed)
    best_epoch, opt_state, history = fitted.best_epoch, fitted.optimizer_state, fitted.history
    model.load_state_dict(fitted.state)
    if cold is not None:
        cold.switch_on()
    if fixed is None:
        valid_metrics = set_blends(model, data, tr, threshold, device, fitted.valid_metrics)
        valid_metrics = set_rating_blend(model, data, tr, device, valid_metrics)
        test_metrics = evaluate(model, data, "test", ["train", "valid"], threshold, device, tr.metric_users)
    else:  # a refit: nothing is held out, so nothing is measured; γ is the evaluated model's
        valid_metrics, test_metrics = {}, {}
        if head is not None and fixed.rank_blend is not None:
            head.rank_blend.fill_(fixed.rank_blend)
        fix_item_item(model, data, tr, fixed.item_blend)
        fix_rating_term(model, data, tr, device, fixed.rating_blend)
    path = Path(settings.database.checkpoint_dir) / f"model-{model_id}.pt"
    save_checkpoint(path, _checkpoint_state(settings, model, opt_state, data, model_id, split_id, load_id))
    return TrainResult(
        model_id=model_id,
        checkpoint_path=path,
        valid_metrics=valid_metrics,
        test_metrics=test_metrics,
        split_id=split_id,
        epochs=len(history),
        best_epoch=best_epoch,
        history=history,
        rank_blend=float(head.rank_blend) if head is not None else None,
        item_blend=float(term.blend) if (term := model.history_term()) is not None else None,
        rating_blend=float(rt.blend) if (rt := model.rating_term()) is not None else None,
        n_train_ratings=len(data.parts["train"]),
    )


def _terms_off(model: Network) -> None:
    """The heads train apart and γ is chosen afterwards (a warm start copied the old model's γ); the
    cold-movie term is off while training too (per-epoch validation needs no cold-movie offsets)."""
    if (head := model.ranking_head()) is not None:
        head.rank_blend.zero_()
    if (cold := model.cold_movie_term()) is not None:
        cold.active.zero_()


def loop_config(settings: Settings, n_movies: int) -> LoopConfig:
    """The epoch loop's settings for a catalogue of ``n_movies`` (full softmax up to its limit)."""
    tr = settings.train
    return LoopConfig(
        batch_size=tr.batch_size,
        id_dropout=settings.model.id_dropout,
        rank_weight=tr.rank_weight,
        negatives=tr.negatives,
        full_softmax=n_movies <= tr.full_softmax_max,
        threshold=settings.evaluate.relevance_threshold,
        rank_users=tr.rank_users,
    )


def _warm_start(model: Network, data: TrainingData, warm: WarmStart, model_id: int) -> None:
    report = apply_warm_start(model, data.encoders, warm)
    kept = ", ".join(
        f"{name.removesuffix('.weight')} {n}/{total}" for name, (n, total) in report.kept_rows.items()
    )
    log.info(
        "model %d: warm start from model %d (rows kept: %s; %d other tensors copied, %d fresh)",
        model_id,
        warm.model_id,
        kept,
        len(report.copied),
        len(report.fresh),
    )


def _checkpoint_state(
    settings: Settings,
    model: Network,
    opt_state: dict[str, Any],
    data: TrainingData,
    model_id: int,
    split_id: str,
    load_id: int,
) -> dict[str, Any]:
    return {
        **model.config.to_checkpoint(),  # architecture, model_config (hyper-parameters), sizes
        "global_mean": data.global_mean,
        "rating_scale": [data.rating_scale[0], data.rating_scale[1]],
        "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        "optimizer": opt_state,
        "encoders": data.encoders.to_state(),
        "settings": settings.model_dump(mode="json"),
        "model_id": model_id,
        "split_id": split_id,
        "load_id": load_id,
    }
