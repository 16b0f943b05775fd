"""The bidding results' contract: Frontier and BudgetForTarget explain themselves and
use the same names as BidPlan for the same quantities."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from bidopt.bidding import (
    BudgetForTarget,
    Frontier,
    bid_frontier,
    budget_for_target,
    optimize_bids,
)
from bidopt.landscape import BidLandscape


@pytest.fixture(scope="module")
def landscape() -> BidLandscape:
    bids = np.array([[1.0, 2.0, 3.0], [0.5, 1.0, 4.0]])
    return BidLandscape(
        bids=bids,
        clicks=np.array([[2.0, 5.0, 6.0], [1.0, 3.0, 9.0]]),
        cost=np.array([[1.5, 6.0, 10.0], [0.4, 2.0, 20.0]]),
        conversions=np.array([[0.2, 0.5, 0.6], [0.1, 0.3, 0.9]]),
        keywords=np.array(["a", "b"], dtype=object),
    )


def test_frontier_names_match_the_plan(landscape: BidLandscape) -> None:
    frontier = bid_frontier(landscape, [0.0, 3.0, 30.0])
    fields = {f.name for f in dataclasses.fields(Frontier)}
    assert {"fun", "bound", "spend", "shadow_price"} <= fields and "value" not in fields
    np.testing.assert_array_equal(frontier.fun, frontier.conversions)  # objective: conversions


def test_frontier_summary_has_a_row_per_budget(landscape: BidLandscape) -> None:
    frontier = bid_frontier(landscape, [0.0, 3.0, 30.0])
    text = frontier.summary()
    assert text.splitlines()[0] == "Frontier of conversions over 3 budgets"
    assert len(text.splitlines()) == 2 + 3
    assert f"{frontier.fun[-1]:,.4f}" in text  # the best plan's value at 30 yuan
    many = bid_frontier(landscape, np.linspace(0, 30, 40))
    lines = many.summary(max_rows=5).splitlines()
    assert len(lines) == 2 + 5 + 1 and "35 budgets not shown" in lines[-1]


def test_budget_for_target_summary_frame_and_status(landscape: BidLandscape) -> None:
    result = budget_for_target(landscape, conversions=0.7)
    assert isinstance(result, BudgetForTarget)
    assert result.success is result.plan.success is True
    assert result.status == 0 and result.message == result.plan.message
    text = result.summary()
    assert text.startswith(f"Least budget for conversions=0.7: {result.budget:,.2f} yuan")
    assert "Certificate: every constraint holds" in text
    pd = pytest.importorskip("pandas")
    frame = result.to_frame()
    assert isinstance(frame, pd.DataFrame)
    assert frame["bid"].tolist() == result.plan.bids.tolist()
    assert frame["cost"].sum() == pytest.approx(result.plan.spend)


def test_summary_of_an_empty_plan_prints_no_nan() -> None:
    # a budget below every keyword's first level: nothing bid, so CPC, CPA and ROAS have
    # nothing under them; the summary printed 'CPC nan yuan', 'CPA nan yuan', 'ROAS nan'
    land = BidLandscape(
        bids=[[1, 2], [1, 2]],
        clicks=[[2, 4], [1, 3]],
        cost=[[1.5, 6], [0.9, 5]],
        conversions=[[0.2, 0.5], [0.3, 0.6]],
        revenue=[[2, 5], [3, 6]],
    )
    empty = optimize_bids(land, 0.5)
    assert empty.success and empty.n_bidding == 0
    text = empty.summary()
    assert "nan" not in text
    assert "CPC - (no clicks)" in text and "CPA - (no conversions)" in text
    assert "ROAS - (no spend)" in text
    assert "CPA 8.33 yuan" in optimize_bids(land, 5.0).summary()  # a plan that bids: numbers
