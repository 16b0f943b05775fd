"""The dual's stopping rule: a plan within ``FILL_TOL`` of the LP bound is kept as it is."""

from __future__ import annotations

import numpy as np

from bidopt.bidding import _distributed_select, _solvers, optimize_bids
from bidopt.bidding._hull import build_hull
from bidopt.bidding._select import FILL_TOL, select
from bidopt.landscape import BidLandscape

# One keyword worth 2e6 clicks for 1e6 yuan, then three small ones: the LP takes the big
# one and E (slope 1.6), then P (slope 1.55) in part; rounded down, the plan loses 1.55
# clicks of 2,000,003.15 (7.7e-7), within the tolerance.  Finishing P and dropping E
# (the other rounding) would gain 1.5 clicks.
LAND = BidLandscape(
    bids=[[1.0]] * 4,
    clicks=[[2e6], [1.6], [3.1], [0.75]],
    cost=[[1e6], [1.0], [2.0], [0.5]],
)
BUDGET = 1e6 + 2.0


def test_one_tolerance_for_every_dual_path() -> None:
    assert FILL_TOL == 1e-6
    assert select.__kwdefaults__["fill_tol"] == FILL_TOL
    assert _solvers.dual_plan.__kwdefaults__["fill_tol"] == FILL_TOL
    assert _distributed_select.select_on.__defaults__ == (FILL_TOL,)


def test_plan_within_tolerance_is_not_rounded_again() -> None:
    plan = optimize_bids(LAND, BUDGET, objective="clicks")
    exact = optimize_bids(LAND, BUDGET, objective="clicks", method="milp")
    # the rounded-down LP plan (the other rounding gave [0, -1, 0, -1], as milp does)
    assert plan.levels.tolist() == [0, 0, -1, -1]
    assert plan.success and plan.spend <= BUDGET
    assert 0 < plan.relative_gap <= FILL_TOL
    assert plan.fun >= exact.fun * (1 - FILL_TOL)


def test_select_rounds_again_below_a_tighter_tolerance() -> None:
    clicks = np.asarray(LAND.clicks, dtype=float)
    hull = build_hull(np.asarray(LAND.cost, dtype=float), clicks)
    loose = select(hull, BUDGET)
    tight = select(hull, BUDGET, fill_tol=1e-7)
    assert loose.taken.tolist() == [1, 1, 0, 0]
    assert tight.taken.tolist() == [1, 0, 1, 0]
    assert tight.value > loose.value >= loose.lp_value * (1 - FILL_TOL)
