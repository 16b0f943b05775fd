"""The CVaR split over a fit's curve draws (``split_budget(fit, ..., risk=a)``): the
split maximising the mean objective of the worst ``a`` fraction of the draws."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from bidopt.channels._drawset import ExpectedCurveSet
from bidopt.channels._problem import is_feasible
from bidopt.channels._result import BudgetSplit
from bidopt.channels._split_core import at_spend, solve_request
from bidopt.channels._split_safe import objective_draws
from bidopt.typing import FloatArray

__all__ = ["CVAR_STEPS", "cvar", "cvar_split", "worst_weights"]

#: Frank-Wolfe steps of the CVaR split (each one water-filling).
CVAR_STEPS = 40


def cvar(per_draw: FloatArray, level: float) -> float:
    """Mean of the worst ``level`` fraction of the draws (fractional at the edge)."""
    return float(per_draw @ worst_weights(per_draw, level))


def worst_weights(per_draw: FloatArray, level: float) -> FloatArray:
    """The weights (summing to 1, each at most ``1 / (level n)``) on the worst draws."""
    n = per_draw.size
    cap = 1.0 / (level * n)
    w = np.zeros(n)
    left = 1.0
    for d in np.argsort(per_draw, kind="stable").tolist():
        w[d] = min(cap, left)
        left -= w[d]
        if left <= 0:
            break
    return w


def cvar_split(
    req: Any, expected: ExpectedCurveSet, level: float, base: FloatArray | None
) -> tuple[BudgetSplit, float]:
    """The split maximising CVaR: Frank-Wolfe on the convex dual ``phi(w) = max_x sum_d
    w_d R_d(x)`` over the draws' capped weights (each step a water-filling on the
    re-weighted draws); the best split found by its CVaR, and its gap to the dual
    bound ``min phi``.  The draws' objective is their response, less the spend with
    ``objective="profit"`` (:func:`objective_draws`); with ``base`` (each draw's
    objective at the current spend) the draws are ranked by their gain over it.

    The candidates are each step's water-filling split, the running average of those
    splits with the Frank-Wolfe step weights (feasible, as the constraints are linear,
    and closer to the optimum where it lies between the steps' splits) and, when it
    meets the constraints, the current spend (whose gain is 0 in every draw: the
    optimum when no split gains in the worst draws, which no water-filling reaches)."""
    offset = np.zeros(expected.n_draws) if base is None else base
    w = np.full(expected.n_draws, 1.0 / expected.n_draws)
    first: BudgetSplit | None = None
    best: BudgetSplit | FloatArray | None = None
    best_cvar, bound = -np.inf, np.inf
    if base is not None and is_feasible(req.problem, req.current, req.full):
        best, best_cvar = req.current.copy(), 0.0
    average: FloatArray | None = None
    for k in range(CVAR_STEPS):
        weighted = expected.reweighted(w)
        split = solve_request(replace(req, curves=weighted))
        first = split if first is None else first
        per = objective_draws(expected, req.offset, split.spend) - offset
        bound = min(bound, float(w @ per))
        value = cvar(per, level)
        if value > best_cvar:
            best, best_cvar = split, value
        if k > 0:  # the step 2 / (k + 1) that moved w to this split's weights
            average = average + 2.0 / (k + 1.0) * (split.spend - average)  # type: ignore[operator]
            value = cvar(objective_draws(expected, req.offset, average) - offset, level)
            if value > best_cvar:
                best, best_cvar = average.copy(), value
        else:
            average = split.spend.copy()
        if bound - best_cvar <= 1e-9 * max(abs(bound), 1.0):
            break
        step = 2.0 / (k + 2.0)
        w = (1 - step) * w + step * worst_weights(per, level)
    assert first is not None
    assert best is not None
    gap = max(bound - best_cvar, 0.0)
    if isinstance(best, BudgetSplit):
        return best, gap
    if best_cvar == 0.0 and base is not None and np.array_equal(best, req.current):
        text = (
            "No split found gains over the current spend in the worst "
            f"{level:.0%} of the draws; returning the current spend, which meets every "
            "constraint."
        )
        return at_spend(req, first, best, 1, text), gap
    text = "The average of the Frank-Wolfe steps' splits (water-filling on re-weighted draws)."
    return at_spend(req, first, best, 2, text), gap
