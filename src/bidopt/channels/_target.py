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

#: Budgets tried (log-spaced, least spend to the budget) for the largest budget keeping
#: an ROI with S-shaped curves.
_GRID = 25


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


def _peak(low: float, high: float, gain: Callable[[float], float]) -> float:
    """The budget in ``[low, high]`` maximising ``gain``, a concave function of it
    (golden-section search to a relative 1e-10, or 100 steps)."""
    ratio = (np.sqrt(5.0) - 1.0) / 2.0
    c, d = high - ratio * (high - low), low + ratio * (high - low)
    gc, gd = gain(c), gain(d)
    for _ in range(100):
        if gc >= gd:
            high, d, gd = d, c, gc
            c = high - ratio * (high - low)
            gc = gain(c)
        else:
            low, c, gc = c, d, gd
            d = low + ratio * (high - low)
            gd = gain(d)
        if high - low <= 1e-10 * high:
            break
    return float(c if gc >= gd else d)


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
    """Largest budget (up to the budget) whose best split keeps revenue/spend >= ``roi``.

    The whole budget when its best split keeps ``roi`` (to the certificate's relative
    tolerance).  Otherwise bisection from the largest budget that keeps it: for concave
    curves the least spend the bounds allow (their best split's ROI falls with the
    budget), or where that misses it (channel minimums in a poor mix), the budget at
    which revenue less ``roi`` x budget, concave in the budget, peaks; with S-shaped
    curves, whose ROI first rises with the budget (nothing at a tiny spend), the largest
    of ``_GRID`` log-spaced budgets from the least spend up that keeps it.
    """
    low = max(float(problem.lower.sum()), 1e-9 * problem.budget)
    top = problem.budget
    if _revenue_at(curves, problem, top) >= roi * top * (1 - RTOL):
        return top
    grid = np.geomspace(low, top, _GRID)[:-1] if curves.any_s_shaped else np.array([low])
    peaked = False
    if not curves.any_s_shaped and _revenue_at(curves, problem, low) < roi * low:
        # channel minimums can hold the least spend in a poor mix, so that the ROI rises
        # with the budget before it falls: revenue less roi x budget is concave in the
        # budget, so the budgets keeping roi are an interval around its peak
        grid = np.array([_peak(low, top, lambda b: _revenue_at(curves, problem, b) - roi * b)])
        peaked = True
    best = (-np.inf, low)  # (ROI, budget): the best seen, for the message
    for i in range(grid.size - 1, -1, -1):
        budget = float(grid[i])
        ratio = _revenue_at(curves, problem, budget) / budget
        best = max(best, (ratio, budget))
        if ratio >= roi:
            above = float(grid[i + 1]) if i + 1 < grid.size else top
            found, _ = _bisect(
                budget,
                above,
                lambda mid: not _revenue_at(curves, problem, mid) >= roi * mid,
            )
            return found
    where = (
        "the budget whose best split returns the most per yuan"
        if peaked
        else "the least spend the bounds allow"
        if grid.size == 1
        else "the best of the budgets tried"
    )
    raise InfeasibleError(
        f"`{name}` must be reachable: {where} ({best[1]:,.2f} yuan) returns "
        f"{best[0]:,.6g} per yuan. Got {roi:g} (unreachable) instead.",
        {name: roi - best[0]},
    )
