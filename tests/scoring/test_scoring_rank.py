"""Unit tests of the chunk ranking: masking, top-k, the deterministic tie-break."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from recdb.errors import JobFailedError
from recdb.ranking import MovieSets, mask_rated, top_k
from recdb.scoring.rank import flatten, lift_minus_inf, lost_candidates


def reference(scores: torch.Tensor, k: int) -> torch.Tensor:
    """Exact (score desc, column asc) order: a stable descending sort of the whole row."""
    return torch.sort(scores, dim=1, descending=True, stable=True).indices[:, : min(k, scores.shape[1])]


def test_ties_go_to_the_lower_column() -> None:
    scores = torch.tensor([[1.0, 2.0, 2.0, 0.5, 2.0, 2.0]])
    _, cols = top_k(scores, 3)
    assert cols.tolist() == [[1, 2, 4]]


def test_boundary_tie_keeps_descending_order() -> None:
    scores = torch.tensor([[1.0, 5.0, 1.0, 1.0, 0.0, 3.0]])
    values, cols = top_k(scores, 3)
    assert cols.tolist() == [[1, 5, 0]] and values.tolist() == [[5.0, 3.0, 1.0]]


def test_boundary_tie_is_exact_whatever_topk_picks() -> None:
    # Many equal scores straddle position k: the cut must keep the lowest columns.
    scores = torch.zeros(4, 1000)
    scores[:, 900] = 1.0
    _, cols = top_k(scores, 5)
    assert cols.tolist() == [[900, 0, 1, 2, 3]] * 4


@settings(max_examples=60, deadline=None)
@given(
    rows=st.integers(1, 6),
    cols=st.integers(1, 40),
    k=st.integers(1, 50),
    levels=st.integers(1, 4),
    seed=st.integers(0, 10_000),
)
def test_top_k_matches_a_stable_sort(rows: int, cols: int, k: int, levels: int, seed: int) -> None:
    gen = torch.Generator().manual_seed(seed)
    scores = torch.randint(0, levels, (rows, cols), generator=gen).float()  # heavy ties
    scores[torch.rand(rows, cols, generator=gen) < 0.2] = float("-inf")  # masked cells
    values, got = top_k(scores.clone(), k)
    assert torch.equal(got, reference(scores, k))
    assert torch.equal(values, scores.gather(1, got))


def test_mask_rated_sets_exactly_the_rated_cells() -> None:
    rated = MovieSets(indptr=np.array([0, 2, 2, 3]), indices=np.array([0, 3, 1]))
    scores = torch.zeros(2, 4)
    mask_rated(scores, rated, np.array([1, 2]))  # rows 1 and 2 of the catalogue
    assert torch.isinf(scores).nonzero().tolist() == [[1, 1]]
    scores = torch.zeros(3, 4)
    mask_rated(scores, rated, np.array([2, 0, 1]))  # any rows, any order
    assert torch.isinf(scores).nonzero().tolist() == [[0, 1], [1, 0], [1, 3]]


def test_flatten_cuts_users_with_fewer_candidates() -> None:
    cols = torch.tensor([[3, 1, 2], [0, 2, 1]])
    out = flatten(cols, np.array([10, 11]), n_candidates=np.array([3, 1]))
    assert out.user_rows.tolist() == [10, 10, 10, 11]
    assert out.ranks.tolist() == [1, 2, 3, 1]
    assert out.movie_cols.tolist() == [3, 1, 2, 0]


def test_nan_scores_fail_the_job() -> None:
    scores = torch.zeros(3, 400)
    scores[2, 371] = float("nan")
    with pytest.raises(JobFailedError, match="NaN"):
        top_k(scores, 10)


def test_minus_inf_candidates_are_detected_and_recovered() -> None:
    rated = MovieSets(indptr=np.array([0, 1]), indices=np.array([1]))
    model = torch.tensor([[float("-inf"), 0.0, float("-inf"), 5.0]])
    scores = model.clone()
    mask_rated(scores, rated, np.array([0]))
    values, _ = top_k(scores, 3)
    assert lost_candidates(values, np.array([3])).tolist() == [0]  # a -inf inside the list
    scores = model.clone()
    lift_minus_inf(scores)
    mask_rated(scores, rated, np.array([0]))
    values, cols = top_k(scores, 3)
    assert cols.tolist() == [[3, 0, 2]] and lost_candidates(values, np.array([3])).size == 0
