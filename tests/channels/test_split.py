"""Properties of split_budget, checked against the scipy references."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bidopt.channels import ResponseCurve, budget_for_target, split_budget
from bidopt.exceptions import InfeasibleError, InvalidInputError

PROFILE = settings(derandomize=True, database=None, deadline=None, max_examples=15)
CURRENT = {
    "zhitongche": 600_000.0,
    "diamond": 300_000.0,
    "taobaoke": 200_000.0,
    "douyin": 500_000.0,
    "xiaohongshu": 400_000.0,
}
ROI = {"zhitongche": 4.0, "diamond": 3.5, "taobaoke": 4.5, "douyin": 8.0, "xiaohongshu": 7.0}
GROUPS = {"core": ["zhitongche", "diamond", "taobaoke"], "emerging": ["douyin", "xiaohongshu"]}


def double11(kind: str = "exponential") -> dict[str, ResponseCurve]:
    return {
        c: ResponseCurve.from_roi(CURRENT[c], ROI[c], kind=kind, elasticity=0.5)  # type: ignore[arg-type]
        for c in CURRENT
    }


@st.composite
def curve_sets(draw: st.DrawFn) -> dict[str, ResponseCurve]:
    n = draw(st.integers(2, 6))
    kinds = ["exponential", "log", "logistic"]
    out = {}
    for i in range(n):
        kind = draw(st.sampled_from(kinds))
        spend = draw(st.floats(1e4, 1e6))
        roi = draw(st.floats(1.5, 10.0))
        e = draw(st.floats(0.2, 0.8))
        out[f"c{i}"] = ResponseCurve.from_roi(spend, roi, kind=kind, elasticity=e)  # type: ignore[arg-type]
    return out


@PROFILE
@given(curve_sets(), st.floats(1e5, 5e6), st.floats(0.2, 0.8))
def test_kkt_properties_and_agreement_with_slsqp(
    curves: dict[str, ResponseCurve], budget: float, share: float
) -> None:
    names = list(curves)
    groups = {"g1": names[: len(names) // 2], "g2": names[len(names) // 2 :]}
    shares = {"g1": share, "g2": 1 - share}
    split = split_budget(curves, budget, groups=groups, group_shares=shares)
    assert split.success
    assert split.total_spend == pytest.approx(budget, rel=1e-9)
    spend = split.allocation
    g1 = sum(spend[c] for c in groups["g1"])
    assert g1 == pytest.approx(share * budget, rel=1e-9, abs=1e-6)
    assert (split.spend >= -1e-9).all()
    # equal marginal ROI within a group at interior optima
    for members in groups.values():
        idx = [names.index(c) for c in members if split.allocation[c] > 1e-6 * budget]
        if len(idx) > 1:
            m = split.marginal_roi[idx]
            np.testing.assert_allclose(m, m[0], rtol=1e-6)
    ref = split_budget(
        curves,
        budget,
        groups=groups,
        group_shares=shares,
        method="slsqp",
        options={"rng": 0, "n_starts": 3},
    )
    assert split.response >= ref.response * (1 - 1e-6)
    assert split.rule_cost is not None and split.rule_cost >= -1e-6 * split.response


@PROFILE
@given(curve_sets(), st.lists(st.floats(1e5, 5e6), min_size=2, max_size=4))
def test_response_monotone_in_budget(
    curves: dict[str, ResponseCurve], budgets: list[float]
) -> None:
    values = [split_budget(curves, b).response for b in sorted(budgets)]
    assert all(b >= a - 1e-9 * abs(a) for a, b in itertools.pairwise(values))


def test_double11_60_40_against_optimum_and_range() -> None:
    curves = double11()
    rule = split_budget(
        curves,
        2_000_000,
        groups=GROUPS,
        group_shares={"core": 0.6, "emerging": 0.4},
        current=CURRENT,
    )
    loose = split_budget(
        curves, 2_000_000, groups=GROUPS, group_shares={"core": (0.55, 0.65)}, current=CURRENT
    )
    free = split_budget(curves, 2_000_000, current=CURRENT)
    core = sum(rule.allocation[c] for c in GROUPS["core"])
    assert core == pytest.approx(1_200_000)
    assert free.response >= loose.response >= rule.response
    assert rule.rule_cost == pytest.approx(free.response - rule.response, rel=1e-9)
    assert "group:core" in rule.shadow_prices and "budget" in rule.shadow_prices
    assert "the group rules cost" in rule.summary()


def test_bounds_relative_to_current() -> None:
    curves = double11()
    split = split_budget(curves, 2_000_000, bounds=0.3, current=CURRENT)
    for c, x in split.allocation.items():
        assert 0.7 * CURRENT[c] - 1e-6 <= x <= 1.3 * CURRENT[c] + 1e-6


def test_profit_may_leave_budget_unspent_and_says_so() -> None:
    curves = {"a": ResponseCurve(kind="exponential", params={"ceiling": 1000.0, "scale": 500.0})}
    split = split_budget(curves, 10_000.0, objective="profit")
    # marginal revenue 2 * exp(-x/500) falls to 1 at x = 500 log 2
    assert split.total_spend == pytest.approx(500 * np.log(2), rel=1e-6)
    assert "more would lose profit" in split.message


def test_roi_objective_and_min_roi() -> None:
    curves = double11()
    best = split_budget(curves, 2_000_000)
    roi = split_budget(curves, 2_000_000, objective="roi", min_revenue=0.8 * best.response)
    assert roi.response == pytest.approx(0.8 * best.response, rel=1e-6)
    assert roi.total_spend < 2_000_000 and roi.roi > best.roi
    capped = split_budget(curves, 2_000_000, min_roi=best.roi + 1.0)
    assert capped.roi >= best.roi + 1.0 - 1e-6
    assert "to keep ROI" in capped.message


def test_budget_for_target() -> None:
    curves = double11()
    best = split_budget(curves, 2_000_000)
    need = budget_for_target(curves, revenue=best.response, max_budget=5_000_000)
    assert need.budget == pytest.approx(2_000_000, rel=1e-6)
    assert need.success and need.status == 0 and need.metric == "revenue"
    assert need.split.response >= best.response * (1 - 1e-9)
    assert need.split.total_budget == need.budget
    keep = budget_for_target(curves, roas=best.roi, max_budget=5_000_000)
    assert keep.budget == pytest.approx(2_000_000, rel=1e-6)
    assert keep.success and keep.split.roi >= best.roi * (1 - 1e-9)
    assert "Largest budget keeping roas" in keep.summary()
    assert keep.to_frame()["spend"].sum() == pytest.approx(keep.budget, rel=1e-9)
    with pytest.raises(dataclasses.FrozenInstanceError):
        keep.budget = 1.0  # type: ignore[misc]
    with pytest.raises(InfeasibleError, match="`revenue` must be reachable.*Got 1.*unreachable"):
        budget_for_target(curves, revenue=1e12, max_budget=5_000_000)


def test_s_shaped_curves_are_handled_and_said() -> None:
    curves = {
        "s": ResponseCurve(kind="hill", params={"ceiling": 5000.0, "half": 800.0, "shape": 3.0}),
        "c": ResponseCurve(kind="exponential", params={"ceiling": 1500.0, "scale": 400.0}),
    }
    split = split_budget(curves, 1000.0)
    ref = split_budget(curves, 1000.0, method="slsqp", options={"rng": 1, "n_starts": 20})
    assert split.response >= ref.response * (1 - 1e-6)
    assert split.total_spend == pytest.approx(1000.0)


def test_never_worse_than_a_feasible_current() -> None:
    curves = double11()
    split = split_budget(curves, 2_000_000, current=CURRENT)
    assert split.response >= split.current_response - 1e-6


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (
            {"group_shares": {"core": 0.6, "emerging": 0.3}},
            InfeasibleError,
            "`group_shares` must sum to 1.*sum to 0.9",
        ),
        ({"group_shares": {"core": 1.2}}, InvalidInputError, "must be a fraction in \\[0, 1\\]"),
        (  # a channel in no group whose minimum is above the budget: its bound named
            {"groups": None, "bounds": {"zhitongche": (3_000_000, None)}},
            InfeasibleError,
            "`bounds\\['zhitongche'\\]` must have a minimum within `total_budget`, "
            "2,000,000.00 yuan. Got a minimum of 3,000,000.00",
        ),
        (  # smallest shares above 1 (some channels in no group): the shares, not the budget
            {
                "groups": {"core": ["zhitongche"], "emerging": ["douyin"]},
                "group_shares": {"core": 0.7, "emerging": (0.7, 0.9)},
            },
            InfeasibleError,
            "`group_shares` must leave the groups' smallest shares adding to at most 1.*add "
            "to 1.4, instead",
        ),
        (
            {
                "group_shares": {"core": 0.1, "emerging": 0.9},
                "bounds": {"zhitongche": (500_000, None)},
            },
            InfeasibleError,
            "Group 'core' must fit its maximum share 0.1 x 2,000,000.00 = 200,000.00 yuan: its "
            "channels' minimums must not be above it. Got minimums that add to 500,000.00",
        ),
        (
            {
                "group_shares": {"core": 0.5, "emerging": 0.5},
                "bounds": {"douyin": (None, 200_000), "xiaohongshu": (None, 300_000)},
            },
            InfeasibleError,
            "Group 'emerging' must fit its minimum share.*Got maximums that add to 500,000.00",
        ),
        (
            {"bounds": dict.fromkeys(CURRENT, (0, 100000))},
            InfeasibleError,
            "`total_budget` must fit within the channel and group maximums.*Got 2,000,000.00",
        ),
        (
            {"groups": {"core": ["tmall_tv"]}},
            InvalidInputError,
            "`groups\\['core'\\]` must name channels of `curves`.*Got \\['tmall_tv'\\]",
        ),
        (
            {"groups": {"a": ["douyin"], "b": ["douyin"]}},
            InvalidInputError,
            "at most one group. Got 'douyin' in two groups",
        ),
        ({"bounds": 0.3}, InvalidInputError, "`bounds` as a fraction must come with the `current`"),
        ({"method": "nelder"}, InvalidInputError, "Unknown method 'nelder'"),
        (
            {"objective": "roi"},
            InvalidInputError,
            "`min_revenue` must be a number > 0 with objective='roi'",
        ),
    ],
)
def test_invalid_or_infeasible_inputs_are_explained(
    kwargs: dict[str, object], error: type[Exception], message: str
) -> None:
    args: dict[str, object] = {"groups": GROUPS, **kwargs}
    with pytest.raises(error, match=message):
        split_budget(double11(), 2_000_000, **args)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="`total_budget` must be a finite number > 0"):
        split_budget(double11(), -1.0)


def test_compare_splits_on_the_reference_plan() -> None:
    from bidopt.channels import compare_splits
    from bidopt.datasets import double11_channels

    plan = double11_channels()
    curves = plan.curves(ResponseCurve.from_roi)
    splits = compare_splits(
        curves,
        plan.budget,
        groups=plan.groups,
        current=plan.current,
        scenarios={"rule": {"core": 0.6, "emerging": 0.4}, "range": {"core": (0.55, 0.65)}},
    )
    assert list(splits) == ["current", "rule", "range", "optimal"]
    np.testing.assert_allclose(splits["current"].spend, list(plan.current.values()))
    assert splits["optimal"].response >= splits["range"].response >= splits["rule"].response
    # today's spend meets the 60/40 rule, so the rule's split is never worse than it
    assert splits["rule"].response >= splits["current"].response - 1e-6
    assert splits["rule"].rule_cost == pytest.approx(
        splits["optimal"].response - splits["rule"].response
    )


@PROFILE
@given(curve_sets(), st.floats(1e5, 5e6), st.floats(0.1, 0.5))
def test_last_newton_step_shortcut_matches_full_convergence(
    curves: dict[str, ResponseCurve], budget: float, low: float
) -> None:
    """The root finders stop on a last Newton step moved along the slopes instead of
    evaluated; the split must match the one evaluated to convergence."""
    import bidopt.channels._waterfill as waterfill

    names = list(curves)
    groups = {"g1": names[: len(names) // 2], "g2": names[len(names) // 2 :]}
    kwargs = {"groups": groups, "group_shares": {"g1": (low, low + 0.1)}}
    fast = split_budget(curves, budget, **kwargs)  # type: ignore[arg-type]
    original = waterfill.NEAR
    try:
        waterfill.NEAR = 0.0  # every root evaluated to the tolerance
        full = split_budget(curves, budget, **kwargs)  # type: ignore[arg-type]
    finally:
        waterfill.NEAR = original
    assert fast.response == pytest.approx(full.response, rel=1e-12)
    np.testing.assert_allclose(fast.spend, full.spend, rtol=1e-8, atol=1e-8 * budget)
    assert fast.unconstrained_response == pytest.approx(full.unconstrained_response, rel=1e-12)


def test_pandas_tables_as_inputs() -> None:
    pd = pytest.importorskip("pandas")
    curves = double11()
    plain = split_budget(
        curves,
        2_000_000,
        groups=GROUPS,
        group_shares={"core": (0.55, 0.65)},
        current=CURRENT,
        bounds={"zhitongche": (100_000, 650_000), "douyin": (None, 600_000)},
    )
    bounds = pd.DataFrame(
        {"min": [100_000, np.nan], "max": [650_000, 600_000]}, index=["zhitongche", "douyin"]
    )
    framed = split_budget(
        curves,
        2_000_000,
        groups=GROUPS,
        group_shares=pd.Series({"core": (0.55, 0.65)}),
        current=pd.Series(CURRENT),
        bounds=bounds,
    )
    np.testing.assert_array_equal(framed.spend, plain.spend)
    assert framed.current_response == plain.current_response
    assert plain.allocation["zhitongche"] <= 650_000 + 1e-6
    with pytest.raises(InvalidInputError, match="must have columns 'min' and 'max'.*Got columns"):
        split_budget(curves, 2_000_000, bounds=pd.DataFrame({"low": [0.0]}, index=["douyin"]))


@PROFILE
@given(curve_sets(), st.floats(1e5, 5e6), st.floats(0.05, 0.6))
def test_unconstrained_comparison_matches_a_split_without_rules(
    curves: dict[str, ResponseCurve], budget: float, low: float
) -> None:
    """kkt finds the split without share rules in the same evaluations as the budget's
    level (closed-form curves); it must be the split that ``split_budget`` gives
    without the rules."""
    names = list(curves)
    groups = {"g1": names[: len(names) // 2], "g2": names[len(names) // 2 :]}
    ruled = split_budget(curves, budget, groups=groups, group_shares={"g1": (low, low + 0.2)})
    free = split_budget(curves, budget)
    assert ruled.unconstrained_response == pytest.approx(free.response, rel=1e-12)
    assert ruled.rule_cost is not None and ruled.rule_cost >= -1e-9 * free.response


@pytest.mark.parametrize("objective", ["revenue", "profit"])
@pytest.mark.parametrize("n", [12, 50, 120])
def test_shortcut_on_many_channels_keeps_marginals_equal(n: int, objective: str) -> None:
    """At sizes where the levels are found on floats (and on numpy arrays, at 120), the
    split with the last-Newton-step shortcut matches full convergence, and interior
    channels of a group share one marginal ROI; some channels held by bounds."""
    import bidopt.channels._waterfill as waterfill
    from bidopt.datasets import make_channel_plan

    plan = make_channel_plan(n, rng=n)
    curves, groups, budget = plan.curves(ResponseCurve.from_roi), plan.groups, plan.budget
    names = list(curves)
    spend = np.array([plan.current[c] for c in names])
    shares = {"g0": 0.3, "g1": (0.2, 0.5), "g2": (0.05, 0.25)}
    bounds = {names[i]: (0.5 * spend[i], 1.2 * spend[i]) for i in range(0, n, 7)}
    kwargs = {"groups": groups, "group_shares": shares, "bounds": bounds, "objective": objective}
    fast = split_budget(curves, budget, **kwargs)  # type: ignore[arg-type]
    original = waterfill.NEAR
    try:
        waterfill.NEAR = 0.0
        full = split_budget(curves, budget, **kwargs)  # type: ignore[arg-type]
    finally:
        waterfill.NEAR = original
    np.testing.assert_allclose(fast.spend, full.spend, rtol=1e-8, atol=1e-8 * budget / n)
    if objective == "revenue":
        assert fast.unconstrained_response == pytest.approx(full.unconstrained_response, rel=1e-12)
        assert fast.total_spend == pytest.approx(budget, rel=1e-12)
    assert fast.total_spend <= budget * (1 + 1e-12)
    held = {names[i] for i in range(0, n, 7)}
    for members in groups.values():
        idx = [
            names.index(c) for c in members if c not in held and fast.allocation[c] > 1e-6 * budget
        ]
        m = fast.marginal_roi[idx]
        np.testing.assert_allclose(m, m[0], rtol=1e-8)
