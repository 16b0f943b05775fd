"""The Lagrangian dual behind ``optimize_bids``, and the plan repairs every method shares
(the HiGHS references are in :mod:`bidopt.bidding._highs`)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

import bidopt.bidding._kernels_levels as _kernels_levels
from bidopt._wording import target_message
from bidopt.bidding import _kernels
from bidopt.bidding._hull import Hull, build_hull
from bidopt.bidding._problem import BidProblem, picked
from bidopt.bidding._select import FILL_TOL, Selection, select
from bidopt.typing import FloatArray, IntArray

__all__ = [
    "Solution",
    "dual_plan",
    "fill_levels",
    "repair_budget",
    "repair_target",
    "solve_dual",
    "swap_in",
]


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


def _on_hull(problem: BidProblem, hull: Hull) -> tuple[IntArray, Selection]:
    """The LP threshold over ``hull`` at the problem's budget (and group budgets), rounded
    to whole hull steps by :func:`select`: ``(levels, selection)``."""
    sel = select(hull, problem.budget, group_of=problem.group_of, group_budget=problem.group_budget)
    return hull.level_after(sel.taken), sel


def _solve_value(problem: BidProblem, value: FloatArray) -> tuple[IntArray, float, float]:
    levels, sel = _on_hull(problem, build_hull(problem.cost, value, problem.allowed))
    return levels, sel.lp_value, sel.multiplier


def solve_dual(problem: BidProblem, options: dict[str, Any]) -> Solution:
    """Hull + exact budget multiplier; a second multiplier (bisection) for a target.

    With a target the plan is the best of (a) the best plan of the bisection that meets
    the target exactly (``sum g <= 0`` summed over the chosen points, no tolerance) and
    (b) the plan just on the other side of the multiplier, repaired by
    :func:`repair_target`.  The bound is the least Lagrangian value seen, which bounds
    every plan that meets the budget and the target.
    """
    if problem.target is None:
        hull = build_hull(problem.cost, problem.value, problem.allowed)
        levels, bound, lam = dual_plan(problem, hull)
        return Solution(levels, bound, lam, 0.0, 1, 0, "Optimal up to the reported gap.")
    g = problem.target

    def evaluate(mu: float) -> tuple[IntArray, float, float, float, float]:
        levels, bound, lam = _solve_value(problem, problem.value - mu * g)
        fun = float(picked(problem.value, levels).sum())
        slack = problem.target_excess(levels)
        return levels, bound, lam, fun, slack

    levels, bound, lam, fun, slack = evaluate(0.0)
    nit = 1
    if slack <= 0:
        levels = fill_levels(problem, levels)
        return Solution(
            levels,
            bound,
            lam,
            0.0,
            nit,
            0,
            target_message(problem.target_name, binding=False),
        )
    best_bound = bound
    best: tuple[IntArray, float, float, float] | None = None  # levels, fun, lam, mu
    over: tuple[IntArray, float, float] = (levels, lam, 0.0)  # last plan over the target
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
        over = (levels, lam, hi)
        lo, hi = hi, hi * 4.0
    if best is not None:
        for _ in range(int(options["max_outer"])):
            if hi - lo <= 1e-12 * hi:
                break
            mid = 0.5 * (lo + hi) if lo > 0 else hi / 16.0
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
                over = (levels, lam, mid)
    repaired = fill_levels(problem, repair_target(problem, over[0]))
    repaired_fun = float(picked(problem.value, repaired).sum())
    if best is not None:
        filled = fill_levels(problem, best[0])
        best = (filled, float(picked(problem.value, filled).sum()), best[2], best[3])
    if best is None or repaired_fun > best[1]:
        best = (repaired, repaired_fun, over[1], over[2])
    levels, fun, lam, mu = best
    return Solution(
        levels,
        max(best_bound, fun),
        lam,
        mu,
        nit,
        0,
        target_message(problem.target_name, binding=True),
    )


_FILL_TOL = FILL_TOL  # as select(): a plan this close to the LP bound is not filled further
#: A plan still this far (relative) below the LP bound after the fill tries swap_in.
_SWAP_GAP = 1e-3
_FILL_ROWS = 16_384  # candidate keywords examined per round of fill_levels


def dual_plan(
    problem: BidProblem, hull: Hull, *, fill_tol: float = _FILL_TOL
) -> tuple[IntArray, float, float]:
    """The dual's plan for a problem without a target, on the hulls of its objective.

    The LP threshold over ``hull`` at ``problem.budget`` (and its group budgets),
    rounded to whole hull steps by :func:`select`; then, when that plan is more than
    ``fill_tol`` (relative) below the LP bound, :func:`fill_levels` spends what is left
    on any level, off the hull too, and when it is still more than ``_SWAP_GAP`` below,
    :func:`swap_in` tries the keywords the rounding left out.  Returns ``(levels,
    lp_bound, budget multiplier)``.
    """
    levels, sel = _on_hull(problem, hull)
    if sel.lp_value - sel.value > fill_tol * abs(sel.lp_value):
        top = hull.level_after(hull.n_steps)
        levels = fill_levels(problem, levels, top=top)
        value = float(picked(problem.value, levels).sum())
        if sel.lp_value - value > _SWAP_GAP * abs(sel.lp_value):
            levels = swap_in(problem, levels, top=top)
    return levels, sel.lp_value, sel.multiplier


def swap_in(
    problem: BidProblem, levels: IntArray, *, top: IntArray | None = None, candidates: int = 8
) -> IntArray:
    """Bring in a keyword the rounding left out, planning the others around it.

    The LP's split keyword is rounded down, and when its cheapest level costs more than
    the budget left, no level of it fits again (a keyword with most of the spend on a
    flat landscape can leave most of the budget unspent).  For the ``candidates`` keywords
    not bidding whose cheapest allowed level is worth most, this fixes that level and
    plans the other keywords on the budget left (hull, threshold and :func:`fill_levels`,
    as :func:`dual_plan`); the best plan is kept when it is worth more than ``levels``.
    Only for a budget alone (no target, no group budgets): the plan is ``levels``
    otherwise.  Every plan kept fits the budget (checked on its own totals).  Returns a
    new array of shape (n_keywords,).
    """
    out = np.array(levels, dtype=np.int64, copy=True)
    n, n_levels = problem.cost.shape
    if problem.target is not None or problem.group_of is not None or n < 2 or n_levels == 0:
        return out
    cost, value = problem.cost, problem.value
    allowed = np.ones(cost.shape, bool) if problem.allowed is None else problem.allowed
    usable = allowed & (value > 0)  # each keyword's cheapest allowed level worth something
    first = np.where(usable.any(axis=1), usable.argmax(axis=1), -1)
    off = np.flatnonzero((out < 0) & (first >= 0))
    if off.size == 0:
        return out
    order = off[np.argsort(-value[off, first[off]], kind="stable")][:candidates]
    best, best_value = out, float(picked(value, out).sum())
    for k in order.tolist():
        left = problem.budget - float(cost[k, first[k]])
        if left < 0:
            continue
        mask = allowed.copy()
        mask[k] = False  # the others, planned on what the keyword leaves
        rest = replace(problem, budget=left, allowed=mask)
        hull = build_hull(rest.cost, rest.value, rest.allowed)
        trial = fill_levels(rest, _on_hull(rest, hull)[0], top=hull.level_after(hull.n_steps))
        trial[k] = first[k]
        trial_value = float(picked(value, trial).sum())
        if trial_value > best_value and float(picked(cost, trial).sum()) <= problem.budget:
            best, best_value = trial, trial_value
    return best


def fill_levels(
    problem: BidProblem, levels: IntArray, max_rounds: int = 64, top: IntArray | None = None
) -> IntArray:
    """Move keywords up to any higher allowed level while every constraint still holds.

    The hull-based plan only climbs hull vertices; a level off the hull (or a target's
    room) can still fit what is left.  The plan is assumed to meet the budget, group
    budgets and target.  Each round the keywords whose next level fits the budget left
    (at most ``_FILL_ROWS`` of them, those with the steepest next level) offer their
    best move up (most objective per share of the room left in the budget and, with a
    target, in the target); moves are taken in that order while their running totals
    fit (with group budgets, at most one move per group per round).  Totals are kept
    up to date move by move, so a round costs O(n_keywords) plus its candidates.
    Without a target and group budgets the compiled kernel does the same
    (:func:`bidopt.bidding._kernels_levels.fill_levels`), which skips the rows of
    keywords at their ``top`` level when given (each keyword's most valuable allowed
    level, ``hull.level_after(hull.n_steps)`` of the problem's hull: no move up is worth
    more; the same plan).  Returns a new array.
    """
    g = problem.target
    out = np.array(levels, dtype=np.int64, copy=True)
    n, n_levels = problem.cost.shape
    if n == 0 or n_levels == 0:
        return out
    if _kernels.ENABLED and g is None and problem.group_of is None:
        return _kernels_levels.fill_levels(
            problem.cost,
            problem.value,
            problem.allowed,
            problem.budget,
            out,
            max_rounds,
            _FILL_ROWS,
            top,
        )
    tiny = np.finfo(np.float64).tiny
    cost, value = problem.cost, problem.value
    cur_c = picked(cost, out)
    cur_v = picked(value, out)
    cur_g = None if g is None else picked(g, out)
    room_c = problem.budget - float(cur_c.sum())
    room_g = np.inf if cur_g is None else -problem.target_excess(out)
    group_room = None
    if problem.group_of is not None and problem.group_budget is not None:
        used = np.bincount(problem.group_of, weights=cur_c, minlength=problem.group_budget.size)
        group_room = problem.group_budget - used
    # cost is non-decreasing along a row: the next level is a keyword's cheapest move
    has_next = out + 1 < n_levels
    next_dc = np.where(has_next, picked(cost, np.where(has_next, out + 1, 0)) - cur_c, np.inf)
    next_dv = np.where(has_next, picked(value, np.where(has_next, out + 1, 0)) - cur_v, 0.0)
    levels_row = np.arange(n_levels)[None, :]
    for _ in range(max_rounds):
        if room_c < 0 or room_g < 0:
            break
        rows = np.flatnonzero(next_dc <= room_c)
        if rows.size == 0:
            break
        if rows.size > _FILL_ROWS:  # the steepest next levels and their ties
            with np.errstate(divide="ignore", invalid="ignore"):
                steep = next_dv[rows] / np.maximum(next_dc[rows], tiny)
            kth = np.partition(steep, rows.size - _FILL_ROWS)[rows.size - _FILL_ROWS]
            rows = rows[steep >= kth]
        dc = cost[rows] - cur_c[rows, None]
        dv = value[rows] - cur_v[rows, None]
        ok = (levels_row > out[rows, None]) & (dv > 0) & (dc <= room_c)
        dg = None
        with np.errstate(over="ignore"):  # a move that overflows its share never fits
            use = np.maximum(dc, 0.0) / max(room_c, tiny)
            if g is not None and cur_g is not None:
                dg = g[rows] - cur_g[rows, None]
                ok &= dg <= room_g
                use = use + np.maximum(dg, 0.0) / max(room_g, tiny)
        if problem.allowed is not None:
            ok &= problem.allowed[rows]
        if group_room is not None and problem.group_of is not None:
            ok &= dc <= group_room[problem.group_of[rows]][:, None]
        keep = np.flatnonzero(ok.any(axis=1))
        if keep.size == 0:
            break
        rows, ok, dc, dv, use = rows[keep], ok[keep], dc[keep], dv[keep], use[keep]
        if dg is not None:
            dg = dg[keep]
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            score = np.where(ok, dv / np.maximum(use, tiny), -np.inf)
        pick = np.argmax(score, axis=1)
        at = np.arange(rows.size)
        order = np.lexsort((rows, -score[at, pick]))
        if group_room is not None and problem.group_of is not None:
            _, first = np.unique(problem.group_of[rows[order]], return_index=True)
            order = order[np.sort(first)]
        step_c = dc[at, pick][order]
        fits = np.cumsum(step_c) <= room_c
        step_g = None
        if dg is not None:
            step_g = dg[at, pick][order]
            fits &= np.cumsum(step_g) <= room_g
        k = int(np.argmin(fits)) if not fits.all() else fits.size
        if k == 0:
            break
        take = order[:k]
        moved, new = rows[take], pick[take]
        out[moved] = new
        room_c -= float(step_c[:k].sum())
        cur_c[moved] = cost[moved, new]
        cur_v[moved] = value[moved, new]
        if step_g is not None and cur_g is not None and g is not None:
            room_g -= float(step_g[:k].sum())
            cur_g[moved] = g[moved, new]
        if group_room is not None and problem.group_of is not None:
            np.subtract.at(group_room, problem.group_of[moved], step_c[:k])
        more = new + 1 < n_levels
        nxt = np.minimum(new + 1, n_levels - 1)
        next_dc[moved] = np.where(more, cost[moved, nxt] - cur_c[moved], np.inf)
        next_dv[moved] = np.where(more, value[moved, nxt] - cur_v[moved], 0.0)
    return out


def _overspend(problem: BidProblem, levels: IntArray) -> tuple[float, FloatArray | None]:
    """Yuan over the budget, and over each group budget (None without groups); <= 0 fits."""
    cost = picked(problem.cost, levels)
    total_over = float(cost.sum()) - problem.budget
    if problem.group_of is None or problem.group_budget is None:
        return total_over, None
    used = np.bincount(problem.group_of, weights=cost, minlength=problem.group_budget.size)
    return total_over, used - problem.group_budget


def _budget_excess(problem: BidProblem, levels: IntArray) -> float:
    """How far the plan is over its budget or its worst group budget, yuan (<= 0: fits)."""
    total_over, group_over = _overspend(problem, levels)
    if group_over is None or group_over.size == 0:
        return total_over
    return max(total_over, float(group_over.max()))


def _candidates_down(
    problem: BidProblem, out: IntArray, rows: IntArray, measure: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Every move down of keywords ``rows``, for a constraint ``sum measure <= limit``.

    The candidates of keyword ``rows[i]`` are its allowed lower levels that cost no more
    (column ``l``) and not bidding (the last column, ``n_levels``).  Returns ``(cut,
    lost)`` of shape (rows.size, n_levels + 1): how much each move lowers ``measure``
    (``-inf`` where it is no candidate) and the objective it loses.
    """
    n_levels = problem.cost.shape[1]
    cur = out[rows]
    m0 = measure[rows, cur]
    v0 = problem.value[rows, cur]
    ok = (np.arange(n_levels)[None, :] < cur[:, None]) & (
        problem.cost[rows] <= problem.cost[rows, cur][:, None]
    )
    if problem.allowed is not None:
        ok &= problem.allowed[rows]
    cut = np.concatenate([np.where(ok, m0[:, None] - measure[rows], -np.inf), m0[:, None]], 1)
    lost = np.concatenate([v0[:, None] - problem.value[rows], v0[:, None]], 1)
    return cut, lost


def _moves_down(
    problem: BidProblem, out: IntArray, rows: IntArray, measure: FloatArray
) -> tuple[IntArray, FloatArray, FloatArray]:
    """Each keyword's best move down, for a constraint ``sum measure <= limit``.

    Of the candidates of :func:`_candidates_down` (level ``n_levels`` is not bidding), a
    move's ``cut`` is how much it lowers ``measure``; its score is ``cut`` per unit of
    objective lost (``inf`` when it loses nothing), ``-inf`` when it cuts nothing.
    Returns ``(level, score, cut)`` of each keyword's best move, each of shape
    (rows.size,).
    """
    cut, lost = _candidates_down(problem, out, rows, measure)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        score = np.where(
            cut > 0, np.where(lost > 0, cut / np.where(lost > 0, lost, 1.0), np.inf), -np.inf
        )
    pick = np.argmax(score, axis=1)
    at = np.arange(rows.size)
    return pick, score[at, pick], cut[at, pick]


def repair_budget(problem: BidProblem, levels: IntArray, max_rounds: int = 200) -> IntArray:
    """Move keywords down until the budget and every group budget hold exactly.

    Each round every bidding keyword in an over-spent scope (the whole plan, or its
    group) offers its best move down (most yuan freed per unit of objective lost, see
    :func:`_moves_down`); moves are taken in that order until the total excess is
    covered, and one per over-spent group.  When the plan is over its total budget, the
    single move down (to any allowed level that costs no more, or no bid) that frees
    the whole excess at the least objective lost is taken instead when it loses less
    than those moves together: a plan a hair over the budget loses its cheapest
    affordable move, not the one freeing most yuan per unit lost.  The empty plan fits
    every budget, so this ends.  Returns a new array.
    """
    out = np.array(levels, dtype=np.int64, copy=True)
    n_levels = problem.cost.shape[1]
    value = problem.value
    for _ in range(max_rounds):
        total_over, group_over = _overspend(problem, out)
        if total_over <= 0 and (group_over is None or (group_over <= 0).all()):
            return out
        rows = np.flatnonzero(out >= 0)
        if group_over is not None and total_over <= 0 and problem.group_of is not None:
            rows = rows[group_over[problem.group_of[rows]] > 0]
        if rows.size == 0:
            break
        pick, score, gain = _moves_down(problem, out, rows, problem.cost)
        useful = np.flatnonzero(score > -np.inf)
        if useful.size == 0:
            break
        order = useful[np.argsort(-score[useful], kind="stable")]
        if total_over > 0:
            k = int(np.searchsorted(np.cumsum(gain[order]), total_over, side="left"))
            take = order[: k + 1]
            new = pick[take]
            lost = value[rows[take], out[rows[take]]] - np.where(
                new == n_levels, 0.0, value[rows[take], np.minimum(new, n_levels - 1)]
            )
            single = _least_loss_cover(problem, out, rows, total_over)
            if single is not None and single[2] < float(lost.sum()):
                out[single[0]] = single[1]
                continue
        else:
            assert problem.group_of is not None
            _, first = np.unique(problem.group_of[rows[order]], return_index=True)
            take = order[np.sort(first)]
        new = pick[take]
        out[rows[take]] = np.where(new == n_levels, -1, new)
    if _budget_excess(problem, out) > 0:
        out[:] = -1
    return out


def _least_loss_cover(
    problem: BidProblem, out: IntArray, rows: IntArray, excess: float
) -> tuple[int, int, float] | None:
    """The move down of one keyword of ``rows`` (see :func:`_candidates_down`) that
    frees at least ``excess`` yuan and loses least objective: ``(keyword, new level
    (-1: no bid), objective lost)``, or None when no single move frees that much."""
    cut, lost = _candidates_down(problem, out, rows, problem.cost)
    cover = cut >= excess
    if not cover.any():
        return None
    i, level = divmod(int(np.argmin(np.where(cover, lost, np.inf))), cut.shape[1])
    return int(rows[i]), (-1 if level == cut.shape[1] - 1 else level), float(lost[i, level])


def repair_target(problem: BidProblem, levels: IntArray, max_rounds: int = 200) -> IntArray:
    """Move keywords down (to a cheaper allowed level or to no bid) until the target holds.

    Each round every bidding keyword offers its best move down: the one that cuts the
    target's excess ``sum g`` most per unit of objective lost (moves that lose nothing
    first, see :func:`_moves_down`); moves are taken in that order until the round's
    excess is covered.  Moving down never raises a keyword's cost, so the budget and
    group budgets keep holding; the empty plan (``sum g = 0``) always meets the target,
    so this ends.

    Parameters
    ----------
    problem : BidProblem
        A problem with a target (``problem.target`` not None).
    levels : ndarray of int64, shape (n_keywords,)
        Chosen level per keyword (-1 for none).

    Returns
    -------
    ndarray of int64, shape (n_keywords,)
        Levels whose target sum is <= 0 (a copy; the input is not modified).
    """
    g = problem.target
    out = np.array(levels, dtype=np.int64, copy=True)
    if g is None:
        return out
    n_levels = problem.cost.shape[1]
    for _ in range(max_rounds):
        excess = problem.target_excess(out)
        if excess <= 0:
            return out
        rows = np.flatnonzero(out >= 0)
        if rows.size == 0:
            break
        pick, score, gain = _moves_down(problem, out, rows, g)
        useful = np.flatnonzero(score > -np.inf)
        if useful.size == 0:
            break
        order = useful[np.argsort(-score[useful], kind="stable")]
        k = int(np.searchsorted(np.cumsum(gain[order]), excess, side="left"))
        take = order[: k + 1]
        new = pick[take]
        out[rows[take]] = np.where(new == n_levels, -1, new)
    if problem.target_excess(out) > 0:
        out[:] = -1  # the empty plan always meets the target
    return out
