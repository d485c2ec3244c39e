"""recdb.ranking, and the training metrics built on it, pinned against independent implementations:
numpy's lexsort for the (score desc, column asc) order, torchmetrics' retrieval metrics for P@k, R@k
and NDCG@k. Scores are drawn from a few levels, so ties (also at the cut) are the rule."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torchmetrics.functional.retrieval import (
    retrieval_normalized_dcg,
    retrieval_precision,
    retrieval_recall,
)

from recdb.ranking import MovieSets, curves_from_hits, hit_matrix, mask_rated, relevant_block, top_k
from recdb.training.data import RatingTensors
from recdb.training.metrics import topk_metrics

Case = tuple[np.ndarray, np.ndarray, np.ndarray, int]
TOL = 1e-6  # torchmetrics computes in float32; a wrong list is off by far more


@st.composite
def cases(draw: st.DrawFn) -> Case:
    """(scores with ties, rated mask, relevant mask, k): each cell unrated, rated or relevant."""
    n_users = draw(st.integers(1, 8))
    n_movies = draw(st.integers(1, 30))
    levels = draw(st.integers(1, 4))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    scores = rng.integers(0, levels, (n_users, n_movies)).astype(np.float32)
    state = rng.choice(3, size=(n_users, n_movies), p=[0.5, 0.3, 0.2])
    k = draw(st.integers(1, n_movies + 3))
    return scores, state == 1, state == 2, k


def reference(scores: np.ndarray, rated: np.ndarray, relevant: np.ndarray, k: int) -> dict[str, float]:
    """Mean P@k, R@k, NDCG@k by torchmetrics, over users with a relevant movie, candidates only.

    The tie-break is applied here with lexsort; torchmetrics then sees distinct, positive scores.
    """
    out: dict[str, list[float]] = {"precision": [], "recall": [], "ndcg": []}
    for u in range(scores.shape[0]):
        candidates = np.flatnonzero(~rated[u])
        if not relevant[u, candidates].any():
            continue
        order = candidates[np.lexsort((candidates, -scores[u, candidates]))]
        preds = torch.arange(order.size, 0, -1, dtype=torch.float64)  # best first, all > 0
        target = torch.from_numpy(relevant[u, order])
        out["precision"].append(float(retrieval_precision(preds, target, top_k=k)))
        out["recall"].append(float(retrieval_recall(preds, target, top_k=k)))
        out["ndcg"].append(float(retrieval_normalized_dcg(preds, target.long(), top_k=k)))
    return {name: float(np.mean(values)) if values else float("nan") for name, values in out.items()}


def pairs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    rows, cols = np.nonzero(mask)
    return rows.astype(np.int64), cols.astype(np.int64)


def ranked(scores: np.ndarray, rated: np.ndarray, k: int) -> torch.Tensor:
    """recdb's top-k columns of the masked scores, as evaluation and training compute them."""
    n_users = scores.shape[0]
    masked = torch.from_numpy(scores.copy())
    mask_rated(masked, MovieSets.from_pairs(*pairs(rated), n_users), np.arange(n_users))
    return top_k(masked, k)[1]


@settings(max_examples=80, deadline=None)
@given(cases())
def test_top_k_is_the_lexsort_order(case: Case) -> None:
    scores, rated, _, k = case
    masked = np.where(rated, -np.inf, scores)
    cols = np.arange(scores.shape[1])
    expected = [np.lexsort((cols, -row))[:k].tolist() for row in masked]
    assert ranked(scores, rated, k).tolist() == expected


@settings(max_examples=80, deadline=None)
@given(cases())
def test_evaluation_metrics_match_torchmetrics(case: Case) -> None:
    scores, rated, relevant, k = case
    n_users, n_movies = scores.shape
    k = min(k, n_movies)  # evaluation's curves stop at the catalogue size
    top = ranked(scores, rated, k)
    sets = MovieSets.from_pairs(*pairs(relevant), n_users)
    hits = hit_matrix(top, relevant_block(sets, np.arange(n_users), n_movies))
    curves = curves_from_hits(top, hits, torch.from_numpy(sets.counts()), n_movies)
    expected = reference(scores, rated, relevant, k)
    for name in ("precision", "recall", "ndcg"):
        got = getattr(curves, name)[k - 1]
        assert got == pytest.approx(expected[name], abs=TOL, nan_ok=True), name


@settings(max_examples=80, deadline=None)
@given(cases())
def test_training_metrics_match_torchmetrics(case: Case) -> None:
    """Training's NDCG@k / P@k follow the same protocol, tie-break included (k may pass the catalogue)."""
    scores, rated, relevant, k = case
    n_users, n_movies = scores.shape
    unrated_low = ~rated & ~relevant  # some 2-star target ratings: below the threshold, not relevant
    rel_u, rel_m = pairs(relevant)
    low_u, low_m = pairs(unrated_low)
    seen_u, seen_m = pairs(rated)
    target = RatingTensors(
        torch.from_numpy(np.concatenate([rel_u, low_u])),
        torch.from_numpy(np.concatenate([rel_m, low_m])),
        torch.tensor([5.0] * rel_u.size + [2.0] * low_u.size),
    )
    seen = RatingTensors(torch.from_numpy(seen_u), torch.from_numpy(seen_m), torch.ones(seen_u.size))
    table = torch.from_numpy(scores)
    out = topk_metrics(lambda rows: table[rows], n_users, n_movies, [seen], target, 4.0, k=k, chunk=3)
    expected = reference(scores, rated, relevant, k)
    assert out["users"] == float(relevant.any(axis=1).sum())
    if out["users"]:
        assert out[f"precision{k}"] == pytest.approx(expected["precision"], abs=TOL)
        assert out[f"ndcg{k}"] == pytest.approx(expected["ndcg"], abs=TOL)
