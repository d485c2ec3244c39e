"""One epoch of training and one evaluation pass, for both architectures.

Speed matters (ML-1M: ~720k training ratings per epoch on 2 CPU cores), so a mini-batch is a slice of
pre-built tensors, and the movie tower (with its title CNN) runs once per batch over the *distinct*
movies the batch needs, not once per rating. The hybrid's ranking head is trained on "user rated
movie" with a softmax over movies:

- catalogue up to ``train.full_softmax_max`` movies: the exact full softmax over the movies that
  have training ratings (never-rated movies, e.g. a cold-movie split's, are left out: as
  ever-negatives they would push the shared unknown-id embedding, and so their predicted ratings,
  to an extreme), computed per *user*
  (a chunk of ``train.rank_users`` users per step, cycling through all users): the sum over a user's
  rated movies of log softmax(scores over every movie) is the same objective as one softmax per
  rating, but needs one normaliser per user instead of one per rating — hundreds of times cheaper;
- larger catalogues: per rating, against ``train.negatives`` shared negatives drawn by popularity,
  with the logQ correction (Yi et al. 2019) so the sampled softmax estimates the full one.

The loop sees a network only through :class:`recdb.model.network.Network` (and its ranking head, if
it has one); :func:`evaluate` scores it through :class:`~recdb.training.predictor.NetworkPredictor`,
the same code path scoring and evaluation use.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch.nn import functional as F

from recdb.logs import progress
from recdb.model.network import Network, RankingHead
from recdb.predictor import Predictor
from recdb.training.data import TrainingData
from recdb.training.metrics import rating_errors, topk_metrics
from recdb.training.predictor import NetworkPredictor

# Popularity exponent of the negative-sampling distribution q(m) ∝ (count + 1)^α.
_NEG_ALPHA = 0.75


@dataclass(frozen=True)
class LoopConfig:
    batch_size: int
    id_dropout: float
    rank_weight: float
    negatives: int
    full_softmax: bool
    threshold: float
    rank_users: int = 512


def epoch_learning_rate(base: float, epoch: int, epochs: int, schedule: str, min_fraction: float) -> float:
    """The rate of ``epoch`` (1-based) of ``epochs``: constant, or cosine from base to min_fraction × base."""
    if schedule == "constant" or epochs <= 1:
        return base
    progress = (epoch - 1) / (epochs - 1)
    return base * (min_fraction + (1.0 - min_fraction) * 0.5 * (1.0 + math.cos(math.pi * progress)))


def negative_distribution(data: TrainingData) -> torch.Tensor:
    """q over catalogue movies ∝ (train ratings + 1)^α; the +1 lets never-rated movies be negatives."""
    counts = torch.bincount(data.parts["train"].movies, minlength=len(data.tensors.movie_ids)).double()
    q = (counts + 1.0) ** _NEG_ALPHA
    return q / q.sum()


def train_epoch(
    model: Network,
    optimizer: torch.optim.Optimizer,
    data: TrainingData,
    cfg: LoopConfig,
    q: torch.Tensor,
    gen: torch.Generator,
    device: torch.device,
) -> float:
    """One pass over the training ratings in a seeded random order; returns the mean batch loss."""
    model.train()
    train = data.parts["train"]
    order = torch.randperm(len(train), generator=gen)
    n_steps = -(-len(order) // cfg.batch_size)
    per_user = model.ranking_head() is not None and cfg.rank_weight > 0 and cfg.full_softmax
    user_chunks = _user_chunks(data, n_steps, cfg.rank_users, gen) if per_user else None
    total, batches = 0.0, 0
    # under the epochs' bar (recdb.training.trainer), a second one for the batches of this epoch
    with progress("batches", n_steps, unit="batch") as bar:
        for step, start in enumerate(range(0, len(order), cfg.batch_size)):
            idx = order[start : start + cfg.batch_size]
            chunk = user_chunks[step] if user_chunks is not None else None
            loss = _batch_loss(model, data, cfg, q, gen, idx, device, chunk)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += float(loss.detach())
            batches += 1
            bar.update(1)
    return total / max(batches, 1)


def _user_chunks(data: TrainingData, n_steps: int, per_step: int, gen: torch.Generator) -> list[torch.Tensor]:
    """For each step, the user rows whose full-softmax ranking loss it computes (seeded permutations)."""
    users = torch.unique(data.parts["train"].users)
    size = min(per_step, len(users))
    rounds = -(-(n_steps * size) // len(users))
    order = torch.cat([users[torch.randperm(len(users), generator=gen)] for _ in range(rounds)])
    return [order[i * size : (i + 1) * size] for i in range(n_steps)]


def _drop_ids(index: torch.Tensor, p: float, gen: torch.Generator) -> torch.Tensor:
    """Replace ids by the unknown index 0 with probability p, so the towers learn to use features."""
    if p <= 0:
        return index
    keep = torch.rand(index.shape, generator=gen) >= p
    return index * keep


def require_ranking_head(model: Network) -> RankingHead:
    """The network's ranking head; ``TypeError`` for a network with the rating head only."""
    head = model.ranking_head()
    if head is None:
        raise TypeError(f"the {model.config.architecture} network has no ranking head")
    return head


def _batch_loss(
    model: Network,
    data: TrainingData,
    cfg: LoopConfig,
    q: torch.Tensor,
    gen: torch.Generator,
    idx: torch.Tensor,
    device: torch.device,
    chunk: torch.Tensor | None = None,
) -> torch.Tensor:
    t, train = data.tensors, data.parts["train"]
    user_rows, movie_rows = train.users[idx], train.movies[idx]
    # the user tower runs once per distinct user of the batch (ML-1M: ~5k of 16k ratings), not once
    # per rating: its dropout masks (CPU random numbers) were a sixth of an epoch's time
    distinct, user_pos = torch.unique(user_rows, return_inverse=True)
    users = t.users[distinct].clone()  # [U, 4]
    users[:, 0] = _drop_ids(users[:, 0], cfg.id_dropout, gen)
    y = train.ratings[idx].to(device)
    negatives: torch.Tensor | None = None
    ranking = model.ranking_head() is not None and cfg.rank_weight > 0
    if ranking and cfg.full_softmax:  # the tower runs on every movie rated in training, in catalogue order
        rows, inverse = data.rated_movies, data.rated_position[movie_rows]
    else:
        if ranking:
            negatives = torch.multinomial(q, cfg.negatives, replacement=True, generator=gen)
        needed = movie_rows if negatives is None else torch.cat([movie_rows, negatives])
        rows, inverse = torch.unique(needed, return_inverse=True)  # the movie tower runs on these only
    ids = _drop_ids(t.movie_ids[rows], cfg.id_dropout, gen)
    genres, titles = t.genres[rows], t.titles[rows]
    users, ids, genres, titles = users.to(device), ids.to(device), genres.to(device), titles.to(device)
    inverse, user_pos = inverse.to(device), user_pos.to(device)
    batch_pos = inverse[: len(idx)]  # position in `rows` of each rating's movie
    uv, mv = model.batch_sides(users, ids, genres, titles)  # [U, Su], [R, Sm]
    uv = uv[user_pos]  # [B, Su]: each rating's user
    loss = F.mse_loss(model.rating(uv, mv[batch_pos]), y)
    if chunk is not None:
        loss = loss + cfg.rank_weight * _user_softmax_loss(model, data, chunk, mv, cfg, gen, device)
    elif negatives is not None:
        loss = loss + cfg.rank_weight * _rank_loss(model, uv, mv, movie_rows, inverse, negatives, q, cfg)
    return loss


def _user_softmax_loss(
    model: Network,
    data: TrainingData,
    chunk: torch.Tensor,
    mv: torch.Tensor,
    cfg: LoopConfig,
    gen: torch.Generator,
    device: torch.device,
) -> torch.Tensor:
    """Mean over the chunk's training ratings of -log softmax over every movie (the exact full softmax)."""
    train = data.parts["train"]
    users = data.tensors.users[chunk].clone()  # [C, 4]
    users[:, 0] = _drop_ids(users[:, 0], cfg.id_dropout, gen)
    head = require_ranking_head(model)
    logits = head.watch_scores(model.user_side(users.to(device)), mv)  # [C, movies rated in training]
    # the chunk's rated movies: train is sorted by user row, so each user's ratings are one range
    starts = torch.searchsorted(train.users, chunk)
    counts = torch.searchsorted(train.users, chunk, right=True) - starts
    row = torch.repeat_interleave(torch.arange(len(chunk)), counts)
    shift = torch.repeat_interleave(starts - (torch.cumsum(counts, 0) - counts), counts)
    cols = data.rated_position[train.movies[shift + torch.arange(int(counts.sum()))]]  # ranges, no loop
    row, cols, counts = row.to(device), cols.to(device), counts.to(device)
    positive = logits[row, cols].sum()
    normaliser = (torch.logsumexp(logits, dim=1) * counts).sum()
    return (normaliser - positive) / counts.sum().clamp(min=1)


def _rank_loss(
    model: Network,
    uv: torch.Tensor,
    mv: torch.Tensor,
    movie_rows: torch.Tensor,
    inverse: torch.Tensor,
    negatives: torch.Tensor,
    q: torch.Tensor,
    cfg: LoopConfig,
) -> torch.Tensor:
    """Sampled softmax: each rated movie against K shared popularity-drawn negatives, logQ-corrected."""
    head = require_ranking_head(model)
    b = len(movie_rows)
    pos_pos, neg_pos = inverse[:b], inverse[b:]
    log_q = torch.log(q.to(mv.device).float() * cfg.negatives)
    pos = head.watch_pairs(uv, mv[pos_pos]) - log_q[movie_rows.to(mv.device)]  # [B]
    neg = head.watch_scores(uv, mv[neg_pos]) - log_q[negatives.to(mv.device)]  # [B, K]
    hit = movie_rows.to(mv.device).unsqueeze(1) == negatives.to(mv.device).unsqueeze(0)  # accidental hits
    neg = neg.masked_fill(hit, -math.inf)
    logits = torch.cat([pos.unsqueeze(1), neg], dim=1)  # [B, 1 + K], the positive is class 0
    return F.cross_entropy(logits, torch.zeros(b, dtype=torch.long, device=logits.device))


def bound_predictor(
    model: Network, data: TrainingData, device: torch.device, seen: list[str] | None = None
) -> NetworkPredictor:
    """``model`` as the Predictor scoring and evaluation use, bound to the training catalogue.

    ``seen``: the parts that are the users' history, with their ratings (as scoring passes the stored
    ratings).
    """
    predictor = NetworkPredictor(model, data.encoders, model.config.architecture, data.rating_scale, device)
    history, ratings = data.history(seen) if seen else (None, None)
    predictor.bind_encoded(data.tensors_on(device), history, ratings)
    return predictor


@torch.no_grad()
def evaluate(
    model: Network,
    data: TrainingData,
    part: str,
    seen: list[str],
    threshold: float,
    device: torch.device,
    max_users: int | None = None,
) -> dict[str, float]:
    """MAE / RMSE of clipped predictions on ``part``, and NDCG@10 / P@10 with ``seen`` parts excluded.

    The top-k figures average over at most ``max_users`` users (a fixed sample), MAE / RMSE over all.
    """
    target = data.parts[part]
    if len(target) == 0:
        return {"mae": math.nan, "rmse": math.nan, "ndcg10": math.nan, "precision10": math.nan}
    predictor = bound_predictor(model, data, device, seen)
    predicted = predictor.predict(target.users.numpy(), target.movies.numpy())
    out = rating_errors(predicted, target.ratings)
    return {**out, **list_metrics(predictor, data, part, seen, threshold, max_users)}


@torch.no_grad()
def list_metrics(
    predictor: Predictor,
    data: TrainingData,
    part: str,
    seen: list[str],
    threshold: float,
    max_users: int | None = None,
) -> dict[str, float]:
    """NDCG@10 / P@10 on ``part`` of a predictor bound to ``data``'s catalogue, ``seen`` excluded."""

    def scores(rows: torch.Tensor) -> torch.Tensor:
        return predictor.rank_scores(rows.numpy())

    n_users, n_movies = len(data.tensors.users), len(data.tensors.movie_ids)
    seen_parts = [data.parts[p] for p in seen]
    top = topk_metrics(
        scores, n_users, n_movies, seen_parts, data.parts[part], threshold, max_users=max_users
    )
    return {"ndcg10": top["ndcg10"], "precision10": top["precision10"]}
