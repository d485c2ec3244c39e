"""The ``beats_ease_top10`` claim: the model's NDCG@10 and P@10 against EASE's on the same splits."""

from __future__ import annotations

import numpy as np

from recdb.evaluation.claims import HELD, NOT_EVALUATED, NOT_HELD, check_claims
from recdb.evaluation.core import MethodResult, SkippedMethod
from recdb.ranking import TopKCurves


def _result(method: str, ndcg: float, precision: float, model_id: int | None = None) -> MethodResult:
    flat = np.full(10, 0.1)
    curves = TopKCurves(np.full(10, precision), flat, flat, np.full(10, ndcg), flat, flat, n_users=5)
    return MethodResult(method, model_id, "random-s0", "random", 0.7, 0.9, 10, curves, 0.0, 0.0, 0.0)


def _claim(results: list[MethodResult], skipped: list[SkippedMethod] | None = None):  # type: ignore[no-untyped-def]
    claims = check_claims(results, [("hybrid", 1)], skipped)
    return next(c for c in claims if c.key == "beats_ease_top10")


def test_held_only_when_both_ndcg_and_precision_beat_ease() -> None:
    ubcf = _result("ubcf", 0.3, 0.25)
    held = _claim([_result("hybrid", 0.38, 0.31, 1), _result("ease", 0.36, 0.29), ubcf])
    assert held.verdict == HELD and "x1.056" in held.detail
    lost = _claim([_result("hybrid", 0.38, 0.28, 1), _result("ease", 0.36, 0.29), ubcf])
    assert lost.verdict == NOT_HELD


def test_not_evaluated_when_ease_was_skipped() -> None:
    skip = SkippedMethod("ease", "random-s0", 10**10, 2 * 10**9, 100, 100)
    claim = _claim([_result("hybrid", 0.38, 0.31, 1), _result("ubcf", 0.3, 0.25)], [skip])
    assert claim.verdict == NOT_EVALUATED and claim.detail.startswith("not checked:")
