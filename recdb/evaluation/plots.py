"""The paper's figures, redrawn from an evaluation run with matplotlib (Agg backend: headless).

Fig. 3 training loss per epoch, Fig. 4 validation MAE per epoch (from ``training_history``), Fig. 5
test MAE of the model(s) and every rating baseline, Fig. 6 precision / recall / F1 against the number of
recommendations k, plus NDCG / hit rate / coverage against k. Models are drawn with thick solid lines,
baselines thin, UBCF (the paper's comparison) dashed.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import polars as pl
from matplotlib.ticker import MaxNLocator

from recdb.evaluation.core import MethodResult


def _grouped(results: list[MethodResult]) -> dict[str, list[MethodResult]]:
    out: dict[str, list[MethodResult]] = defaultdict(list)
    for r in results:
        out[r.method].append(r)
    return out


LABELS = {"precision": "Precision", "recall": "Recall", "f1": "F1", "ndcg": "NDCG", "hit_rate": "Hit rate",
          "coverage": "Catalogue coverage"}  # fmt: skip
MODEL_COLORS = ("black", "tab:red", "darkviolet", "tab:brown")
BASELINE_COLORS = (
    "tab:blue",
    "tab:green",
    "tab:purple",
    "tab:cyan",
    "tab:olive",
    "tab:pink",
    "tab:gray",
    "gold",
)


def _styles(groups: dict[str, list[MethodResult]]) -> dict[str, dict[str, object]]:
    """Line style per method: models thick and dark, UBCF orange dashed, other baselines thin."""
    out: dict[str, dict[str, object]] = {}
    models = [m for m, rs in groups.items() if rs[0].is_model]
    baselines = [m for m, rs in groups.items() if not rs[0].is_model and m != "ubcf"]
    for i, m in enumerate(models):
        out[m] = {"linewidth": 3.5, "color": MODEL_COLORS[i % len(MODEL_COLORS)], "zorder": 5}
    for i, m in enumerate(baselines):
        out[m] = {
            "linewidth": 1.3,
            "color": BASELINE_COLORS[i % len(BASELINE_COLORS)],
            "alpha": 0.9,
            "zorder": 3,
        }
    out["ubcf"] = {"linewidth": 2.2, "linestyle": "--", "color": "tab:orange", "zorder": 4}
    return out


def plot_history(
    path: Path, histories: dict[tuple[str, int], pl.DataFrame], column: str, ylabel: str, title: str
) -> bool:
    """Fig. 3 / 4: one line per model; returns False (nothing written) when no model has a history."""
    series = {key: h for key, h in histories.items() if h.height and column in h.columns}
    if not series:
        return False
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for (arch, model_id), h in series.items():
        ax.plot(h["epoch"].to_numpy(), h[column].to_numpy(), marker="o", label=f"{arch} (model {model_id})")
    ax.set_xlabel("epoch")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    values = np.concatenate([h[column].to_numpy() for h in series.values()])
    if values.min() > 0 and values.max() / values.min() > 5:  # e.g. hybrid's loss includes a ranking term
        ax.set_yscale("log")
        ylabel += " (log scale)"
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return True


def plot_mae(path: Path, results: list[MethodResult], title: str) -> bool:
    """Fig. 5: test MAE per method (mean over runs, sd as error bars), models highlighted."""
    groups = {m: rs for m, rs in _grouped(results).items() if rs[0].mae is not None}
    if not groups:
        return False
    maes = {m: [float(r.mae) for r in rs if r.mae is not None] for m, rs in groups.items()}
    methods = sorted(groups, key=lambda m: float(np.mean(maes[m])))
    means = [float(np.mean(maes[m])) for m in methods]
    sds = [float(np.std(maes[m], ddof=1)) if len(maes[m]) > 1 else 0.0 for m in methods]
    colors = [
        "tab:red" if groups[m][0].is_model else ("tab:orange" if m == "ubcf" else "tab:gray") for m in methods
    ]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    bars = ax.bar(methods, means, yerr=sds, color=colors, capsize=4)
    ax.bar_label(bars, labels=[f"{v:.3f}" for v in means], padding=2, fontsize=8)
    ax.set_ylabel("test MAE (lower is better)")
    ax.set_xlabel("method (red: trained model, orange: UBCF)")
    ax.set_title(title)
    ax.set_ylim(0, max(means) * 1.15)
    ax.tick_params(axis="x", rotation=30)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return True


def plot_curves(path: Path, results: list[MethodResult], metrics: tuple[str, ...], title: str) -> None:
    """Fig. 6 style: one panel per metric against k = 1..max_k, one line per method (mean over runs)."""
    groups = _grouped(results)
    styles = _styles(groups)
    fig, axes = plt.subplots(1, len(metrics), figsize=(5.2 * len(metrics), 4.8), squeeze=False)
    for ax, metric in zip(axes[0], metrics, strict=True):
        for method, rs in groups.items():
            curve = np.mean([getattr(r.curves, metric) for r in rs], axis=0)
            ks = np.arange(1, curve.size + 1)
            label = f"{method} (model)" if rs[0].is_model else method
            ax.plot(ks, curve, label=label, **styles[method])
        ax.set_xlabel("number of recommendations k")
        ax.set_ylabel(f"{LABELS[metric]}@k")
        ax.set_title(LABELS[metric])
        ax.grid(alpha=0.3)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), 5), fontsize=9, frameon=False)
    fig.suptitle(title)
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_forward(path: Path, forward: pl.DataFrame) -> bool:
    """The served lists' forward hit rate per nightly measurement against the popularity yardstick
    (forward_measures); returns False (nothing written) when nothing was measured yet."""
    measured = forward.filter(pl.col("hit_rate").is_not_null()) if forward.height else forward
    if not measured.height:
        return False
    fig, ax = plt.subplots(figsize=(7, 4.5))
    runs = measured["run_id"].to_numpy()
    ax.plot(runs, measured["hit_rate"].to_numpy(), marker="o", label="served lists: hit rate@10")
    ax.plot(runs, measured["pop_hit_rate"].to_numpy(), marker="s", label="popularity: hit rate@10")
    ax.plot(runs, measured["precision_at_k"].to_numpy(), marker="^", ls="--", label="served lists: P@10")
    ax.plot(runs, measured["pop_precision_at_k"].to_numpy(), marker="v", ls="--", label="popularity: P@10")
    ax.set_xlabel("nightly run (measured on the ratings loaded since the served lists were scored)")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(0, None)
    ax.set_title("Forward figures of the served lists")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return True


def plot_list_quality(path: Path, quality: pl.DataFrame) -> bool:
    """The published lists' quality beyond accuracy over scoring runs (``score_run_quality``): catalogue
    coverage, genre diversity@10, mean popularity percentile and overlap@10 with the previous run, one
    panel each; returns False (nothing written) when no run has the figures."""
    if quality.is_empty():
        return False
    panels = {
        "catalogue_coverage": "catalogue coverage",
        "genre_diversity_at_10": "genre diversity@10",
        "novelty_popularity_percentile": "popularity percentile (lower: more novel)",
        "overlap_at_10": "overlap@10 with the previous run",
    }
    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 3.8), squeeze=False)
    runs = quality["run_id"].to_numpy()
    for ax, (column, label) in zip(axes[0], panels.items(), strict=True):
        values = quality[column].cast(pl.Float64).to_numpy()  # NULL -> NaN: a gap in the line
        ax.plot(runs, values, marker="o", color="tab:red")
        ax.set_xlabel("score run")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylim(0, 1.05)
        ax.set_title(label, fontsize=10)
        ax.grid(alpha=0.3)
    fig.suptitle("Published lists beyond accuracy, per scoring run")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return True
