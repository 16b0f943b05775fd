"""optimize_crowd_bids on degenerate and edge inputs found by the session-21 review."""

from __future__ import annotations

import numpy as np
import pytest

from bidopt.bidding import optimize_crowd_bids
from bidopt.landscape import BidLandscape


def _two_cells(lead_zero: bool) -> BidLandscape:
    bids = np.array([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]])
    clicks = np.array([[10.0, 15.0, 18.0], [5.0, 8.0, 9.0]])
    cost = 0.8 * clicks * bids
    if lead_zero:  # a leading "not bidding" level (bid 0, nothing bought): valid input

        def pad(a: np.ndarray) -> np.ndarray:
            return np.c_[np.zeros(2), a]

        return BidLandscape(bids=pad(bids), clicks=pad(clicks), cost=pad(cost))
    return BidLandscape(bids=bids, clicks=clicks, cost=cost)


@pytest.mark.parametrize("max_cpc", [None, 2.0])
def test_a_bid_zero_level_does_not_make_a_cell_unusable(max_cpc):
    """A level at bid 0 repeats "not bidding"; the plan is the one without it.
    (Before: every cell with such a level had usable bid 0, so the plan was empty.)"""
    labels = {"keywords": ["k", "k"], "crowds": ["a", "b"], "objective": "clicks"}
    plain = optimize_crowd_bids(_two_cells(False), 40.0, max_cpc=max_cpc, **labels)
    padded = optimize_crowd_bids(_two_cells(True), 40.0, max_cpc=max_cpc, **labels)
    assert plain.success and plain.fun > 20
    assert padded.success and padded.status == 0
    np.testing.assert_array_equal(padded.cell_bids, plain.cell_bids)
    assert padded.fun == plain.fun
