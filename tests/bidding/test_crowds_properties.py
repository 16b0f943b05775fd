"""optimize_crowd_bids properties on small random cell landscapes: every promise of a
successful plan checked on the plan itself, independently of the solver's certificate."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bidopt.bidding import optimize_crowd_bids
from bidopt.exceptions import InfeasibleError
from bidopt.landscape import BidLandscape

RTOL = 1e-9


@st.composite
def cell_problems(draw: st.DrawFn) -> dict:
    """A keyword x crowd landscape (some cells missing, some rows starting at bid 0,
    padding) and the options of one solve."""
    n_kw, n_crowds, n_levels = (draw(st.integers(1, hi)) for hi in (4, 3, 4))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    rows = [(k, a) for k in range(n_kw) for a in range(n_crowds) if a == 0 or rng.random() > 0.2]
    n = len(rows)
    bids = np.sort(rng.uniform(0.1, 5.0, (n, n_levels)), axis=1)
    bids[rng.random(n) < 0.2, 0] = 0.0  # a "not bidding" level
    clicks = np.sort(rng.uniform(0.0, 50.0, (n, n_levels)), axis=1)
    cost = np.maximum.accumulate(clicks * bids * rng.uniform(0.3, 1.0, (n, n_levels)), axis=1)
    conversions = clicks * rng.uniform(0.0, 0.2, (n, 1))
    revenue = conversions * rng.uniform(10.0, 200.0, (n, 1))
    impressions = clicks / rng.uniform(0.01, 0.2, (n, 1)) + rng.uniform(0.0, 5.0, (n, 1))
    metrics = [clicks, cost, conversions, revenue, impressions]
    for m in metrics:
        m[bids == 0] = 0.0
    land = BidLandscape(
        bids=bids, clicks=clicks, cost=cost, conversions=conversions, revenue=revenue,
        impressions=impressions,
    )  # fmt: skip
    kw: dict = {"objective": draw(st.sampled_from(["clicks", "conversions", "revenue"]))}
    constraint = draw(st.sampled_from(["none", "target_cpa", "target_roas", "min_ctr"]))
    if constraint == "target_cpa":
        kw["target_cpa"] = draw(st.floats(2.0, 200.0))
    elif constraint == "target_roas":
        kw["target_roas"] = draw(st.floats(0.5, 8.0))
    elif constraint == "min_ctr":
        kw["min_ctr"] = draw(st.floats(0.01, 0.15))
    for name, lo, hi in (("max_cpc", 0.5, 5.0), ("min_bid", 0.1, 2.0), ("max_bid", 2.0, 6.0)):
        if draw(st.booleans()):
            kw[name] = draw(st.floats(lo, hi))
    kw["max_crowds"] = draw(st.integers(0, 3))
    if draw(st.booleans()):
        kw["base_crowd"] = "c0"
    budget = float(cost[:, -1].sum()) * draw(st.floats(0.0, 1.2))
    return {
        "land": land,
        "budget": budget,
        "keywords": [f"k{k}" for k, _ in rows],
        "crowds": [f"c{a}" for _, a in rows],
        "kw": kw,
    }


def _interpolated(land: BidLandscape, name: str, cell_bids: np.ndarray) -> np.ndarray:
    """Each cell's metric at its bid: linear between its levels, from (0, 0)."""
    out = np.zeros(cell_bids.size)
    for r, bid in enumerate(cell_bids):
        if bid > 0:
            x = np.r_[0.0, land.bids[r]]
            y = np.r_[0.0, getattr(land, name)[r]]
            last = np.r_[np.diff(x) > 0, True]  # one point per bid (padding repeats it)
            out[r] = np.interp(bid, x[last], y[last])
    return out


@settings(max_examples=200)
@given(cell_problems())
def test_a_successful_plan_keeps_every_promise(problem: dict) -> None:
    land, budget, kw = problem["land"], problem["budget"], problem["kw"]
    try:
        plan = optimize_crowd_bids(
            land, budget, keywords=problem["keywords"], crowds=problem["crowds"], **kw
        )
    except InfeasibleError:
        return
    for name in ("cell_bids", "cell_cost", "cell_clicks", "cell_value", "base_bids", "premiums"):
        values = getattr(plan, name)
        assert np.all(np.isfinite(values)) and np.all(values >= 0), name
    assert np.isfinite(plan.fun) and np.isfinite(plan.bound)
    assert "nan" not in plan.message and "nan" not in plan.summary()
    if not plan.success:
        assert plan.status != 0
        return
    # the plan's cells are read from the landscape at its bids
    for name in ("clicks", "cost", "conversions", "revenue", "impressions"):
        got = getattr(plan, f"cell_{name}")
        np.testing.assert_allclose(got, _interpolated(land, name, plan.cell_bids), 1e-9, 1e-12)
    np.testing.assert_allclose(
        plan.cell_bids, plan.base_bids[plan.cell_keyword] * (1 + plan.premiums[plan.cell_crowd])
    )
    spend, clicks = plan.cell_cost.sum(), plan.cell_clicks.sum()
    assert spend <= budget * (1 + RTOL) + 1e-12
    if "target_cpa" in kw:
        assert spend <= kw["target_cpa"] * plan.cell_conversions.sum() * (1 + RTOL) + 1e-12
    if "target_roas" in kw:
        assert plan.cell_revenue.sum() >= kw["target_roas"] * spend * (1 - RTOL) - 1e-12
    if "min_ctr" in kw:
        assert clicks >= kw["min_ctr"] * plan.cell_impressions.sum() * (1 - RTOL) - 1e-12
    if "max_cpc" in kw:
        assert np.all(plan.cell_cost <= kw["max_cpc"] * plan.cell_clicks * (1 + RTOL) + 1e-12)
    if "max_bid" in kw:
        assert np.all(plan.cell_bids <= kw["max_bid"] * (1 + RTOL))
    if "min_bid" in kw:
        assert np.all(plan.base_bids[plan.base_bids > 0] >= kw["min_bid"] * (1 - RTOL))
    assert np.all(plan.cell_bids <= land.bids[:, -1] * (1 + 1e-12))  # no extrapolation
    targeted = plan.premiums[plan.premiums > 0]
    assert targeted.size <= kw["max_crowds"]
    assert np.all((targeted >= 0.05 - 1e-12) & (targeted <= 3.0 + 1e-12))
    np.testing.assert_allclose(targeted * 100, np.round(targeted * 100), atol=1e-9)
    if "base_crowd" in kw:
        assert plan.premiums[list(plan.crowds).index("c0")] == 0
    # the per-cell bound bounds the plan; the plan is no worse than keyword bids alone
    assert plan.fun <= plan.per_cell.bound * (1 + 1e-7) + 1e-9
    assert plan.fun >= plan.keyword_only_fun * (1 - RTOL) - 1e-12
    assert plan.fun == pytest.approx(plan.cell_value.sum(), rel=1e-12)
