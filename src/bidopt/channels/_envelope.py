"""S-shaped curves: branch and bound over their concave envelopes.

The water-filling solves the problem on each S-curve's concave envelope (the line from
the origin to its tangent point, then the curve): an upper bound on the optimum.
:func:`branch_and_bound` decides, channel by channel, the ones left on a straight
segment (off, or on the concave part of the curve), and :func:`consolidate_convex`
moves spend a rule forces into the convex part of S-curves onto one channel per group.
"""

from __future__ import annotations

import numpy as np

from bidopt._wording import counted
from bidopt.channels._curveset import CurveSet
from bidopt.channels._problem import SplitProblem, is_feasible, is_infeasible, restrict
from bidopt.channels._waterfill import WaterFilling
from bidopt.exceptions import InfeasibleError
from bidopt.typing import FloatArray

__all__ = ["MAX_NODES", "branch_and_bound", "consolidate_convex"]


#: Most nodes of the branch and bound over S-shaped channels (:func:`branch_and_bound`);
#: past it the split is the best found, and its message says so.
MAX_NODES = 256


def branch_and_bound(
    curves: CurveSet,
    problem: SplitProblem,
    x: FloatArray,
    offset: float,
    full: bool,
    incumbent: FloatArray | None = None,
) -> tuple[FloatArray, str]:
    """The split of S-shaped curves: branch and bound over their concave envelopes.

    ``x`` solves the problem on the envelopes (the line from the origin to each S-curve's
    tangent point, then the curve): an upper bound on the true optimum.  A channel
    that ends inside its envelope's straight segment (where the envelope overstates the
    curve) is branched on: either *off* (held at its minimum) or *on* (held on the
    concave part of its curve, from its inflection point on, where the envelope is the
    curve).  On the straight segments of a solution of the envelope problem at most one
    channel per binding constraint ends strictly inside; each node re-solves the
    envelope problem (exact: it is concave) with its channels so held, which bounds
    every split below it; a node whose envelope solution has no channel inside a
    segment is solved exactly on the true curves.  Every node's solution is feasible,
    evaluated on the true curves, and the best kept.  A channel whose best spend lies
    in the convex part of its curve (below the inflection point) is left to
    :func:`consolidate_convex` and the polish by SLSQP that follow (see
    :func:`solve`).  Says which channels were
    treated so and the gap to the envelope bound.  ``incumbent``: a feasible split found
    otherwise (SLSQP's), the best to beat from the start (fewer nodes)."""
    if not curves.any_s_shaped:
        return x, ""
    lo, hi = problem.lower, problem.upper
    on_lower = np.minimum(np.maximum(lo, curves.inflection), hi)
    root_bound = float(curves.envelope_value(x).sum() - offset * x.sum())
    best_x = x
    best_v = curves.objective(x, offset) if is_feasible(problem, x, full) else -np.inf
    if incumbent is not None and curves.objective(incumbent, offset) > best_v:
        best_x, best_v = incumbent, curves.objective(incumbent, offset)
    # a node: per channel -1 (undecided), 0 (off: at its minimum), 1 (on its concave part)
    # and its parent's bound; the last pushed is explored first
    state0 = np.where(curves.s_shaped, -1, 2).astype(np.int8)
    stack = _children(curves, lo, state0, x, curves, root_bound)
    nodes, complete = 1, True
    while stack:
        state, parent_bound = stack.pop()
        if parent_bound <= best_v + 1e-12 * max(abs(best_v), 1.0):
            continue  # nothing below can beat the best split found
        if nodes >= MAX_NODES:
            complete = False
            break
        nodes += 1
        found = _solve_node(curves, problem, offset, full, on_lower, state)
        if found is None:
            continue
        y, cs, bound = found
        value = curves.objective(y, offset)
        if value > best_v:
            best_x, best_v = y, value
        if bound > best_v + 1e-12 * max(abs(best_v), 1.0):
            stack.extend(_children(curves, lo, state, y, cs, bound))
    names = [problem.channels[i] for i in np.flatnonzero(curves.s_shaped)]
    how = "searched completely" if complete else f"stopped at {MAX_NODES} nodes"
    which = "channel" if len(names) == 1 else "channels"
    head = f" S-shaped {which} {names}: branch and bound over their concave envelopes "
    if root_bound < best_v - 1e-9 * max(abs(best_v), 1.0):
        # the envelope problem's answer is below a split found otherwise: it was not
        # the envelope's optimum, so it bounds nothing
        return best_x, (
            f"{head}({counted(nodes, 'node')}); its root solution ({root_bound:.6g}) fell below "
            f"the best split found ({best_v:.6g}), so no bound on the optimum is claimed."
        )
    gap = max(root_bound - best_v, 0.0) / max(abs(root_bound), 1e-300)
    return best_x, (
        f"{head}({counted(nodes, 'node')}, {how}); the best split is within {gap:.3g} (relative) "
        "of the envelope bound."
    )


def _children(
    curves: CurveSet,
    lo: FloatArray,
    state: np.ndarray,
    y: FloatArray,
    cs: CurveSet,
    bound: float,
) -> list[tuple[np.ndarray, float]]:
    """The two children of a node whose envelope solution is ``y`` (on the curve set
    ``cs`` of the node, bound ``bound``): the channel where the envelope overstates the
    true curve most, off and on; the side nearer the envelope's answer last (explored
    first).  Empty when the envelope is exact at ``y`` for every undecided channel
    (nothing below to try)."""
    # only channels not decided yet: one held off sits at its minimum, a constant (its
    # envelope's excess there shifts the node's bound, not its answer), and one held on
    # is on its concave part, where the envelope is the curve
    gap = np.where(cs.s_shaped & (state < 0), cs.envelope_value(y) - curves.value(y), 0.0)
    tol = 1e-12 * max(abs(bound), 1.0)
    if not (gap > tol).any():
        return []  # exact on the true curves: nothing below to try
    i = int(gap.argmax())
    children = []
    for side in (0, 1):
        child = state.copy()
        child[i] = side
        children.append((child, bound))
    if y[i] < 0.5 * max(float(curves.tangent[i]), lo[i]):
        children.reverse()
    return children


def _solve_node(
    curves: CurveSet,
    problem: SplitProblem,
    offset: float,
    full: bool,
    on_lower: FloatArray,
    state: np.ndarray,
) -> tuple[FloatArray, CurveSet, float] | None:
    """The envelope problem of a node (its channels off held at their minimum, those
    on at or above ``on_lower`` on their concave part): its split, curve set and bound
    (the envelope objective), or None when the node is infeasible."""
    lo, hi = problem.lower, problem.upper
    lower, upper = lo.copy(), hi.copy()
    off, on = state == 0, state == 1
    upper[off] = lo[off]
    lower[on] = on_lower[on]
    sub = restrict(problem, lower, upper)
    if is_infeasible(sub, full):
        return None
    cs = curves.with_concave_part(on)
    try:
        y = WaterFilling(cs, sub, offset).solve(full).x
    except (InfeasibleError, ValueError):
        return None
    if not np.all(np.isfinite(y)) or not is_feasible(problem, y, full):
        return None
    return y, cs, float(cs.envelope_value(y).sum() - offset * y.sum())


def consolidate_convex(
    curves: CurveSet, problem: SplitProblem, x: FloatArray, offset: float, full: bool
) -> FloatArray | None:
    """The best split with each group's spend in the convex part of its S-curves (below
    their inflection points, where the branches of :func:`branch_and_bound` do not reach:
    a share or bound can force such spend) moved onto a single S-shaped channel of the
    group; on a convex stretch the best split is at such a vertex.  Every S-shaped
    channel of the group is tried; None when no channel sits in a convex part or no
    move helps."""
    lo, hi = problem.lower, problem.upper
    eps = 1e-12 * max(problem.budget, 1.0)
    convex = curves.s_shaped & (x > lo + eps) & (x < curves.inflection - eps)
    if not convex.any():
        return None
    best, best_v = None, curves.objective(x, offset)
    for k in np.unique(problem.group_of[convex]).tolist():
        members = np.flatnonzero(convex & (problem.group_of == k))
        total = float((x[members] - lo[members]).sum())
        for j in np.flatnonzero(curves.s_shaped & (problem.group_of == k)).tolist():
            y = x.copy()
            y[members] = lo[members]
            y[j] += total
            if y[j] > hi[j] or not is_feasible(problem, y, full):
                continue
            value = curves.objective(y, offset)
            if value > best_v:
                best, best_v = y, value
    return best
