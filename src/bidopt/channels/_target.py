"""The reverse questions by bisection: least budget for a revenue, largest for a ROAS.

Each budget tried is solved as :func:`split_budget` solves it (S-shaped curves
included, without random SLSQP starts), so the budget found reaches its target there.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from bidopt._certificate import RTOL
from bidopt._wording import apart
from bidopt.channels._curveset import CurveSet
from bidopt.channels._problem import SplitProblem, restrict
from bidopt.channels._solve import solve
from bidopt.exceptions import InfeasibleError

__all__ = ["largest_budget_for_roi", "least_budget"]


def _revenue_at(curves: CurveSet, problem: SplitProblem, budget: float) -> float:
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
    x = solve(curves, scaled, 0.0, True, "kkt", {"n_starts": 0, "rng": 0}).x
    return float(curves.value(x).sum())


def _bisect(low: float, high: float, above: Callable[[float], bool]) -> tuple[float, float]:
    """Bisection of a budget in ``[low, high]``: ``above(mid)`` tells whether the answer
    is at or below ``mid`` (then ``mid`` becomes ``high``, else ``low``).  Stops at a
    relative width of 1e-10 (or after 100 halvings) and returns the bracket."""
    for _ in range(100):
        mid = 0.5 * (low + high)
        if above(mid):
            high = mid
        else:
            low = mid
        if high - low <= 1e-10 * high:
            break
    return low, high


def least_budget(
    curves: CurveSet,
    problem: SplitProblem,
    revenue: float,
    name: str = "min_revenue",
) -> float:
    """Least budget whose best split reaches ``revenue`` (bisection; at most the budget).

    ``revenue`` counts as reachable when the best split of the whole budget reaches it
    to the certificate's relative tolerance (:data:`bidopt._certificate.RTOL`): the
    budget is then returned whole when no smaller one reaches it exactly.
    """
    top = _revenue_at(curves, problem, problem.budget)
    if top < revenue * (1 - RTOL):
        got, best = apart(revenue, top)
        raise InfeasibleError(
            f"`{name}` must be reachable within the budget: the best split of "
            f"{problem.budget:,.2f} yuan returns {best}. Got {got} (unreachable) instead.",
            {name: revenue - top},
        )
    _, high = _bisect(
        float(problem.lower.sum()),
        problem.budget,
        lambda mid: _revenue_at(curves, problem, mid) >= revenue,
    )
    return high


def largest_budget_for_roi(
    curves: CurveSet,
    problem: SplitProblem,
    roi: float,
    name: str = "min_roi",
) -> float:
    """Largest budget (up to the budget) whose best split keeps revenue/spend >= ``roi``."""
    low = max(float(problem.lower.sum()), 1e-9 * problem.budget)
    if _revenue_at(curves, problem, low) < roi * low:
        raise InfeasibleError(
            f"`{name}` must be reachable: even the least spend the bounds allow "
            f"({low:,.2f} yuan) returns less. Got {roi:g} (unreachable) instead.",
            {name: roi},
        )
    low, _ = _bisect(
        low,
        problem.budget,
        lambda mid: not _revenue_at(curves, problem, mid) >= roi * mid,
    )
    return low
