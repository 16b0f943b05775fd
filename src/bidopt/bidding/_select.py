"""Selecting hull increments under a budget: the LP threshold and an integral plan.

For a single budget the LP relaxation of the multiple-choice knapsack takes hull
increments in decreasing slope order until the budget runs out, the last one in part.
The threshold is found without a global sort: increments are bucketed by the leading bits
of their slope's IEEE-754 pattern (monotone for positive doubles, see ``Hull.bucket``),
the bucket that holds the budget's edge is found from the cumulative cost per bucket,
and only that bucket is refined on the next bits and finally sorted.
The integral plan rounds the partial increment down, then greedily fills what is left.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bidopt.bidding import _kernels, _kernels_fill
from bidopt.bidding._hull import SHIFT, Hull
from bidopt.typing import FloatArray, IntArray

__all__ = ["FILL_TOL", "Selection", "select"]


#: Relative distance to the LP bound below which a plan is not improved further (the
#: greedy fills, the other rounding, and ``fill_levels`` after them): the plan's certified
#: gap is then at most this: one in a million of the objective, far below what a bid
#: landscape can be known to (``benchmarks/results/bidding_speed_profile.md`` measures the
#: plans it changes, and by how much).
FILL_TOL = 1e-6
_FILL_ROUNDS = 64
_SORT_AT_MOST = 4096  # the edge of a selection is sorted exactly below this many items
_FILL_HEAD = 32  # the greedy fill sorts its steepest items this many first (then x2)
_REFINE_BITS = 7


@dataclass(frozen=True, slots=True)
class Selection:
    """Result of :func:`select`.

    Attributes
    ----------
    taken : ndarray of int64, shape (n_keywords,)
        Hull steps taken per keyword in the integral plan.
    lp_value : float
        Optimal value of the LP relaxation (an upper bound on the integral optimum).
    value, spend : float
        Value and cost of the integral plan.
    multiplier : float
        The budget's LP multiplier (value per extra yuan at the margin), 0 if the
        budget does not bind.
    n_fractional : int
        Increments the LP takes in part (0 or 1, or up to one per group with groups).
    """

    taken: IntArray
    lp_value: float
    value: float
    spend: float
    multiplier: float
    n_fractional: int


def _order(slope: FloatArray, dc: FloatArray) -> npt.NDArray[np.intp]:
    """Decreasing slope, then increasing cost (deterministic, content-based ties)."""
    order = np.argsort(-slope, kind="stable")
    ordered = slope[order]
    if ordered.size > 1 and (ordered[1:] == ordered[:-1]).any():
        return np.lexsort((dc, -slope))
    return order


def _greedy_fill(
    hull: Hull,
    taken: IntArray,
    remaining: float,
    group_of: IntArray | None = None,
    group_left: FloatArray | None = None,
    steps: tuple[FloatArray, FloatArray] | None = None,
) -> tuple[IntArray, float, float]:
    """Add keywords' next steps, best slope first, skipping those that do not fit.

    Only keywords whose next step fits the leftover can ever take one (the leftover
    only shrinks), so the pool is filtered once over all keywords; each round then
    walks its candidates in slope order (ties: the cheaper step, then the earlier in
    the pool; a step that does not fit is skipped), and the keywords that moved offer
    their following step in the next round, in the order they moved.  With group
    budgets a round takes at most one step per group, so the group caps stay exact.
    Without them the compiled kernel does the same
    (:func:`bidopt.bidding._kernels_fill.greedy_fill`; ``steps``, the kernel's
    :func:`~bidopt.bidding._kernels_fill.next_steps` of ``taken``, saves it a pass when
    the caller has them).  Returns the new ``taken`` (updated in place), the leftover
    and the value added.
    """
    grouped = group_left is not None and group_of is not None
    if _kernels.ENABLED and not grouped:
        left, added = _kernels_fill.greedy_fill(
            hull.tables, hull.n_steps, taken, remaining, _FILL_HEAD, _FILL_ROUNDS, steps
        )
        return taken, left, added
    added = 0.0
    pool = hull.affordable(taken, remaining)  # a first filter on the next step's cost alone
    for _ in range(_FILL_ROUNDS):
        pool = pool[taken[pool] < hull.n_steps[pool]]
        if pool.size == 0:
            break
        dc, dv, slope = hull.step(pool, taken[pool])
        fits = (dc <= remaining) & (slope > 0)
        if grouped:
            assert group_left is not None
            assert group_of is not None
            fits &= dc <= group_left[group_of[pool]]
        pool, dc, dv, slope = pool[fits], dc[fits], dv[fits], slope[fits]
        if pool.size == 0:
            break
        if grouped:
            assert group_left is not None
            assert group_of is not None
            order = _order(slope, dc)
            _, first = np.unique(group_of[pool[order]], return_index=True)
            order = order[np.sort(first)]
            picked, remaining = _take_in_order(order, dc, remaining)
        else:
            picked, remaining = _take_best_first(slope, dc, remaining)
        if picked.size == 0:
            break
        rows = pool
        taken[rows[picked]] += 1
        added += float(dv[picked].sum())
        if grouped:
            assert group_left is not None
            assert group_of is not None
            np.subtract.at(group_left, group_of[rows[picked]], dc[picked])
            # with caps, every keyword of the pool may still have a fitting step
            continue
        pool = rows[picked]  # only keywords that moved offer a new step
    return taken, remaining, added


def _take_in_order(
    order: npt.NDArray[np.intp], dc: FloatArray, remaining: float
) -> tuple[npt.NDArray[np.intp], float]:
    """Walk ``order``, taking every item whose cost fits what is left (a run of items
    that fit at once, then skip the first that does not).  Returns the items taken and
    what is left."""
    picked, remaining, cum = _walk(order, dc, remaining, 0.0)
    return picked, remaining - cum


def _walk(
    order: npt.NDArray[np.intp], dc: FloatArray, remaining: float, cum: float
) -> tuple[npt.NDArray[np.intp], float, float]:
    """:func:`_take_in_order` continuing a run whose items taken so far cost ``cum``
    (every item's cost at most ``remaining``).  The run left open at the end is not
    settled: returns ``(picked, remaining, cum)``, what is left being ``remaining -
    cum``, so that a walk split into pieces adds its costs as one walk does."""
    chosen: list[npt.NDArray[np.intp]] = []
    index = order
    while index.size:
        run = np.cumsum(np.concatenate(([cum], dc[index])))[1:]  # added one by one
        k = int(np.searchsorted(run, remaining, side="right"))
        if k:
            chosen.append(index[:k])
        if k == index.size:
            cum = float(run[-1])
            break
        remaining -= float(run[k - 1]) if k else cum
        cum = 0.0
        index = index[k + 1 :]  # skip the first step that does not fit
        index = index[dc[index] <= remaining]
    picked = np.concatenate(chosen) if chosen else np.zeros(0, dtype=np.intp)
    return picked, remaining, cum


def _take_best_first(
    slope: FloatArray, dc: FloatArray, remaining: float
) -> tuple[npt.NDArray[np.intp], float]:
    """:func:`_take_in_order` over all items in :func:`_order`, without sorting a big
    pool whole: the steepest ``_FILL_HEAD`` items and their ties (``partition``) are
    sorted and walked, then the steepest of those that still fit, twice as many each
    time, and so on.  The walk goes on across the pieces as one walk (:func:`_walk`),
    so the plan does not depend on where they are cut.  Items keep their input order
    within equal slopes and costs."""
    rest = np.arange(slope.size)
    parts: list[npt.NDArray[np.intp]] = []
    size, cum = _FILL_HEAD, 0.0
    while rest.size:
        if rest.size > size:
            kth = np.partition(slope[rest], rest.size - size)[rest.size - size]
            steep = slope[rest] >= kth
            head, rest = rest[steep], rest[~steep]
        else:
            head, rest = rest, rest[:0]
        head = head[_order(slope[head], dc[head])]
        picked, remaining, cum = _walk(head, dc, remaining, cum)
        parts.append(picked)
        rest = rest[dc[rest] <= remaining]
        size *= 2
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.intp), remaining - cum


def _edge(
    slope: FloatArray, dc: FloatArray, room: float, shift: int
) -> tuple[npt.NDArray[np.intp], int]:
    """Order of the items that share a bucket, and how many of them fit in ``room``.

    Items whose slopes share the bits above ``shift`` are refined on the next
    ``_REFINE_BITS`` bits while there are many of them, so only a small final bucket is
    sorted.  Returns ``(order, k)``: ``order[:k]`` fit, ``order[k]`` is the first that
    does not (``k < len(order)``, unless everything fits).
    """
    index = np.arange(slope.size)
    taken_parts: list[npt.NDArray[np.intp]] = []
    while index.size > _SORT_AT_MOST and shift > 0:
        shift = max(shift - _REFINE_BITS, 0)
        key = slope[index].view(np.int64) >> shift
        key = key - key.min()
        width = int(key.max()) + 1
        below = np.cumsum(np.bincount(key, weights=dc[index], minlength=width))
        total = float(below[-1])
        sub = int(np.searchsorted(below, total - room, side="left"))
        if sub >= width:
            break
        above = key > sub
        taken_parts.append(index[above][_order(slope[index[above]], dc[index[above]])])
        room -= total - float(below[sub])
        index = index[key == sub]
    order = index[_order(slope[index], dc[index])]
    fit = int(np.searchsorted(np.cumsum(dc[order]), room, side="right"))
    head = np.concatenate([*taken_parts, order]) if taken_parts else order
    return head, sum(p.size for p in taken_parts) + fit


def _threshold_histogram(
    hull: Hull, budget: float, around: list[tuple[FloatArray, ...]] | None = None
) -> tuple[IntArray, float, float, float, float, int, int]:
    """Full steps per keyword, their spend and value, the multiplier, the LP value,
    the number of partial steps and the keyword of the partial step (-1 if none).

    With the compiled kernels, a list ``around`` receives
    :func:`~bidopt.bidding._kernels_fill.steps_around` of the returned steps, computed
    in the pass that sums the plan's spend (left empty when that pass was not the last).
    """

    def totals(taken: IntArray) -> tuple[float, float]:
        if around is None or not _kernels.ENABLED:
            return hull.totals_after(taken)
        around[:] = [_kernels_fill.steps_around(hull.tables, hull.n_steps, taken)]
        return float(around[0][4].sum()), float(around[0][5].sum())

    # the cumulative cost over the buckets that hold steps (the others add zeros)
    lo, hi = hull.span
    below = np.cumsum(hull.bucket_cost[lo : hi + 1])
    total = float(below[-1])
    # the edge bucket: the highest b whose cost at or above b exceeds the budget,
    # i.e. total - below[b - 1] > budget
    edge = lo + int(np.searchsorted(below, total - budget, side="left"))
    if total <= budget or edge > hi:
        # the bucket sums say everything fits, the plan's spend (checked by the caller)
        # says not: round-off at the very top, settled on the lowest bucket's steps
        edge = lo
    spent_above = total - float(below[edge - lo])
    taken, rows, b_dc, b_dv, b_slope = hull.edge_steps(edge)
    order, k = _edge(b_slope, b_dc, budget - spent_above, SHIFT)
    # the histogram's sums are rounded differently from the plan's spend: settle the
    # edge on the real spend, taking further edge items while they fit and giving the
    # last ones back while the plan is over (items in slope order, so the LP's order)
    taken += np.bincount(rows[order[:k]], minlength=taken.size)
    spend, value_full = totals(taken)
    o_dc = b_dc[order]
    if spend > budget and k > 0:
        back = np.cumsum(o_dc[:k][::-1])
        j = min(int(np.searchsorted(back, spend - budget, side="left")) + 1, k)
        np.subtract.at(taken, rows[order[k - j : k]], 1)
        k -= j
        spend, value_full = totals(taken)
    if k < order.size and spend <= budget:
        more = int(np.searchsorted(np.cumsum(o_dc[k:]), budget - spend, side="right"))
        if more:
            np.add.at(taken, rows[order[k : k + more]], 1)
            k += more
            spend, value_full = totals(taken)
    # a step that fits only up to round-off (a budget at a breakpoint): ask the plan's
    # own sum, so that the breakpoint's plan is the LP's integral solution
    while k < order.size and abs(spend + float(o_dc[k]) - budget) <= 1e-12 * abs(budget):
        taken[rows[order[k]]] += 1
        trial, trial_value = totals(taken)
        if trial > budget:
            taken[rows[order[k]]] -= 1
            if around is not None:
                around.clear()  # its steps are those of the step taken back
            break
        spend, value_full = trial, trial_value
        k += 1
    if k >= order.size:  # the whole edge bucket fits: the LP edge is in a lower bucket
        lam = float(b_slope[order[-1]]) if order.size else 0.0
        lp_value = value_full + max(budget - spend, 0.0) * lam
        return taken, spend, value_full, lam, lp_value, 0, -1
    at = order[k]
    lam = float(b_slope[at])
    frac = (budget - spend) / float(b_dc[at]) if b_dc[at] > 0 else 0.0
    lp_value = value_full + min(max(frac, 0.0), 1.0) * float(b_dv[at])
    return taken, spend, value_full, lam, lp_value, 1, int(rows[at])


def _shed(hull: Hull, taken: IntArray, budget: float) -> tuple[IntArray, float, float, int]:
    """Give back last steps, least value per yuan first, until the plan's spend (as
    :meth:`Hull.totals_after` sums it) is within the budget; for round-off in the
    histogram's sums, which can put a budget a few ulps under a breakpoint on the
    breakpoint.  Returns ``(taken, spend, value, row)``, ``row`` the keyword that gave
    back last (the LP's partial step), -1 if none did."""
    spend, value = hull.totals_after(taken)
    row = -1
    while spend > budget:
        rows = np.flatnonzero(taken > 0)
        if rows.size == 0:
            break
        _, _, slope = hull.step(rows, taken[rows] - 1)
        row = int(rows[int(np.argmin(slope))])
        taken[row] -= 1
        spend, value = hull.totals_after(taken)
    return taken, spend, value, row


def _round_up_and_repair(
    hull: Hull,
    taken: IntArray,
    budget: float,
    spend: float,
    value: float,
    row: int,
    last: tuple[FloatArray, FloatArray] | None = None,
) -> tuple[IntArray, float, float] | None:
    """The other rounding: finish the partial step of keyword ``row``, then give back
    the cheapest-value last steps of other keywords (ties: the larger step, then the
    lower keyword) until the budget holds again.  ``last`` may pass the compiled
    kernels' last steps of ``taken`` (:func:`~bidopt.bidding._kernels_fill.steps_around`).

    Returns ``(taken, spend, value)`` or None when it cannot be repaired that way.
    """
    if row < 0 or taken[row] >= hull.n_steps[row]:
        return None
    dc_up, dv_up, _ = hull.step(np.array([row]), taken[row : row + 1])
    # <= 0 only by round-off (the threshold takes every step the plan's sum fits):
    # free at least a little
    excess = max(spend + float(dc_up[0]) - budget, 4 * float(np.spacing(abs(budget))))
    if _kernels.ENABLED:
        dropped = _kernels_fill.round_up_drops(hull.tables, taken, row, excess, last)
        if dropped is None:
            return None
    else:
        rows = np.flatnonzero(taken > 0)
        rows = rows[rows != row]
        if rows.size == 0:
            return None
        dc, _, slope = hull.step(rows, taken[rows] - 1)
        cheap = np.arange(rows.size)
        if rows.size > _SORT_AT_MOST:
            kth = np.partition(slope, _SORT_AT_MOST - 1)[_SORT_AT_MOST - 1]
            cheap = np.flatnonzero(slope <= kth)
            if dc[cheap].sum() < excess:
                cheap = np.arange(rows.size)
        order = cheap[np.lexsort((-dc[cheap], slope[cheap]))]
        freed = np.cumsum(dc[order])
        k = int(np.searchsorted(freed, excess, side="left"))
        if k >= order.size:
            return None
        dropped = rows[order[: k + 1]]
    dc, dv, _ = hull.step(dropped, taken[dropped] - 1)
    out = taken.copy()
    out[row] += 1
    out[dropped] -= 1
    new_spend = spend + float(dc_up[0]) - float(dc.sum())
    new_value = value + float(dv_up[0]) - float(dv.sum())
    return out, new_spend, new_value


def _flat_steps(hull: Hull) -> tuple[IntArray, FloatArray, FloatArray, FloatArray]:
    """Every real step: (row, slope, dc, dv), in row-major order."""
    parts = []
    for start, dc, dv, slope in hull.blocks():
        r, c = np.nonzero(slope > 0)
        parts.append((r + start, slope[r, c], dc[r, c], dv[r, c]))
    return (
        np.concatenate([p[0] for p in parts]),
        np.concatenate([p[1] for p in parts]),
        np.concatenate([p[2] for p in parts]),
        np.concatenate([p[3] for p in parts]),
    )


def _threshold_groups(
    hull: Hull, budget: float, group_of: IntArray, group_budget: FloatArray
) -> tuple[IntArray, float, float, float, int, FloatArray]:
    """Full steps with group caps then a global cap (laminar: greedy is LP-optimal)."""
    n = hull.shape[0]
    rows, slope, dc, dv = _flat_steps(hull)
    groups = group_of[rows]
    order = np.lexsort((dc, -slope, groups))
    rows, groups = rows[order], groups[order]
    slope, dc, dv = slope[order], dc[order], dv[order]
    cum = np.cumsum(dc)
    starts = np.r_[0, np.flatnonzero(np.diff(groups)) + 1] if groups.size else np.zeros(0, int)
    offset = np.r_[0.0, cum[starts[1:] - 1]] if starts.size else np.zeros(0)
    within = cum - np.repeat(offset, np.diff(np.r_[starts, groups.size]))
    cap = group_budget[groups]
    full = within <= cap
    before = within - dc
    partial = ~full & (before < cap)
    part_dc = np.where(partial, cap - before, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        part_dv = np.where(dc > 0, dv * part_dc / np.where(dc > 0, dc, 1.0), 0.0)
    # stage 2: global selection over whole steps within the caps and the partial pieces
    e_slope = np.r_[slope[full], slope[partial]]
    e_dc = np.r_[dc[full], part_dc[partial]]
    e_dv = np.r_[dv[full], part_dv[partial]]
    e_full = np.r_[np.ones(int(full.sum()), bool), np.zeros(int(partial.sum()), bool)]
    e_rows = np.r_[rows[full], rows[partial]]
    g_order = _order(e_slope, e_dc)
    e_slope, e_dc, e_dv = e_slope[g_order], e_dc[g_order], e_dv[g_order]
    e_full, e_rows = e_full[g_order], e_rows[g_order]
    g_cum = np.cumsum(e_dc)
    k = int(np.searchsorted(g_cum, budget, side="right"))
    lp_value = float(e_dv[:k].sum())
    n_frac = int((~e_full[:k]).sum())
    lam = 0.0
    if k < e_dc.size:
        lam = float(e_slope[k])
        before_k = float(g_cum[k - 1]) if k else 0.0
        if e_dc[k] > 0:
            lp_value += (budget - before_k) / float(e_dc[k]) * float(e_dv[k])
            n_frac += 1
    take = e_full[:k]
    taken = np.bincount(e_rows[:k][take], minlength=n).astype(np.int64)
    spend = float(e_dc[:k][take].sum())
    step_cost = np.bincount(e_rows[:k][take], weights=e_dc[:k][take], minlength=n)
    used = np.bincount(group_of, weights=step_cost, minlength=group_budget.size)
    return taken, spend, lam, lp_value, n_frac, group_budget - used


def select(
    hull: Hull,
    budget: float,
    *,
    group_of: IntArray | None = None,
    group_budget: FloatArray | None = None,
    fill_tol: float = FILL_TOL,
) -> Selection:
    """Solve the LP relaxation over the hulls and build an integral plan.

    Parameters
    ----------
    hull : Hull
    budget : float
        Total budget, yuan (>= 0).
    group_of : ndarray of int, shape (n_keywords,), optional
        Group code of each keyword, for per-group budgets.
    group_budget : ndarray of float64, shape (n_groups,), optional
        Budget of each group (``inf`` for none).
    fill_tol : float, default :data:`FILL_TOL`
        Skip the greedy fill when rounding down already loses less than this fraction
        of the LP value, and the other rounding when the fill does.
    """
    if group_of is None or group_budget is None:
        # compare the budget with the plan's own spend, summed as every plan's is (the
        # histogram's sum of step costs rounds differently: it only settles clear cases)
        lo, hi = hull.span
        histogram_total = float(hull.bucket_cost[lo : hi + 1].sum())
        if histogram_total <= budget * (1 + 1e-9):
            total_cost, total_value = hull.totals_after(hull.n_steps)
            if total_cost <= budget:
                taken = hull.n_steps.copy()
                return Selection(taken, total_value, total_value, total_cost, 0.0, 0)
        around: list[tuple[FloatArray, ...]] = []  # the compiled passes' steps of taken
        taken, spend, value, lam, lp_value, n_frac, row = _threshold_histogram(hull, budget, around)
        if spend > budget:
            taken, spend, value, row = _shed(hull, taken, budget)
            around.clear()
        if lp_value - value > fill_tol * lp_value:
            # the fill adds step costs one by one; keep clear of the budget by more
            # than the plan's own sum can round, so that the plan it builds fits
            cap = budget - 1e-12 * abs(budget)
            steps = last = None  # the compiled fills' first candidates, computed once
            if _kernels.ENABLED:  # (with the last steps, for the other rounding)
                if not around:
                    around.append(_kernels_fill.steps_around(hull.tables, hull.n_steps, taken))
                next_dc, next_dv, last_dc, last_slope = around[0][:4]
                steps, last = (next_dc, next_dv), (last_dc, last_slope)
            down = _greedy_fill(hull, taken.copy(), cap - spend, steps=steps)
            best = (down[0], cap - down[1], value + down[2])
            if lp_value - best[2] > fill_tol * lp_value:
                repaired = _round_up_and_repair(hull, taken, budget, spend, value, row, last)
                if repaired is not None:
                    if steps is not None:  # only the keywords the repair moved differ
                        moved = np.flatnonzero(repaired[0] != taken)
                        steps = _kernels_fill.next_steps(
                            hull.tables, hull.n_steps, repaired[0], moved, steps
                        )
                    up = _greedy_fill(hull, repaired[0], cap - repaired[1], steps=steps)
                    if repaired[2] + up[2] > best[2]:
                        best = (up[0], cap - up[1], repaired[2] + up[2])
            taken, spend, value = best
            if spend >= budget * (1 - 1e-12):  # close: check the plan's own sum
                taken, spend, value, _ = _shed(hull, taken, budget)
    else:
        taken, spend, lam, lp_value, n_frac, g_left = _threshold_groups(
            hull, budget, group_of, group_budget
        )
        taken = _greedy_fill(hull, taken, budget - spend, group_of, g_left.copy())[0]
        spend, value = hull.totals_after(taken)
    return Selection(taken, max(lp_value, value), value, spend, lam, n_frac)
