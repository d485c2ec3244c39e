"""``recdb evaluate``: the model(s) and every baseline on the model's split, with the paper's claims."""

from __future__ import annotations

import click

from recdb.jobs.common import App


@click.command("evaluate")
@click.option("--model", "model_ids", type=int, multiple=True,
              help="Model id to evaluate (repeat for several, e.g. seeds: mean ± sd per architecture). "
                   "Default: the newest ready model.")  # fmt: skip
@click.option(
    "--baselines-only", is_flag=True, help="Evaluate only the baselines, on the split train.* describes."
)
@click.option(
    "--report-dir", type=click.Path(file_okay=False), help="Folder for report folders (evaluate.report_dir)."
)
@click.option("--max-k", type=int, help="Longest list evaluated (evaluate.max_k).")
@click.pass_obj
def command(
    app: App, model_ids: tuple[int, ...], baselines_only: bool, report_dir: str | None, max_k: int | None
) -> None:
    """Evaluate models against baselines: MAE/RMSE and top-k curves, figures and a claims report.

    Every baseline (global mean, user+movie bias, popularity, UBCF, item-kNN, EASE, demographic and
    genre means) is fitted on the model's split (train+valid) and everything is tested on its test part.
    Results go to the evaluations table and a report folder (report.md and PNG figures) whose path is
    printed with the summary table.

    \b
    Example:
      recdb evaluate                      # newest ready model vs all baselines
      recdb evaluate --model 3 --model 4 --model 5   # three seeds: mean ± sd
      recdb evaluate --baselines-only     # baselines alone on the configured split
    """
    from recdb.evaluation.runner import evaluate

    settings = app.settings(evaluate={"report_dir": report_dir, "max_k": max_k})
    with app.job_lock():
        result = evaluate(settings, baselines_only=baselines_only, model_ids=model_ids)
    click.echo(result.summary())
