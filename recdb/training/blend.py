"""Choose the hybrid's list-score weights on the validation part: γ (the predicted rating) and w (the
item-item term), together.

A list should hold movies the user will both watch and like: relevance in the top-k protocol is
"rated, and rated ≥ threshold". The ranking head estimates the first (a softmax over movies), the
rating head the second, and the item-item term (:mod:`recdb.model.itemitem`) the co-watch structure
of the user's history, so lists rank by watch + γ × like + w × item-item. The heads are trained
separately (γ = w = 0 while training); afterwards every (γ, w) of ``train.rank_blend_grid`` ×
``train.item_blend_grid`` is tried and the pair with the best valid NDCG@10 kept, the figure early
stopping watches (ties: the smaller w, then the smaller γ). The test part never chooses anything.

The list score is affine in γ and w, so each chunk of users is scored through the network's Predictor
(:func:`recdb.training.loop.bound_predictor`, as scoring will) three times, at (γ, w) = (0, 0), (1, 0)
and (0, 1), and every pair of the grid is their combination: the grid costs three rankings' worth of
scores plus a top-k per pair, not a ranking per pair (ML-1M: 24 pairs in about 5 s; a ranking each
would take about 40 s). The formula itself stays the model's (the Predictor's ``rank_scores``); a test
checks the combination against it.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator
from dataclasses import dataclass

import torch

from recdb.model.itemitem import BLOCK_ENTRIES
from recdb.model.network import Network
from recdb.settings import TrainSettings
from recdb.training.data import TrainingData
from recdb.training.itemitem import fit_term
from recdb.training.loop import bound_predictor, require_ranking_head
from recdb.training.metrics import topk_metrics_many

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BlendChoice:
    gamma: float  # γ, the predicted rating's weight
    blend: float  # w, the item-item term's weight (0 without a term)
    valid: dict[tuple[float, float], dict[str, float]]  # every (γ, w) tried → its valid NDCG@10 and P@10

    @property
    def chosen(self) -> dict[str, float]:
        """The chosen pair's valid NDCG@10 and P@10."""
        return self.valid[(self.gamma, self.blend)]


@torch.no_grad()
def choose_blends(
    model: Network,
    data: TrainingData,
    gammas: list[float],
    blends: list[float],
    threshold: float,
    device: torch.device,
    max_users: int | None = None,
) -> BlendChoice:
    """The (γ, w) of ``gammas`` × ``blends`` with the best valid NDCG@10; the model is not changed.

    ``model`` must have a ranking head; a w > 0 needs the item-item term's B already fitted.
    """
    head = require_ranking_head(model)
    term = model.history_term()
    with_term = term is not None and term.movies.numel() > 0 and any(w > 0 for w in blends)
    kept = (head.rank_blend.clone(), term.blend.clone() if term is not None else None)
    pairs = [(g, w) for w in sorted(set(blends)) for g in sorted(set(gammas)) if with_term or w == 0]
    try:
        head.rank_blend.zero_()
        if term is not None:
            term.blend.zero_()
        towers = bound_predictor(model, data, device, ["train"])  # the term off: towers alone
        if with_term:
            assert term is not None
            term.blend.fill_(1.0)
        item = bound_predictor(model, data, device, ["train"]) if with_term else None

        def scores(rows: torch.Tensor) -> Iterator[torch.Tensor]:
            users = rows.numpy()
            head.rank_blend.zero_()
            base = towers.rank_scores(users).float()
            head.rank_blend.fill_(1.0)
            like = towers.rank_scores(users).float() - base
            head.rank_blend.zero_()
            term_part = item.rank_scores(users).float() - base if item is not None else None
            for gamma, w in pairs:
                out = torch.add(base, like, alpha=gamma)  # a fresh block: the metrics mask it in place
                yield out.add_(term_part, alpha=w) if term_part is not None and w > 0 else out

        n_movies = len(data.tensors.movie_ids)
        # four blocks are held at once (base, like, item-item, one pair): each within BLOCK_ENTRIES
        chunk = max(1, min(1024, BLOCK_ENTRIES // max(n_movies, 1)))
        seen = [data.parts["train"]]
        found = topk_metrics_many(
            scores, len(pairs), len(data.tensors.users), n_movies, seen, data.parts["valid"], threshold,
            chunk=chunk, max_users=max_users, fresh=True,
        )  # fmt: skip
    finally:
        head.rank_blend.copy_(kept[0])
        if term is not None and kept[1] is not None:
            term.blend.copy_(kept[1])
    tried = {p: {key: f[key] for key in ("ndcg10", "precision10")} for p, f in zip(pairs, found, strict=True)}
    ndcg = {p: v["ndcg10"] for p, v in tried.items() if math.isfinite(v["ndcg10"])}  # NaN: no valid users
    simplest = min(tried, key=lambda p: (p[1], p[0]))
    best = max(ndcg, key=lambda p: (ndcg[p], -p[1], -p[0])) if ndcg else simplest
    return BlendChoice(gamma=best[0], blend=best[1], valid=tried)


def set_blends(
    model: Network,
    data: TrainingData,
    tr: TrainSettings,
    threshold: float,
    device: torch.device,
    valid: dict[str, float],
) -> dict[str, float]:
    """Choose and set γ and w after training (``train.rank_blend`` / ``train.item_blend``: "auto" tries
    their grids, a number fixes them); returns ``valid`` with the chosen lists' NDCG@10 and P@10.

    The item-item term's B is fitted on the train part for the choice; once w > 0 is chosen it is
    refitted on train + valid (the towers never see valid, but a closed form loses nothing by it, and
    the evaluation's EASE fits on both too); w = 0 leaves no B in the checkpoint.
    """
    head = model.ranking_head()
    if head is None:
        return valid
    term = model.history_term()
    movies = fit_term(model, data, tr, ["train"])  # None: no term (paper, or item_max_movies 0)
    gammas = tr.rank_blend_grid if tr.rank_blend == "auto" else [float(tr.rank_blend)]
    blends = tr.item_blend_grid if tr.item_blend == "auto" else [float(tr.item_blend)]
    blends = [0.0] if movies is None else blends
    choice = choose_blends(model, data, gammas, blends, threshold, device, tr.metric_users)
    head.rank_blend.fill_(choice.gamma)
    if term is not None and movies is not None:
        term.blend.fill_(choice.blend)
        if choice.blend > 0 and len(data.parts["valid"]):
            fit_term(model, data, tr, ["train", "valid"])
        elif choice.blend == 0:
            term.clear()
    log.info(
        "list blend: γ = %g, w = %g%s (valid NDCG@10 %s)",
        choice.gamma,
        choice.blend,
        f", item-item over {movies} movies" if movies is not None else "",
        ", ".join(f"{g:g}/{w:g}: {v['ndcg10']:.4f}" for (g, w), v in choice.valid.items()),
    )
    return {**valid, **choice.chosen}
