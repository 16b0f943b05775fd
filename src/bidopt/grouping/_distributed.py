"""``group_keywords(..., client=...)``: each block's step on the Dask workers.

:func:`~bidopt.grouping.group_keywords` prepares the blocks on the driver (normalised
texts, the content order over all keywords, the standardised performance profiles),
and names the groups and themes there from what the blocks return.  Only the per-block
step (features, neighbour graph, average linkage: ``_groups.group_block``) runs here,
one task per block: it needs nothing from other blocks, so the groups are the
in-process ones, label for label.  Each block's keywords are scattered to the
cluster; its labels and keyword roles come back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from bidopt._dask import require_client

__all__ = ["map_blocks"]

T = TypeVar("T")
S = TypeVar("S")
R = TypeVar("R")


def map_blocks(client: Any, step: Callable[[T, S], R], tasks: Sequence[T], settings: S) -> list[R]:
    """``[step(task, settings) for task in tasks]``, each task on a Dask worker.

    ``step`` is ``_groups.group_block`` (passed in: ``_groups`` imports this module);
    the results come back in the order of ``tasks``.
    """
    require_client(client, "group_keywords(client=...)")
    if not tasks:
        return []
    data = client.scatter(list(tasks), hash=False)  # fresh keys: see bidding/_distributed
    futures = client.map(step, data, settings=settings, pure=False)
    return list(client.gather(futures))
