"""``_select.select`` (no group budgets) step by step over the partitions of a cluster
solve: the LP threshold from the partitions' slope histograms, the greedy fills and the
other rounding, each in the in-process order (see :mod:`bidopt.bidding._distributed`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bidopt.bidding._cluster_shards import _ROUND_OFF, _TIE, Shards
from bidopt.bidding._hull import N_BUCKETS, SHIFT
from bidopt.bidding._select import _REFINE_BITS, _SORT_AT_MOST, _order, _take_best_first
from bidopt.bidding._shard import _COARSE
from bidopt.bidding._solvers import _FILL_TOL
from bidopt.exceptions import SolverError
from bidopt.typing import IntArray

__all__ = ["Sel", "select_on"]

_FILL_ROUNDS = 64


@dataclass(frozen=True, slots=True)
class Sel:
    lp_value: float
    value: float
    spend: float
    multiplier: float


def _threshold(s: Shards, slot: str, budget: float) -> tuple[float, float, float, float, int]:
    """``_threshold_histogram``: (spend, value, multiplier, LP value, partial row)."""
    # the histogram in two rounds: coarse buckets, then the fine ones of the coarse edge
    coarse = s.coarse
    below_c = np.cumsum(coarse)
    total = float(below_c[-1])
    width = N_BUCKETS // _COARSE
    ce = int(np.searchsorted(below_c, total - budget, side="left"))
    if total <= budget or ce >= _COARSE:
        ce = int(np.flatnonzero(coarse)[0])
        edge = ce * width + int(np.flatnonzero(s.fine(ce))[0])
        spent_above = total - (float(below_c[ce - 1]) if ce else 0.0)
    else:
        fine = s.fine(ce)
        below = (float(below_c[ce - 1]) if ce else 0.0) + np.cumsum(fine)
        # the fine sums can end a few ulps below the coarse ones (a budget within
        # round-off of 0): the edge is then the coarse bucket's top bucket with steps
        top = int(np.flatnonzero(fine)[-1]) if fine.any() else width - 1
        e = min(int(np.searchsorted(below, total - budget, side="left")), top)
        edge = ce * width + e
        spent_above = total - float(below[e])
    count = sum(s.all("edge_start", slot, edge))
    room = budget - spent_above
    # ``_edge``: refine the edge bucket on the next bits while it holds many items
    shift = SHIFT
    while count > _SORT_AT_MOST and shift > 0:
        shift = max(shift - _REFINE_BITS, 0)
        parts = s.all("refine", shift)
        keys = np.concatenate([k for k, _ in parts])
        weights = np.concatenate([w for _, w in parts])
        kmin = int(keys.min())
        width = int(keys.max()) - kmin + 1
        sub_below = np.cumsum(np.bincount(keys - kmin, weights=weights, minlength=width))
        sub_total = float(sub_below[-1])
        sub = int(np.searchsorted(sub_below, sub_total - room, side="left"))
        if sub >= width:
            break
        count = sum(s.all("narrow", slot, shift, kmin + sub))
        room -= sub_total - float(sub_below[sub])
    items = s.all("edge_items")
    rows = np.concatenate([p[0] for p in items])
    dc, dv, slope = (np.concatenate([p[i] for p in items]) for i in (1, 2, 3))
    order = _order(slope, dc)
    o_dc = dc[order]
    k = int(np.searchsorted(np.cumsum(o_dc), room, side="right"))
    s.add(slot, rows[order[:k]], 1)
    spend, value = s.totals(slot, budget)
    if spend > budget and k > 0:
        back = np.cumsum(o_dc[:k][::-1])
        j = int(np.searchsorted(back, spend - budget, side="left")) + 1
        if j > k:
            raise SolverError(
                "The distributed threshold would give back steps above the edge bucket "
                f"(a budget within round-off of a breakpoint: spend {spend!r}, budget "
                f"{budget!r}); solve this problem in one process."
            )
        s.add(slot, rows[order[k - j : k]], -1)
        k -= j
        spend, value = s.totals(slot, budget)
    if k < order.size and spend <= budget:
        more = int(np.searchsorted(np.cumsum(o_dc[k:]), budget - spend, side="right"))
        if more:
            s.add(slot, rows[order[k : k + more]], 1)
            k += more
            spend, value = s.totals(slot, budget)
    while k < order.size and abs(spend + float(o_dc[k]) - budget) <= 1e-12 * abs(budget):
        s.add(slot, rows[order[k : k + 1]], 1)
        trial, trial_value = s.totals(slot, budget)
        if trial > budget:
            s.add(slot, rows[order[k : k + 1]], -1)
            break
        spend, value = trial, trial_value
        k += 1
    if k >= order.size:
        lam = float(slope[order[-1]]) if order.size else 0.0
        return spend, value, lam, value + max(budget - spend, 0.0) * lam, -1
    at = order[k]
    lam = float(slope[at])
    frac = (budget - spend) / float(dc[at]) if dc[at] > 0 else 0.0
    return spend, value, lam, value + min(max(frac, 0.0), 1.0) * float(dv[at]), int(rows[at])


def _shed(s: Shards, slot: str, budget: float) -> tuple[float, float, int]:
    """``_select._shed``: give back the flattest last step until the budget holds."""
    spend, value = s.totals(slot, budget)
    row = -1
    while spend > budget:
        found = [f for f in s.all("flattest", slot) if f is not None]
        if not found:
            break
        _, row = min(found)  # least slope, then lowest row (np.argmin's first)
        s.add(slot, np.array([row]), -1)
        spend, value = s.totals(slot, budget)
    return spend, value, row


def _greedy_fill(s: Shards, slot: str, remaining: float) -> tuple[float, float]:
    """``_select._greedy_fill`` (no groups), the candidates walked in the same order.

    Returns ``(remaining, value added)``.
    """
    added = 0.0
    s.all("pool_start", slot, remaining)
    walk: IntArray | None = None  # shard of each pool item, in the pool's order
    for _ in range(_FILL_ROUNDS):
        parts = s.all("pool_steps", slot, remaining)
        sizes = np.array([p[0].size for p in parts])
        if sizes.sum() == 0:
            break
        dc, dv, slope = (np.concatenate([p[i] for p in parts]) for i in range(3))
        shard = np.repeat(np.arange(sizes.size), sizes)
        if walk is not None:  # put the shards' items back in the order of the last walk
            fits = np.concatenate([p[3] for p in parts])
            perm = np.argsort(walk, kind="stable")  # concatenated position -> walk position
            at_walk = np.empty(perm.size, dtype=np.int64)
            at_walk[perm] = np.arange(perm.size)
            kept = np.cumsum(fits) - 1  # position among the kept items, concatenated
            keep_walk = np.flatnonzero(fits[at_walk])
            index = kept[at_walk[keep_walk]]
            dc, dv, slope, shard = dc[index], dv[index], slope[index], shard[index]
            local = index - np.repeat(np.concatenate([[0], np.cumsum(sizes)[:-1]]), sizes)[index]
        else:
            local = np.arange(shard.size) - np.repeat(
                np.concatenate([[0], np.cumsum(sizes)[:-1]]), sizes
            )
        chosen, remaining = _take_best_first(slope, dc, remaining)
        if chosen.size == 0:
            break
        added += float(dv[chosen].sum())
        walk = shard[chosen]
        s.each("pool_take", [(slot, local[chosen][walk == i]) for i in range(sizes.size)])
    return remaining, added


def _round_up_and_repair(
    s: Shards, slot: str, budget: float, spend: float, value: float, row: int
) -> tuple[float, float, float, float] | None:
    """``_select._round_up_and_repair`` into slot ``"rep"``: (spend, value, the value
    of the step rounded up, the value of the steps given back) or None."""
    if row < 0:
        return None
    owner = s.owner(row)
    ok, dc_up, dv_up = s.one(owner, "next_step", slot, row)
    if not ok:
        return None
    excess = max(spend + dc_up - budget, 4 * float(np.spacing(abs(budget))))
    parts = s.per_group("flattest", slot, row, _SORT_AT_MOST)
    n = sum(p[0] for p in parts)
    if n == 0:
        return None
    rows, dc, dv, slope = (np.concatenate([p[i] for p in parts]) for i in (1, 2, 3, 4))
    if n > _SORT_AT_MOST:  # the flattest and their ties, as in process; else all
        kth = float(np.partition(slope, _SORT_AT_MOST - 1)[_SORT_AT_MOST - 1])
        parts = s.per_group("flattest", slot, row, None, kth)
        rows, dc, dv, slope = (np.concatenate([p[i] for p in parts]) for i in (1, 2, 3, 4))
        if dc.sum() < excess:
            parts = s.per_group("flattest", slot, row, None)
            rows, dc, dv, slope = (np.concatenate([p[i] for p in parts]) for i in (1, 2, 3, 4))
    # least value per yuan, then the larger step, then the lower keyword (the groups'
    # rows come worker by worker, not in keyword order)
    order = np.lexsort((rows, -dc, slope))
    freed = np.cumsum(dc[order])
    if (np.abs(freed - excess) <= _ROUND_OFF * abs(budget)).any():
        # a step frees the excess up to round-off (a budget on a breakpoint): the excess
        # from the plan's own spend, as in process (the shards' sums round differently)
        spend = s.own_cost(slot, levels=False)
        excess = max(spend + dc_up - budget, 4 * float(np.spacing(abs(budget))))
    k = int(np.searchsorted(freed, excess, side="left"))
    if k >= order.size:
        return None
    drop = order[: k + 1]
    s.all("copy", slot, "rep")
    s.add("rep", np.array([row]), 1)
    s.add("rep", rows[drop], -1)
    dv_drop = float(dv[drop].sum())
    return spend + dc_up - float(dc[drop].sum()), value + dv_up - dv_drop, dv_up, dv_drop


def select_on(s: Shards, slot: str, budget: float, fill_tol: float = _FILL_TOL) -> Sel:
    """``_select.select`` without group budgets; the plan's steps in ``slot``."""
    if float(s.coarse.sum()) <= budget * (1 + 1e-9):
        parts = s.all("set_all", slot)
        total_cost, total_value = sum(p[0] for p in parts), sum(p[1] for p in parts)
        total_cost = s.settled(total_cost, budget, slot, levels=False)
        if total_cost <= budget:
            return Sel(total_value, total_value, total_cost, 0.0)
    spend, value, lam, lp_value, row = _threshold(s, slot, budget)
    if spend > budget:
        spend, value, row = _shed(s, slot, budget)
    if lp_value - value > fill_tol * lp_value:
        cap = budget - 1e-12 * abs(budget)
        s.all("copy", slot, "down")
        left, added_down = _greedy_fill(s, "down", cap - spend)
        best = ("down", cap - left, value + added_down)
        if lp_value - best[2] > fill_tol * lp_value:
            repaired = _round_up_and_repair(s, slot, budget, spend, value, row)
            if repaired is not None:
                left, added = _greedy_fill(s, "rep", cap - repaired[0])
                up, down = repaired[1] + added, best[2]
                if abs(up - down) <= _TIE * max(abs(up), abs(down)):
                    # equal up to round-off: the two plans' values from the plan's own
                    # value before the fills, with the in-process arithmetic
                    own = s.own_value(slot, levels=False)
                    up, down = own + repaired[2] - repaired[3] + added, own + added_down
                if up > down:
                    best = ("rep", cap - left, repaired[1] + added)
        s.all("copy", best[0], slot)
        spend, value = best[1], best[2]
        if spend >= budget * (1 - 1e-12):
            spend, value, _ = _shed(s, slot, budget)
    return Sel(max(lp_value, value), value, spend, lam)
