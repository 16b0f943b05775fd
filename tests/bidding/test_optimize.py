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
        ({"options": {"tol": 1}}, "Unknown option 'tol' for method 'dual'"),
        (
            {"options": {"max_outer": "abc"}},
            "`options\\['max_outer'\\]` must be an integer >= 0. Got 'abc' instead.",
        ),
        (
            {"method": "milp", "options": {"time_limit": "1s"}},
            "`options\\['time_limit'\\]` must be a finite number > 0. Got '1s'",
        ),
        (
            {"method": "milp", "options": {"mip_rel_gap": -1}},
            "`options\\['mip_rel_gap'\\]` must be a finite number >= 0 and <= 1",
        ),
        ({"groups": [0]}, "`groups` and `group_budgets` must be given together"),
        ({"groups": [0, 1], "group_budgets": {0: 5.0}}, "`groups` must have shape \\(1,\\)"),
        ({"groups": [0], "group_budgets": {7: 5.0}}, "must name groups that keywords belong to"),
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
    goal = 0.6 * front.fun[-1]
    answer = budget_for_target(land, conversions=goal)
    assert answer.plan.conversions >= goal * (1 - 1e-9)
    assert answer.lower_bound <= answer.budget + 1e-9
    exact = optimize_bids(land, answer.lower_bound * (1 - 1e-6), method="milp")
    assert exact.conversions < goal  # nothing reaches the goal under the lower bound
    with pytest.raises(InfeasibleError, match="unreachable: at most"):
        budget_for_target(land, conversions=10 * front.fun[-1])
    with pytest.raises(InvalidInputError, match="Exactly one of `conversions`"):
        budget_for_target(land, conversions=1.0, clicks=2.0)


# --- issue 21: every answer keeps its promises ------------------------------------------

SOLVER = settings(deadline=None)  # examples from the loaded profile ("ci": 500)
METHODS_ALL = ["dual", "lp", "milp"]


def _issue_landscape() -> BidLandscape:
    return BidLandscape(
        bids=[[1, 2], [1, 2], [1, 2]],  # type: ignore[list-item]
        clicks=[[2, 4], [2, 4], [1, 3]],  # type: ignore[list-item]
        cost=[[1.5, 6], [1.8, 7], [0.9, 5]],  # type: ignore[list-item]
        conversions=[[0.2, 0.5], [0.1, 0.3], [0.3, 0.6]],  # type: ignore[list-item]
    )


def _holds(plan: BidPlan, land: BidLandscape, budget: float, **kw: float) -> None:
    """Recompute every constraint from the plan's own bids (not the solver's sums)."""
    picked = land.at_levels(plan.levels)
    spend = float(picked["cost"].sum())
    assert spend <= budget * (1 + 1e-9) + 1e-12
    if "target_cpa" in kw:
        assert spend <= kw["target_cpa"] * float(picked["conversions"].sum()) * (1 + 1e-9)
    if "target_roas" in kw:
        assert float(picked["revenue"].sum()) >= kw["target_roas"] * spend * (1 - 1e-9)
    assert plan.certificate.holds


@pytest.mark.parametrize("method", METHODS_ALL)
def test_issue_reproducer_target_cpa_is_met_not_called_slack(method: str) -> None:
    land = _issue_landscape()
    plan = optimize_bids(land, 6.0, target_cpa=5.0, method=method)  # type: ignore[arg-type]
    assert plan.success
    assert plan.cpa <= 5.0 * (1 + 1e-9)  # the dual gave CPA 8.33 here, "slack"
    assert "slack" not in plan.message
    assert plan.certificate["target_cpa"].holds
    assert plan.fun == pytest.approx(0.5)  # the optimum (milp): CPA 4.8


def test_dual_no_longer_takes_an_absolute_target_tolerance() -> None:
    with pytest.raises(InvalidInputError, match="Unknown option 'target_tol'"):
        optimize_bids(_issue_landscape(), 6.0, target_cpa=5.0, options={"target_tol": 1.0})


def test_readme_flow_meets_its_target_cpa() -> None:
    from bidopt.datasets import make_search_account
    from bidopt.landscape import estimate_landscapes

    account = make_search_account(60, n_days=7, rng=1)
    now = account.expected().totals()
    land = estimate_landscapes(account.log).landscapes
    for method in METHODS_ALL:
        plan = optimize_bids(land, now["cost"], max_cpc=22, target_cpa=25, method=method)  # type: ignore[arg-type]
        assert plan.success
        assert plan.cpa <= 25 * (1 + 1e-9)  # was 31.7 with the dual


@st.composite
def target_cases(draw: st.DrawFn) -> tuple[BidLandscape, float, str, str, dict[str, float]]:
    """Small landscapes, a budget anywhere up to the top levels (edges included), and a
    target near the median point's CPA / ROAS (low targets: where the dual used to fail)."""
    land = draw(landscapes(max_keywords=5, max_levels=4))
    top = float(land.cost[:, -1].sum())
    budget = draw(
        st.one_of(
            st.floats(0.0, 1.2).map(lambda f: f * top),
            st.sampled_from([top, np.nextafter(top, 0), np.nextafter(top, np.inf)]),
            st.integers(0, land.cost.size - 1).map(lambda i: float(land.cost.ravel()[i])),
        )
    )
    kind = draw(st.sampled_from(["target_cpa", "target_roas"]))
    quantile = draw(st.floats(0.05, 0.95))
    paid = land.cost > 0
    if kind == "target_cpa":
        conv = land.conversions
        assert conv is not None
        ok = paid & (conv > 1e-6)
        ratio = land.cost[ok] / conv[ok]
    else:
        rev = land.revenue
        assert rev is not None
        ratio = rev[paid] / land.cost[paid]
    # a target a merchant could write (not 1e15 from a subnormal rate)
    target = float(np.clip(np.quantile(ratio, quantile), 0.01, 1e4)) if ratio.size else 10.0
    objective = draw(st.sampled_from(["conversions", "clicks", "revenue", "profit"]))
    method = draw(st.sampled_from(METHODS_ALL))
    return land, budget, objective, method, {kind: target}


@SOLVER
@given(target_cases())
def test_every_objective_method_and_target_keeps_its_promise(
    case: tuple[BidLandscape, float, str, str, dict[str, float]],
) -> None:
    land, budget, objective, method, target = case
    try:
        plan = optimize_bids(land, budget, objective=objective, method=method, **target)  # type: ignore[arg-type]
    except InfeasibleError:
        with pytest.raises(InfeasibleError):
            optimize_bids(land, budget, objective=objective, method="milp", **target)  # type: ignore[arg-type]
        return
    assert plan.success, plan.message
    _holds(plan, land, budget, **target)
    exact = optimize_bids(land, budget, objective=objective, method="milp", **target)  # type: ignore[arg-type]
    scale = TOL * max(1.0, abs(exact.fun))
    assert plan.fun <= exact.fun + scale  # never beats the optimum (it would be infeasible)
    assert exact.fun <= plan.bound + scale  # the bound is a bound


@SOLVER
@given(landscapes(max_keywords=5, max_levels=4), st.floats(0.0, 1.2), st.floats(0.05, 0.95))
def test_with_a_target_value_never_falls_beyond_the_gap_as_budget_rises(
    land: BidLandscape, fraction: float, quantile: float
) -> None:
    conv = land.conversions
    assert conv is not None
    ok = (land.cost > 0) & (conv > 1e-6)
    if not ok.any():
        return
    target = float(np.clip(np.quantile(land.cost[ok] / conv[ok], quantile), 0.01, 1e4))
    top = float(land.cost[:, -1].sum())
    budgets = sorted({fraction * top, top, np.nextafter(top, 0), 1.1 * top})
    plans = []
    for b in budgets:
        try:
            plans.append(optimize_bids(land, b, target_cpa=target))
        except InfeasibleError:
            plans.append(None)
    for small, large in itertools.pairwise(plans):
        if small is None or large is None:
            continue
        assert large.bound >= small.fun - TOL * max(1.0, small.fun)
        assert large.certificate.holds and small.certificate.holds


@SOLVER
@given(landscapes(max_keywords=6, max_levels=4), st.sampled_from(["conversions", "clicks"]))
def test_budget_at_the_top_levels_is_no_worse_than_just_below(
    land: BidLandscape, objective: str
) -> None:
    top = float(land.cost[:, -1].sum())
    at = optimize_bids(land, top, objective=objective)  # type: ignore[arg-type]
    below = optimize_bids(land, max(0.0, top - 1e-9 * top), objective=objective)  # type: ignore[arg-type]
    assert at.fun >= below.fun - TOL * max(1.0, below.fun)
    assert at.success and at.certificate.holds


@SOLVER
@given(landscapes(max_keywords=6, max_levels=4), st.floats(0.1, 1.0))
def test_budget_for_target_returns_a_budget_whose_plan_reaches_it(
    land: BidLandscape, fraction: float
) -> None:
    top = optimize_bids(land, 2 * float(land.cost[:, -1].sum()) + 1)
    if top.fun <= 1e-6:  # subnormal conversions: no meaningful goal
        return
    goal = fraction * top.fun
    answer = budget_for_target(land, conversions=goal)
    assert answer.plan.success, answer.plan.message
    assert answer.plan.conversions >= goal * (1 - 1e-9)
    assert answer.plan.spend <= answer.budget * (1 + 1e-9)
    assert answer.lower_bound <= answer.budget * (1 + 1e-12)


def test_certificate_catches_a_plan_that_breaks_a_constraint() -> None:
    from bidopt.bidding._optimize import make_plan
    from bidopt.bidding._problem import make_problem
    from bidopt.bidding._solvers import Solution

    land = _issue_landscape()
    problem = make_problem(
        land,
        6.0,
        objective="conversions",
        max_cpc=None,
        target_cpa=5.0,
        target_roas=None,
        min_bid=None,
        max_bid=None,
        groups=None,
        group_budgets=None,
    )
    # a solver claiming success for the top level everywhere: 18 yuan, CPA 12.9
    forged = Solution(np.array([1, 1, 1]), 10.0, 0.0, 0.0, 1, 0, "Optimal (claimed).")
    plan = make_plan(problem, forged, "dual")
    assert not plan.success
    assert plan.status == 2
    assert "budget (18 <= 6 fails by 12 yuan)" in plan.message
    assert "target_cpa" in plan.message
    assert {c.name for c in plan.certificate.violated} == {"budget", "target_cpa"}
    assert "VIOLATED" in plan.summary()


def test_certificate_lists_every_constraint_with_its_slack() -> None:
    pd = pytest.importorskip("pandas")
    land = _issue_landscape()
    groups = np.array(["a", "a", "b"])
    plan = optimize_bids(
        land,
        6.0,
        max_cpc=2.0,
        min_bid=0.5,
        max_bid=1.5,
        target_cpa=5.0,
        groups=groups,
        group_budgets={"a": 2.0},
    )
    names = [c.name for c in plan.certificate.checks]
    assert names == ["budget", "group_budgets", "max_cpc", "min_bid", "max_bid", "target_cpa"]
    assert plan.certificate.holds and plan.success
    assert plan.certificate["budget"].slack == pytest.approx(6.0 - plan.spend)
    frame = plan.certificate.to_frame()
    assert isinstance(frame, pd.DataFrame)
    assert frame["holds"].all()


# --- second review of issue 21 (an independent fuzzer's reproducers) --------------------


@pytest.mark.parametrize("method", METHODS_ALL)
def test_a_target_met_exactly_counts_as_met(method: str) -> None:
    # CPA exactly 4/3 for both keywords: all three methods kept only the first (1 of 3
    # conversions), milp saying "Optimal (HiGHS)"
    land = BidLandscape(
        bids=[[1.0], [1.0]],
        clicks=[[1.0], [2.0]],  # type: ignore[list-item]
        cost=[[1.0], [3.0]],  # type: ignore[list-item]
        conversions=[[1.0], [2.0]],  # type: ignore[list-item]
    )
    plan = optimize_bids(land, 10.0, target_cpa=4 / 3, method=method)  # type: ignore[arg-type]
    assert plan.success
    assert plan.levels.tolist() == [0, 0]
    assert plan.conversions == pytest.approx(3.0)


@pytest.mark.parametrize(
    ("land", "kwargs"),
    [
        (  # one point exactly at the target: "reachable only by spending at least inf"
            BidLandscape(bids=[[1.0]], clicks=[[10.0]], cost=[[0.1]], conversions=[[2.9]]),  # type: ignore[list-item]
            {"target_cpa": 0.1 / 2.9},
        ),
        (
            BidLandscape(bids=[[1.0]], clicks=[[10.0]], cost=[[5.5]], revenue=[[0.1]]),  # type: ignore[list-item]
            {"target_roas": 0.1 / 5.5, "objective": "revenue"},
        ),
        (  # a level that converts at no cost: "lowest plan CPA is 8.33"
            BidLandscape(
                bids=[[1.0, 2.0], [1.0, 2.0]],  # type: ignore[list-item]
                clicks=[[1.0, 2.0], [1.0, 2.0]],  # type: ignore[list-item]
                cost=[[0.0, 10.0], [5.0, 10.0]],  # type: ignore[list-item]
                conversions=[[1.0, 1.2], [0.1, 0.2]],  # type: ignore[list-item]
            ),
            {"target_cpa": 1.0},
        ),
    ],
)
def test_reachable_targets_are_not_called_infeasible(
    land: BidLandscape, kwargs: dict[str, object]
) -> None:
    for method in METHODS_ALL:
        plan = optimize_bids(land, 50.0, method=method, **kwargs)  # type: ignore[arg-type]
        assert plan.success
        assert plan.levels[0] == 0


@pytest.mark.parametrize("method", METHODS_ALL)
def test_a_paid_level_without_clicks_breaks_any_cpc_cap(method: str) -> None:
    # the problem counted it as CPC 0 (allowed), the certificate as infinite: success=False
    land = BidLandscape(
        bids=[[1.0, 2.0], [1.0, 2.0]],  # type: ignore[list-item]
        clicks=[[0.0, 4.0], [2.0, 4.0]],  # type: ignore[list-item]
        cost=[[1.0, 4.0], [1.0, 4.0]],  # type: ignore[list-item]
        conversions=[[0.5, 0.6], [0.2, 0.4]],  # type: ignore[list-item]
    )
    plan = optimize_bids(land, 2.0, max_cpc=1.0, method=method)  # type: ignore[arg-type]
    assert plan.success
    assert plan.levels.tolist() == [-1, 0]


@pytest.mark.parametrize(("budget", "method"), [(12 - 1e-7, "milp"), (3 - 1e-7, "lp")])
def test_highs_tolerance_never_leaves_the_plan_over_budget(budget: float, method: str) -> None:
    land = BidLandscape(
        bids=[[1.0, 2.0], [1.0, 2.0]],  # type: ignore[list-item]
        clicks=[[2.0, 4.0], [2.0, 4.0]],  # type: ignore[list-item]
        cost=[[3.0, 6.0], [3.0, 6.0]],  # type: ignore[list-item]
        conversions=[[1.0, 1.5], [1.0, 1.5]],  # type: ignore[list-item]
    )
    plan = optimize_bids(land, budget, method=method)  # type: ignore[arg-type]
    assert plan.success, plan.message  # was success=False, over by 1e-7
    assert plan.spend <= budget
    exact = optimize_bids(land, budget, method="milp")
    assert exact.spend <= budget


@pytest.mark.parametrize("factor", [1e-12, 1e150])
def test_any_money_unit_is_solved_alike(factor: float) -> None:
    land = BidLandscape(
        bids=[[1.0, 2.0], [1.0, 2.0]],  # type: ignore[list-item]
        clicks=np.array([[10.0, 12.0], [10.0, 12.0]]) * factor,
        cost=np.array([[10.0, 20.0], [10.0, 20.0]]) * factor,
        conversions=np.array([[1.0, 1.2], [1.0, 1.2]]) * factor,
    )
    for method in METHODS_ALL:
        plan = optimize_bids(land, 25.0 * factor, method=method)  # type: ignore[arg-type]
        assert plan.success, (method, plan.message)  # lp/milp spent 3x at 1e-12
        assert plan.fun / factor == pytest.approx(2.0)
    if factor < 1:  # a huge target on ordinary money: HiGHS said "Model error"
        plain = land.take(np.arange(2))
        plain = BidLandscape(
            bids=plain.bids,
            clicks=plain.clicks / factor,
            cost=plain.cost / factor,
            conversions=np.asarray(plain.conversions) / factor,
        )
        assert optimize_bids(plain, 25.0, target_cpa=1e200, method="milp").success


def test_frontier_with_a_target_gives_every_budget_a_plan() -> None:
    land = BidLandscape(
        bids=[[1.0, 2.0], [1.0, 2.0]],  # type: ignore[list-item]
        clicks=[[10.0, 12.0], [10.0, 12.0]],  # type: ignore[list-item]
        cost=[[10.0, 20.0], [10.0, 20.0]],  # type: ignore[list-item]
        conversions=[[1.0, 1.2], [1.0, 1.2]],  # type: ignore[list-item]
    )
    front = bid_frontier(land, [0.0, 5.0, 10.0], target_cpa=12.0)  # raised InfeasibleError
    assert front.fun.tolist() == [0.0, 0.0, 1.0]
    answer = budget_for_target(land, conversions=2.2)
    assert answer.lower_bound <= answer.budget
    assert optimize_bids(land, 30.0, method="milp").conversions >= 2.2 - 1e-12
    assert answer.lower_bound <= 30.0  # was 30.00000000000001


def test_group_labels_are_compared_as_given() -> None:
    land = BidLandscape(
        bids=[[1.0], [1.0]],
        clicks=[[1.0], [2.0]],  # type: ignore[list-item]
        cost=[[1.0], [3.0]],  # type: ignore[list-item]
        conversions=[[1.0], [2.0]],  # type: ignore[list-item]
    )
    plan = optimize_bids(land, 10.0, groups=[1, "1"], group_budgets={1: 2.0})
    assert plan.levels.tolist() == [0, 0]  # 1 and "1" were merged: only one could bid
    with pytest.raises(InvalidInputError, match="1 and '1' differ"):
        optimize_bids(land, 10.0, groups=[1, "1"], group_budgets={"2": 2.0})


@SOLVER
@given(landscapes(max_keywords=5, max_levels=3), st.data())
def test_a_target_set_at_a_plans_own_cpa_keeps_that_plan_feasible(
    land: BidLandscape, data: st.DataObject
) -> None:
    # targets at ties: milp fell to 0.1% of the optimum when the target equalled a plan's CPA
    levels = np.array(
        [data.draw(st.integers(-1, land.n_levels - 1)) for _ in range(land.n_keywords)]
    )
    picked = land.at_levels(levels)
    spend, conv = float(picked["cost"].sum()), float(picked["conversions"].sum())
    if spend <= 0 or conv <= 1e-6:
        return
    target = spend / conv
    for method in METHODS_ALL:
        plan = optimize_bids(land, spend, target_cpa=target, method=method)  # type: ignore[arg-type]
        assert plan.success and plan.certificate.holds
        if method == "milp":
            assert plan.fun >= conv * (1 - 1e-9) - 1e-12  # that plan is feasible
        assert plan.bound >= conv * (1 - 1e-9) - 1e-12


def test_milp_finds_a_plan_that_spends_a_group_budget_exactly() -> None:
    # scaling every cost by a power of two (256) made HiGHS miss the plans that spend
    # group 2's budget to the last digit: 58.86 clicks, "Optimal (HiGHS)", bound 58.86,
    # while [1, 1, 2, -1] buys 68.13 within every constraint
    land = BidLandscape(
        bids=[
            [2.820115152711031, 3.0410583499067645, 4.826025082808244],
            [0.8280241646706337, 1.9370734636276876, 3.0327398875495732],
            [1.4334830303078805, 2.415626333430273, 3.2829869183871465],
            [0.23994431640538672, 3.7450363209101263, 4.39358278851376],
        ],  # type: ignore[arg-type]
        clicks=[
            [19.50313537791347, 20.955417591434422, 26.627439488704027],
            [24.25373417290904, 39.948434820715626, 41.177163460450515],
            [1.8463755763772431, 6.828151361513755, 7.230469458637637],
            [0.0006246648173381941, 1.063844908165521, 1.1531602091073738],
        ],  # type: ignore[arg-type]
        cost=[
            [40.40427086010905, 49.41492780225993, 104.88960941129275],
            [14.426735714006067, 58.67774389926305, 99.67713156538844],
            [1.1094256655481716, 7.297928375036856, 11.055509054979476],
            [6.675395039716117e-05, 1.8729876231737155, 2.5071794036159454],
        ],  # type: ignore[arg-type]
    )
    groups = np.array([0, 2, 0, 2])
    plan = optimize_bids(
        land,
        129.19551828759552,
        objective="clicks",
        method="milp",
        groups=groups,
        group_budgets={2: 58.67774389926305},
    )
    assert plan.success
    assert plan.fun >= 68.13432187078769 * (1 - 1e-9)
    assert plan.keyword_cost[groups == 2].sum() <= 58.67774389926305


def test_milp_repair_of_a_hair_over_the_budget_keeps_the_affordable_level() -> None:
    # HiGHS takes the level costing 3 against a budget 4e-16 below 3 (its tolerance); the
    # repair's best-ratio move is "no bid", which freed 2 yuan more than needed: milp
    # returned 0 conversions with success=True while level 0 (cost 2) buys 0.5 within
    # every constraint (found by the target property in a full run)
    land = BidLandscape(
        bids=[[1, 2, 3]], clicks=[[1, 1, 2]], cost=[[2, 3, 3]], conversions=[[0.5, 0.5, 1]]
    )
    for method in ("dual", "lp", "milp"):
        plan = optimize_bids(land, 2.9999999999999996, target_cpa=4, method=method)
        assert plan.success, method
        assert plan.fun == pytest.approx(0.5), method
        assert plan.spend <= 2.9999999999999996


def test_too_many_levels_is_refused_by_name() -> None:
    n = 1 << 15
    bids = np.arange(1, n + 1, dtype=np.float64)[None, :]
    land = BidLandscape(bids=bids, clicks=bids, cost=bids * 2, conversions=bids / 10)
    with pytest.raises(InvalidInputError, match="at most 32767 bid levels per keyword. Got 32768"):
        optimize_bids(land, 10.0)


def _brute_force(land: BidLandscape, budget: float, objective: str) -> float:
    """The best objective over every plan (one level or none per keyword) within budget."""
    value = {"clicks": land.clicks, "conversions": land.conversions}[objective]
    best = 0.0
    for plan in itertools.product(range(-1, land.n_levels), repeat=land.n_keywords):
        on = [(k, level) for k, level in enumerate(plan) if level >= 0]
        if sum(land.cost[k, level] for k, level in on) <= budget:
            best = max(best, sum(value[k, level] for k, level in on))
    return best


def test_milp_is_exact_a_hair_below_a_plans_cost() -> None:
    # HiGHS took plan [1, 0] (9.3 yuan) against 9.3 - 1e-9 (its tolerance), and the
    # repair moved keyword 0 down (most yuan freed per click lost) for 5.6 clicks with
    # success=True, where dropping keyword 1 keeps 7.0; lp rounded to the same 5.6
    land = BidLandscape(
        bids=[[1.0, 2.0], [1.0, 2.0]],  # type: ignore[list-item]
        clicks=[[4.0, 7.0], [1.6, 1.6]],  # type: ignore[list-item]
        cost=[[5.0, 9.0], [0.3, 0.3]],  # type: ignore[list-item]
    )
    for method in ("milp", "lp"):
        plan = optimize_bids(land, 9.3 - 1e-9, objective="clicks", method=method)  # type: ignore[arg-type]
        assert plan.success, plan.message
        assert plan.fun == pytest.approx(7.0), method
    exact = optimize_bids(land, 9.3 - 1e-9, objective="clicks", method="milp")
    assert exact.bound == pytest.approx(7.0)  # proven optimal, not "up to the gap"
    assert "up to the gap" not in exact.message


def test_milp_is_exact_with_identical_keywords_a_hair_below_a_plans_cost() -> None:
    # 4 identical keywords, budget 18 - 1e-7: every reordering of the 18-yuan plan HiGHS
    # returned (25 clicks, over by its tolerance) was a new plan, the no-good cuts ran
    # out and the repair gave 23 clicks ("up to 4.17% below"); all go at once now
    n = 4
    land = BidLandscape(
        bids=np.tile([1.0, 2.0, 3.0], (n, 1)),
        clicks=np.tile([4.0, 6.0, 7.0], (n, 1)),
        cost=np.tile([2.0, 4.0, 6.0], (n, 1)),
    )
    plan = optimize_bids(land, 18 - 1e-7, objective="clicks", method="milp")
    assert plan.success and plan.spend <= 18 - 1e-7
    assert plan.fun == pytest.approx(24.0) and plan.bound == pytest.approx(24.0)
    assert "repaired" not in plan.message


def test_milp_keeps_a_plan_exactly_at_the_budget_a_rounding_below_another() -> None:
    # budget 4 - 4e-16 (a plan's cost summed in floats): HiGHS returns plans a float
    # rounding over it; tightening the budget row for them would drop the 20-click plan
    # exactly at the budget as well (19 clicks), so they are cut alone (4 of them here)
    third = 1.0 / 3.0
    cost = np.array([[2, 3, 4], [1, 3, 6], [2, 4, 6], [1, 4, 5], [3, 5, 7]]) * third
    clicks = np.array([[1, 3, 5], [2, 6, 9], [4, 7, 11], [2, 5, 7], [1, 4, 6]], dtype=float)
    land = BidLandscape(bids=np.tile([1.0, 2.0, 3.0], (5, 1)), clicks=clicks, cost=cost)
    budget = cost[1, 1] + cost[2, 1] + cost[3, 2]
    plan = optimize_bids(land, budget, objective="clicks", method="milp")
    assert plan.success and plan.spend <= budget
    assert plan.fun == pytest.approx(_brute_force(land, budget, "clicks"), rel=1e-12)


@pytest.mark.parametrize("seed", range(4))
def test_milp_matches_brute_force_at_budget_edges(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, levels = 3, 3
    clicks = np.cumsum(rng.integers(1, 6, (n, levels)), axis=1) / 10
    cost = np.cumsum(rng.integers(1, 30, (n, levels)), axis=1) / 10
    land = BidLandscape(
        bids=np.cumsum(np.ones((n, levels)), axis=1),
        clicks=clicks,
        cost=cost,
        conversions=clicks * rng.uniform(0.05, 0.3, (n, 1)),
    )
    plans = itertools.product(range(-1, levels), repeat=n)
    totals = sorted({sum(cost[k, lv] for k, lv in enumerate(p) if lv >= 0) for p in plans})
    for total in rng.choice(totals[1:], 4, replace=False):
        for budget in (total, total - 1e-9, total - 1e-7):
            for objective in ("clicks", "conversions"):
                plan = optimize_bids(land, budget, objective=objective, method="milp")  # type: ignore[arg-type]
                best = _brute_force(land, budget, objective)
                assert plan.success, plan.message
                assert plan.spend <= budget
                assert plan.fun == pytest.approx(best, rel=1e-9, abs=1e-12), (budget, objective)
