"""``recdb train``: train a model on the configured split and register it in the ``models`` table."""

from __future__ import annotations

import click

from recdb.jobs.common import App


@click.command("train")
@click.option(
    "--architecture",
    type=click.Choice(["hybrid", "paper"]),
    help="hybrid: the personalised default (towers, dot product, ranking head); paper: the paper's formula.",
)
@click.option(
    "--split", type=click.Choice(["random", "time", "cold_users", "cold_movies"]), help="train.split"
)
@click.option("--seed", type=int, help="Seed of the split and of training (train.seed).")
@click.option("--epochs", type=click.IntRange(1), help="Maximum epochs; early stopping may end sooner.")
@click.option("--embed-dim", type=click.IntRange(1), help="Embedding width (model.embed_dim).")
@click.option(
    "--lr", "learning_rate", type=click.FloatRange(min=0, min_open=True), help="Adam learning rate."
)
@click.option("--batch-size", type=click.IntRange(1), help="Ratings per mini-batch (train.batch_size).")
@click.option("--rank-weight", type=click.FloatRange(min=0), help="Weight of the ranking loss (hybrid).")
@click.option("--weight-decay", type=click.FloatRange(min=0), help="Adam weight decay (train.weight_decay).")
@click.option(
    "--device",
    type=click.Choice(["auto", "cpu", "cuda", "mps"]),
    help="train.device (auto: CUDA if present).",
)
@click.option("--threads", type=click.IntRange(1), help="CPU threads for torch (train.threads).")
@click.option(
    "--refit/--no-refit",
    default=None,
    help="Then refit on every rating with the best epoch and γ fixed; the refit is served (train.refit).",
)
@click.pass_obj
def command(
    app: App,
    architecture: str | None,
    split: str | None,
    seed: int | None,
    epochs: int | None,
    embed_dim: int | None,
    learning_rate: float | None,
    batch_size: int | None,
    rank_weight: float | None,
    weight_decay: float | None,
    device: str | None,
    threads: int | None,
    refit: bool | None,
) -> None:
    """Train a model, early-stopping on the split's valid part, and register it.

    Draws the split if it is new (stored in split_ratings), trains with Adam, writes one
    training_history row per epoch and a models row with validation and test metrics and the
    checkpoint path. Prints the model id and its test metrics. Options override the [model] and
    [train] settings.

    \b
    Example:
      recdb train                          # default hybrid model on the 80/20 random split
      recdb train --architecture paper --epochs 10
      recdb train --split cold_users --seed 1
      recdb train --refit                  # then refit on all ratings; recdb score picks the refit
    """
    settings = app.settings(
        model={"architecture": architecture, "embed_dim": embed_dim},
        train={
            "split": split,
            "seed": seed,
            "epochs": epochs,
            "learning_rate": learning_rate,
            "batch_size": batch_size,
            "rank_weight": rank_weight,
            "weight_decay": weight_decay,
            "device": device,
            "threads": threads,
            "refit": refit,
        },
    )
    from recdb.training.refit import refit_model
    from recdb.training.trainer import train_model

    with app.job_lock():
        result = train_model(settings)
        refitted = refit_model(settings, result.model_id) if settings.train.refit else None
    t = result.test_metrics
    click.echo(
        f"model {result.model_id}: {settings.model.architecture} on {result.split_id}, "
        f"{result.epochs} epochs (best {result.best_epoch}) in {result.seconds:.0f} s; "
        f"test MAE {t['mae']:.4f} RMSE {t['rmse']:.4f} NDCG@10 {t['ndcg10']:.4f} P@10 {t['precision10']:.4f}"
    )
    if refitted is not None:
        click.echo(
            f"model {refitted.model_id}: refit of model {result.model_id} on all {refitted.n_train_ratings} "
            f"ratings, {refitted.epochs} epochs in {refitted.seconds:.0f} s (recdb score uses it)"
        )
