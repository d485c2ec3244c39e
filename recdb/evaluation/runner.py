"""``evaluate()``: the models and every baseline on the same split(s), recorded in DuckDB and a report.

Flow (the read-write connection is held only for the short reads and the final publish):

1. read: the models (``load_predictor``), their splits (or ``ensure_split`` for a baselines-only run),
   the catalogue and the models' training histories;
2. for each distinct split: fit every baseline on train+valid, evaluate baselines and the models
   trained on that split on its test part (:func:`recdb.evaluation.core.evaluate_predictor`);
   a baseline whose dense matrices exceed ``evaluate.max_dense_gb`` is skipped (logged, reported),
   and top-k metrics use a seeded sample of ``evaluate.max_users`` test users when that is set; the
   ranking (the expensive part) runs on ``compute.engine`` (:func:`recdb.compute.engine.ranker`: on
   Ray, one actor pool ranks every method);
3. check the paper's claims, write the report folder (figures and ``report.md``);
4. publish ``evaluation_runs``, ``evaluations`` and ``evaluation_claims`` rows in one transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from recdb.catalog import load_catalog
from recdb.compute.engine import ranker
from recdb.db import execute, frame, one, open_db, queries, scalar, transaction
from recdb.errors import ConfigError, ModelNotFoundError
from recdb.evaluation.baselines import all_baselines
from recdb.evaluation.claims import Claim, check_claims
from recdb.evaluation.core import MethodResult, Ranker, SkippedMethod, evaluate_predictor, result_rows
from recdb.evaluation.data import EvalSet, SplitData, read_split
from recdb.evaluation.report import summary_table, write_report
from recdb.logs import progress
from recdb.predictor import Catalog, Predictor
from recdb.scoring.quality import quality_over_runs
from recdb.settings import Settings
from recdb.training.registry import load_predictor
from recdb.training.splits import ensure_split

log = logging.getLogger(__name__)

METRIC_SCHEMA = {
    "model_id": pl.Int32,
    "method": pl.Utf8,
    "split_id": pl.Utf8,
    "metric": pl.Utf8,
    "k": pl.Int32,
    "value": pl.Float64,
}


@dataclass(frozen=True)
class EvaluatedModel:
    """A trained model loaded for evaluation."""

    model_id: int
    architecture: str
    split_id: str
    predictor: Predictor
    history: pl.DataFrame  # epoch, train_loss, valid_mae, valid_rmse


@dataclass(frozen=True)
class EvaluationResult:
    """What ``evaluate`` returns: the run id, its report folder, and every metric as a frame."""

    eval_id: int
    report_dir: Path
    metrics: pl.DataFrame  # model_id, method, split_id, metric, k, value
    claims: list[Claim]
    results: list[MethodResult]
    seconds: float
    skipped: list[SkippedMethod] = field(default_factory=list)

    def summary(self) -> str:
        """What ``recdb evaluate`` prints: the @10 table, the claims, and where the report is."""
        claims = [f"claim [{c.method}] {c.key}: {c.verdict} ({c.detail})" for c in self.claims]
        return "\n".join(
            [
                summary_table(self.results),
                "",
                *claims,
                *(f"skipped {s.method} on {s.split_id}: {s.reason}" for s in self.skipped),
                f"evaluation {self.eval_id}: report {self.report_dir / 'report.md'}",
            ]
        )


def evaluate(
    settings: Settings,
    *,
    model_id: int | None = None,
    baselines_only: bool = False,
    model_ids: Sequence[int] = (),
) -> EvaluationResult:
    """Evaluate the model(s) and every baseline on the test part of the models' split(s).

    ``model_ids`` evaluates several models together (e.g. seeds; the report gives mean ± sd per
    architecture); ``model_id`` one model; neither: the newest ready model. ``baselines_only``
    evaluates the baselines alone on ``ensure_split(settings.train)``.
    """
    start = time.perf_counter()
    ids: list[int | None] = list(model_ids) or [model_id]
    if baselines_only and (model_ids or model_id is not None):
        raise ConfigError("--baselines-only cannot be combined with --model")
    with open_db(settings.database) as con:
        catalog = load_catalog(con)
        models = [] if baselines_only else [_load_model(con, settings, i) for i in ids]
        split_ids = list(dict.fromkeys(m.split_id for m in models)) or [_baseline_split(con, settings)]
        splits = [read_split(con, s) for s in split_ids]
        eval_id = int(scalar(con, queries("evaluation").next_eval_id))
        forward = frame(con, queries("nightly").forward_history)
        list_quality = quality_over_runs(con)
    results: list[MethodResult] = []
    skipped: list[SkippedMethod] = []
    samples: dict[str, tuple[int, int]] = {}
    with ranker(settings) as rank:  # on Ray: one actor pool ranks every method
        for split in splits:
            split_models = [m for m in models if m.split_id == split.split_id]
            split_results, split_skipped, samples[split.split_id] = _evaluate_split(
                settings, split, catalog, split_models, rank
            )
            results += split_results
            skipped += split_skipped
    claims = check_claims(results, [(m.architecture, m.model_id) for m in models], skipped)
    metrics = metrics_frame(results)
    created = dt.datetime.now(dt.timezone.utc)
    report_dir = settings.evaluate.report_dir / f"eval-{eval_id:04d}-{created:%Y%m%d-%H%M%S}"
    seconds = time.perf_counter() - start
    write_report(
        report_dir,
        eval_id=eval_id,
        settings=settings,
        splits=splits,
        results=results,
        claims=claims,
        histories={(m.architecture, m.model_id): m.history for m in models},
        seconds=seconds,
        skipped=skipped,
        samples=samples,
        forward=forward,
        list_quality=list_quality,
    )
    try:
        _publish(settings, eval_id, created, metrics, claims, models, split_ids, results, report_dir, seconds)
    except BaseException:
        shutil.rmtree(report_dir, ignore_errors=True)  # nothing was recorded: leave no orphan report
        raise
    log.info("evaluation %d: %d methods on %d split(s) in %.1f s; report %s", eval_id,
             len({r.method for r in results}), len(splits), seconds, report_dir)  # fmt: skip
    return EvaluationResult(eval_id, report_dir, metrics, claims, results, seconds, skipped)


def _load_model(con: duckdb.DuckDBPyConnection, settings: Settings, model_id: int | None) -> EvaluatedModel:
    """Load a model through the training registry, with its per-epoch history.

    Never a refit (trained on every rating: its test figures would be leaked): by default the newest
    split-trained model, and a refit asked for by id is refused naming the model it refit.
    """
    model_id = _evaluated_model(con, model_id)
    try:
        predictor, record = load_predictor(con, settings, model_id)
    except ModelNotFoundError as exc:
        if model_id is not None:
            raise
        raise ModelNotFoundError(f"{exc}; to compare the baselines alone use --baselines-only") from None
    history = frame(con, queries("evaluation").training_history, [record.model_id])
    return EvaluatedModel(record.model_id, record.architecture, record.split_id, predictor, history)


def _evaluated_model(con: duckdb.DuckDBPyConnection, model_id: int | None) -> int | None:
    q = queries("training")
    if model_id is None:
        newest = scalar(con, q.newest_evaluated_model)
        return None if newest is None else int(newest)
    lineage = one(con, q.refit_lineage, {"model_id": model_id})
    if lineage is not None and lineage[0] == "all":
        raise ConfigError(
            f"model {model_id} is a refit on every rating (its test ratings are training ratings); "
            f"evaluate the model it refit: --model {lineage[1]}"
        )
    return model_id


def _baseline_split(con: duckdb.DuckDBPyConnection, settings: Settings) -> str:
    return ensure_split(con, settings.train)


def _evaluate_split(
    settings: Settings, split: SplitData, catalog: Catalog, models: list[EvaluatedModel], rank: Ranker
) -> tuple[list[MethodResult], list[SkippedMethod], tuple[int, int]]:
    """Fit every baseline on the split's train+valid and evaluate them and the models on its test,
    ranking with ``rank`` (the compute engine's, :func:`recdb.compute.engine.ranker`).

    Returns the results, the baselines skipped for the memory budget, and (users ranked, test users
    with a relevant movie): the two differ when ``evaluate.max_users`` samples.
    """
    ev = settings.evaluate
    data = EvalSet.build(split, catalog, ev.relevance_threshold, ev.max_users)
    out, skipped = [], []
    baselines = all_baselines(ev)
    label = f"evaluating on split {split.split_id}"
    with progress(label, len(baselines) + len(models), unit="method") as bar:
        while baselines:  # pop each: the kNN and EASE matrices are large, free each before the next fit
            baseline = baselines.pop(0)
            need = baseline.dense_bytes(catalog.n_users, catalog.n_movies)
            if need > ev.max_dense_gb * 1e9:
                skip = SkippedMethod(baseline.name, split.split_id, need, int(ev.max_dense_gb * 1e9),
                                     catalog.n_users, catalog.n_movies)  # fmt: skip
                log.warning("baseline %s skipped on split %s: %s", skip.method, skip.split_id, skip.reason)
                skipped.append(skip)
                bar.update(1)
                continue
            fit_start = time.perf_counter()
            baseline.fit(split.fit, catalog)
            fit_seconds = time.perf_counter() - fit_start
            out.append(evaluate_predictor(baseline, data, max_k=ev.max_k, chunk_users=ev.chunk_users,
                                          fit_seconds=fit_seconds, rank=rank))  # fmt: skip
            del baseline
        for model in models:
            model.predictor.bind(data.history(catalog))  # train+valid: the users' history
            out.append(evaluate_predictor(model.predictor, data, max_k=ev.max_k, chunk_users=ev.chunk_users,
                                          model_id=model.model_id, method=model.architecture,
                                          rank=rank))  # fmt: skip
            bar.update(1)
    return out, skipped, (int(data.rank_users.size), data.n_rank_candidates)


def metrics_frame(results: list[MethodResult]) -> pl.DataFrame:
    """Every metric of every result as rows (model_id, method, split_id, metric, k, value)."""
    rows = [row for result in results for row in result_rows(result)]
    return pl.DataFrame(rows, schema=METRIC_SCHEMA)


def _publish(
    settings: Settings,
    eval_id: int,
    created: dt.datetime,
    metrics: pl.DataFrame,
    claims: list[Claim],
    models: list[EvaluatedModel],
    split_ids: list[str],
    results: list[MethodResult],
    report_dir: Path,
    seconds: float,
) -> None:
    """Write the run, its metrics and its claims in one transaction."""
    q = queries("evaluation")
    claims_frame = pl.DataFrame(
        [{"claim": c.key, "method": c.method, "verdict": c.verdict, "detail": c.detail} for c in claims],
        schema={"claim": pl.Utf8, "method": pl.Utf8, "verdict": pl.Utf8, "detail": pl.Utf8},
    )
    run = {
        "eval_id": eval_id,
        "created_at": created,
        "model_ids": [m.model_id for m in models],
        "split_ids": split_ids,
        "baselines_only": not models,
        "methods": list(dict.fromkeys(r.method for r in results)),
        "report_dir": str(report_dir),
        "seconds": seconds,
    }
    with open_db(settings.database) as con, transaction(con):
        execute(con, q.insert_run, run)
        con.register("eval_metrics", metrics.to_arrow())
        con.register("eval_claims", claims_frame.to_arrow())
        try:
            execute(con, q.insert_metrics, {"eval_id": eval_id, "created_at": created})
            execute(con, q.insert_claims, {"eval_id": eval_id})
        finally:
            con.unregister("eval_metrics")
            con.unregister("eval_claims")
