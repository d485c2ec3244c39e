"""``refit_model``: train the served model on every rating, with the evaluated model's choices fixed.

The evaluated model (``train_model``) learns on the split's train part, stops early on valid and is
measured on test. Nobody should be served a model that never saw 28 % of the ratings, so the refit
trains the same configuration on all of the split's ratings (train + valid + test) through the same
:func:`recdb.training.trainer.fit`, with the best epoch and γ fixed (nothing is left to choose them
on) and the same seed. Its own held-out figures do not exist: the evaluated model's stand for it
(``models.evaluated_model_id``), and the gate and ``recdb evaluate`` never measure a refit.

``train.refit_warm_epochs`` > 0 starts the refit from the evaluated model's weights and runs only that
many epochs, at the learning rates the evaluated run ended with (see docs/operations.md for the
measured trade-off); 0 refits from scratch for the best epoch's count of epochs.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

import polars as pl

from recdb.catalog import load_catalog
from recdb.db import execute, one, open_db, queries, scalar, transaction
from recdb.errors import ConfigError
from recdb.settings import Settings
from recdb.training.checkpoint import check_checkpoint_dir
from recdb.training.fit import Fixed
from recdb.training.history import EpochHistory
from recdb.training.runtime import resolve_device, seed_everything
from recdb.training.splits import load_split_ratings
from recdb.training.trainer import TrainResult, fit, model_config, record_failure, set_lineage
from recdb.training.warm import load_warm_start

log = logging.getLogger(__name__)


def refit_model(settings: Settings, evaluated_model_id: int) -> TrainResult:
    """Refit ``evaluated_model_id``'s configuration on every rating of its split; returns the new model.

    Raises :class:`ConfigError` when that model is not a ready split-trained model of the configured
    architecture, :class:`recdb.errors.JobFailedError` when training diverges (the row is 'failed').
    """
    started = time.perf_counter()
    tr = settings.train
    check_checkpoint_dir(Path(settings.database.checkpoint_dir))
    seed_everything(tr.seed, tr.threads)
    device = resolve_device(tr)
    q = queries("training")
    with open_db(settings.database) as con:
        source = one(con, q.refit_source, {"model_id": evaluated_model_id})
        source = _check_source(evaluated_model_id, source, settings.model.architecture)
        _, architecture, split_id, load_id, best_epoch, rank_blend, _, _, item_blend, rating_blend = source
        catalog = load_catalog(con)
        # every rating of the split is a training rating now: the id maps are built from all of them
        ratings = load_split_ratings(con, split_id).with_columns(pl.lit("train").alias("part"))
        warm = None
        if tr.refit_warm_epochs > 0:
            warm = load_warm_start(con, evaluated_model_id, architecture, model_config(settings))
        config = {
            "model": settings.model.model_dump(mode="json"),
            "train": tr.model_dump(mode="json"),
            "features": settings.features.model_dump(mode="json"),
            "warm_start_from": warm.model_id if warm is not None else None,
            "refit_of": evaluated_model_id,
        }
        params = {"architecture": architecture, "config": json.dumps(config)}
        model_id = int(scalar(con, q.insert_model, {**params, "load_id": int(load_id), "split_id": split_id}))
    best = max(1, int(best_epoch or tr.epochs))
    if warm is not None:
        epochs = min(tr.refit_warm_epochs, best)
        fixed = Fixed(epochs, best - epochs + 1, rank_blend, item_blend, rating_blend)
    else:
        fixed = Fixed(best, 1, rank_blend, item_blend, rating_blend)
    log.info(
        "model %d: refit of model %d on all %d ratings of split %s (%d epochs%s)",
        model_id, evaluated_model_id, ratings.height, split_id, fixed.epochs,
        f", warm start from model {evaluated_model_id}" if warm is not None else "",
    )  # fmt: skip
    history = EpochHistory(settings.database, model_id)
    try:
        result = fit(
            settings, model_id, split_id, int(load_id), catalog, ratings, device, history, warm, fixed
        )
    except BaseException as exc:
        record_failure(settings, model_id, history, exc)
        raise
    result.seconds = time.perf_counter() - started
    result.warm_start_from = warm.model_id if warm is not None else None
    result.evaluated_model_id = evaluated_model_id
    _finish(settings, result)
    log.info("model %d ready: refit on %d ratings (%.0f s)", model_id, result.n_train_ratings, result.seconds)
    return result


def _check_source(model_id: int, source: tuple[Any, ...] | None, architecture: str) -> tuple[Any, ...]:
    if source is None:
        raise ConfigError(f"cannot refit model {model_id}: no such model in the models table")
    _, arch, _, _, _, _, status, trained_on, _, _ = source
    if status != "ready":
        raise ConfigError(f"cannot refit model {model_id}: its status is {status!r}, not 'ready'")
    if trained_on == "all":
        raise ConfigError(f"cannot refit model {model_id}: it is itself a refit (trained on all ratings)")
    if arch != architecture:
        raise ConfigError(
            f"cannot refit model {model_id}: it is a {arch} model and model.architecture is {architecture!r}"
        )
    return source


def _finish(settings: Settings, result: TrainResult) -> None:
    """Mark the refit ready: no held-out figures of its own, its lineage instead."""
    none = dict.fromkeys(["valid_mae", "valid_rmse", "valid_ndcg10", "test_mae", "test_rmse"])
    none |= dict.fromkeys(["test_ndcg10", "test_precision10"])
    with open_db(settings.database) as con, transaction(con):
        execute(
            con,
            queries("training").finish_model,
            {
                "model_id": result.model_id,
                **none,
                "epochs": result.epochs,
                "checkpoint_path": str(result.checkpoint_path),
                "rank_blend": result.rank_blend,
                "item_blend": result.item_blend,
                "rating_blend": result.rating_blend,
            },
        )
        set_lineage(con, result, "all")
        params = {"model_id": result.model_id, "evaluated_model_id": result.evaluated_model_id}
        execute(con, queries("training").inherit_gate, params)
