"""The HiGHS references of ``optimize_bids``: the exact problem (``milp``) and its LP
relaxation (``linprog``), each plan checked and repaired to hold exactly."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import optimize, sparse

from bidopt.bidding._problem import TARGET_RTOL, BidProblem, picked
from bidopt.bidding._solvers import (
    Solution,
    _budget_excess,
    fill_levels,
    repair_budget,
    repair_target,
)
from bidopt.exceptions import SolverError
from bidopt.typing import FloatArray, IntArray

__all__ = ["solve_highs"]


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
    # HiGHS works to absolute tolerances (about 1e-7): rows and objective are scaled to
    # order 1 so that yuan amounts of 1e-12 or 1e150 are solved alike; results are
    # scaled back, and the plan is checked and repaired exactly afterwards
    value_raw = problem.value[rows, cols]
    cost_raw = problem.cost[rows, cols]
    v_scale = _scale(value_raw)
    c_scale = _scale(np.append(cost_raw, problem.budget))
    value = value_raw / v_scale
    cost = cost_raw / c_scale
    blocks = [sparse.csr_array((np.ones(m), (rows, np.arange(m))), shape=(n, m))]
    upper = [np.ones(n)]
    blocks.append(sparse.csr_array(cost[None, :]))
    upper.append(np.array([problem.budget / c_scale]))
    if problem.target is not None and problem.target_scale is not None:
        # the target with the solvers' relative tolerance folded in (a plan exactly at
        # the target meets it), scaled by the size of what it compares, not by its
        # own rounding noise
        size = np.abs(problem.target_scale[rows, cols])
        g = problem.target[rows, cols] - TARGET_RTOL * size
        blocks.append(sparse.csr_array((g / _scale(np.append(np.abs(g), size)))[None, :]))
        upper.append(np.zeros(1))
    if problem.group_of is not None and problem.group_budget is not None:
        finite = np.isfinite(problem.group_budget)
        index = np.cumsum(finite) - 1
        group = problem.group_of[rows]
        use = finite[group]
        blocks.append(
            sparse.csr_array(
                (cost[use], (index[group[use]], np.arange(m)[use])), shape=(int(finite.sum()), m)
            )
        )
        upper.append(problem.group_budget[finite] / c_scale)
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
    note = ""
    if integral:
        chosen = x > 0.5
        levels = np.full(n, -1, np.int64)
        levels[rows[chosen]] = cols[chosen]
        dual_bound = getattr(res, "mip_dual_bound", None)
        bound = v_scale * (
            -float(dual_bound)
            if dual_bound is not None and math.isfinite(dual_bound)
            else -float(res.fun)
        )
        shadow = 0.0
    else:
        bound = -float(res.fun) * v_scale
        levels = _round_down(problem, rows, cols, x)
        marginals = getattr(getattr(res, "ineqlin", None), "marginals", None)
        shadow = -float(marginals[n]) * v_scale / c_scale if marginals is not None else 0.0
    over_budget = _budget_excess(problem, levels) > 0
    if over_budget:
        # HiGHS's absolute feasibility tolerance (about 1e-7) can leave a plan a hair
        # over the budget: move keywords down (least value lost per yuan) until it fits
        levels = repair_budget(problem, levels)
        note = " Plan moved down to fit the budget exactly (HiGHS tolerance)."
    if problem.target is not None and problem.target_excess(levels) > 0:
        # rounding (lp) or HiGHS's absolute feasibility tolerance (milp) left the
        # target broken on the whole plan: move keywords down until it holds exactly
        levels = repair_target(problem, levels)
        note += f" {problem.target_name} repaired after rounding (keywords moved down)."
    if not integral or note:
        # use what rounding down (lp) or a repair's move down (either) left unspent: a
        # repair takes whole moves and can free far more than a hair over the budget
        levels = fill_levels(problem, levels)
    status = 0 if res.status == 0 else 1
    message = "Optimal (HiGHS)." if status == 0 else f"HiGHS stopped early: {res.message}"
    if not integral:
        message = "LP relaxation solved (HiGHS); plan rounded down to whole levels."
    elif note and status == 0:
        message = "HiGHS's optimum, repaired to hold exactly (so optimal only up to the gap)."
    message += note
    return Solution(
        levels,
        max(bound, float(picked(problem.value, levels).sum())),
        shadow,
        0.0,
        nit,
        status,
        message,
    )


#: Largest magnitudes in [1/_UNSCALED, _UNSCALED] go to HiGHS as they are.
_UNSCALED = 1024.0


def _scale(values: FloatArray) -> float:
    """A power of two near the largest magnitude when it is far from 1, else 1.

    Only magnitudes HiGHS's absolute tolerances cannot handle (yuan in 1e-12 or 1e150)
    are rescaled: rescaling ordinary ones (a 256-yuan budget to 0.5) made HiGHS miss
    plans that spend a group budget exactly.
    """
    top = float(np.max(np.abs(values))) if values.size else 0.0
    if not math.isfinite(top) or top <= 0 or 1.0 / _UNSCALED <= top <= _UNSCALED:
        return 1.0
    return float(2.0 ** math.frexp(top)[1])


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
