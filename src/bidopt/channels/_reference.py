"""The SciPy references of a split: multi-start SLSQP and trust-constr.

Both optimise the true curves (S-shaped ones included) from given and random starts;
each answer's sums are made exact by :func:`bidopt.channels._settle.repair`.  They are
``method="slsqp"`` and ``method="trust-constr"`` of :func:`split_budget`, and seed and
polish the branch and bound over S-shaped curves.
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np
from scipy import optimize

from bidopt._validation import check_random_state
from bidopt.channels._curveset import CurveSet
from bidopt.channels._problem import SplitProblem
from bidopt.channels._settle import repair
from bidopt.exceptions import SolverError
from bidopt.typing import FloatArray

__all__ = ["scipy_split"]


def scipy_split(
    curves: CurveSet,
    problem: SplitProblem,
    offset: float,
    full: bool,
    method: str,
    options: dict[str, Any],
    starts: list[FloatArray] | None = None,
    ftol: float | None = None,
) -> tuple[FloatArray, int, str]:
    """Multi-start scipy reference (SLSQP or trust-constr) on the true curves, from the
    ``starts`` given (yuan) and ``options["n_starts"]`` random ones; each answer's sums
    made exact (:func:`repair`)."""
    gen = check_random_state(options["rng"])
    n, budget = curves.n, problem.budget
    lo, hi = problem.lower, problem.upper

    # optimise over shares of the budget (well scaled); objective per yuan of budget
    def fun(u: FloatArray) -> float:
        x = u * budget
        return -float(curves.value(x).sum() - offset * x.sum()) / budget

    def jac(u: FloatArray) -> FloatArray:
        return -(curves.derivative(u * budget) - offset)

    members = np.zeros((len(problem.group_names), n))
    members[problem.group_of, np.arange(n)] = 1.0
    shared = problem.shared
    constraints: list[Any] = []
    if full and not problem.exact_cover:  # exact shares of every group fix the total
        constraints.append(optimize.LinearConstraint(np.ones((1, n)), 1.0, 1.0))
    elif not full:
        constraints.append(optimize.LinearConstraint(np.ones((1, n)), 0.0, 1.0))
    # exact shares and ranges in separate constraints (SLSQP treats them apart)
    exact = problem.exact_share
    for rows in (exact, shared & ~exact):
        if rows.any():
            constraints.append(
                optimize.LinearConstraint(
                    members[rows],
                    problem.group_lower[rows] / budget,
                    problem.group_upper[rows] / budget,
                )
            )
    extra: dict[str, float] = {} if ftol is None or method != "slsqp" else {"ftol": ftol}
    best_x, best_f, nit, messages = None, np.inf, 0, []
    given = [np.clip(s, lo, hi) / budget for s in starts or []]
    for k in range(len(given) + int(options["n_starts"])):
        if k < len(given):
            start = given[k]
        else:
            start = lo + gen.dirichlet(np.ones(n)) * max(budget - lo.sum(), 0.0)
            start = np.clip(start, lo, hi) / budget
        try:
            res = optimize.minimize(
                fun,
                start,
                jac=jac,
                method="SLSQP" if method == "slsqp" else "trust-constr",
                bounds=optimize.Bounds(lo / budget, hi / budget),
                constraints=constraints,
                options=cast(Any, {"maxiter": int(options["maxiter"]), **extra}),
            )
        except ValueError as exc:  # e.g. trust-constr on an infinite marginal return
            raise SolverError(
                f"`method` {method!r} must evaluate the curves at every point it tries. "
                f"Got scipy's error {str(exc)!r} instead; try method='kkt' or 'slsqp'."
            ) from exc
        nit += int(getattr(res, "nit", 0) or 0)
        x = repair(np.asarray(res.x, dtype=np.float64) * budget, problem, full)
        spent = float(x.sum())
        ok = abs(spent - budget) <= 1e-6 * budget if full else spent <= budget * (1 + 1e-6)
        ok &= bool(np.all(np.isfinite(x)))
        g = np.bincount(problem.group_of, weights=x, minlength=len(problem.group_names))
        ok &= bool(np.all(g[shared] >= problem.group_lower[shared] - 1e-6 * budget))
        ok &= bool(np.all(g[shared] <= problem.group_upper[shared] + 1e-6 * budget))
        messages.append(str(res.message))
        if ok and fun(x / budget) < best_f:
            best_x, best_f = x, fun(x / budget)
    if best_x is None:
        raise SolverError(
            f"{method} found no feasible split from {options['n_starts']} starts "
            f"(last message: {messages[-1]!r}); try method='kkt'."
        )
    return best_x, nit, f"best of {options['n_starts']} {method} starts"
