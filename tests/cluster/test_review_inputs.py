"""Review of the cluster entry points' input checks (session 21): what is not a
distributed Client, a cluster landscape or a cluster argument is refused with a bidopt
error that names the parameter, instead of a TypeError from a worker or silence."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bidopt.bidding import optimize_bids
from bidopt.datasets import make_auction_log, make_search_account
from bidopt.exceptions import InvalidInputError
from bidopt.landscape import BidLandscape, estimate_landscapes
from bidopt.replay import replay
from tests.cluster.test_distributed_bids import _edge_landscape


def test_an_address_is_not_a_client() -> None:
    """Before: AttributeError "'str' object has no attribute 'scheduler_info'"."""
    land = _edge_landscape(0, 6, 3, ties=False)
    address = "tcp://127.0.0.1:8786"
    match = (
        r"`client` must be a distributed.Client or None .*Got 'tcp://127.0.0.1:8786' of type str"
    )
    with pytest.raises(InvalidInputError, match=match):
        optimize_bids(land, 10.0, client=address)
    with pytest.raises(InvalidInputError, match=match):
        replay(make_auction_log(100, rng=0), 1.0, 10.0, client=address)
    log = make_search_account(40, n_days=14, rng=0).log
    with pytest.raises(InvalidInputError, match=match):
        estimate_landscapes(log, n_draws=0, client=address)


def test_a_landscape_the_cluster_cannot_read_is_refused(client: Any) -> None:
    """Before: a path (str is a sequence) or a list of numbers reached the workers, which
    failed with "TypeError: 'str' object is not callable"."""
    land = _edge_landscape(1, 6, 3, ties=False)
    with pytest.raises(InvalidInputError, match="read_landscape_parquet.*Got str instead"):
        optimize_bids("landscapes/", 10.0, client=client)
    with pytest.raises(InvalidInputError, match="read_landscape_parquet.*Got PosixPath"):
        optimize_bids(Path("landscapes"), 10.0, client=client)
    with pytest.raises(InvalidInputError, match="item 1 is ndarray"):
        optimize_bids([land, land.cost], 10.0, client=client)
    # a list of landscapes (or of futures) is planned as their concatenation
    parts = [land.take(np.arange(3)), land.take(np.arange(3, 6))]
    got = optimize_bids(parts, 10.0, client=client)
    np.testing.assert_array_equal(got.levels, optimize_bids(land, 10.0).levels)


def test_current_bids_are_refused_with_a_client(client: Any) -> None:
    """In process a fixed landscape refuses ``current_bids``; with a client they were
    silently dropped."""
    land = _edge_landscape(2, 6, 3, ties=False)
    with pytest.raises(InvalidInputError, match="`current_bids` must be None with `client`"):
        optimize_bids(land, 10.0, current_bids={"a": 1.0}, client=client)


def test_a_log_the_cluster_cannot_read_is_refused(client: Any) -> None:
    """Before: a list of numbers reached the workers, which failed with "TypeError:
    object of type 'int' has no len()"; a list of AuctionLogs is replayed as one log."""
    log = make_auction_log(300, rng=1)
    with pytest.raises(InvalidInputError, match="`log` must be .* item 0 is int 1"):
        replay([1, 2], 1.0, 10.0, client=client)
    blocks = [log.take(np.arange(0, 100)), log.take(np.arange(100, 300))]
    got, ref = replay(blocks, 2.0, 50.0, client=client), replay(log, 2.0, 50.0)
    assert repr(got) == repr(ref)  # NaN conversions: the log has none


def test_partitions_unlike_are_refused_before_the_solve(client: Any) -> None:
    """Partitions with different metrics, or keywords in some only: the solve ran to
    the end and the plan's assembly failed with a numpy ValueError or KeyError."""
    a = _edge_landscape(3, 4, 3, ties=False)
    b = _edge_landscape(4, 4, 3, ties=False)
    named = BidLandscape(
        bids=a.bids, clicks=a.clicks, cost=a.cost, keywords=np.array(list("abcd"), dtype=object)
    )
    plain = BidLandscape(bids=b.bids, clicks=b.clicks, cost=b.cost)
    with pytest.raises(InvalidInputError, match="partition 1: metrics .* without keywords"):
        optimize_bids([named, plain], 10.0, objective="clicks", client=client)
    with pytest.raises(InvalidInputError, match="partitions alike"):
        optimize_bids([b, plain], 10.0, objective="clicks", client=client)
