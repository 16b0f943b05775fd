"""``replay(..., client=...)`` gives ``replay``'s result, field for field, on the cluster."""

from __future__ import annotations

from dataclasses import astuple
from typing import Any

import numpy as np
import pytest

from bidopt.datasets import make_auction_log
from bidopt.exceptions import InvalidInputError
from bidopt.replay import replay
from bidopt.replay._distributed import split_log


def _same(got: Any, ref: Any) -> None:
    # float fields compared bit for bit (repr), NaN included
    assert [repr(v) for v in astuple(got)] == [repr(v) for v in astuple(ref)]


@pytest.fixture(scope="module")
def log() -> Any:
    return make_auction_log(60_000, rng=5)


def test_replay_on_blocks_is_the_in_process_replay(client: Any, log: Any) -> None:
    price = np.asarray(log.market_price)
    bids = np.asarray(log.pctr) * 2.0 * float(np.median(price / np.asarray(log.pctr)))
    total = float(price[bids > price].sum())
    blocks = client.scatter(split_log(log, 4))
    for budget in (0.0, 0.61 * total):  # stops in the first block, in the third
        _same(replay(blocks, bids, budget, client=client), replay(log, bids, budget))
    _same(replay(log, 40.0, 1e7, client=client), replay(log, 40.0, 1e7))  # never stops
    none = replay(blocks, bids, np.inf, stop="none", client=client)
    _same(none, replay(log, bids, np.inf, stop="none"))
    with pytest.raises(InvalidInputError, match="shape"):
        replay(blocks, bids[:-1], 1.0, client=client)
    with pytest.raises(InvalidInputError, match="budget"):
        replay(blocks, bids, -1.0, client=client)
    with pytest.raises(InvalidInputError, match="`log`"):
        replay([], bids, 1.0, client=client)
