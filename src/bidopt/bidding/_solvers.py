"""The solvers behind ``optimize_bids``: the Lagrangian dual and the HiGHS references."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import optimize, sparse

from bidopt.bidding._hull import build_hull
from bidopt.bidding._problem import BidProblem
from bidopt.bidding._select import select
from bidopt.exceptions import SolverError
from bidopt.typing import FloatArray, IntArray

__all__ = ["Solution", "solve_dual", "solve_highs"]


@dataclass(frozen=True, slots=True)
class Solution:
    """Chosen level per keyword (-1 none) and the solver's certificates."""

    levels: IntArray
    bound: float
    shadow_price: float
    target_multiplier: float
    nit: int
    status: int
    message: str


def _picked(matrix: FloatArray, levels: IntArray) -> FloatArray:
    rows = np.arange(levels.size)
    out = matrix[rows, np.maximum(levels, 0)].astype(np.float64)
    out[levels < 0] = 0.0
    return out


def _solve_value(problem: BidProblem, value: FloatArray) -> tuple[IntArray, float, float]:
    hull = build_hull(problem.cost, value, problem.allowed)
    sel = select(hull, problem.budget, group_of=problem.group_of, group_budget=problem.group_budget)
    return hull.level_after(sel.taken), sel.lp_value, sel.multiplier


def solve_dual(problem: BidProblem, options: dict[str, Any]) -> Solution:
    """Hull + exact budget multiplier; a second multiplier (bisection) for a target."""
    if problem.target is None:
        levels, bound, lam = _solve_value(problem, problem.value)
        return Solution(levels, bound, lam, 0.0, 1, 0, "Optimal up to the reported gap.")
    g = problem.target
    tol = float(options["target_tol"])

    def evaluate(mu: float) -> tuple[IntArray, float, float, float, float]:
        levels, bound, lam = _solve_value(problem, problem.value - mu * g)
        fun = float(_picked(problem.value, levels).sum())
        slack = float(_picked(g, levels).sum())
        return levels, bound, lam, fun, slack

    # the target counts as met at mu = 0 within tol x (mean |cost| + 1) yuan
    slack_tol = tol * (float(np.abs(problem.cost).mean()) + 1.0)
    levels, bound, lam, fun, slack = evaluate(0.0)
    best_bound = bound
    nit = 1
    if slack <= slack_tol:
        return Solution(
            levels,
            bound,
            lam,
            0.0,
            nit,
            0,
            f"Optimal up to the reported gap; {problem.target_name} is slack.",
        )
    best: tuple[IntArray, float, float, float] | None = None  # levels, fun, lam, mu
    value_scale = float(np.abs(problem.value).max()) or 1.0
    g_scale = float(np.abs(g).max()) or 1.0
    lo, hi = 0.0, value_scale / g_scale
    for _ in range(80):  # grow until the plan meets the target
        levels, bound, lam, fun, slack = evaluate(hi)
        nit += 1
        best_bound = min(best_bound, bound)
        if slack <= 0:
            best = (levels, fun, lam, hi)
            break
        lo, hi = hi, hi * 4.0
    if best is None:
        raise SolverError(
            f"The dual method found no plan meeting {problem.target_name}; try method='milp'."
        )
    for _ in range(int(options["max_outer"])):
        if hi - lo <= 1e-12 * hi:
            break
        mid = 0.5 * (lo + hi) if lo > 0 else hi / 16.0 if hi > 1e-300 else 0.0
        if lo == 0 and mid < 1e-12 * value_scale / g_scale:
            mid = 0.5 * hi
        levels, bound, lam, fun, slack = evaluate(mid)
        nit += 1
        best_bound = min(best_bound, bound)
        if slack <= 0:
            hi = mid
            if fun > best[1]:
                best = (levels, fun, lam, mid)
        else:
            lo = mid
    levels, fun, lam, mu = best
    return Solution(
        levels,
        max(best_bound, fun),
        lam,
        mu,
        nit,
        0,
        f"Optimal up to the reported gap; {problem.target_name} binds.",
    )


def _variables(problem: BidProblem) -> tuple[IntArray, IntArray]:
    if problem.allowed is None:
        rows, cols = np.nonzero(np.ones(problem.cost.shape, dtype=bool))
    else:
        rows, cols = np.nonzero(problem.allowed)
    return rows.astype(np.int64), cols.astype(np.int64)


def solve_highs(problem: BidProblem, options: dict[str, Any], *, integral: bool) -> Solution:
    """The exact MCKP with ``scipy.optimize.milp`` or its LP relaxation with ``linprog``."""
    rows, cols = _variables(problem)
    n = problem.landscape.n_keywords
    m = rows.size
    if m == 0:
        return Solution(
            np.full(n, -1, np.int64), 0.0, 0.0, 0.0, 0, 0, "No level is allowed; nothing to bid on."
        )
    value = problem.value[rows, cols]
    cost = problem.cost[rows, cols]
    blocks = [sparse.csr_array((np.ones(m), (rows, np.arange(m))), shape=(n, m))]
    upper = [np.ones(n)]
    blocks.append(sparse.csr_array(cost[None, :]))
    upper.append(np.array([problem.budget]))
    if problem.target is not None:
        blocks.append(sparse.csr_array(problem.target[rows, cols][None, :]))
        upper.append(np.zeros(1))
    if problem.group_of is not None and problem.group_budget is not None:
        finite = np.isfinite(problem.group_budget)
        index = np.cumsum(finite) - 1
        g = problem.group_of[rows]
        use = finite[g]
        blocks.append(
            sparse.csr_array(
                (cost[use], (index[g[use]], np.arange(m)[use])), shape=(int(finite.sum()), m)
            )
        )
        upper.append(problem.group_budget[finite])
    matrix = sparse.vstack(blocks).tocsr()
    ub = np.concatenate(upper)
    if integral:
        milp_options: Any = {"mip_rel_gap": float(options["mip_rel_gap"])}
        if options["time_limit"] is not None:
            milp_options["time_limit"] = float(options["time_limit"])
        res = optimize.milp(
            -value,
            constraints=optimize.LinearConstraint(matrix, -np.inf, ub),
            integrality=np.ones(m, dtype=np.int64),
            bounds=optimize.Bounds(0.0, 1.0),
            options=milp_options,
        )
    else:
        lp_options: Any = {}
        if options["time_limit"] is not None:
            lp_options["time_limit"] = float(options["time_limit"])
        linprog: Any = optimize.linprog  # scipy-stubs do not know sparse A_ub
        res = linprog(
            -value, A_ub=matrix, b_ub=ub, bounds=(0.0, 1.0), method="highs", options=lp_options
        )
    if res.x is None or res.status not in (0, 1):
        raise SolverError(f"HiGHS failed (status {res.status}): {res.message}")
    x = np.asarray(res.x)
    nit = int(getattr(res, "nit", 0) or 0)
    if integral:
        chosen = x > 0.5
        levels = np.full(n, -1, np.int64)
        levels[rows[chosen]] = cols[chosen]
        dual_bound = getattr(res, "mip_dual_bound", None)
        bound = (
            -float(dual_bound)
            if dual_bound is not None and math.isfinite(dual_bound)
            else -float(res.fun)
        )
        shadow = 0.0
    else:
        bound = -float(res.fun)
        levels = _round_down(problem, rows, cols, x)
        marginals = getattr(getattr(res, "ineqlin", None), "marginals", None)
        shadow = -float(marginals[n]) if marginals is not None else 0.0
    status = 0 if res.status == 0 else 1
    message = "Optimal (HiGHS)." if status == 0 else f"HiGHS stopped early: {res.message}"
    if not integral:
        message = "LP relaxation solved (HiGHS); plan rounded down to whole levels."
    return Solution(
        levels,
        max(bound, float(_picked(problem.value, levels).sum())),
        shadow,
        0.0,
        nit,
        status,
        message,
    )


def _round_down(problem: BidProblem, rows: IntArray, cols: IntArray, x: FloatArray) -> IntArray:
    """Whole levels from an LP solution without exceeding any constraint.

    A keyword wholly on one level keeps it; a split keyword takes its cheapest level in
    the split if its shares sum to 1 (that costs no more than the mix), else nothing.
    """
    n = problem.landscape.n_keywords
    support = x > 1e-9
    r, c, share = rows[support], cols[support], x[support]
    levels = np.full(n, -1, np.int64)
    if r.size == 0:
        return levels
    total = np.bincount(r, weights=share, minlength=n)
    cost = problem.cost[r, c]
    order = np.lexsort((cost, r))
    r, c = r[order], c[order]
    first = np.r_[True, r[1:] != r[:-1]]
    levels[r[first]] = c[first]
    levels[total < 1 - 1e-7] = -1
    return levels
