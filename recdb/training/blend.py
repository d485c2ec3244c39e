"""Choose γ, the predicted rating's weight in the hybrid's list score, on the validation part.

A list should hold movies the user will both watch and like: relevance in the top-k protocol is
"rated, and rated ≥ threshold". The ranking head estimates the first (a softmax over movies), the
rating head the second, so lists rank by watch score + γ × predicted rating. The two heads are
trained separately (γ = 0 while training), and γ is picked afterwards from a small grid by valid
NDCG@10, the same figure early stopping watches; the test part never chooses anything. Each γ is
scored through the network's Predictor (:func:`recdb.training.loop.bound_predictor`), as scoring will.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import torch

from recdb.model.network import Network
from recdb.training.data import TrainingData
from recdb.training.loop import bound_predictor, list_metrics, require_ranking_head

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BlendChoice:
    gamma: float
    valid: dict[float, dict[str, float]]  # every γ tried → its valid NDCG@10 and P@10

    @property
    def chosen(self) -> dict[str, float]:
        """The chosen γ's valid NDCG@10 and P@10."""
        return self.valid[self.gamma]


@torch.no_grad()
def choose_rank_blend(
    model: Network,
    data: TrainingData,
    grid: list[float],
    threshold: float,
    device: torch.device,
    max_users: int | None = None,
) -> BlendChoice:
    """The γ of ``grid`` with the best valid NDCG@10 (ties: the smallest γ); the model is not changed.

    ``model`` must have a ranking head (:meth:`Network.ranking_head`), whose γ this tries.
    """
    head = require_ranking_head(model)
    predictor = bound_predictor(model, data, device, ["train"])  # towers once; γ only enters the scores
    kept = head.rank_blend.clone()
    tried: dict[float, dict[str, float]] = {}
    try:
        for gamma in sorted(set(grid)):
            head.rank_blend.fill_(gamma)
            tried[gamma] = list_metrics(predictor, data, "valid", ["train"], threshold, max_users)
    finally:
        head.rank_blend.copy_(kept)
    ndcg = {g: v["ndcg10"] for g, v in tried.items() if math.isfinite(v["ndcg10"])}  # NaN: no valid users
    best = max(ndcg, key=lambda g: (ndcg[g], -g)) if ndcg else min(tried)
    log.info(
        "rank blend: γ = %g (valid NDCG@10 %s)",
        best,
        ", ".join(f"{g:g}: {v['ndcg10']:.4f}" for g, v in tried.items()),
    )
    return BlendChoice(gamma=best, valid=tried)
