"""Training on Ray Train: ``TorchTrainer`` workers (gloo on CPU, NCCL on GPU), each on its shard.

The driver exports the training ratings once as Parquet shards (equal lengths, contiguous ranges of
the user-sorted ratings) into the job's exchange folder; the rest of the prepared tensors (encoded
catalogue, valid and test parts: small next to the ratings) travel in the trainer's config. Every
worker runs :func:`recdb.training.fit.fit_epochs`, the local engine's loop, on its shard with a batch of
``train.batch_size / workers`` (same global batch), and gradients are averaged over the workers before
each optimizer step: data-parallel SGD as DDP does it. (DDP's own wrapper is not used because the
loop calls the network's methods, not ``forward``, which is what the wrapper hooks.) Rank 0 computes
the valid metrics each epoch (reading every shard, so its lists exclude all training ratings, as
locally) and shares them, so every rank takes the same early-stopping decision; it
returns the best epoch's weights and the curve in a Ray checkpoint, and the driver continues as the
local engine does (γ selection, test metrics, the same ``weights_only`` checkpoint file).
"""

from __future__ import annotations

import copy
import logging
import math
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import pyarrow as pa
import torch

from recdb.compute.cluster import ray_cluster
from recdb.compute.exchange import Exchange, open_exchange
from recdb.errors import JobFailedError
from recdb.model.network import Network
from recdb.settings import Settings
from recdb.training.data import RatingTensors, TrainingData
from recdb.training.fit import FitHooks, Fitted, Fixed, fit_epochs
from recdb.training.loop import LoopConfig, evaluate

log = logging.getLogger(__name__)

_RESULT = "fitted.pt"


def export_shards(exchange: Exchange, train: RatingTensors, workers: int) -> list[str]:
    """Write ``workers`` equal-length shards of the (user-sorted) training ratings; the last is padded
    with copies of its final rating (at most workers - 1), so every rank takes the same step count."""
    size = -(-len(train) // workers)
    names = []
    for rank in range(workers):
        sl = slice(rank * size, min((rank + 1) * size, len(train)))
        users, movies, ratings = train.users[sl], train.movies[sl], train.ratings[sl]
        pad = size - len(ratings)
        if pad:
            users, movies, ratings = (torch.cat([x, x[-1:].expand(pad)]) for x in (users, movies, ratings))
        name = f"train-{rank:04d}.parquet"
        table = pa.table({"user_row": users.numpy(), "movie_row": movies.numpy(), "rating": ratings.numpy()})
        exchange.write(name, table)
        names.append(name)
    return names


def read_shard(exchange: Exchange, name: str) -> RatingTensors:
    table = exchange.read(name)
    return RatingTensors(
        users=torch.from_numpy(table["user_row"].to_numpy()),
        movies=torch.from_numpy(table["movie_row"].to_numpy()),
        ratings=torch.from_numpy(table["rating"].to_numpy()),
    )


def _all_shards(exchange: Exchange, names: list[str]) -> RatingTensors:
    """Every shard, in order: the whole training part (sorted by user row; padding copies included,
    harmless where it only marks movies as seen)."""
    parts = [read_shard(exchange, name) for name in names]
    return RatingTensors(*(torch.cat([getattr(p, f) for p in parts]) for f in ("users", "movies", "ratings")))


def fit_on_ray(
    settings: Settings, model: Network, data: TrainingData, loop: LoopConfig, label: str, fixed: Fixed | None
) -> Fitted:
    """Fit on ``compute.workers`` Ray Train workers (see the module docstring); the best epoch."""
    compute = settings.compute
    workers = compute.workers
    if len(data.parts["train"]) < workers:
        raise JobFailedError(f"{len(data.parts['train'])} training ratings cannot feed {workers} workers")
    exchange = open_exchange(compute.exchange_dir, "train")
    try:
        shards = export_shards(exchange, data.parts["train"], workers)
        config = {
            "settings": settings,
            "model": copy.deepcopy(model).cpu(),
            "data": replace(data, parts={**data.parts, "train": _empty_part()}),
            "loop": replace(
                loop,
                batch_size=-(-loop.batch_size // workers),
                rank_users=-(-loop.rank_users // workers),
            ),
            "exchange": exchange,
            "shards": shards,
            "label": label,
            "fixed": fixed,
        }
        with ray_cluster(compute):
            from ray.train import FailureConfig, RunConfig, ScalingConfig
            from ray.train.torch import TorchTrainer

            trainer = TorchTrainer(
                train_worker,
                train_loop_config=config,
                scaling_config=ScalingConfig(
                    num_workers=workers,
                    use_gpu=compute.gpus_per_worker > 0,
                    resources_per_worker=_resources(settings),
                ),
                run_config=RunConfig(
                    name=Path(exchange.folder).name,
                    storage_path=_storage_path(exchange),
                    failure_config=FailureConfig(max_failures=compute.max_retries),
                ),
            )
            result = trainer.fit()
            if result.error is not None:
                raise result.error
            if result.checkpoint is None:
                raise JobFailedError("training on Ray returned no weights")
            with result.checkpoint.as_directory() as folder:
                saved = torch.load(Path(folder) / _RESULT, map_location="cpu", weights_only=True)
    except JobFailedError:
        raise
    except Exception as exc:  # Ray's errors: a worker out of retries, a lost cluster
        raise JobFailedError(f"training on Ray failed: {type(exc).__name__}: {exc}") from exc
    finally:
        exchange.remove()
    return Fitted(
        best_epoch=int(saved["best_epoch"]),
        state=saved["state"],
        optimizer_state=saved["optimizer"],
        valid_metrics={k: float(v) for k, v in saved["valid"].items()},
        history=[{k: float(v) for k, v in row.items()} for row in saved["history"]],
    )


def _empty_part() -> RatingTensors:
    return RatingTensors(torch.empty(0, dtype=torch.long), torch.empty(0, dtype=torch.long), torch.empty(0))


def _resources(settings: Settings) -> dict[str, float]:
    compute = settings.compute
    out = {"CPU": compute.cpus_per_worker}
    if compute.gpus_per_worker > 0:
        out["GPU"] = compute.gpus_per_worker
    return out


def _storage_path(exchange: Exchange) -> str:
    """Ray Train's own run folder (its checkpoints) inside the job's exchange folder."""
    if "://" in exchange.uri:
        scheme = exchange.uri.split("://", 1)[0]
        return f"{scheme}://{exchange.folder}/ray"
    return f"{exchange.folder}/ray"


def train_worker(config: dict[str, Any]) -> None:
    """One Ray Train worker: its shard, the shared loop, gradients averaged before each step."""
    import ray.train
    import ray.train.torch
    import torch.distributed as dist

    settings: Settings = config["settings"]
    context = ray.train.get_context()
    rank, world = context.get_world_rank(), context.get_world_size()
    tr = settings.train.model_copy(update={"seed": settings.train.seed + rank})
    torch.manual_seed(settings.train.seed)
    torch.set_num_threads(max(1, math.floor(settings.compute.cpus_per_worker)))
    device = ray.train.torch.get_device()
    model: Network = config["model"].to(device)
    for tensor in model.state_dict().values():  # the same start on every rank
        dist.broadcast(tensor, src=0)
    data: TrainingData = config["data"]
    shard = read_shard(config["exchange"], config["shards"][rank])
    data = replace(data, parts={**data.parts, "train": shard})
    optimizer = torch.optim.Adam(model.parameters(), lr=tr.learning_rate, weight_decay=tr.weight_decay)
    optimizer.register_step_pre_hook(lambda opt, args, kwargs: _average_gradients(opt, world))
    threshold = settings.evaluate.relevance_threshold
    # Rank 0's valid lists exclude every training rating, as on the local engine: it reads all shards.
    seen = _all_shards(config["exchange"], config["shards"]) if rank == 0 else shard
    whole = replace(data, parts={**data.parts, "train": seen})

    def valid(m: Network) -> dict[str, float]:
        out = [
            evaluate(m, whole, "valid", ["train"], threshold, device, tr.metric_users) if rank == 0 else None
        ]
        dist.broadcast_object_list(out, src=0)
        assert out[0] is not None
        return out[0]

    def reduce_loss(loss: float) -> float:
        total = torch.tensor([loss], dtype=torch.float64, device=device)
        dist.all_reduce(total)
        return float(total) / world

    hooks = FitHooks(valid=valid, reduce_loss=reduce_loss, on_epoch=ray.train.report, show_progress=False)
    fitted = fit_epochs(
        model, optimizer, data, config["loop"], tr, device, hooks, config["label"], config["fixed"]
    )
    with tempfile.TemporaryDirectory() as folder:
        checkpoint = None
        if rank == 0:
            torch.save(
                {
                    "best_epoch": fitted.best_epoch,
                    "state": {k: v.cpu() for k, v in fitted.state.items()},
                    "optimizer": fitted.optimizer_state,
                    "valid": fitted.valid_metrics,
                    "history": fitted.history,
                },
                Path(folder) / _RESULT,
            )
            checkpoint = ray.train.Checkpoint.from_directory(folder)
        ray.train.report({"best_epoch": fitted.best_epoch}, checkpoint=checkpoint)


def _average_gradients(optimizer: torch.optim.Optimizer, world: int) -> None:
    """All-reduce the mean of every gradient in one flat buffer. A parameter without a gradient on
    every rank stays without one (Adam then skips it, as on one process)."""
    import torch.distributed as dist

    params = [p for group in optimizer.param_groups for p in group["params"]]
    present = torch.tensor([p.grad is not None for p in params], dtype=torch.float32)
    dist.all_reduce(present)
    used = [p for p, n in zip(params, present.tolist(), strict=True) if n > 0]
    grads = [p.grad if p.grad is not None else torch.zeros_like(p) for p in used]
    flat = torch.cat([g.reshape(-1) for g in grads])
    dist.all_reduce(flat)
    flat /= world
    offset = 0
    for p, g in zip(used, grads, strict=True):
        n = g.numel()
        p.grad = flat[offset : offset + n].view_as(g).clone()
        offset += n
