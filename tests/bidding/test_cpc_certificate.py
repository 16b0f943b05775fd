"""The CPC cap's certificate line reads in the user's units (yuan/click) for a keyword
plan and a crowd plan alike (one check, ``bidopt._certificate.cpc_each``)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bidopt._certificate import cpc_each
from bidopt.bidding import optimize_bids, optimize_crowd_bids
from bidopt.landscape import BidLandscape


def _cells() -> BidLandscape:
    bids = np.array([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]])
    clicks = np.array([[10.0, 15.0, 18.0], [5.0, 8.0, 9.0]])
    return BidLandscape(bids=bids, clicks=clicks, cost=0.8 * clicks * bids)


def test_cpc_each_checks_cost_per_click_of_paid_items() -> None:
    check = cpc_each("max_cpc", [0.0, 4.0, 9.0], [0.0, 2.0, 3.0], 3.0, item="cell")
    # the item without spend is not counted; the tightest is at 3 yuan/click
    assert check.holds and check.unit == "yuan/click" and check.detail == "2 cells, 0 violate"
    assert (check.value, check.limit) == (3.0, 3.0)
    money_for_nothing = cpc_each("max_cpc", [1.0, 2.0], [0.0, 1.0], 3.0, item="cell")
    assert not money_for_nothing.holds and math.isinf(money_for_nothing.value)
    over = cpc_each("max_cpc", [7.0], [2.0], 3.0, item="keyword")
    assert not over.holds and over.value == 3.5 and over.slack == pytest.approx(-0.5)


@pytest.mark.parametrize("cap", [1.9, 22.0])
def test_crowd_plan_certificate_reads_max_cpc_in_yuan_per_click(cap: float) -> None:
    """It printed 'max_cpc: 3.25e-05 yuan <= 0.000447 yuan' (a cell's cost against
    cap x clicks), not the cap the user gave."""
    land = _cells()
    plan = optimize_crowd_bids(
        land, 30.0, keywords=["k", "k"], crowds=["a", "b"], objective="clicks", max_cpc=cap
    )
    check = plan.certificate["max_cpc"]
    assert plan.success and check.holds
    assert check.limit == cap and check.unit == "yuan/click"
    paid = plan.cell_cost > 0
    assert check.value == pytest.approx(np.max(plan.cell_cost[paid] / plan.cell_clicks[paid]))
    assert f"<= {cap:.10g} yuan/click" in check.line()
    # the keyword plan's line, the model, reads alike
    keyword = optimize_bids(land, 30.0, objective="clicks", max_cpc=cap).certificate["max_cpc"]
    assert keyword.unit == check.unit and keyword.limit == check.limit
