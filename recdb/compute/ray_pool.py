"""A pool of Ray actors working through lists of blocks: what scoring and evaluation share on Ray.

Each actor is built once with the same constructor arguments, then gets one call per block through
Ray's :class:`ray.util.ActorPool` (a free actor takes the next block; the results come back in block
order). A pool may serve several lists
(an evaluation ranks every method's blocks on the same actors): an actor process starts once, which
takes seconds (it imports torch and recdb), not once per list. Large inputs go to the object store once
(``ray.put``) and reach the actors as references.

Fault tolerance is Ray Core's: ``compute.max_retries`` is both ``max_restarts`` (a killed actor process
is started again, its constructor re-run) and ``max_task_retries`` (the block it was running is sent
again). They are options of the actor class (``ActorClass.options``), Ray Core's stable API for them.
Ray Data's ``map_batches`` takes them only through ``ray_remote_args`` / ``ray_remote_args_fn``, both
deprecated in Ray 2.60 and removed in 2.64, and its named worker options do not cover them; that is why
the pool is built on Ray Core. A block out of retries raises Ray's error (``RayActorError``,
``RayTaskError``) to the caller, which fails its job; :meth:`BlockPool.close` stops the actors.
"""

from __future__ import annotations

from typing import Any

from recdb.settings import ComputeSettings


class BlockPool:
    """Up to ``compute.workers`` actors of ``actor_cls(**init)``, each of ``cpus_per_worker`` CPUs and
    ``gpus_per_worker`` GPUs, started when a list first needs them."""

    def __init__(self, ray: Any, actor_cls: type, init: dict[str, Any], compute: ComputeSettings) -> None:
        self.ray, self.init, self.workers = ray, init, compute.workers
        self.remote = ray.remote(actor_cls).options(
            num_cpus=compute.cpus_per_worker,
            num_gpus=compute.gpus_per_worker,
            max_restarts=compute.max_retries,
            max_task_retries=compute.max_retries,
        )
        self.actors: list[Any] = []

    def map(self, method: str, blocks: list[tuple[int, int]], *args: Any) -> list[Any]:
        """``method(*args, first, end)`` for each block; the results in block order.

        Ray's own :class:`ray.util.ActorPool` hands the blocks out: one in flight per actor, a free
        actor takes the next, so a slow actor takes fewer blocks.
        """
        from ray.util import ActorPool

        while len(self.actors) < min(self.workers, len(blocks)):  # no idle actor for a short list
            self.actors.append(self.remote.remote(**self.init))
        pool = ActorPool(self.actors)
        # raises when a block ran out of retries
        return list(pool.map(lambda actor, block: getattr(actor, method).remote(*args, *block), blocks))

    def close(self) -> None:
        """Stop the actors: their CPUs, and the inputs they hold, go back to the cluster now."""
        for actor in self.actors:
            self.ray.kill(actor)
        self.actors = []


def map_blocks(
    ray: Any, actor_cls: type, init: dict[str, Any], blocks: list[tuple[int, int]], compute: ComputeSettings,
    method: str,
) -> list[Any]:  # fmt: skip
    """One list of blocks on a pool of its own (see :class:`BlockPool`), stopped afterwards."""
    pool = BlockPool(ray, actor_cls, init, compute)
    try:
        return pool.map(method, blocks)
    finally:
        pool.close()
