"""Metric implementations against hand-computed cases, and invariants checked with hypothesis."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from recdb.evaluation.core import identical_pairs_fraction
from recdb.ranking import TopKCurves, coverage_curve, mae, rmse, top_k, topk_curves


def test_mae_rmse_by_hand() -> None:
    p, a = torch.tensor([1.0, 2.0, 4.0]), torch.tensor([2.0, 2.0, 1.0])
    assert mae(p, a) == pytest.approx(4 / 3)
    assert rmse(p, a) == pytest.approx(math.sqrt(10 / 3))


def test_topk_by_hand() -> None:
    # user 0 ranks movies 0, 1, 2; relevant {1, 3}: one hit at rank 2
    # user 1 ranks 3, 2, 1; relevant {3}: hit at rank 1
    # user 2 has nothing relevant: excluded from the accuracy metrics
    top = torch.tensor([[0, 1, 2], [3, 2, 1], [4, 0, 1]])
    relevant = torch.zeros(3, 5, dtype=torch.bool)
    relevant[0, [1, 3]] = True
    relevant[1, 3] = True
    c = topk_curves(top, relevant, n_movies=5)
    d = 1 / math.log2(3)
    assert c.n_users == 2
    np.testing.assert_allclose(c.precision, [(0 + 1) / 2, (0.5 + 0.5) / 2, (1 / 3 + 1 / 3) / 2])
    np.testing.assert_allclose(c.recall, [(0 + 1) / 2, (0.5 + 1) / 2, (0.5 + 1) / 2])
    np.testing.assert_allclose(c.f1, [(0 + 1) / 2, (0.5 + 2 / 3) / 2, (0.4 + 0.5) / 2])
    ndcg_u0 = [0.0, d / (1 + d), d / (1 + d)]
    np.testing.assert_allclose(c.ndcg, [(ndcg_u0[i] + 1) / 2 for i in range(3)])
    np.testing.assert_allclose(c.hit_rate, [0.5, 1.0, 1.0])
    # coverage over all three users: k=1 {0, 3, 4}; k=2 adds 1, 2; k=3 nothing new
    np.testing.assert_allclose(c.coverage, [3 / 5, 5 / 5, 5 / 5])


def test_coverage_curve_by_hand() -> None:
    top = torch.tensor([[0, 1], [0, 2]])
    np.testing.assert_allclose(coverage_curve(top, 4), [1 / 4, 3 / 4])


def test_top_k_breaks_ties_by_lower_column() -> None:
    scores = torch.tensor([[1.0, 3.0, 3.0, 0.0, 3.0], [5.0, 4.0, 3.0, 2.0, 1.0]])
    assert top_k(scores, 3)[1].tolist() == [[1, 2, 4], [0, 1, 2]]
    assert top_k(torch.zeros(2, 6), 2)[1].tolist() == [[0, 1], [0, 1]]


def test_identical_pairs_fraction() -> None:
    lists = torch.tensor([[1, 2], [1, 2], [2, 1], [1, 2]])
    assert identical_pairs_fraction(lists) == pytest.approx(3 / 6)
    assert identical_pairs_fraction(lists[:1]) == 1.0


@st.composite
def ranking_case(draw: st.DrawFn) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, int]:
    n_users = draw(st.integers(1, 8))
    n_movies = draw(st.integers(2, 25))
    seed = draw(st.integers(0, 2**31 - 1))
    max_k = draw(st.integers(1, n_movies))
    g = torch.Generator().manual_seed(seed)
    scores = torch.rand(n_users, n_movies, generator=g)
    if draw(st.booleans()):  # coarse scores: many ties
        scores = (scores * 3).floor()
    state = torch.randint(
        0, 3, (n_users, n_movies), generator=g
    )  # 0 unrated, 1 rated (train), 2 relevant test
    rated, relevant = state == 1, state == 2
    return scores, rated, relevant, max_k


def curves_for(
    scores: torch.Tensor, rated: torch.Tensor, relevant: torch.Tensor, max_k: int
) -> tuple[TopKCurves, torch.Tensor]:
    top = top_k(scores.masked_fill(rated, float("-inf")), max_k)[1]
    return topk_curves(top, relevant, scores.shape[1]), top


@settings(max_examples=60, deadline=None)
@given(ranking_case())
def test_invariants(case: tuple[torch.Tensor, torch.Tensor, torch.Tensor, int]) -> None:
    scores, rated, relevant, max_k = case
    c, top = curves_for(scores, rated, relevant, max_k)
    for name, values in c.as_dict().items():
        if c.n_users == 0 and name != "coverage":
            continue
        assert np.all(values >= -1e-12) and np.all(values <= 1 + 1e-12), name
    for name in ("recall", "hit_rate", "coverage") if c.n_users else ("coverage",):
        assert np.all(np.diff(c.as_dict()[name]) >= -1e-12), name
    # already-rated movies never count: they are never recommended while candidates remain ...
    n_candidates = (~rated).sum(1)
    picked_rated = torch.gather(rated, 1, top)
    positions = torch.arange(top.shape[1]).unsqueeze(0)
    assert not (picked_rated & (positions < n_candidates.unsqueeze(1))).any()
    # ... and pushing them to the top of the scores changes nothing
    boosted = scores.masked_fill(rated, 1e9)
    c2, _ = curves_for(boosted, rated, relevant, max_k)
    for name in ("precision", "recall", "f1", "ndcg", "hit_rate"):
        np.testing.assert_allclose(c.as_dict()[name], c2.as_dict()[name])


@settings(max_examples=40, deadline=None)
@given(ranking_case())
def test_perfect_ranking_scores_one(case: tuple[torch.Tensor, torch.Tensor, torch.Tensor, int]) -> None:
    _, rated, relevant, max_k = case
    if not relevant.any():
        return
    c, _ = curves_for(relevant.float(), rated, relevant, max_k)
    np.testing.assert_allclose(c.ndcg, 1.0)
    np.testing.assert_allclose(c.hit_rate, 1.0)
    assert c.precision[0] == pytest.approx(1.0)
    n_rel = relevant.sum(1)
    if int(n_rel.max()) <= max_k:
        assert c.recall[-1] == pytest.approx(1.0)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.sampled_from([float("-inf"), -2.5, -1.0, -0.0, 0.0, 1e-30, 0.5, 1.0, 3.0, 1e30]),
        min_size=1,
        max_size=30,
    )
)
def test_top_k_equals_a_stable_sort(values: list[float]) -> None:
    scores = torch.tensor([values], dtype=torch.float32)
    expected = torch.sort(scores + 0.0, dim=1, descending=True, stable=True).indices
    assert top_k(scores, len(values))[1].tolist() == expected.tolist()
