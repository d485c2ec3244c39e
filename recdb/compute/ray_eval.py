"""Evaluation's ranking on Ray: the rank users' blocks over a pool of ``compute.workers`` actors.

The expensive part of an evaluation is ranking the full catalogue for every rank user, for the model
and every baseline (:func:`recdb.evaluation.core.ranking`). :func:`ray_ranker` holds one
:class:`recdb.compute.ray_pool.BlockPool` for the whole evaluation. For each method the driver
``ray.put``\\ s the bound predictor (and, once per split, the EvalSet's ranking part,
:meth:`EvalSet.for_ranking`); the calls carry their references, so each actor fetches a method's inputs
once and runs :func:`recdb.evaluation.core.rank_block`, the body the local engine runs, on the blocks
(``evaluate.chunk_users`` rank users) it is handed. The metrics are then computed on the driver from the
reassembled :class:`Ranking`, as on the local engine.

The results come back through Ray's object store, not as Parquet parts in the exchange location as
scoring's lists do: per user they are ``max_k`` + 10 column indices and ``max_k`` flags (about 1 KB at
``max_k`` = 100, some 150 MB for 160k users), the driver needs them in memory to compute the metrics,
and nothing is published from them (scoring's parts are what its publish reads into DuckDB, and they
can outgrow the driver's memory). A killed actor restarts and its block is retried
(``compute.max_retries``); a block that cannot finish fails the evaluation (JobFailedError) and
nothing is recorded.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from recdb.compute.cluster import ray_cluster
from recdb.compute.ray_pool import BlockPool
from recdb.errors import JobFailedError, RecdbError
from recdb.evaluation.core import Ranker, Ranking, joined, rank_block, rank_user_blocks
from recdb.evaluation.data import EvalSet
from recdb.predictor import Predictor
from recdb.settings import Settings

log = logging.getLogger(__name__)


class RankActor:
    """One actor of the pool: ranks blocks with the inputs its calls name, fetched once per method."""

    def __init__(self) -> None:
        self.held: list[str] = []  # the object ids of the inputs held
        self.predictor: Predictor | None = None
        self.data: EvalSet | None = None

    def rank(self, refs: list[Any], max_k: int, first: int, end: int) -> Ranking:
        """The ranking of rank users ``first`` to ``end`` (positions in ``EvalSet.rank_users``) with
        the predictor and EvalSet ``refs`` names (a list: Ray hands over references, not values)."""
        import ray

        ids = [ref.hex() for ref in refs]
        if ids != self.held:  # a new method (or a restarted actor): its inputs, once
            self.predictor, self.data = None, None  # the previous method's go first
            self.predictor, self.data = ray.get(refs)
            self.held = ids
        assert self.predictor is not None and self.data is not None
        return rank_block(self.predictor, self.data, self.data.rank_users[first:end], max_k)


class _Shipped:
    """The driver's side: the EvalSet's reference, put once per EvalSet."""

    def __init__(self, ray: Any) -> None:
        self.ray = ray
        self.data: EvalSet | None = None
        self.ref: Any = None

    def data_ref(self, data: EvalSet) -> Any:
        if data is not self.data:
            self.data, self.ref = data, self.ray.put(data.for_ranking())
        return self.ref


@contextmanager
def ray_ranker(settings: Settings) -> Iterator[Ranker]:
    """A :data:`Ranker` on one actor pool for as long as the block lasts (see the module docstring)."""
    compute = settings.compute
    with ExitStack() as stack:
        try:
            ray = stack.enter_context(ray_cluster(compute))
        except RecdbError:
            raise
        except Exception as exc:  # a cluster that cannot be joined or started: the run fails
            raise JobFailedError(f"Ray cluster for the evaluation: {type(exc).__name__}: {exc}") from exc
        pool = BlockPool(ray, RankActor, {}, compute)
        stack.callback(pool.close)
        shipped = _Shipped(ray)

        def rank(predictor: Predictor, data: EvalSet, max_k: int, chunk_users: int) -> Ranking:
            return _rank(pool, shipped, predictor, data, max_k, chunk_users)

        yield rank


def _rank(
    pool: BlockPool, shipped: _Shipped, predictor: Predictor, data: EvalSet, max_k: int, chunk_users: int
) -> Ranking:
    start = time.monotonic()
    blocks = rank_user_blocks(data.rank_users.size, chunk_users)
    if not blocks:  # no rank users: nothing for the pool to do
        return joined([], max_k, data.catalog.n_movies)
    try:
        refs = [shipped.ray.put(predictor), shipped.data_ref(data)]
        parts = pool.map("rank", blocks, refs, max_k)
    except RecdbError:
        raise
    except Exception as exc:  # Ray's errors (a block out of retries, a lost cluster): the run fails
        raise JobFailedError(f"ranking {predictor.name} on Ray failed: {type(exc).__name__}: {exc}") from exc
    lost = [
        first
        for (first, end), part in zip(blocks, parts, strict=True)
        if not isinstance(part, Ranking) or part.top.shape[0] != end - first
    ]
    if lost:
        raise JobFailedError(f"ranking {predictor.name} on Ray lost {len(lost)} of {len(blocks)} user blocks")
    log.info("ranked %d users (%s) in %d blocks on %d Ray actors in %.1f s", data.rank_users.size,
             predictor.name, len(blocks), len(pool.actors), time.monotonic() - start)  # fmt: skip
    return joined(parts, max_k, data.catalog.n_movies)
