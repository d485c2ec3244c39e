"""The paper's claims, checked against one evaluation run's numbers (never tuned until they hold).

Claims, per evaluated model architecture (several models of one architecture, e.g. seeds, are
averaged per split first, then over splits):

* ``beats_ubcf_mae``: lower test MAE than UBCF on the same (non-cold-start) splits.
* ``beats_ubcf_prf_every_k``: higher precision, recall and F1 than UBCF at every k = 1..max_k.
* ``cold_start_solved``: on a cold-start split (held-out users or movies), lower MAE than the rating
  fallback (demographic mean for users, genre mean for movies) AND higher NDCG@10 than every fallback.
  Not evaluated unless a model trained on such a split is evaluated.
* ``identical_ranking``: the paper's additive formula gives every user the same ranking. Checked on
  ``paper`` models as the fraction of user pairs whose unmasked top-10 lists are identical (1 = all).
* ``beats_ease_top10``: higher NDCG@10 and P@10 than EASE, the strongest top-k baseline, on the same
  (non-cold-start) splits; the detail gives the ratios (not a claim of the paper: recdb's own bar).

A claim whose comparison method was skipped (``evaluate.max_dense_gb``) is "not evaluated" with a
detail starting "not checked:" and the reason, instead of failing or comparing against nothing.
"""

from __future__ import annotations

import operator
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from recdb.evaluation.baselines import COLD_FALLBACKS
from recdb.evaluation.core import MethodResult, SkippedMethod
from recdb.evaluation.data import COLD_KINDS

HELD, NOT_HELD, NOT_EVALUATED = "held", "did not hold", "not evaluated"

CLAIM_TEXT = {
    "beats_ubcf_mae": "The model predicts ratings better than user-based CF (lower MAE).",
    "beats_ubcf_prf_every_k": "The model's top-k lists beat user-based CF on precision, recall and F1 "
    "at every k.",
    "cold_start_solved": "The model solves cold start (beats the demographic / genre-mean / popularity "
    "fallbacks).",
    "identical_ranking": "The paper's additive formula ranks movies identically for every user.",
    "beats_ease_top10": "The model's top-10 lists beat EASE (higher NDCG@10 and P@10).",
}


@dataclass(frozen=True)
class Claim:
    key: str
    method: str
    verdict: str
    detail: str

    @property
    def text(self) -> str:
        return CLAIM_TEXT[self.key]


def _mean_by_split(
    results: list[MethodResult], method: str, kinds: tuple[str, ...] | None
) -> dict[str, list]:
    """Per split (of the given kinds), the results of ``method`` there."""
    out: dict[str, list] = defaultdict(list)
    for r in results:
        if r.method == method and (kinds is None or r.split_kind in kinds):
            out[r.split_id].append(r)
    return out


def _avg(per_split: dict[str, list], splits: list[str], get: Callable[[MethodResult], Any]) -> np.ndarray:
    """Mean over splits of the mean over that split's results of ``get(result)``."""
    return np.mean([np.mean([get(r) for r in per_split[s]], axis=0) for s in splits], axis=0)


#: The baselines each claim compares against (a skipped one makes the claim "not checked").
NEEDS: dict[str, tuple[str, ...]] = {
    "beats_ubcf_mae": ("ubcf",),
    "beats_ubcf_prf_every_k": ("ubcf",),
    "cold_start_solved": tuple(dict.fromkeys(m for fbs in COLD_FALLBACKS.values() for m in fbs)),
    "identical_ranking": (),
    "beats_ease_top10": ("ease",),
}


def check_claims(
    results: list[MethodResult], models: list[tuple[str, int]], skipped: list[SkippedMethod] | None = None
) -> list[Claim]:
    """Every claim for every evaluated architecture (``models``: (architecture, model_id) pairs).

    ``skipped``: baselines left out for the memory budget; the claims needing them are not checked.
    """
    architectures = list(dict.fromkeys(a for a, _ in models))
    if not architectures:
        return [
            Claim(k, "-", NOT_EVALUATED, "baselines-only run: no model was evaluated") for k in CLAIM_TEXT
        ]
    checks: dict[str, Callable[[list[MethodResult], str], Claim]] = {
        "beats_ubcf_mae": _beats_ubcf_mae,
        "beats_ubcf_prf_every_k": _beats_ubcf_prf,
        "cold_start_solved": _cold_start,
        "identical_ranking": _identical_ranking,
        "beats_ease_top10": _beats_ease_top10,
    }
    claims: list[Claim] = []
    for arch in architectures:
        for key, check in checks.items():
            missing = [s for s in skipped or [] if s.method in NEEDS[key]]
            if missing:
                reasons = "; ".join(f"{s.method} was skipped on {s.split_id}: {s.reason}" for s in missing)
                claims.append(Claim(key, arch, NOT_EVALUATED, f"not checked: {reasons}"))
            else:
                claims.append(check(results, arch))
    return claims


def _warm(
    results: list[MethodResult], arch: str, other: str = "ubcf"
) -> tuple[dict[str, list], dict[str, list], list[str]]:
    warm = tuple(k for k in ("random", "time") if k not in COLD_KINDS)
    model = _mean_by_split(results, arch, warm)
    theirs = _mean_by_split(results, other, warm)
    return model, theirs, sorted(set(model) & set(theirs))


def _at10(result: MethodResult, metric: str) -> float:
    curve = getattr(result.curves, metric)
    return float(curve[min(9, curve.size - 1)])


def _beats_ease_top10(results: list[MethodResult], arch: str) -> Claim:
    model, ease, splits = _warm(results, arch, "ease")
    if not splits:
        return Claim(
            "beats_ease_top10", arch, NOT_EVALUATED, "no random/time split with both the model and EASE"
        )
    parts, held = [], True
    for metric, label in (("ndcg", "NDCG@10"), ("precision", "P@10")):
        mine, theirs = (float(_avg(per, splits, partial(_at10, metric=metric))) for per in (model, ease))
        held &= mine > theirs
        ratio = f"{mine / theirs:.3f}" if theirs > 0 else "-"
        parts.append(f"{label} {mine:.4f} vs EASE {theirs:.4f} (x{ratio})")
    detail = "; ".join(parts) + f" (mean over {len(splits)} split(s))"
    return Claim("beats_ease_top10", arch, HELD if held else NOT_HELD, detail)


def _beats_ubcf_mae(results: list[MethodResult], arch: str) -> Claim:
    model, ubcf, splits = _warm(results, arch)
    if not splits:
        return Claim(
            "beats_ubcf_mae", arch, NOT_EVALUATED, "no random/time split with both the model and UBCF"
        )
    if any(r.mae is None for s in splits for r in model[s]):
        return Claim("beats_ubcf_mae", arch, NOT_EVALUATED, "the model reports no predicted ratings")
    m, u = float(_avg(model, splits, lambda r: r.mae)), float(_avg(ubcf, splits, lambda r: r.mae))
    verdict = HELD if m < u else NOT_HELD
    return Claim(
        "beats_ubcf_mae", arch, verdict, f"MAE {m:.4f} vs UBCF {u:.4f} (mean over {len(splits)} split(s))"
    )


def _beats_ubcf_prf(results: list[MethodResult], arch: str) -> Claim:
    model, ubcf, splits = _warm(results, arch)
    if not splits:
        return Claim(
            "beats_ubcf_prf_every_k", arch, NOT_EVALUATED, "no random/time split with both the model and UBCF"
        )
    parts, held = [], True
    for metric in ("precision", "recall", "f1"):
        curve = operator.attrgetter(f"curves.{metric}")
        mine, theirs = _avg(model, splits, curve), _avg(ubcf, splits, curve)
        wins = int((mine > theirs).sum())
        held &= wins == mine.size
        k10 = min(9, mine.size - 1)
        parts.append(
            f"{metric} higher at {wins}/{mine.size} k (@{k10 + 1}: {mine[k10]:.4f} vs {theirs[k10]:.4f})"
        )
    return Claim("beats_ubcf_prf_every_k", arch, HELD if held else NOT_HELD, "; ".join(parts))


def _cold_start(results: list[MethodResult], arch: str) -> Claim:
    details, held, seen = [], True, False
    for kind, fallbacks in COLD_FALLBACKS.items():
        model = _mean_by_split(results, arch, (kind,))
        if not model:
            continue
        seen = True
        splits = sorted(model)
        m_mae = float(_avg(model, splits, lambda r: r.mae if r.mae is not None else np.nan))
        m_ndcg = float(_avg(model, splits, lambda r: r.curves.ndcg[min(9, r.curves.ndcg.size - 1)]))
        rating_fb = _mean_by_split(results, fallbacks[0], (kind,))
        fb_mae = float(_avg(rating_fb, splits, lambda r: r.mae))
        fb_ndcg = {
            fb: float(
                _avg(
                    _mean_by_split(results, fb, (kind,)),
                    splits,
                    lambda r: r.curves.ndcg[min(9, r.curves.ndcg.size - 1)],
                )
            )
            for fb in fallbacks
        }
        best_fb = max(fb_ndcg, key=fb_ndcg.__getitem__)
        held &= bool(m_mae < fb_mae) and m_ndcg > fb_ndcg[best_fb]
        details.append(
            f"{kind}: MAE {m_mae:.4f} vs {fallbacks[0]} {fb_mae:.4f}; "
            f"NDCG@10 {m_ndcg:.4f} vs {best_fb} {fb_ndcg[best_fb]:.4f}"
        )
    if not seen:
        return Claim(
            "cold_start_solved", arch, NOT_EVALUATED,
            "no model of this architecture trained on a cold_users/cold_movies split was evaluated "
            "in this run "
            "(train one with train.split=cold_users or cold_movies, then `recdb evaluate --model ID`)",
        )  # fmt: skip
    return Claim("cold_start_solved", arch, HELD if held else NOT_HELD, "; ".join(details))


def _identical_ranking(results: list[MethodResult], arch: str) -> Claim:
    fractions = [r.same_top10 for r in results if r.method == arch]
    value = float(np.mean(fractions))
    detail = (
        f"fraction of user pairs with identical unmasked top-10 lists: {value:.4f} "
        f"(over {len(fractions)} model run(s))"
    )
    if arch != "paper":
        return Claim(
            "identical_ranking", arch, NOT_EVALUATED, f"not the paper architecture; for reference, {detail}"
        )
    return Claim("identical_ranking", arch, HELD if min(fractions) >= 1.0 else NOT_HELD, detail)
