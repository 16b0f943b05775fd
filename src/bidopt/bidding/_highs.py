"""The HiGHS references of ``optimize_bids``: the exact problem (``milp``) and its LP
relaxation (``linprog``), each plan checked and repaired to hold exactly."""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
from scipy import optimize, sparse

from bidopt._wording import counted
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
    # each cost row is scaled by its own size: its points' costs and its bound, a bound
    # above what the row's points can spend at most (every keyword at its dearest
    # allowed level) counted as that most (a budget of 1e7 beside a group budget of
    # 2 yuan scaled the group's costs below HiGHS's tolerance)
    dearest = np.zeros(n)
    np.maximum.at(dearest, rows, cost_raw)
    c_scale = _scale(np.append(cost_raw, min(problem.budget, float(dearest.sum()))))
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
        n_groups = problem.group_budget.size
        most = np.bincount(problem.group_of, weights=dearest, minlength=n_groups)
        top = np.minimum(problem.group_budget, most)
        np.maximum.at(top, group, cost_raw)  # (a group's scale: _scale of its row)
        g_scale = np.ones(n_groups)
        for k in np.flatnonzero(finite):
            g_scale[k] = _scale(top[k : k + 1])
        blocks.append(
            sparse.csr_array(
                (cost_raw[use] / g_scale[group[use]], (index[group[use]], np.arange(m)[use])),
                shape=(int(finite.sum()), m),
            )
        )
        upper.append(problem.group_budget[finite] / g_scale[finite])
    matrix = sparse.vstack(blocks).tocsr()
    ub = np.concatenate(upper)
    if integral:
        return _solve_exact(problem, rows, cols, value, matrix, ub, v_scale, options)
    lp_options: Any = {}
    if options["time_limit"] is not None:
        lp_options["time_limit"] = float(options["time_limit"])
    linprog: Any = optimize.linprog  # scipy-stubs do not know sparse A_ub
    res = linprog(
        -value, A_ub=matrix, b_ub=ub, bounds=(0.0, 1.0), method="highs", options=lp_options
    )
    _check_status(res)
    bound = -float(res.fun) * v_scale
    marginals = getattr(getattr(res, "ineqlin", None), "marginals", None)
    shadow = -float(marginals[n]) * v_scale / c_scale if marginals is not None else 0.0
    levels, note = _repair(problem, _round_down(problem, rows, cols, np.asarray(res.x)))
    # use what rounding down, or a repair's whole moves down, left unspent
    levels = fill_levels(problem, levels)
    fun = float(picked(problem.value, levels).sum())
    message = "LP relaxation solved (HiGHS); plan rounded down to whole levels." + note
    nit = int(getattr(res, "nit", 0) or 0)
    return Solution(levels, max(bound, fun), shadow, 0.0, nit, 0 if res.status == 0 else 1, message)


#: Plans over a constraint by HiGHS's tolerance that milp excludes before it repairs.
_MAX_CUTS = 8
#: A scaled row a plan is over by more than this (more than float rounding) is tightened.
_ROUNDING = 1e-12
#: A tightened row moves by the plan's excess over it plus this, times 4 per new solve:
#: small first (a plan a float rounding put over a bound keeps its exact neighbours),
#: growing past HiGHS's tolerance within a few solves.
_FIRST_STEP = 1e-9


def _check_status(res: Any) -> None:
    """``milp``/``linprog`` return ``x=None`` when they fail: raise with HiGHS's words."""
    if res.x is None or res.status not in (0, 1):
        raise SolverError(f"HiGHS failed (status {res.status}): {res.message}")


def _breaks(problem: BidProblem, levels: IntArray) -> bool:
    """Whether the plan breaks its budget, a group budget or its target (exactly)."""
    return _budget_excess(problem, levels) > 0 or (
        problem.target is not None and problem.target_excess(levels) > 0
    )


def _repair(problem: BidProblem, levels: IntArray) -> tuple[IntArray, str]:
    """Move keywords down until every constraint holds exactly: ``(levels, note)``, the
    note empty when the plan already held."""
    note = ""
    if _budget_excess(problem, levels) > 0:
        levels = repair_budget(problem, levels)
        note = " Plan moved down to fit the budget exactly (HiGHS tolerance)."
    if problem.target is not None and problem.target_excess(levels) > 0:
        levels = repair_target(problem, levels)
        note += f" {problem.target_name} repaired after rounding (keywords moved down)."
    return levels, note


def _solve_exact(
    problem: BidProblem,
    rows: IntArray,
    cols: IntArray,
    value: FloatArray,
    matrix: Any,
    ub: FloatArray,
    v_scale: float,
    options: dict[str, Any],
) -> Solution:
    """The exact MCKP with ``scipy.optimize.milp``, exact on the problem's own numbers.

    ``matrix`` (one row per keyword, then the budget, target and group rows) and ``ub``
    are the scaled constraints over the points ``(rows, cols)``, ``value`` the scaled
    objective.  HiGHS meets rows only to an absolute tolerance (about 1e-6 of a scaled
    row), so its plan can break the budget, a group budget or the target by a hair.
    Such a plan is solved again, up to ``_MAX_CUTS`` times, excluded by a no-good cut
    (its chosen points minus the points of its keywords not bidding sum to at most
    ``n_chosen - 1``), and each bound row it is over by more than float rounding
    (``_ROUNDING``) tightened by its excess over the row HiGHS was given plus a step
    growing from ``_FIRST_STEP``, so that every plan of the same cost (a reordering of
    identical keywords) goes at once.  The first plan that holds exactly is kept, with
    the last solve's bound: both pass over only plans within the tightening (about
    HiGHS's tolerance, 1e-6 of a scaled row) of a bound.  Should every try break a
    constraint, or a tightened problem have no plan, the last plan that broke one is
    repaired (keywords moved down, then filled) and the message gives its gap to
    HiGHS's bound.
    """
    n = problem.landscape.n_keywords
    m = rows.size
    time_limit = options["time_limit"]
    start = time.perf_counter()
    cuts: list[FloatArray] = []
    tighter = np.zeros(ub.size)  # how much each row is tightened, scaled units
    bound_rows = np.arange(ub.size) >= n  # budget, target and group rows
    res: Any = None
    levels = np.full(n, -1, np.int64)
    for tries in range(_MAX_CUTS + 1):
        milp_options: Any = {"mip_rel_gap": float(options["mip_rel_gap"])}
        if time_limit is not None:
            milp_options["time_limit"] = max(time_limit - (time.perf_counter() - start), 1e-3)
        a = sparse.vstack([matrix, sparse.csr_array(np.array(cuts))]) if cuts else matrix
        given = ub - tighter
        upper = np.concatenate([given, [float((c > 0).sum()) - 1.0 for c in cuts]])
        found: Any = optimize.milp(
            -value,
            constraints=optimize.LinearConstraint(a, -np.inf, upper),
            integrality=np.ones(m, dtype=np.int64),
            bounds=optimize.Bounds(0.0, 1.0),
            options=milp_options,
        )
        if res is not None and (found.x is None or found.status not in (0, 1)):
            break  # tightened past every plan: repair the last one
        _check_status(found)
        res = found
        chosen = np.asarray(res.x) > 0.5
        levels = np.full(n, -1, np.int64)
        levels[rows[chosen]] = cols[chosen]
        dual_bound = getattr(res, "mip_dual_bound", None)
        bound = v_scale * (
            -float(dual_bound)
            if dual_bound is not None and math.isfinite(dual_bound)
            else -float(res.fun)
        )
        out_of_time = time_limit is not None and time.perf_counter() - start >= time_limit
        if not _breaks(problem, levels) or tries == _MAX_CUTS or out_of_time:
            break
        # tighten every bound row the plan (nearly) binds by its excess over the row
        # given plus HiGHS's tolerance, and exclude the plan itself
        # (a plan over a bound by a float rounding only is cut alone: tightening would
        # drop the plans exactly at the bound HiGHS cannot tell from it)
        activity = np.asarray(matrix @ chosen.astype(np.float64))
        over = bound_rows & (activity - ub > _ROUNDING)
        tighter[over] += activity[over] - given[over] + _FIRST_STEP * 4.0**tries
        cuts.append(np.where(chosen, 1.0, np.where(levels[rows] < 0, -1.0, 0.0)))
    status = 0 if res.status == 0 else 1
    message = "Optimal (HiGHS)." if status == 0 else f"HiGHS stopped early: {res.message}"
    levels, note = _repair(problem, levels)
    if cuts and not note:
        message += (
            f" Solved again {counted(len(cuts), 'time')} without the plans HiGHS returned"
            " that break a constraint by less than its tolerance."
        )

    fun = float(picked(problem.value, levels).sum())
    if note:
        levels = fill_levels(problem, levels)  # a repair frees whole moves: refill
        fun = float(picked(problem.value, levels).sum())
        gap = (bound - fun) / abs(bound) if bound > fun else 0.0
        message = (
            f"HiGHS's plan broke a constraint by less than its tolerance "
            f"{counted(len(cuts) + 1, 'time')} and was repaired: it may be up to {gap:.2%} "
            "below the optimum." + note
        )
    nit = int(getattr(res, "nit", 0) or 0)
    return Solution(levels, max(bound, fun), 0.0, 0.0, nit, status, message)


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
    return math.ldexp(1.0, min(math.frexp(top)[1], 1023))  # (2.0**1024 overflows)


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
