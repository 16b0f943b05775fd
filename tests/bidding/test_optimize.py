"""Properties of optimize_bids, checked against the exact HiGHS references."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from bidopt.bidding import BidPlan, bid_frontier, budget_for_target, optimize_bids
from bidopt.exceptions import InfeasibleError, InvalidInputError
from bidopt.landscape import BidLandscape

PROFILE = settings(derandomize=True, database=None, deadline=None, max_examples=40)
TOL = 1e-7


@st.composite
def landscapes(draw: st.DrawFn, max_keywords: int = 8, max_levels: int = 5) -> BidLandscape:
    n = draw(st.integers(1, max_keywords))
    levels = draw(st.integers(1, max_levels))
    # money and counts at report precision (0, or at least a cent): HiGHS's absolute
    # feasibility tolerance (1e-7) makes sub-cent budgets meaningless for the reference
    floats = st.one_of(st.just(0.0), st.floats(0.01, 50.0))
    bids = np.sort(
        draw(hnp.arrays(np.float64, (n, levels), elements=st.floats(0.05, 20.0))), axis=1
    )
    # distinct bids per row (repeats are padding and must repeat the whole point)
    bids = bids + np.arange(levels)[None, :] * 1e-3
    clicks = np.sort(draw(hnp.arrays(np.float64, (n, levels), elements=floats)), axis=1)
    cost = np.sort(draw(hnp.arrays(np.float64, (n, levels), elements=floats)), axis=1)
    rate = draw(hnp.arrays(np.float64, (n, levels), elements=st.floats(0.0, 0.5)))
    conversions = clicks * rate
    revenue = conversions * draw(hnp.arrays(np.float64, (n, 1), elements=st.floats(10, 300)))
    return BidLandscape(
        bids=bids, clicks=clicks, cost=cost, conversions=conversions, revenue=revenue
    )


def budget_for(land: BidLandscape, fraction: float) -> float:
    return float(fraction * land.cost[:, -1].sum())


@PROFILE
@given(
    landscapes(),
    st.floats(0.0, 1.2),
    st.sampled_from(["conversions", "clicks", "revenue", "profit"]),
)
def test_dual_matches_milp_within_its_gap_bound(
    land: BidLandscape, fraction: float, objective: str
) -> None:
    budget = budget_for(land, fraction)
    dual = optimize_bids(land, budget, objective=objective)  # type: ignore[arg-type]
    exact = optimize_bids(land, budget, objective=objective, method="milp")  # type: ignore[arg-type]
    lp = optimize_bids(land, budget, objective=objective, method="lp")  # type: ignore[arg-type]
    assert dual.success and exact.success
    assert dual.spend <= budget + TOL
    assert exact.spend <= budget + TOL
    assert dual.fun <= exact.fun + TOL * max(1, abs(exact.fun))  # never beats the optimum
    assert exact.fun <= dual.fun + dual.gap_bound + TOL * max(1, abs(exact.fun))
    # the dual bound is the LP relaxation's value
    assert dual.bound == pytest.approx(lp.bound, rel=1e-6, abs=1e-7)


@PROFILE
@given(landscapes(), st.lists(st.floats(0.0, 1.2), min_size=2, max_size=5))
def test_objective_is_monotone_in_budget_and_budget_never_exceeded(
    land: BidLandscape, fractions: list[float]
) -> None:
    budgets = sorted(budget_for(land, f) for f in fractions)
    plans = [optimize_bids(land, b) for b in budgets]
    for plan, budget in zip(plans, budgets, strict=True):
        assert plan.spend <= budget + TOL
    # the plan's own value can only dip by its certified gap: fun(b1) <= OPT(b2) <= bound
    for small, large in itertools.pairwise(plans):
        assert large.fun + large.gap_bound >= small.fun - TOL
    bounds = [p.bound for p in plans]
    assert all(b2 >= b1 - TOL for b1, b2 in itertools.pairwise(bounds))
    exact = [optimize_bids(land, b, method="milp").fun for b in budgets]
    assert all(e2 >= e1 - TOL for e1, e2 in itertools.pairwise(exact))


@PROFILE
@given(landscapes(), st.floats(0.0, 1.0), st.randoms(use_true_random=False))
def test_invariant_to_keyword_order(land: BidLandscape, fraction: float, rnd: object) -> None:
    budget = budget_for(land, fraction)
    perm = np.arange(land.n_keywords)
    rnd.shuffle(perm)  # type: ignore[attr-defined]
    a = optimize_bids(land, budget)
    b = optimize_bids(land.take(perm), budget)
    assert a.fun == pytest.approx(b.fun, rel=1e-9, abs=1e-9)
    assert a.bound == pytest.approx(b.bound, rel=1e-9, abs=1e-9)


@PROFILE
@given(landscapes(), st.floats(0.05, 1.0), st.floats(0.5, 10.0))
def test_max_cpc_is_respected(land: BidLandscape, fraction: float, cap: float) -> None:
    plan = optimize_bids(land, budget_for(land, fraction), max_cpc=cap)
    bidding = plan.keyword_clicks > 0
    cpc = plan.keyword_cost[bidding] / plan.keyword_clicks[bidding]
    assert (cpc <= cap * (1 + 1e-9)).all()
    exact = optimize_bids(land, budget_for(land, fraction), max_cpc=cap, method="milp")
    assert exact.fun <= plan.fun + plan.gap_bound + TOL * max(1, exact.fun)


@PROFILE
@given(landscapes(), st.floats(0.05, 1.0), st.floats(5.0, 80.0))
def test_target_cpa_is_respected_or_explained(
    land: BidLandscape, fraction: float, target: float
) -> None:
    budget = budget_for(land, fraction)
    try:
        plan = optimize_bids(land, budget, target_cpa=target)
    except InfeasibleError:
        with pytest.raises(InfeasibleError, match="target_cpa"):
            optimize_bids(land, budget, target_cpa=target, method="milp")
        return
    assert plan.spend <= budget + TOL
    assert plan.spend <= target * plan.conversions * (1 + 1e-9) + 1e-9
    exact = optimize_bids(land, budget, target_cpa=target, method="milp")
    assert exact.fun <= plan.bound + TOL * max(1, exact.fun)


@PROFILE
@given(landscapes(), st.floats(0.05, 1.0), st.floats(0.5, 30.0))
def test_target_roas_is_respected(land: BidLandscape, fraction: float, target: float) -> None:
    try:
        plan = optimize_bids(
            land, budget_for(land, fraction), objective="revenue", target_roas=target
        )
    except InfeasibleError:
        return
    assert plan.revenue >= target * plan.spend * (1 - 1e-9) - 1e-9


@PROFILE
@given(landscapes(), st.floats(0.1, 1.0), st.floats(0.0, 1.0), st.floats(0.0, 1.0))
def test_group_budgets_hold_and_match_milp(
    land: BidLandscape, fraction: float, g0: float, g1: float
) -> None:
    groups = np.arange(land.n_keywords) % 2
    total = budget_for(land, fraction)
    caps = {g: share * total for g, share in ((0, g0), (1, g1)) if (groups == g).any()}
    plan = optimize_bids(land, total, groups=groups, group_budgets=caps)
    assert plan.spend <= total + TOL
    for g, cap in caps.items():
        assert plan.keyword_cost[groups == g].sum() <= cap + TOL
    exact = optimize_bids(land, total, groups=groups, group_budgets=caps, method="milp")
    assert plan.fun <= exact.fun + TOL * max(1, exact.fun)
    assert exact.fun <= plan.bound + TOL * max(1, exact.fun)


def test_not_bidding_is_always_an_option() -> None:
    land = BidLandscape(
        bids=[[1.0, 2.0]],
        clicks=[[5.0, 8.0]],
        cost=[[10.0, 30.0]],  # type: ignore[arg-type]
        conversions=[[0.5, 0.8]],
    )  # type: ignore[arg-type]
    plan = optimize_bids(land, 5.0)
    assert plan.levels.tolist() == [-1] and plan.bids.tolist() == [0.0] and plan.spend == 0
    assert optimize_bids(land, 0.0).fun == 0


def test_bid_bounds_exclude_levels() -> None:
    land = BidLandscape(
        bids=[[1.0, 2.0, 3.0]],
        clicks=[[5.0, 8.0, 9.0]],  # type: ignore[arg-type]
        cost=[[3.0, 10.0, 20.0]],
        conversions=[[0.5, 0.8, 0.9]],
    )  # type: ignore[arg-type]
    assert optimize_bids(land, 100.0, max_bid=2.5).bids.tolist() == [2.0]
    assert optimize_bids(land, 100.0, min_bid=2.5).bids.tolist() == [3.0]


def test_plan_reports_and_frame() -> None:
    pd = pytest.importorskip("pandas")
    land = BidLandscape(
        bids=[[1.0, 2.0]],
        clicks=[[5.0, 8.0]],
        cost=[[10.0, 30.0]],  # type: ignore[arg-type]
        conversions=[[0.5, 0.8]],
        keywords=["连衣裙"],
    )  # type: ignore[arg-type]
    plan = optimize_bids(land, 12.0)
    assert isinstance(plan, BidPlan)
    assert plan.cpa == pytest.approx(20.0)
    assert "CPA 20.00" in plan.summary()
    frame = plan.to_frame()
    assert isinstance(frame, pd.DataFrame)
    assert frame["keyword"].tolist() == ["连衣裙"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"budget": -5.0}, "`budget` must be a finite number >= 0. Got -5.0 instead."),
        ({"budget": float("nan")}, "`budget` must be a finite number >= 0"),
        ({"method": "greedy"}, "Unknown method 'greedy'; expected one of 'dual', 'milp', 'lp'."),
        ({"objective": "orders"}, "Unknown objective 'orders'"),
        ({"max_cpc": 0}, "`max_cpc` must be a finite number > 0. Got 0 instead."),
        ({"min_bid": 3.0, "max_bid": 2.0}, "`min_bid` must be <= `max_bid`"),
        ({"target_cpa": 25.0, "target_roas": 3.0}, "not both"),
        ({"options": {"tol": 1}}, "Unknown option\\(s\\) 'tol' for method 'dual'"),
        ({"groups": [0]}, "`groups` and `group_budgets` must be given together"),
        ({"groups": [0, 1], "group_budgets": {0: 5.0}}, "`groups` must have shape \\(1,\\)"),
        ({"groups": [0], "group_budgets": {7: 5.0}}, "no keyword belongs to"),
    ],
)
def test_invalid_arguments_are_explained(kwargs: dict[str, object], message: str) -> None:
    land = BidLandscape(
        bids=[[1.0]],
        clicks=[[5.0]],
        cost=[[10.0]],
        conversions=[[1.0]],  # type: ignore[arg-type]
        revenue=[[50.0]],
    )  # type: ignore[arg-type]
    args = {"budget": 10.0, **kwargs}
    budget = args.pop("budget")
    with pytest.raises(InvalidInputError, match=message):
        optimize_bids(land, budget, **args)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="`landscape` must be a BidLandscape"):
        optimize_bids("nope", 10.0)  # type: ignore[arg-type]


def test_unreachable_target_says_what_is_reachable() -> None:
    land = BidLandscape(
        bids=[[1.0, 2.0]],
        clicks=[[10.0, 20.0]],
        cost=[[20.0, 62.4]],  # type: ignore[arg-type]
        conversions=[[1.0, 2.0]],
    )  # type: ignore[arg-type]
    with pytest.raises(
        InfeasibleError, match="target_cpa=15 is unreachable: the lowest plan CPA is 20.00 yuan"
    ) as info:
        optimize_bids(land, 100.0, target_cpa=15.0)
    assert info.value.conflicts["target_cpa"] == pytest.approx(5.0)
    with pytest.raises(InfeasibleError, match="only by spending at least 20.00 yuan"):
        optimize_bids(land, 10.0, target_cpa=25.0)


def test_frontier_and_reverse_question_agree() -> None:
    rng = np.random.default_rng(3)
    n, levels = 40, 6
    bids = np.sort(rng.uniform(0.2, 5, (n, levels)), axis=1)
    clicks = np.cumsum(rng.uniform(0, 5, (n, levels)), axis=1)
    cost = np.cumsum(rng.uniform(0, 10, (n, levels)), axis=1)
    conv = clicks * 0.1
    land = BidLandscape(bids=bids, clicks=clicks, cost=cost, conversions=conv)
    budgets = np.linspace(0, cost[:, -1].sum(), 11)
    front = bid_frontier(land, budgets)
    assert (np.diff(front.bound) >= -1e-9).all()
    assert (front.spend <= budgets + 1e-9).all()
    assert (np.diff(front.marginal_cost[front.shadow_price > 0]) >= -1e-9).all()
    goal = 0.6 * front.value[-1]
    answer = budget_for_target(land, conversions=goal)
    assert answer.plan.conversions >= goal * (1 - 1e-9)
    assert answer.lower_bound <= answer.budget + 1e-9
    exact = optimize_bids(land, answer.lower_bound * (1 - 1e-6), method="milp")
    assert exact.conversions < goal  # nothing reaches the goal under the lower bound
    with pytest.raises(InfeasibleError, match="unreachable: at most"):
        budget_for_target(land, conversions=10 * front.value[-1])
    with pytest.raises(InvalidInputError, match="exactly one target"):
        budget_for_target(land, conversions=1.0, clicks=2.0)
