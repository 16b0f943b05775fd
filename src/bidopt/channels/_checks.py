"""Checks on a returned split: its KKT conditions and its certificate.

Both read the split itself, not the solver's bookkeeping: :func:`kkt_report` whether
one marginal-ROI level per group and a budget shadow price fit the spends (``status``
0 or 2 of a :class:`BudgetSplit`), :func:`certify` every constraint the user gave
(``success``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from bidopt._certificate import (
    Certificate,
    ConstraintCheck,
    equal,
    lower,
    lower_each,
    upper,
    upper_each,
)
from bidopt.channels._curveset import CurveSet
from bidopt.channels._problem import SplitProblem
from bidopt.typing import FloatArray

__all__ = ["KktReport", "certify", "kkt_report", "on_bounds"]


@dataclass(frozen=True, slots=True)
class KktReport:
    """The KKT conditions checked on a split: whether they hold, what fails, and the
    multipliers (``budget``, ``group:<name>``) when they hold."""

    holds: bool
    message: str
    shadow: dict[str, float]


def kkt_report(
    curves: CurveSet,
    problem: SplitProblem,
    x: FloatArray,
    offset: float,
    full: bool,
    rtol: float = 1e-6,
) -> KktReport:
    """Check the KKT conditions of a split on the split itself.

    With marginal return ``m_i = f_i'(x_i) - offset`` and a level ``L_g`` per group:
    ``m_i == L_g`` for a channel strictly inside its bounds, ``m_i <= L_g`` at its
    minimum, ``m_i >= L_g`` at its maximum.  The budget's level ``mu`` equals ``L_g`` for
    a group inside its share limits, is ``<= L_g`` for a group at its upper limit and
    ``>= L_g`` at its lower one (an exact share: anything); ``mu`` is free when the
    budget must be spent, ``>= 0`` when it may not be and is, and 0 when some is left.
    Tolerance: ``rtol`` times the largest finite marginal return (and 1e-8 of the
    budget for "at a bound").  Necessary conditions: with S-shaped curves a KKT point
    need not be the optimum.
    """
    names, channels = problem.group_names, problem.channels
    marginal = curves.derivative(x) - offset
    finite = marginal[np.isfinite(marginal)] + offset
    tol = rtol * max(float(np.abs(finite).max()) if finite.size else 0.0, 1e-300)
    eps = 1e-8 * max(problem.budget, 1.0)
    fixed = problem.upper - problem.lower <= eps
    # a channel at its minimum is judged by its marginal return 1e-9 of the budget
    # above it: a Hill curve of shape < 1 has an unbounded one at 0, and its optimum can
    # lie below the budget's rounding (its marginal return there is at the level
    # already); any other curve's is the same there as at its minimum
    near_zero = (x <= problem.lower + eps) & ~fixed
    if near_zero.any():
        step = 1e-9 * max(problem.budget, 1.0)
        ahead = curves.derivative(np.where(near_zero, np.minimum(x + step, problem.upper), x))
        marginal = np.where(near_zero, ahead - offset, marginal)
    at_lo = (x <= problem.lower + eps) & ~fixed
    at_hi = (x >= problem.upper - eps) & ~fixed
    n_groups = len(names)
    low = np.full(n_groups, -np.inf)
    high = np.full(n_groups, np.inf)
    # interior or at the minimum: the level is >= m; interior or at the maximum: <= m
    rises = ~fixed & ~at_hi
    falls = ~fixed & ~at_lo
    np.maximum.at(low, problem.group_of[rises], marginal[rises] - tol)
    np.minimum.at(high, problem.group_of[falls], marginal[falls] + tol)
    bad = np.flatnonzero(low > high)
    if bad.size:
        g = int(bad[0])
        members = np.flatnonzero((problem.group_of == g) & ~fixed)
        shown = ", ".join(
            f"{channels[i]!r} {marginal[i] + offset:.6g}"
            + (" (at its minimum)" if at_lo[i] else " (at its maximum)" if at_hi[i] else "")
            for i in members
        )
        where = "" if names[g].startswith("<") else f" in group {names[g]!r}"
        return KktReport(
            False,
            f"the channels{where} do not share one marginal ROI level (marginal ROI: "
            f"{shown}; channels inside their bounds must be equal, those at their "
            "minimum <= and at their maximum >= the level)",
            {},
        )
    spend_g = np.bincount(problem.group_of, weights=x, minlength=n_groups)
    g_eps = 1e-8 * max(problem.budget, 1.0)
    mu_low, mu_high = -np.inf, np.inf
    for g in range(n_groups):
        upper_limit = problem.shared[g] and spend_g[g] >= problem.group_upper[g] - g_eps
        lower_limit = problem.shared[g] and spend_g[g] <= problem.group_lower[g] + g_eps
        if upper_limit and lower_limit:
            continue
        if not upper_limit:  # mu >= L_g (a lower limit: lambda <= 0) or equal
            mu_low = max(mu_low, low[g])
        if not lower_limit:
            mu_high = min(mu_high, high[g])
    spent = float(x.sum())
    if not full:
        if spent < problem.budget - g_eps:
            mu_low, mu_high = max(mu_low, -tol), min(mu_high, tol)
        else:
            mu_low = max(mu_low, -tol)
    if mu_low > mu_high:
        return KktReport(
            False,
            f"no budget shadow price fits every group (the groups' marginal ROI levels "
            f"need one between {mu_low + offset:.6g} and {mu_high + offset:.6g})",
            {},
        )
    if math.isfinite(mu_low) and math.isfinite(mu_high):
        mu = 0.5 * (mu_low + mu_high)
    elif math.isfinite(mu_low) or math.isfinite(mu_high):
        mu = mu_low if math.isfinite(mu_low) else mu_high
    else:
        mu = 0.0
    if not full and spent < problem.budget - g_eps:
        mu = 0.0
    shadow = {"budget": max(mu, 0.0) if not full else mu}
    for g in range(n_groups):
        if problem.shared[g]:
            level = min(max(mu, low[g]), high[g])
            if abs(level - mu) > tol:
                shadow[f"group:{names[g]}"] = level - mu
    return KktReport(True, "", shadow)


def certify(problem: SplitProblem, x: FloatArray, total_budget: float, exact: bool) -> Certificate:
    """Every constraint of a split checked on its spend ``x``: the budget (spent exactly
    when ``exact``, else at most), each channel's bounds, and each group's share rule
    (a fraction of the budget the split spends, ``problem.budget``)."""
    size = float(np.abs(x).sum())
    spent = float(x.sum())
    checks = [
        (equal if exact else upper)("budget", spent, total_budget, scale=size, unit="yuan"),
        *_bound_checks(x, problem.lower, problem.upper).values(),
    ]
    if problem.share_lower is not None and problem.share_upper is not None:
        spend_g = np.bincount(problem.group_of, weights=x, minlength=len(problem.group_names))
        base = problem.budget
        for k in np.flatnonzero(problem.shared).tolist():
            name = f"group_shares[{problem.group_names[k]!r}]"
            low, high = problem.share_lower[k] * base, problem.share_upper[k] * base
            value = float(spend_g[k])
            if problem.share_lower[k] == problem.share_upper[k]:
                checks.append(equal(name, value, low, scale=size, unit="yuan"))
            else:
                checks.append(lower(name + " min", value, low, scale=size, unit="yuan"))
                checks.append(upper(name + " max", value, high, scale=size, unit="yuan"))
    return Certificate.of(checks)


def on_bounds(
    certificate: Certificate, x: FloatArray, lower: FloatArray, upper: FloatArray
) -> Certificate:
    """``certificate`` with its channel bound checks made on ``lower`` and ``upper``
    (yuan per channel): the user's own bounds, for a split solved within tighter ones
    (a fit's extrapolation guard).  Every other check is kept as it is."""
    redone = _bound_checks(x, lower, upper)
    return Certificate.of(redone.get(c.name, c) for c in certificate.checks)


def _bound_checks(
    x: FloatArray, lower: FloatArray, upper: FloatArray
) -> dict[str, ConstraintCheck]:
    """The checks of each channel's spend ``x`` against its bounds (yuan), by name."""
    return {
        "channel minimums": lower_each("channel minimums", x, lower, unit="yuan", item="channel"),
        "channel maximums": upper_each("channel maximums", x, upper, unit="yuan", item="channel"),
    }
