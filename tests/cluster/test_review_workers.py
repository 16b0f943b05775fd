"""Review of the cluster entry points' workers (session 22): a client with no worker is
refused at once with a bidopt error naming ``client``, and a plan's partitions reach
every worker of a cluster larger than five."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from bidopt._dask import n_workers
from bidopt.bidding import optimize_bids
from bidopt.bidding._distributed import _placement
from bidopt.datasets import make_auction_log, make_search_account
from bidopt.exceptions import InvalidInputError
from bidopt.grouping import group_keywords
from bidopt.landscape import estimate_landscapes
from bidopt.replay import replay
from tests.cluster.test_distributed_bids import _edge_landscape

distributed = pytest.importorskip("distributed")


@pytest.fixture
def idle_client() -> Iterator[Any]:
    """A client of a scheduler with no worker (in-process: cheap to start)."""
    cluster = distributed.LocalCluster(n_workers=0, processes=False, dashboard_address=None)
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def test_a_client_without_workers_is_refused_at_once(idle_client: Any) -> None:
    """Before: optimize_bids waited 30 s for a worker to scatter to, then raised
    distributed's TimeoutError ("No valid workers found")."""
    land = _edge_landscape(0, 6, 3, ties=False)
    match = r"`client` must have at least one worker for optimize_bids.*wait_for_workers"
    start = time.perf_counter()
    with pytest.raises(InvalidInputError, match=match):
        optimize_bids(land, 10.0, client=idle_client)
    match = r"`client` must have at least one worker for replay.*with no worker"
    with pytest.raises(InvalidInputError, match=match):
        replay(make_auction_log(100, rng=0), 1.0, 10.0, client=idle_client)
    with pytest.raises(InvalidInputError, match="at least one worker for group_keywords"):
        group_keywords(["红色 连衣裙", "连衣裙 女", "男士 皮鞋"], client=idle_client)
    log = make_search_account(20, n_days=14, rng=0).log
    with pytest.raises(InvalidInputError, match="at least one worker for estimate_landscapes"):
        estimate_landscapes(log, n_draws=0, client=idle_client)
    assert time.perf_counter() - start < 10.0


def test_every_worker_of_a_large_cluster_gets_partitions(monkeypatch: Any) -> None:
    """``Client.scheduler_info()`` lists at most five workers by default in distributed
    2025.4 to 2026.6 (emulated here): the sixth worker got no partitions, and a
    landscape was split in 4 x 5 blocks, not 4 x 6."""
    cluster = distributed.LocalCluster(
        n_workers=6, threads_per_worker=1, processes=False, dashboard_address=None
    )
    with distributed.Client(cluster) as c:
        full = c.scheduler_info

        def first_five(**kwargs: Any) -> dict[str, Any]:
            info = dict(full(**kwargs))
            info["workers"] = dict(list(info["workers"].items())[:5])
            return info

        monkeypatch.setattr(c, "scheduler_info", first_five)
        assert n_workers(c) == 6
        members = _placement([object()] * 12, c)
        assert len(members) == 6
        land = _edge_landscape(5, 24, 3, ties=False)
        got = optimize_bids(land, 30.0, client=c)
        np.testing.assert_array_equal(got.levels, optimize_bids(land, 30.0).levels)
    cluster.close()
