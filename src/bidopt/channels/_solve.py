"""One solve of a split problem by a method: the water-filling (with the branch and
bound for S-shaped curves) or a SciPy reference.  :func:`split_budget` and the reverse
questions (:mod:`bidopt.channels._target`) both call :func:`solve`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bidopt._wording import counted
from bidopt.channels._curveset import CurveSet
from bidopt.channels._envelope import branch_and_bound, consolidate_convex
from bidopt.channels._problem import SplitProblem
from bidopt.channels._reference import scipy_split
from bidopt.channels._waterfill import WaterFilling
from bidopt.exceptions import SolverError
from bidopt.typing import FloatArray

__all__ = ["Solved", "solve"]

#: SLSQP's options when it seeds or polishes the branch and bound.
_POLISH: dict[str, Any] = {"n_starts": 0, "maxiter": 500, "rng": 0}


@dataclass(frozen=True, slots=True)
class Solved:
    """A method's split.

    Attributes
    ----------
    x : ndarray of float64, shape (n_channels,)
        Spend per channel, yuan.
    shadow : dict of str to float
        The water-filling's shadow prices (empty for the other methods and for
        S-shaped curves: those are read from the KKT check of the split).
    nit : int
        Evaluations (water-filling) and iterations (SciPy) in all.
    message : str
    free_x : ndarray of float64 or None
        The split without the share rules, when asked for and found on the way.
    """

    x: FloatArray
    shadow: dict[str, float]
    nit: int
    message: str
    free_x: FloatArray | None = None


def _polished(
    curves: CurveSet, problem: SplitProblem, offset: float, full: bool, x: FloatArray
) -> tuple[FloatArray, int]:
    """SLSQP from ``x`` on the true curves (one start): its answer if better, else ``x``;
    and SLSQP's iterations."""
    try:
        w, n_more, _ = scipy_split(curves, problem, offset, full, "slsqp", _POLISH, [x], 1e-14)
    except SolverError:
        return x, 0
    better = curves.objective(w, offset) > curves.objective(x, offset)
    return (w if better else x), n_more


def solve(
    curves: CurveSet,
    problem: SplitProblem,
    offset: float,
    full: bool,
    method: str,
    opts: dict[str, Any],
    start: FloatArray | None = None,
    want_free: bool = False,
) -> Solved:
    """Solve ``problem`` by ``method`` with its options ``opts`` (see :func:`split_budget`).

    ``kkt`` on concave curves is the water-filling alone.  With S-shaped curves, SLSQP
    first (from the envelope's split and ``n_starts`` random starts): a good split to
    beat prunes the branch and bound; then a polish of its best on the true curves (a
    channel may end in the convex part of its curve, which the branches leave out),
    and the convex spend moved onto one channel per group, polished too."""
    if method != "kkt":
        x, nit, message = scipy_split(curves, problem, offset, full, method, opts)
        return Solved(x, {}, nit, message + ".")
    levels = WaterFilling(curves, problem, offset).solve(full, start, want_free)
    x, nit = levels.x, levels.evaluations
    message = "equal marginal ROI within groups (water-filling)."
    if not curves.any_s_shaped:
        return Solved(x, levels.shadow, nit, message, levels.free_x)
    n_starts = int(opts["n_starts"])
    slsqp = {"n_starts": n_starts, "maxiter": 500, "rng": opts["rng"]}
    y: FloatArray | None
    try:
        y, n_more, _ = scipy_split(curves, problem, offset, full, "slsqp", slsqp, [x], 1e-14)
    except SolverError:
        y, n_more = None, 0
    nit += n_more
    z, note = branch_and_bound(curves, problem, x, offset, full, y)
    if y is None or z is not y:
        z, n_more = _polished(curves, problem, offset, full, z)
        nit += n_more
    moved = consolidate_convex(curves, problem, z, offset, full)
    if moved is not None:
        moved, n_more = _polished(curves, problem, offset, full, moved)
        nit += n_more
        if curves.objective(moved, offset) > curves.objective(z, offset):
            z = moved
            note += " Spend in the convex part of S-curves moved onto one channel per group."
    note += f" SLSQP ({counted(n_starts, 'random start')}, and polishes) gave its best to beat."
    # the shadow prices of the branch's own bounds are not the problem's: they are read
    # from the KKT check of the returned split
    return Solved(z, {}, nit, message + note, levels.free_x)
