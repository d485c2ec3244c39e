"""The report folder of an evaluation run: the paper's figures and ``report.md`` with tables and claims.

Also :func:`summary_table`, the plain-text table ``recdb evaluate`` prints.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np
import polars as pl

from recdb.evaluation.claims import Claim
from recdb.evaluation.core import MethodResult, SkippedMethod
from recdb.evaluation.data import SplitData
from recdb.evaluation.plots import plot_curves, plot_forward, plot_history, plot_list_quality, plot_mae
from recdb.settings import Settings

TABLE_KS = (5, 10, 20, 50)
TOPK_COLUMNS = ("precision", "recall", "f1", "ndcg", "hit_rate", "coverage")
PROTOCOL = [
    "- Rating metrics over every test rating; models trained on train (early-stopped on valid), "
    "baselines fitted on train+valid.",
    "- Top-k, k = 1..{max_k}: relevant = test rating ≥ {threshold:g}; candidates = every catalogue movie "
    "the user did not rate in train+valid (already-rated movies masked, never counted); full ranking, "
    "no sampled negatives.",
    "- Users without a relevant test movie are left out of P/R/F1/NDCG/hit rate. precision@k = hits/k; "
    "recall@k = hits/relevant; F1 = per-user harmonic mean, averaged; NDCG with binary gains; "
    "coverage = share of the catalogue in any top-k list.",
    "- UBCF: {similarity} similarity, {neighbors} neighbours; item-kNN likewise; EASE λ = {ease_lambda:g}.",
    "- 'same top-10': fraction of user pairs whose unmasked top-10 lists are identical "
    "(1 = everybody gets the same list).",
    "- With several runs of a method (several model seeds, or several splits), cells are mean ± sample sd.",
]


def _by_kind(results: list[MethodResult]) -> dict[str, list[MethodResult]]:
    out: dict[str, list[MethodResult]] = defaultdict(list)
    for r in results:
        out[r.split_kind].append(r)
    return out


def _grouped(results: list[MethodResult]) -> dict[str, list[MethodResult]]:
    out: dict[str, list[MethodResult]] = defaultdict(list)
    for r in results:
        out[r.method].append(r)
    return out


def _fmt(values: list[float | None] | list[float], digits: int = 4) -> str:
    """ "mean" or "mean ± sd" (sample sd) when there are several runs."""
    vals = [v for v in values if v is not None and np.isfinite(v)]
    if not vals:
        return "—"
    if len(vals) == 1:
        return f"{vals[0]:.{digits}f}"
    return f"{np.mean(vals):.{digits}f} ± {np.std(vals, ddof=1):.{digits}f}"


def _at(r: MethodResult, metric: str, k: int) -> float:
    curve = getattr(r.curves, metric)
    return float(curve[k - 1]) if k <= curve.size else float("nan")


def _method_order(groups: dict[str, list[MethodResult]]) -> list[str]:
    """Models first, then baselines by NDCG@10 (best first)."""
    return sorted(
        groups, key=lambda m: (not groups[m][0].is_model, -np.mean([_at(r, "ndcg", 10) for r in groups[m]]))
    )


def markdown_tables(results: list[MethodResult]) -> list[str]:
    """Rating table and one top-k table per k in TABLE_KS (mean ± sd over runs)."""
    groups = _grouped(results)
    order = _method_order(groups)
    lines = ["| method | runs | MAE | RMSE | same top-10 (user pairs) |", "|---|---|---|---|---|"]
    for m in order:
        rs = groups[m]
        lines.append(
            f"| {m} | {len(rs)} | {_fmt([r.mae for r in rs])} | {_fmt([r.rmse for r in rs])} | "
            f"{_fmt([r.same_top10 for r in rs], 3)} |"
        )
    for k in TABLE_KS:
        if k > results[0].curves.precision.size:
            continue
        lines += ["", f"**k = {k}**", "", "| method | P | R | F1 | NDCG | hit rate | coverage |",
                  "|---|---|---|---|---|---|---|"]  # fmt: skip
        for m in order:
            cells = [_fmt([_at(r, metric, k) for r in groups[m]]) for metric in
                     ("precision", "recall", "f1", "ndcg", "hit_rate", "coverage")]  # fmt: skip
            lines.append(f"| {m} | " + " | ".join(cells) + " |")
    return lines


def summary_table(results: list[MethodResult]) -> str:
    """The plain-text table ``recdb evaluate`` prints: one block per split kind, @10 metrics."""
    out = []
    for kind, rs in _by_kind(results).items():
        groups = _grouped(rs)
        columns = ("MAE", "RMSE", "P@10", "R@10", "F1@10", "NDCG@10", "HR@10", "Cov@10")
        header = f"{'method':<14}{'runs':>5}" + "".join(f"{c:>9}" for c in columns)
        out += [f"split kind: {kind}", header]
        for m in _method_order(groups):
            g = groups[m]
            maes = [r.mae for r in g if r.mae is not None]
            rmses = [r.rmse for r in g if r.rmse is not None]
            cells = [
                f"{np.mean(maes):9.4f}" if maes else f"{'-':>9}",
                f"{np.mean(rmses):9.4f}" if rmses else f"{'-':>9}",
            ]
            cells += [f"{np.mean([_at(r, metric, 10) for r in g]):9.4f}" for metric in TOPK_COLUMNS]
            out.append(f"{m:<14}{len(g):>5}" + "".join(cells))
        out.append("")
    return "\n".join(out).rstrip()


def _scale_lines(
    max_users: int | None,
    skipped: list[SkippedMethod],
    samples: dict[str, tuple[int, int]],
) -> list[str]:
    """Protocol lines about the user sample and the baselines skipped for the memory budget."""
    lines = []
    for split_id, (ranked, total) in samples.items():
        if ranked < total:
            lines.append(
                f"- **Sampled users** (`{split_id}`): top-k metrics, coverage and 'same top-10' are over a "
                f"seeded random sample of {ranked:,} of the {total:,} test users with a relevant movie "
                f"(evaluate.max_users = {max_users}, the same users for every method, seeded by the "
                "split seed); MAE/RMSE are over every test rating."
            )
    for s in skipped:
        lines.append(f"- **Skipped** `{s.method}` on `{s.split_id}`: {s.reason}. Raise evaluate.max_dense_gb "
                     "to run it (its claims are not checked).")  # fmt: skip
    return lines


def _history_figures(folder: Path, histories: dict[tuple[str, int], pl.DataFrame]) -> list[tuple[str, str]]:
    """Figs. 3 and 4 (the paper's training curves), as (title, file) of those drawn."""
    figures = []
    for column, label, title, name in (
        ("train_loss", "training loss", "Fig. 3: training loss per epoch", "fig3_training_loss.png"),
        ("valid_mae", "validation MAE", "Fig. 4: validation MAE per epoch", "fig4_valid_mae.png"),
    ):
        if plot_history(folder / name, histories, column, label, title):
            figures.append((title, name))
    return figures


def _result_figures(folder: Path, kind: str, rs: list[MethodResult]) -> list[tuple[str, str]]:
    """Figs. 5 and 6 and the NDCG / hit rate / coverage curves of one split kind, as (title, file)."""
    figures = []
    if plot_mae(folder / f"fig5_mae_{kind}.png", rs, f"Fig. 5: test MAE ({kind} split)"):
        figures.append((f"Fig. 5: MAE of the model(s) and the baselines ({kind})", f"fig5_mae_{kind}.png"))
    plot_curves(folder / f"fig6_prf_{kind}.png", rs, ("precision", "recall", "f1"),
                f"Fig. 6: precision, recall, F1 vs number of recommendations ({kind} split)")  # fmt: skip
    figures.append((f"Fig. 6: precision, recall and F1 against k ({kind})", f"fig6_prf_{kind}.png"))
    plot_curves(folder / f"fig7_ndcg_{kind}.png", rs, ("ndcg", "hit_rate", "coverage"),
                f"NDCG, hit rate and catalogue coverage vs k ({kind} split)")  # fmt: skip
    figures.append((f"NDCG, hit rate and coverage against k ({kind})", f"fig7_ndcg_{kind}.png"))
    return figures


def write_report(
    folder: Path,
    *,
    eval_id: int,
    settings: Settings,
    splits: list[SplitData],
    results: list[MethodResult],
    claims: list[Claim],
    histories: dict[tuple[str, int], pl.DataFrame],
    seconds: float,
    skipped: list[SkippedMethod] | None = None,
    samples: dict[str, tuple[int, int]] | None = None,
    forward: pl.DataFrame | None = None,
    list_quality: pl.DataFrame | None = None,
) -> Path:
    """Write the figures and ``report.md`` into ``folder`` (created); returns the report file.

    ``skipped``: baselines left out for the memory budget; ``samples``: per split id, (users ranked,
    test users with a relevant movie), which differ when ``evaluate.max_users`` samples; ``forward``:
    the nightly's forward measurements (forward_measures), plotted over time when there are any;
    ``list_quality``: the published lists' figures per scoring run (``score_run_quality``), plotted.
    """
    folder.mkdir(parents=True, exist_ok=True)
    ev = settings.evaluate
    figures = _history_figures(folder, histories)
    lines = [
        f"# Evaluation {eval_id}",
        "",
        f"Database `{settings.database.path}`; {len(splits)} split(s): "
        + ", ".join(
            f"`{s.split_id}` ({s.kind}, {s.fit.height} train+valid / {s.test.height} test ratings)"
            for s in splits
        )
        + f". Run time {seconds:.1f} s.",
        "",
        "## Protocol",
        "",
    ]
    params = {"max_k": ev.max_k, "threshold": ev.relevance_threshold, "similarity": ev.similarity,
              "neighbors": ev.neighbors, "ease_lambda": ev.ease_lambda}  # fmt: skip
    lines += [line.format(**params) for line in PROTOCOL]
    lines += [*_scale_lines(ev.max_users, skipped or [], samples or {}), ""]
    lines += ["## Claims", "", "| claim | model | verdict | evidence |", "|---|---|---|---|"]
    lines += [f"| {c.text} | {c.method} | **{c.verdict.upper()}** | {c.detail} |" for c in claims]
    lines.append("")
    for kind, rs in _by_kind(results).items():
        lines += [f"## Results on {kind} split(s)", "", *markdown_tables(rs), ""]
        figures += _result_figures(folder, kind, rs)
    if forward is not None and plot_forward(folder / "forward.png", forward):
        title = "Forward hit rate and P@10 of the served lists on the ratings that arrived later"
        figures.append((title, "forward.png"))
    if list_quality is not None and plot_list_quality(folder / "list_quality.png", list_quality):
        figures.append(("Published lists beyond accuracy, per scoring run", "list_quality.png"))
    if not histories:
        lines += ["Figs. 3 and 4 (training curves) need a trained model: this was a baselines-only run.", ""]
    lines += ["## Figures", ""] + [f"### {title}\n\n![{title}]({name})\n" for title, name in figures]
    report = folder / "report.md"
    report.write_text("\n".join(lines), encoding="utf-8")
    return report
