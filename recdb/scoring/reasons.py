"""Why each recommendation: the user's liked movie closest to it, or the profile of a new user.

A user's *liked* movies are those they rated at or above ``evaluate.relevance_threshold`` (4 on the
MovieLens scales); a user with none has their top-rated movies instead. ``score.reason_candidates``
(default 16) keeps at most that many per user, the highest rated first (then the lower movie ids), which
bounds the cost for heavy raters; 0 keeps them all. For every listed movie the
reason is the liked movie with the highest cosine similarity in the model's item space
(:meth:`recdb.predictor.Predictor.item_vectors`), ties to the lower movie id. A user without any rating
(cold start) has no liked movie: the reason is a text naming the profile the model scored from.

Cost: per user, liked movies (at most ``reason_candidates``) x listed movies x item width multiply-adds.
Users of a chunk with up to 64 liked movies form one group, padded to the longest; longer lists are
grouped by length (padded up to the next step of a x1.19 ladder, so padding wastes at most ~19 % of the
work). Each group is one batched matrix product; no Python loop runs per user.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
import pyarrow as pa
import torch

from recdb.predictor import Catalog
from recdb.scoring.rank import ChunkTopK

# Cells (users x padded liked movies) per batched product: with k = 100 and 64-d vectors, ~50 MB of
# similarities and ~33 MB of gathered vectors at a time.
_BATCH_CELLS = 1 << 17
# Users with at most this many liked movies are padded to the longest of them, in one group per chunk.
_ONE_GROUP = 64
# Padding ladder (longer lists): liked counts are rounded up to 2^(j/4), so a group wastes at most
# 2^(1/4) - 1 of its work.
_STEPS_PER_DOUBLING = 4


@dataclass(frozen=True)
class Liked:
    """Per user row, the movie columns a reason may name (CSR, columns ascending within a row)."""

    indptr: np.ndarray  # int64 [n_users + 1]
    cols: torch.Tensor  # int64 [n]

    def counts(self) -> np.ndarray:
        return np.diff(self.indptr)


def liked_movies(catalog: Catalog, pairs: pa.Table, threshold: float, limit: int = 0) -> Liked:
    """Each user's ratings >= ``threshold``, or their top-rated movies when none reaches it; with
    ``limit`` > 0 at most that many per user: the highest rated, then the lowest movie ids."""
    n_users, n_movies = catalog.n_users, catalog.n_movies
    rows = np.searchsorted(catalog.users["user_id"].to_numpy(), pairs["user_id"].to_numpy())
    cols = np.searchsorted(catalog.movies["movie_id"].to_numpy(), pairs["movie_id"].to_numpy())
    ratings = torch.from_numpy(pairs["rating"].to_numpy().astype(np.float32))
    rows_t = torch.from_numpy(rows.astype(np.int64))
    best = torch.full((n_users,), float("-inf")).scatter_reduce_(0, rows_t, ratings, reduce="amax")
    keep = (ratings >= torch.clamp(best, max=threshold)[rows_t]).numpy()
    rows, cols, ratings_np = rows[keep].astype(np.int64), cols[keep], ratings.numpy()[keep]
    if limit > 0 and rows.size:
        # one sort of integer keys (user, best rated first, lower id first), then the first `limit` of each
        values, codes = np.unique(ratings_np, return_inverse=True)
        worse = (values.size - 1 - codes.reshape(-1)).astype(np.int64)
        keys = np.sort((rows * values.size + worse) * n_movies + cols)
        rows, cols = keys // (values.size * n_movies), keys % n_movies
        starts = np.searchsorted(rows, rows, side="left")
        first = np.arange(rows.size) - starts < limit
        rows, cols = rows[first], cols[first]
    # one sort of (row, column) keys: rows grouped, columns ascending (the tie-break to the lower id)
    keys = np.sort(rows * n_movies + cols)
    indptr = np.zeros(n_users + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys // max(n_movies, 1), minlength=n_users), out=indptr[1:])
    return Liked(indptr=indptr, cols=torch.from_numpy(keys % max(n_movies, 1)))


def profile_reasons(catalog: Catalog, rated_counts: np.ndarray) -> pa.Array:
    """Per user row: for a user without ratings, the text naming the features the model scored from;
    null for everyone else."""
    text = catalog.users.select(
        pl.concat_str(
            [
                pl.col("age_group"),
                pl.col("occupation"),
                pl.col("gender").replace_strict({"M": "men", "F": "women"}, default=None),
            ],
            separator=" ",
            ignore_nulls=True,
        ).alias("profile")
    )["profile"]
    reason = pl.Series(rated_counts == 0).to_frame("cold").with_columns(text.alias("profile"))
    out = reason.select(
        pl.when(pl.col("cold") & (pl.col("profile") != ""))
        .then(pl.lit("new user: popular with ") + pl.col("profile"))
        .when(pl.col("cold"))
        .then(pl.lit("new user: popular with all users"))
        .otherwise(None)
        .alias("reason")
    )["reason"]
    return out.to_arrow()


class Reasons:
    """The scoring pass's reasons, built once per run and asked once per chunk."""

    def __init__(
        self, catalog: Catalog, pairs: pa.Table, threshold: float, vectors: torch.Tensor, limit: int = 0
    ) -> None:
        self.liked = liked_movies(catalog, pairs, threshold, limit)
        counts = self.liked.counts()
        self.counts = counts
        rated = np.bincount(
            np.searchsorted(catalog.users["user_id"].to_numpy(), pairs["user_id"].to_numpy()),
            minlength=catalog.n_users,
        )
        self.profiles = profile_reasons(catalog, rated)
        vectors = vectors.to(dtype=torch.float32, device="cpu")
        # a dimension that is zero for every movie (the hybrid's rating half when γ = 0) adds nothing
        # to any cosine: dropped, it costs nothing either
        vectors = vectors[:, vectors.abs().amax(dim=0) > 0] if vectors.numel() else vectors
        self.vectors = (vectors / vectors.norm(dim=1, keepdim=True).clamp(min=1e-12)).contiguous()
        # the padded width of each user's liked list (see the module docstring)
        steps = np.ceil(np.log2(np.maximum(counts, 1)) * _STEPS_PER_DOUBLING) / _STEPS_PER_DOUBLING
        self.width = np.where(counts > 0, np.maximum(np.ceil(2.0**steps), counts), 0).astype(np.int64)

    def because(self, rows: np.ndarray, top: ChunkTopK) -> np.ndarray:
        """Per listed row of the chunk, the catalogue column of its reason movie; -1 for none."""
        n = top.movie_cols.size
        if n == 0:
            return np.full(0, -1, dtype=np.int64)
        first = int(rows[0])  # a chunk is a contiguous range of user rows
        local = torch.from_numpy(top.user_rows - first)
        ranks = torch.from_numpy(top.ranks.astype(np.int64) - 1)
        kk = int(ranks.max()) + 1
        listed = torch.zeros((rows.size, kk), dtype=torch.long)
        listed[local, ranks] = torch.from_numpy(top.movie_cols)
        best = torch.full((rows.size, kk), -1, dtype=torch.long)
        width = self.width[rows].copy()
        # short lists (all of them with the default score.reason_candidates) share one group: the
        # gather of the listed movies' vectors dominates, padding only adds to the cheap product
        short = (width > 0) & (width <= _ONE_GROUP)
        if short.any():
            width[short] = width[short].max()
        for w in np.unique(width[width > 0]):
            users = np.flatnonzero(width == w)
            step = max(1, _BATCH_CELLS // int(w))
            for start in range(0, users.size, step):
                group = users[start : start + step]
                best[torch.from_numpy(group)] = self._closest(rows[group], listed[group], int(w))
        return best[local, ranks].numpy()

    def _closest(self, user_rows: np.ndarray, listed: torch.Tensor, width: int) -> torch.Tensor:
        """[n, kk] liked column closest to each listed movie, for users padded to ``width`` liked."""
        starts, counts = self.liked.indptr[user_rows], self.counts[user_rows]
        offsets = np.arange(width)
        # padding repeats the user's first liked movie: a duplicate never wins over its original,
        # since argmax returns the first of equal values
        pos = starts[:, None] + np.where(offsets[None, :] < counts[:, None], offsets[None, :], 0)
        liked = self.liked.cols[torch.from_numpy(pos)]  # [n, width]
        # [n, kk, width]: the reduction runs along the last, contiguous dimension
        sims = torch.bmm(self.vectors[listed], self.vectors[liked].transpose(1, 2))
        return liked.gather(1, sims.argmax(dim=2))

    def profile(self, user_rows: np.ndarray) -> pa.Array:
        """The profile reason of each listed row (null for users with ratings)."""
        return self.profiles.take(pa.array(user_rows))
