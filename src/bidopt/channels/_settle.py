"""The settling step: a split's group and budget sums made exact.

The root finders stop within a tolerance (or one Newton step short of it), and a
SciPy answer meets the sums only to its own tolerance.  :func:`settle` spreads what is
left along each channel's slope (:func:`spread`) and gives what that cannot place to
the channels with the most room (:func:`give`); :func:`fill_segments` places what falls
on an S-shaped channel's envelope line; :func:`repair` settles a SciPy answer.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from bidopt.channels._curveset import CurveSet
from bidopt.channels._problem import SplitProblem
from bidopt.typing import FloatArray, IntArray

__all__ = ["fill_segments", "give", "repair", "settle", "settle_free", "spread"]

#: ``np.add.reduce``: a sum without ``ndarray.sum``'s Python-level wrapper.
_add = np.add.reduce


def fill_segments(
    x: FloatArray,
    curves: CurveSet,
    problem: SplitProblem,
    spend_all: bool,
    mu: float,
    shadow: dict[str, float],
    target: FloatArray,
    clipped: IntArray,
    offset: float,
) -> None:
    """Place what the roots left over on the S-shaped channels' envelope lines.

    An S-shaped channel's envelope is a straight line on [0, t]: at the level of its
    slope its spend jumps from 0 to t, so a root (the budget's level, or a group's held
    at its share) can fall on the jump and leave part of the budget, or of the group's
    share, unplaced.  Each clipped group's gap goes to its channels on such lines, the
    budget's rest to those of the other groups, nearest their level first (the one
    whose jump the level straddles; at most one ends inside its line, the envelope
    problem's optimum).  ``x`` is changed in place (input order)."""
    names, group_of = problem.group_names, problem.group_of
    lo, hi = problem.lower, problem.upper
    budget = problem.budget
    on_line = curves.s_shaped & (x <= curves.tangent)
    if not on_line.any():
        return
    n_groups = len(names)
    sums = np.bincount(group_of, weights=x, minlength=n_groups)
    own = np.zeros(n_groups, dtype=bool)
    own[clipped] = True
    parts: list[tuple[IntArray, float, float]] = []
    placed = 0.0
    for k in clipped.tolist():
        gap = float(target[k] - sums[k])
        level = shadow.get("budget", mu) + shadow.get(f"group:{names[k]}", 0.0)
        parts.append((np.flatnonzero(on_line & (group_of == k)), gap, level))
        placed += gap
    spent = float(_add(x))
    rest = (budget if spend_all else spent) - spent - placed
    parts.append((np.flatnonzero(on_line & ~own[group_of]), rest, mu))
    for members, gap, level in parts:
        if abs(gap) <= 1e-9 * max(budget, 1.0) or members.size == 0:
            continue
        nearest = np.argsort(np.abs(curves.envelope_slope[members] - level - offset), kind="stable")
        for i in members[nearest].tolist():
            give = float(np.clip(gap, lo[i] - x[i], min(curves.tangent[i], hi[i]) - x[i]))
            x[i] += give
            gap -= give
            if gap == 0:
                break


def give(x: FloatArray, problem: SplitProblem, among: Any, gap: float) -> None:
    """Place ``gap`` yuan (added, or taken if negative) on the channels in the boolean
    mask ``among`` (every channel if None), those with the most room that way first,
    each within its bounds."""
    room = problem.upper - x if gap > 0 else x - problem.lower
    candidates = np.flatnonzero(among) if among is not None else np.arange(x.size)
    for i in candidates[np.argsort(-room[candidates], kind="stable")].tolist():
        step = min(abs(gap), float(room[i]))
        if step <= 0:
            break
        x[i] = min(max(x[i] + math.copysign(step, gap), problem.lower[i]), problem.upper[i])
        gap -= math.copysign(step, gap)
        if gap == 0:
            break


def spread(
    x: FloatArray, problem: SplitProblem, part: IntArray, gap: list[float], weight: FloatArray
) -> list[float]:
    """Add ``gap[p]`` yuan to the channels of each part ``p`` (``part``: the part of each
    channel) in proportion to ``weight`` (each channel's spend per unit of level: a
    last Newton step), within the channels' bounds.  Returns what is left per part: the
    whole gap where no channel has weight, and what the bounds cut off.  (The few parts
    are handled on Python floats, the channels in numpy.)"""
    w_sum = np.bincount(part, weights=weight, minlength=len(gap)).tolist()
    step = [g / w if w > 0 else 0.0 for g, w in zip(gap, w_sum, strict=True)]
    left = [0.0 if w > 0 else g for g, w in zip(gap, w_sum, strict=True)]
    moved = x + weight * np.array(step)[part]
    y = np.minimum(np.maximum(moved, problem.lower), problem.upper)
    x[:] = y
    if np.not_equal(y, moved).any():
        cut = np.bincount(part, weights=moved - y, minlength=len(gap)).tolist()
        left = [a + b for a, b in zip(left, cut, strict=True)]
    return left


def settle_free(x: FloatArray, problem: SplitProblem, weight: FloatArray) -> FloatArray:
    """:func:`settle` for the split without share rules (one part: every channel);
    ``x`` is changed in place and returned."""
    one_part = np.zeros(x.size, dtype=np.int64)
    gap = spread(x, problem, one_part, [problem.budget - float(_add(x))], weight)[0]
    if gap != 0:
        give(x, problem, None, gap)
    return x


def settle(
    x: FloatArray,
    problem: SplitProblem,
    target: FloatArray,
    full: bool,
    weight: FloatArray | None = None,
    rounds: int = 1,
) -> None:
    """Make group and budget sums exact (to rounding): the root finders stop within a
    tolerance (or one Newton step short of it).  A group's leftover (the free groups'
    together for the budget's) is spread along ``weight`` (see :func:`spread`), again
    (up to ``rounds`` times) over the channels the bounds did not stop, and what that
    cannot place goes to the channel with the most room in its group."""
    group_of, shared = problem.group_of, problem.shared
    n_groups = len(problem.group_names)
    sums = np.bincount(group_of, weights=x, minlength=n_groups).tolist()
    rules = shared.tolist()
    # parts: each group with a share rule, and (code n_groups) the free groups together
    gap = [t - v if rule else 0.0 for t, v, rule in zip(target.tolist(), sums, rules, strict=True)]
    if full and problem.n_shared < n_groups:
        ruled = sum(t for t, rule in zip(target.tolist(), rules, strict=True) if rule)
        rest = sum(v for v, rule in zip(sums, rules, strict=True) if not rule)
        gap.append(problem.budget - ruled - rest)
    else:
        gap.append(0.0)
    if weight is not None:
        part = np.where(shared[group_of], group_of, n_groups)
        for _ in range(rounds):
            gap = spread(x, problem, part, gap, weight)
            if not any(gap):
                break
            up = np.array(gap)[part] > 0  # each channel's way, with room left that way
            room = np.where(up, problem.upper - x, x - problem.lower)
            weight = np.where(room > 0, weight, 0.0)
    if not any(gap):
        return
    for k, amount in enumerate(gap):
        if amount:
            among = ~shared[group_of] if k == n_groups else group_of == k
            give(x, problem, among, amount)


def repair(
    x: FloatArray, problem: SplitProblem, full: bool, proportional: bool = False
) -> FloatArray:
    """``x`` (within the channel bounds) with its group and budget sums made exact: a
    scipy answer meets them only to its own tolerance (about 1e-6 of the budget).
    Each group's sum moves to the nearest its limits allow; the gap goes to the
    channels with the most room, or with ``proportional`` is spread in proportion to
    ``x`` (each group scaled by one factor, the channels stopped by their bounds left
    out; the smallest relative change), the channels with the most room taking what
    that cannot place."""
    x = np.minimum(np.maximum(x, problem.lower), problem.upper)
    g = np.bincount(problem.group_of, weights=x, minlength=len(problem.group_names))
    target = np.minimum(np.maximum(g, problem.group_lower), problem.group_upper)
    spend_all = full or float(x.sum()) > problem.budget
    if proportional:
        settle(x, problem, target, spend_all, weight=x.copy(), rounds=x.size)
    else:
        settle(x, problem, target, spend_all)
    return x
