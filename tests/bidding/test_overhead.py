"""The per-call work around the dual's solver core: the same numbers, cheaper.

``picked`` reads through the compiled gather when it can (numpy otherwise), the
certificate's budget scale is the plan's spend (a landscape's costs are >= 0) and
``check_scalar`` takes plain floats and ints without the ABC checks.  Each must give
what the general path gives, and the certificate must still catch a plan that breaks a
constraint by more than its relative 1e-9.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
import pytest

from bidopt._validation import check_scalar
from bidopt.bidding import _kernels, optimize_bids
from bidopt.bidding._problem import make_problem, picked
from bidopt.exceptions import InvalidInputError
from bidopt.landscape import BidLandscape


def _landscape(rng: np.random.Generator, n: int, levels: int) -> BidLandscape:
    bids = np.cumsum(rng.uniform(0.1, 1.0, (n, levels)), axis=1)
    clicks = np.cumsum(rng.uniform(0.0, 3.0, (n, levels)), axis=1)
    cost = clicks * bids * rng.uniform(0.5, 0.9, (n, 1))
    return BidLandscape(bids=bids, clicks=clicks, cost=cost, conversions=clicks * 0.1)


def _numpy_picked(matrix: np.ndarray, levels: np.ndarray) -> np.ndarray:
    rows = np.arange(levels.size)
    return np.where(levels < 0, 0.0, matrix[rows, np.maximum(levels, 0)])


@pytest.mark.parametrize("enabled", [True, False])
def test_picked_equals_the_reference_on_both_paths(
    monkeypatch: pytest.MonkeyPatch, enabled: bool
) -> None:
    if enabled and not _kernels.AVAILABLE:
        pytest.skip("numba is not installed")
    monkeypatch.setattr(_kernels, "ENABLED", enabled)
    rng = np.random.default_rng(3)
    for n, width in ((1, 1), (5, 3), (300, 20)):
        matrix = rng.normal(size=(n, width))
        matrix[0, 0] = -0.0
        levels = rng.integers(-1, width, n).astype(np.int64)
        for given in (matrix, np.asfortranarray(matrix), matrix.astype(np.float32)):
            for lv in (levels, levels.astype(np.int32)):
                out = picked(given, lv)
                assert out.dtype == np.float64 and out.shape == (n,)
                expected = _numpy_picked(given.astype(np.float64), lv)
                np.testing.assert_array_equal(out, expected)
                assert np.signbit(out).tolist() == np.signbit(expected).tolist()


def test_picked_out_of_range_level_goes_to_numpy(monkeypatch: pytest.MonkeyPatch) -> None:
    """A level past the last one is numpy's business (the compiled gather declines it)."""
    matrix = np.arange(12.0).reshape(4, 3)
    levels = np.array([3, 0, -1, 1], dtype=np.int64)  # 3 reads on into the next row
    fast = picked(matrix, levels)
    monkeypatch.setattr(_kernels, "ENABLED", False)
    np.testing.assert_array_equal(fast, picked(matrix, levels))


def _problem_of(land: BidLandscape, budget: float = 1.0, **kw: Any) -> Any:
    args: dict[str, Any] = {
        "objective": "clicks",
        "max_cpc": None,
        "target_cpa": None,
        "target_roas": None,
        "min_bid": None,
        "max_bid": None,
        "groups": None,
        "group_budgets": None,
    }
    return make_problem(land, budget, **(args | kw))


def _problem(budget: float) -> Any:
    land = _landscape(np.random.default_rng(11), 40, 6)
    return _problem_of(land, budget, objective="conversions")


def test_certificate_budget_scale_is_the_plans_spend() -> None:
    problem = _problem(50.0)
    plan = optimize_bids(problem.landscape, 50.0)
    check = plan.certificate["budget"]
    scale = max(50.0, float(np.abs(plan.keyword_cost).sum()))
    assert check.tolerance == 1e-9 * scale
    assert check.value == plan.spend and check.holds


@pytest.mark.parametrize("over", [3e-9, 1e-6])
def test_certificate_still_checks_the_plan_itself(over: float) -> None:
    """Levels spending more than the budget by more than 1e-9 of it fail the check,
    whatever a solver said; a plan within 1e-9 holds."""
    levels = np.full(40, 2, dtype=np.int64)
    levels[::3] = -1
    spend = float(picked(_problem(1.0).cost, levels).sum())
    tight = _problem(spend / (1 + over))
    assert not tight.certificate(levels).holds
    assert "budget" in tight.certificate(levels).message()
    assert _problem(spend / (1 + 0.2e-9)).certificate(levels).holds


@pytest.mark.parametrize(
    ("value", "integer", "expected"),
    [
        (2.5, False, 2.5),
        (3, False, 3.0),
        (3, True, 3),
        (np.float64(2.0), False, 2.0),
        (np.int64(4), True, 4),
        (Fraction(1, 2), False, 0.5),
        (True, False, None),
        (False, True, None),
        (3.0, True, None),
        (np.float64(3.0), True, None),
        ("3", False, None),
        (float("nan"), False, None),
        (float("inf"), False, None),
        (-1, False, None),
    ],
)
def test_check_scalar_types(value: object, integer: bool, expected: float | None) -> None:
    if expected is None:
        with pytest.raises(InvalidInputError, match="`x` must be"):
            check_scalar(value, "x", lower=0, integer=integer)
        return
    got = check_scalar(value, "x", lower=0, integer=integer)
    assert got == expected and type(got) is (int if integer else float)


def test_cpc_cap_mask_on_zeros_signed_zeros_and_extremes() -> None:
    """A level is within the cap when cost / clicks <= cap (1 + 1e-12); no clicks for
    money is an infinite CPC (also with a -0.0 click count), nothing for nothing a CPC
    of 0; the same mask as the formula written out with np.where."""
    rng = np.random.default_rng(5)
    values = np.array([0.0, 5e-324, 1e-300, 0.25, 1.0, 3.0, 1e300, 1.7e308])
    n = 2000
    clicks = np.sort(rng.choice(values, (n, 4)), axis=1)
    cost = np.sort(rng.choice(values, (n, 4)), axis=1)
    for array in (clicks, cost):  # some zeros negative
        array[:, 0] = np.where(array[:, 0] == 0, rng.choice([0.0, -0.0], n), array[:, 0])
    bids = np.cumsum(rng.uniform(0.1, 1.0, (n, 4)), axis=1)
    land = BidLandscape(bids=bids, clicks=clicks, cost=cost)
    for cap in (1e-300, 0.5, 1.0, 3.0, 1e300):
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            cpc = np.where(
                clicks > 0,
                cost / np.where(clicks > 0, clicks, 1.0),
                np.where(cost > 0, np.inf, 0.0),
            )
        expected = cpc <= cap * (1 + 1e-12)
        np.testing.assert_array_equal(_problem_of(land, max_cpc=cap).allowed, expected)
    both = _problem_of(land, max_cpc=1.0, min_bid=0.5, max_bid=2.0).allowed
    np.testing.assert_array_equal(
        both, _problem_of(land, max_cpc=1.0).allowed & (bids >= 0.5) & (bids <= 2.0)
    )


def test_roas_of_a_point_that_costs_minus_zero_is_infinite() -> None:
    """Revenue for a -0.0 cost is an infinite ROAS (reachable), never -inf."""
    land = BidLandscape(
        bids=[[1.0, 2.0]],
        clicks=[[1.0, 2.0]],
        cost=[[-0.0, 4.0]],
        conversions=[[0.1, 0.2]],
        revenue=[[1.0, 2.0]],
    )
    problem = _problem_of(land, objective="revenue", target_roas=1e6)
    assert problem.target_level == 1e6
    plan = optimize_bids(land, 1.0, objective="revenue", target_roas=1e6)
    assert plan.success and plan.levels.tolist() == [0]


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"target_cpa": 1e-3}, r"target_cpa=0\.001 is unreachable: the lowest plan CPA is 10\.00"),
        ({"target_roas": 50.0}, r"target_roas=50 is unreachable: the highest plan ROAS is 2\.000"),
        (
            {"target_cpa": 15.0, "min_bid": 1.5},
            r"target_cpa=15 is reachable only by spending at least 4(\.0+)? yuan, more than",
        ),
    ],
)
def test_target_infeasible_messages(kw: dict[str, Any], message: str) -> None:
    from bidopt.exceptions import InfeasibleError

    land = BidLandscape(
        bids=[[1.0, 2.0], [1.0, 2.0]],
        clicks=[[1.0, 2.0], [1.0, 3.0]],
        cost=[[1.0, 4.0], [2.0, 6.0]],
        conversions=[[0.1, 0.3], [0.1, 0.2]],
        revenue=[[2.0, 6.0], [2.0, 4.0]],
    )
    with pytest.raises(InfeasibleError, match=message):
        optimize_bids(land, 3.0, objective="conversions", **kw)


def _each_reference(sense: str, values: np.ndarray, limits: Any) -> tuple[Any, ...]:
    """The per-item check written out on arrays (the bound broadcast to every item)."""
    v = np.asarray(values, dtype=np.float64).ravel()
    lim = np.broadcast_to(np.asarray(limits, dtype=np.float64), v.shape).ravel()
    with np.errstate(invalid="ignore"):
        slack = lim - v if sense == "<=" else v - lim
        tol = 1e-9 * np.abs(lim)
        slack = np.where(np.isinf(lim) & np.isfinite(v), np.inf, slack)
        fails = ~(slack >= -tol)
        worst = int(np.argmax(fails)) if fails.any() else int(np.argmin(slack - (-tol)))
    return (float(v[worst]), float(lim[worst]), float(slack[worst]), float(tol[worst]))


@pytest.mark.parametrize("sense", ["<=", ">="])
def test_each_check_with_one_bound_equals_the_bound_broadcast(sense: str) -> None:
    from bidopt._certificate import lower_each, upper_each

    check = upper_each if sense == "<=" else lower_each
    rng = np.random.default_rng(17)
    specials = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, 1.0 + 1e-10, 1.0 - 1e-10]
    for trial in range(200):
        values = rng.choice([*specials, *rng.normal(1.0, 0.5, 8)], rng.integers(1, 30))
        for bound in (1.0, 0.0, -2.5, np.inf, -np.inf, np.nan, float(values[0])):
            got = check("x", values, bound, item="k")
            as_array = check("x", values, np.full(values.size, bound), item="k")
            expected = _each_reference(sense, values, bound)
            fields = (got.value, got.limit, got.slack, got.tolerance)
            np.testing.assert_array_equal(np.array(fields), np.array(expected), err_msg=trial)
            assert repr(got) == repr(as_array)  # every field, the verdict and the detail


def test_group_labels_read_the_same_from_arrays_lists_and_objects() -> None:
    land = _landscape(np.random.default_rng(23), 30, 5)
    labels = np.arange(30) % 4
    budget = float(land.cost[:, -1].sum()) * 0.4
    caps = {0: budget / 5, 2: budget / 8}
    plans = [
        optimize_bids(land, budget, groups=given, group_budgets=caps)
        for given in (labels, labels.tolist(), labels.astype(object))
    ]
    for plan in plans[1:]:
        np.testing.assert_array_equal(plan.levels, plans[0].levels)
        assert repr(plan.certificate) == repr(plans[0].certificate)
    for bad in (labels[:-1], labels.reshape(2, 15), labels[:-1].tolist()):
        with pytest.raises(InvalidInputError, match=r"`groups` must have shape \(30,\)"):
            optimize_bids(land, budget, groups=bad, group_budgets=caps)
