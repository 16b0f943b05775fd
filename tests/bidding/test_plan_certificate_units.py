"""A crowd plan's certificate lines read in the user's units, as a keyword plan's do
(one check each in ``bidopt._certificate``): the CPC cap per click, the target CPA per
order, the target ROAS and the CTR floor as ratios."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bidopt._certificate import cpa_check, cpc_each, ctr_check, roas_check
from bidopt.bidding import optimize_bids, optimize_crowd_bids
from bidopt.datasets import make_search_account
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


def test_ratio_checks_and_their_empty_plans() -> None:
    assert cpa_check(100.0, 4.0, 30.0).value == 25.0 and cpa_check(100.0, 4.0, 30.0).holds
    assert not cpa_check(1.0, 0.0, 30.0).holds and cpa_check(0.0, 0.0, 30.0).holds
    assert roas_check(300.0, 100.0, 2.0).value == 3.0 and roas_check(0.0, 0.0, 2.0).holds
    assert not ctr_check(1.0, 100.0, 0.02).holds and ctr_check(0.0, 0.0, 0.02).holds


@pytest.fixture(scope="module")
def account() -> dict:
    acc = make_search_account(40, n_crowds=4, n_days=1, rng=3)
    cols = acc.crowds.landscape_columns(10)
    names = ("bids", "impressions", "clicks", "cost", "conversions", "revenue")
    land = BidLandscape(**{k: cols[k] for k in names})
    budget = float(acc.crowds.expected(acc.crowds.cell_bids(acc.current_bids)).cost.sum())
    kw = {"keywords": cols["keyword"], "crowds": cols["crowd"], "base_crowd": "其他访客"}
    return {"land": land, "budget": budget, "kw": kw}


@pytest.mark.parametrize(
    ("extra", "name", "unit"),
    [
        ({"target_cpa": 40.0}, "target_cpa", "yuan/order"),
        ({"target_roas": 3.0, "objective": "revenue"}, "target_roas", ""),
        ({"min_ctr": 0.015, "objective": "clicks"}, "min_ctr", ""),
    ],
)
def test_crowd_plan_targets_read_as_ratios(account: dict, extra: dict, name: str, unit: str):
    """They read 'target_cpa: 766.7 yuan <= 1042.5 yuan' (spend against target x
    orders), 'target_roas: 3363 yuan >= 2300 yuan', 'min_ctr: 261.9 clicks >= 152.6
    clicks'."""
    plan = optimize_crowd_bids(account["land"], account["budget"], **account["kw"], **extra)
    check = plan.certificate[name]
    assert plan.success and check.holds and check.unit == unit
    assert check.limit == next(v for k, v in extra.items() if k != "objective")
    ratio = {
        "target_cpa": plan.spend / plan.conversions,
        "target_roas": plan.revenue / plan.spend,
        "min_ctr": plan.clicks / plan.impressions,
    }[name]
    assert check.value == pytest.approx(ratio, rel=1e-12)
