"""The trust region a plan on an estimate used, as ``PlanRanges.trust_low`` /
``trust_high``, and the bid sheet's warning read from them (it recomputed the region
from today's bids and a copy of bidding's 20%, which is wrong when the no-loss guard
narrowed the region)."""

from __future__ import annotations

import warnings
from dataclasses import replace

import numpy as np
import pytest

from bidopt.bidding import optimize_bids
from bidopt.datasets import make_search_account
from bidopt.landscape import estimate_landscapes
from bidopt.report import make_bid_sheet


@pytest.fixture(scope="module")
def planned():  # type: ignore[no-untyped-def]
    account = make_search_account(40, n_days=14, rng=5)
    log = account.log
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        estimate = estimate_landscapes(log)
        today_spend = float(log.cost.sum()) / 14
        plan = optimize_bids(estimate, today_spend, min_bid=0.05, max_bid=99.99)
    return log, estimate, plan


def test_the_region_holds_today_and_the_plan(planned) -> None:  # type: ignore[no-untyped-def]
    _, _, plan = planned
    ranges = plan.ranges
    assert ranges is not None and ranges.trust_low is not None and ranges.trust_high is not None
    assert ranges.trust_low.shape == ranges.trust_high.shape == plan.bids.shape
    on = ranges.trust_low > 0
    assert on.any()
    assert (ranges.trust_low[on] <= ranges.trust_high[on]).all()
    # the region's bids are cents: the plan bids within it (or pauses) at this budget
    # unless its message says it reached lower
    bid = plan.bids
    inside = (bid == 0) | ((bid >= ranges.trust_low - 0.005) & (bid <= ranges.trust_high + 0.005))
    assert inside.all() or "reaches lower" in plan.message


def test_no_region_without_the_safe_default() -> None:
    account = make_search_account(20, n_days=14, rng=6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        estimate = estimate_landscapes(account.log)
        plan = optimize_bids(estimate, 500.0, safe=False)
    assert plan.ranges is not None
    assert plan.ranges.trust_low is None and plan.ranges.trust_high is None


def test_the_sheet_names_bids_below_the_region_the_plan_used(planned) -> None:  # type: ignore[no-untyped-def]
    """A narrower region (as the no-loss guard makes it): bids below its lowest are named,
    though they are within 20% of today's."""
    log, estimate, plan = planned
    assert plan.ranges is not None and plan.ranges.trust_low is not None
    before = make_bid_sheet(log, estimate, plan)
    assert not any(" below it (" in w for w in before.warnings_in("en"))
    # every bidding keyword's lowest bid in the region raised to 1.5x its planned bid
    low = np.where(plan.bids > 0, plan.bids * 1.5, plan.ranges.trust_low)
    narrowed = replace(plan, ranges=replace(plan.ranges, trust_low=low))
    sheet = make_bid_sheet(log, estimate, narrowed)
    said = [w for w in sheet.warnings_in("en") if "leaves the trust region" in w]
    assert len(said) == 1, sheet.warnings_in("en")
    n_bidding = int((plan.bids > 0).sum())
    assert f"it bids {n_bidding:,} keywords below it (" in said[0], said[0]


def test_a_narrowed_region_is_said() -> None:
    from bidopt.report._words import trust_warning

    full = trust_warning([], ["a"], 800.0, 900.0)
    half = trust_warning([], ["a"], 800.0, 900.0, scale=0.5)
    assert full is not None and half is not None
    assert "narrowed" not in full[0] and "收窄" not in full[1]
    assert "here narrowed to 0.5 of that width around today's bids" in half[0]
    assert "此处收窄到该宽度的 0.5" in half[1]
