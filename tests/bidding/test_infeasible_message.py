"""The InfeasibleError of an unaffordable target shows the figures that differ."""

from __future__ import annotations

import pytest

from bidopt.bidding import optimize_bids
from bidopt.exceptions import InfeasibleError
from bidopt.landscape import BidLandscape


def test_an_unaffordable_target_shows_the_budget_with_the_digits_that_differ() -> None:
    # review 2: "at least 2.00 yuan, more than the budget of 2.00 yuan" for 2 - 1e-9
    land = BidLandscape(bids=[[1.0]], clicks=[[10.0]], cost=[[2.0]], conversions=[[1.0]])  # type: ignore[list-item]
    with pytest.raises(
        InfeasibleError,
        match=r"at least 2\.000000000 yuan, more than the budget of 1\.999999999 yuan",
    ):
        optimize_bids(land, 2.0 - 1e-9, target_cpa=5.0)
    with pytest.raises(
        InfeasibleError, match=r"at least 2\.00 yuan, more than the budget of 1\.50"
    ):
        optimize_bids(land, 1.5, target_cpa=5.0)
