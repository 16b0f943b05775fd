"""PriceHistogram: win rate and expected spend of bids under whole market prices."""

from __future__ import annotations

import numpy as np
import pytest

from bidopt.exceptions import InvalidInputError
from bidopt.landscape import BidLandscape, PriceHistogram


def test_price_histogram_is_the_landscape_spend() -> None:
    counts = np.array([3.0, 0.0, 5.0, 2.0])
    pmf = counts / counts.sum()
    prices = PriceHistogram(pmf)
    bids = np.array([0.0, 0.5, 2.0, 2.01, 9.0])
    expected = [0.0, 0.0, 0.0, 1.0, 1.6]  # E[price; price < bid]: prices 0, 2, 3
    np.testing.assert_allclose(prices.spend(bids), expected)
    np.testing.assert_allclose(prices.win_rate(bids), [0.0, 0.3, 0.3, 0.8, 1.0])
    land = BidLandscape.from_market_prices(counts, bids[1:])
    np.testing.assert_array_equal(land.cost[0], prices.spend(bids[1:]))
    assert prices.spend_reached(1.0) == 3
    with pytest.raises(InvalidInputError, match="`second_moment` must be True"):
        prices.spend_moments(bids)
