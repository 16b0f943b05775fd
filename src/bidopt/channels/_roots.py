"""Root finders of the water-filling: the levels at which spends add up to their goals.

Both work on ``t = log(level)``, where the spend of every closed-form curve is smooth
and nearly linear, by Newton steps safeguarded by a bracket (a step that leaves the
bracket becomes bisection).  :func:`solve_levels` solves one level per group in one
vectorised evaluation; :func:`solve_level` is its scalar case on Python floats.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from bidopt.typing import FloatArray

__all__ = ["newton_step", "solve_level", "solve_levels"]


def newton_step(
    t: float, f: float, d: float, a: float, b: float
) -> tuple[float, float, float, bool] | None:
    """One safeguarded Newton step on a falling function with value ``f`` and slope
    ``d`` at ``t``: the bracket ``[a, b]`` narrowed by the sign of ``f``, then the
    Newton step if it stays inside, else bisection.  Returns the new ``(t, a, b)`` and
    whether the step was Newton's, or None when the bracket has collapsed."""
    if f > 0:
        a = t  # spend too high: the level must rise
    else:
        b = t
    if b - a <= 1e-15 * (1.0 + abs(t)):
        return None
    step = t - f / d if d < 0 else math.nan
    if a < step < b:
        return step, a, b, True
    return 0.5 * (a + b), a, b, False


def solve_levels(
    spend_and_slope: Callable[[FloatArray], tuple[FloatArray, FloatArray]],
    goals: FloatArray,
    low: float,
    high: float,
    tol: float,
    near: float,
    guess: FloatArray | None = None,
    accept: Callable[[FloatArray], bool] | None = None,
) -> tuple[FloatArray, int, bool]:
    """Solve ``spend_k(t_k) = goals_k`` for every k at once, on ``t = log(level)``.

    ``spend_and_slope(t)`` returns the spends (falling in ``t``) and their derivatives,
    evaluated for all k in one vectorised call.  Newton steps are safeguarded by a
    bracket per k: a step that leaves it becomes bisection.  The bookkeeping is on
    Python floats (there are few levels: one per group), which costs less than numpy
    calls on arrays this small.

    Returns the solutions, the number of evaluations, and whether the solutions are
    one Newton step past the last evaluation (taken when every residual was within
    ``near`` and ``accept`` allows the step; the caller moves that evaluation's spends
    along their slopes) rather than the last evaluation itself (every residual within
    ``tol``).
    """
    m = goals.size
    goal = goals.tolist()
    a, b = [low] * m, [high] * m
    t = [0.5 * (low + high)] * m if guess is None else np.clip(guess, low, high).tolist()
    count = 0
    for _ in range(300):
        spend, slope = spend_and_slope(np.array(t))
        count += 1
        moving, final = False, True
        for k, (x, d) in enumerate(zip(spend.tolist(), slope.tolist(), strict=True)):
            f = x - goal[k]
            if abs(f) <= tol:
                continue
            step = newton_step(t[k], f, d, a[k], b[k])
            if step is not None:
                t[k], a[k], b[k], newton = step
                moving = True
                final &= newton and abs(f) <= near
        if not moving:
            break
        if final and (accept is None or accept(np.array(t))):
            return np.array(t), count, True
    return np.array(t), count, False


def solve_level(
    spend_and_slope: Callable[[float], tuple[float, float]],
    goal: float,
    low: float,
    high: float,
    tol: float,
    near: float,
    guess: float | None,
    accept: Callable[[float], bool] | None = None,
) -> tuple[float, int, bool]:
    """The scalar case of :func:`solve_levels`, on plain floats."""
    a, b = low, high
    t = min(max(guess, low), high) if guess is not None else 0.5 * (low + high)
    count = 0
    for _ in range(300):
        spend, d = spend_and_slope(t)
        count += 1
        f = spend - goal
        if abs(f) <= tol:
            break
        step = newton_step(t, f, d, a, b)
        if step is None:
            break
        t, a, b, newton = step
        if newton and abs(f) <= near and (accept is None or accept(t)):
            return t, count, True
    return t, count, False
