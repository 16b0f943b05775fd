"""The reverse questions: least budget for a revenue, largest budget for a ROAS."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import numpy as np

from bidopt._validation import check_scalar
from bidopt.channels._curves import ResponseCurve
from bidopt.channels._curveset import CurveSet
from bidopt.channels._problem import SplitProblem, build_split_problem, check_curves, restrict
from bidopt.channels._solve import solve
from bidopt.exceptions import InfeasibleError, InvalidInputError

__all__ = ["budget_for_target", "largest_budget_for_roi", "least_budget"]


def _revenue_at(curves: CurveSet, problem: SplitProblem, budget: float, xtol: float) -> float:
    # group share limits scale with the budget; channel bounds do not (``restrict``
    # then tightens the group limits to what the channels' bounds allow)
    base = problem.budget
    scaled = dataclasses.replace(
        problem,
        budget=budget,
        group_lower=np.where(problem.shared, problem.group_lower / base, 0.0) * budget,
        group_upper=np.where(problem.shared, problem.group_upper / base, np.inf) * budget,
    )
    scaled = restrict(scaled, problem.lower, np.minimum(problem.upper, budget))
    # the split_budget answer itself (S-shaped curves included), so that the budget
    # found reaches its target in split_budget; without random SLSQP starts
    x = solve(curves, scaled, 0.0, True, "kkt", {"xtol": xtol, "n_starts": 0, "rng": 0}).x
    return float(curves.value(x).sum())


def least_budget(
    curves: CurveSet, problem: SplitProblem, revenue: float, options: Mapping[str, Any]
) -> float:
    """Least budget whose best split reaches ``revenue`` (bisection; at most the budget)."""
    xtol = float(options.get("xtol", 1e-12))
    top = _revenue_at(curves, problem, problem.budget, xtol)
    if top < revenue:
        raise InfeasibleError(
            f"min_revenue={revenue:,.2f} is unreachable within the budget: the best split "
            f"of {problem.budget:,.2f} yuan returns {top:,.2f}.",
            {"min_revenue": revenue - top},
        )
    low, high = float(problem.lower.sum()), problem.budget
    for _ in range(100):
        mid = 0.5 * (low + high)
        if _revenue_at(curves, problem, mid, xtol) >= revenue:
            high = mid
        else:
            low = mid
        if high - low <= 1e-10 * high:
            break
    return high


def largest_budget_for_roi(
    curves: CurveSet, problem: SplitProblem, roi: float, options: Mapping[str, Any]
) -> float:
    """Largest budget (up to the budget) whose best split keeps revenue/spend >= ``roi``."""
    xtol = float(options.get("xtol", 1e-12))
    low = max(float(problem.lower.sum()), 1e-9 * problem.budget)
    if _revenue_at(curves, problem, low, xtol) < roi * low:
        raise InfeasibleError(
            f"min_roi={roi:g} is unreachable: even the least spend the bounds allow "
            f"({low:,.2f} yuan) returns less.",
            {"min_roi": roi},
        )
    high = problem.budget
    for _ in range(100):
        mid = 0.5 * (low + high)
        if _revenue_at(curves, problem, mid, xtol) >= roi * mid:
            low = mid
        else:
            high = mid
        if high - low <= 1e-10 * high:
            break
    return low


def budget_for_target(
    curves: Mapping[str, ResponseCurve],
    *,
    revenue: float | None = None,
    roas: float | None = None,
    max_budget: float,
    groups: Mapping[str, Any] | None = None,
    group_shares: Mapping[str, Any] | None = None,
    bounds: Any = None,
) -> float:
    """The least budget reaching a revenue target, or the largest keeping a target ROAS.

    Parameters
    ----------
    curves : mapping of str to ResponseCurve
    revenue : float, optional
        Revenue per period to reach.
    roas : float, optional
        Revenue per yuan to keep.
    max_budget : float
        Search up to this budget, yuan.
    groups, group_shares, bounds
        As in :func:`split_budget` (group shares scale with the budget).

    Returns
    -------
    float
        Yuan per period.  Split it with :func:`split_budget` for the allocation.
    """
    check_curves(curves)
    if (revenue is None) == (roas is None):
        raise InvalidInputError(
            "Give exactly one of `revenue` (a revenue to reach) and `roas` (a revenue per "
            f"yuan to keep). Got revenue={revenue!r}, roas={roas!r} instead."
        )
    top = check_scalar(max_budget, "max_budget", lower=0, lower_inclusive=False)
    channels = tuple(curves)
    problem = build_split_problem(channels, top, groups, group_shares, bounds, None)
    curve_set = CurveSet([curves[c] for c in channels])
    if revenue is not None:
        goal = check_scalar(revenue, "revenue", lower=0, lower_inclusive=False)
        return least_budget(curve_set, problem, goal, {})
    goal = check_scalar(roas, "roas", lower=0, lower_inclusive=False)
    return largest_budget_for_roi(curve_set, problem, goal, {})
