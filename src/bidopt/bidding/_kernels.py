"""Compiled row loops for the hull and the LP threshold (optional: numba).

Each kernel does in one pass over the rows what the vectorised numpy code in
:mod:`bidopt.bidding._hull` and :mod:`bidopt.bidding._select` does with many whole-array
passes; the numpy code stays the fallback and the reference the kernels are tested
against.  The kernels are used when numba is installed (``pip install bidopt[fast]``)
and :data:`ENABLED` is true; set the environment variable ``BIDOPT_NUMBA=0`` before
importing bidopt (or ``bidopt.bidding._kernels.ENABLED = False`` at run time) to force
the numpy path.  Kernels are compiled on first use and cached on disk (``cache=True``).

The hull kernel is the exact reference's algorithm in floating point: a monotone chain
over each row's candidate points (allowed, and worth more than the origin and every
allowed point before them), a point on or under the chord of its neighbours
(``cross >= 0``) dropped.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
from functools import partial
from typing import Any

import numpy as np

import bidopt.bidding._kernels_exact as _kernels_exact
from bidopt.bidding import _threads
from bidopt.typing import BoolArray, FloatArray, IntArray

__all__ = [
    "AVAILABLE",
    "ENABLED",
    "edge_steps",
    "fill_pool",
    "gather_levels",
    "hull_rows",
    "level_after",
    "step",
    "totals_after",
    "vertex_level",
]

#: numba is installed (found without importing it: numba is imported, and the kernels
#: compiled or loaded from the disk cache, on the first kernel call, so importing
#: bidopt does not pay for it).
AVAILABLE = importlib.util.find_spec("numba") is not None
#: Use the compiled kernels (numba installed and ``BIDOPT_NUMBA`` not ``0``).
ENABLED = AVAILABLE and os.environ.get("BIDOPT_NUMBA", "1") != "0"

#: The kernels' Python functions, in definition order (callees before callers), from
#: this module and the others that register theirs (:mod:`bidopt.bidding._kernels_fill`).
_PYTHON: dict[str, Any] = {}
_compiled: set[str] = set()


def _jit(function: Any) -> Any:
    """Register ``function`` to be compiled by :func:`_compile` (returned unchanged)."""
    _PYTHON[f"{function.__module__}.{function.__name__}"] = function
    return function


def _compile() -> None:
    """Replace every registered kernel by its numba dispatcher in its own module, once.

    Kernels call each other through module globals, which numba resolves when a caller is
    first compiled, so all of them are swapped before any runs.
    """
    if len(_compiled) == len(_PYTHON):
        return
    numba = importlib.import_module("numba")
    jit = numba.njit(cache=True, nogil=True, error_model="numpy")
    for key, function in _PYTHON.items():
        if key not in _compiled:
            function.__globals__[function.__name__] = jit(function)
            _compiled.add(key)


# the exact orientation test (plain functions in their own module, compiled here)
for _function in (
    _kernels_exact.two_sum,
    _kernels_exact.two_product,
    _kernels_exact.exact_cross_sign,
    _kernels_exact.exact_products_sign,
    _kernels_exact.orient_adapt,
):
    _jit(_function)


@_jit
def _hull_rows(
    c: Any,
    v: Any,
    allowed: Any,
    shift: int,
    bucket: Any,
    bucket_cost: Any,
    first: Any,
    n_steps: Any,
    odd_pos: Any,
    unsure: Any,
    table: Any,
    span: Any,
    offset: int,
) -> int:  # pragma: no cover - compiled
    n, width = c.shape
    n_unsure = 0
    lo = bucket_cost.size
    hi = -1
    sc = np.zeros(width + 1)
    sv = np.zeros(width + 1)
    sl = np.zeros(width + 1, np.int64)
    cell = np.zeros(1)
    bits = cell.view(np.int64)
    for r in range(n):
        # the stack is sc/sv/sl[0..top] (0: the origin); its top two points are also
        # kept in registers, (ct, vt) and (cp, vp), off the loop's dependency chain
        top = 0
        ct = vt = cp = vp = 0.0
        doubt = False
        for j in range(width):
            bucket[r, j] = 0
            # None: numba compiles a version without the test (a runtime flag cost
            # every point a test and kept the loop from being simplified)
            if allowed is not None and not allowed[r, j]:
                continue
            vj = v[r, j]
            if not vj > vt:  # costs no less, worth no more: dominated
                continue
            cj = c[r, j]
            while top >= 1:
                # the cross product's sign, exact (>= 0: the top is on or under the chord):
                # decided in floating point beyond its error bound, else adaptively
                p = (ct - cp) * (vj - vp)
                q = (vt - vp) * (cj - cp)
                if abs(p - q) > _kernels_exact.ERRBOUND_A * (abs(p) + abs(q)):
                    if p < q:
                        break
                else:  # rounding may decide it: exactly, on grids without the
                    # adaptive stages' setup
                    sign = _kernels_exact.exact_products_sign(ct, vt, cp, vp, cj, vj)
                    if sign == 3:
                        sign = _kernels_exact.orient_adapt(ct, vt, cp, vp, cj, vj, p, q)
                    if sign == 2:  # beyond the exact arithmetic's range: numpy redoes it
                        doubt = True
                    if sign < 0:
                        break
                top -= 1
                ct, vt = cp, vp
                if top >= 1:
                    cp = sc[top - 1]
                    vp = sv[top - 1]
            top += 1
            sc[top] = cj
            sv[top] = vj
            sl[top] = j
            cp, vp, ct, vt = ct, vt, cj, vj
        unsure[r] = doubt
        n_unsure += doubt
        n_steps[r] = top
        first[r] = 0
        odd_pos[r] = -1
        if top == 0 or doubt:
            continue
        if sl[top] - sl[1] == top - 1:
            first[r] = sl[1]
        else:
            odd_pos[r] = offset + r  # the table has a row per keyword
            for i in range(width):
                table[r, i] = sl[min(i + 1, top)]
        for i in range(1, top + 1):
            dc = sc[i] - sc[i - 1]
            cell[0] = (sv[i] - sv[i - 1]) / dc
            key = bits[0] >> shift
            if key < 1:
                key = 1
            bucket[r, sl[i]] = key
            bucket_cost[key] += dc
            if dc != 0.0:  # a bucket of free steps alone stays empty
                lo = min(lo, key)
                hi = max(hi, key)
    span[0] = lo
    span[1] = max(hi, lo - 1)
    return n_unsure


def hull_rows(
    cost: FloatArray, value: FloatArray, allowed: BoolArray | None, shift: int, n_buckets: int
) -> tuple[Any, FloatArray, IntArray, IntArray, Any, BoolArray, int, Any, tuple[int, int]]:
    """Hull of every row: ``(bucket, bucket_cost, first, n_steps, odd_pos, unsure,
    n_unsure, table, span)``.

    ``bucket`` (uint16, shape of ``cost``) holds each step's slope bucket at its vertex
    level (0 elsewhere); ``bucket_cost`` the total step cost per bucket; ``first`` the
    first vertex level of rows whose vertices are consecutive levels (0 for the others);
    ``odd_pos`` (int32) is the row itself for the rows whose vertices are not
    consecutive ("odd"), -1 for the others, and ``table`` (int16, shape of ``cost``)
    holds the odd rows' vertex levels, the last repeated (its other rows are not
    written); ``unsure`` marks the ``n_unsure`` rows where rounding could have decided
    a vertex (near-collinear points beyond the exact test's range): their ``bucket`` row
    and ``bucket_cost`` share are left out, for the caller to compute another way;
    ``span`` is the first and last non-zero bucket of ``bucket_cost`` (``(n_buckets,
    n_buckets - 1)`` when all are zero), where the LP threshold's search starts.
    """
    _compile()
    n, width = cost.shape
    bucket = np.empty((n, width), dtype=np.uint16)
    first = np.empty(n, dtype=np.int64)
    n_steps = np.empty(n, dtype=np.int64)
    odd_pos = np.empty(n, dtype=np.int32)
    unsure = np.empty(n, dtype=np.bool_)
    table = np.empty((n, width), dtype=np.int16)  # only odd rows' pages get touched
    mask = None if allowed is None else np.ascontiguousarray(allowed, np.bool_)

    def chunk(start: int, stop: int) -> tuple[int, FloatArray, tuple[int, int]]:
        part = slice(start, stop)
        totals = np.zeros(n_buckets)
        span = np.empty(2, dtype=np.int64)
        n_unsure = _hull_rows(
            cost[part],
            value[part],
            None if mask is None else mask[part],
            shift,
            bucket[part],
            totals,
            first[part],
            n_steps[part],
            odd_pos[part],
            unsure[part],
            table[part],
            span,
            start,
        )
        return int(n_unsure), totals, (int(span[0]), int(span[1]))

    parts = _threads.run([partial(chunk, start, stop) for start, stop in _threads.chunks(n, width)])
    n_unsure, bucket_cost, (lo, hi) = parts[0]
    if lo > hi:  # no step in the first chunk: (n_buckets, n_buckets - 1)
        hi = -1
    for more, totals, (a, b) in parts[1:]:  # in chunk order: the same sums on any machine
        n_unsure += more
        if a <= b:  # (a chunk without a step has a > b)
            bucket_cost[a : b + 1] += totals[a : b + 1]
            lo, hi = min(lo, a), max(hi, b)
    out = (bucket, bucket_cost, first, n_steps, odd_pos, unsure, n_unsure, table)
    return (*out, (lo, max(hi, lo - 1)))


@_jit
def _edge_rows(bucket: Any, edge: int, taken: Any, counts: Any) -> int:  # pragma: no cover
    n, width = bucket.shape
    total = 0
    for r in range(n):
        above = 0
        at = 0
        for j in range(width):
            b = bucket[r, j]
            if b > edge:
                above += 1
            elif b == edge:
                at += 1
        taken[r] = above
        counts[r] = at
        total += at
    return total


@_jit
def _edge_steps(
    first: Any,
    odd_pos: Any,
    odd_level: Any,
    cost: Any,
    value: Any,
    taken: Any,
    counts: Any,
    rows: Any,
    dc: Any,
    dv: Any,
    slope: Any,
) -> int:  # pragma: no cover - compiled
    m = 0
    for r in range(taken.size):
        pos = odd_pos[r]
        for k in range(taken[r], taken[r] + counts[r]):  # as _step computes step k
            l1 = first[r] + k if pos < 0 else odd_level[pos, k]
            c0 = 0.0
            v0 = 0.0
            if k > 0:
                l0 = first[r] + k - 1 if pos < 0 else odd_level[pos, k - 1]
                c0 = cost[r, l0]
                v0 = value[r, l0]
            d = cost[r, l1] - c0
            e = value[r, l1] - v0
            s = e / d
            if s > 0:  # steps that add nothing are left out
                rows[m] = r
                dc[m] = d
                dv[m] = e
                slope[m] = s
                m += 1
    return m


def edge_steps(
    bucket: Any,
    edge: int,
    first: IntArray,
    odd_pos: Any,
    odd_level: Any,
    cost: FloatArray,
    value: FloatArray,
) -> tuple[IntArray, IntArray, FloatArray, FloatArray, FloatArray]:
    """:meth:`Hull.edge_steps <bidopt.bidding._hull.Hull.edge_steps>` for ``edge >= 1``
    in two passes: ``(taken, rows, dc, dv, slope)``."""
    _compile()
    n = bucket.shape[0]
    taken = np.empty(n, dtype=np.int64)
    counts = np.empty(n, dtype=np.int64)
    total = _edge_rows(bucket, edge, taken, counts)
    rows = np.empty(total, dtype=np.int64)
    dc, dv, slope = np.empty(total), np.empty(total), np.empty(total)
    m = _edge_steps(first, odd_pos, odd_level, cost, value, taken, counts, rows, dc, dv, slope)
    return taken, rows[:m], dc[:m], dv[:m], slope[:m]


@_jit
def _vertex_level(
    first: Any, odd_pos: Any, odd_level: Any, rows: Any, index: Any, out: Any
) -> None:  # pragma: no cover - compiled
    for i in range(rows.size):
        r = rows[i]
        pos = odd_pos[r]
        out[i] = first[r] + index[i] if pos < 0 else odd_level[pos, index[i]]


def vertex_level(
    first: IntArray, odd_pos: Any, odd_level: Any, rows: IntArray, index: IntArray
) -> IntArray:
    """:meth:`Hull.vertex_level <bidopt.bidding._hull.Hull.vertex_level>` in one pass."""
    _compile()
    out = np.empty(rows.size, dtype=np.int64)
    _vertex_level(first, odd_pos, odd_level, rows, index, out)
    return out


@_jit
def _level_after(
    first: Any, odd_pos: Any, odd_level: Any, taken: Any, out: Any
) -> None:  # pragma: no cover - compiled
    for r in range(taken.size):
        k = taken[r]
        pos = odd_pos[r]
        if k <= 0:
            out[r] = -1
        elif pos < 0:
            out[r] = first[r] + k - 1
        else:
            out[r] = odd_level[pos, k - 1]


def level_after(first: IntArray, odd_pos: Any, odd_level: Any, taken: IntArray) -> IntArray:
    """:meth:`Hull.level_after <bidopt.bidding._hull.Hull.level_after>` in one pass."""
    _compile()
    out = np.empty(taken.size, dtype=np.int64)
    _level_after(first, odd_pos, odd_level, np.ascontiguousarray(taken, dtype=np.int64), out)
    return out


@_jit
def _step(
    first: Any,
    odd_pos: Any,
    odd_level: Any,
    cost: Any,
    value: Any,
    rows: Any,
    index: Any,
    with_value: bool,
    dc: Any,
    dv: Any,
    slope: Any,
) -> None:  # pragma: no cover - compiled
    for i in range(rows.size):
        r = rows[i]
        k = index[i]
        pos = odd_pos[r]
        l1 = first[r] + k if pos < 0 else odd_level[pos, k]
        c0 = 0.0
        v0 = 0.0
        if k > 0:
            l0 = first[r] + k - 1 if pos < 0 else odd_level[pos, k - 1]
            c0 = cost[r, l0]
            v0 = value[r, l0]
        dc[i] = cost[r, l1] - c0
        if with_value:
            dv[i] = value[r, l1] - v0
            s = dv[i] / dc[i]
            slope[i] = s if s > 0 else 0.0


def step(
    first: IntArray,
    odd_pos: Any,
    odd_level: Any,
    cost: FloatArray,
    value: FloatArray,
    rows: IntArray,
    index: IntArray,
    with_value: bool = True,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """:meth:`Hull.step <bidopt.bidding._hull.Hull.step>` in one pass (only ``dc`` filled
    when ``with_value`` is false)."""
    _compile()
    m = rows.size
    dc = np.empty(m)
    dv = np.empty(m if with_value else 0)
    slope = np.empty(m if with_value else 0)
    index = np.ascontiguousarray(index, dtype=np.int64)
    _step(first, odd_pos, odd_level, cost, value, rows, index, with_value, dc, dv, slope)
    return dc, dv, slope


@_jit
def _picked(
    first: Any, odd_pos: Any, odd_level: Any, cost: Any, value: Any, taken: Any, c: Any, v: Any
) -> None:  # pragma: no cover - compiled
    for r in range(taken.size):
        k = taken[r]
        if k <= 0:
            c[r] = 0.0
            v[r] = 0.0
            continue
        pos = odd_pos[r]
        level = first[r] + k - 1 if pos < 0 else odd_level[pos, k - 1]
        c[r] = cost[r, level]
        v[r] = value[r, level]


def totals_after(
    first: IntArray,
    odd_pos: Any,
    odd_level: Any,
    cost: FloatArray,
    value: FloatArray,
    taken: IntArray,
) -> tuple[float, float]:
    """:meth:`Hull.totals_after <bidopt.bidding._hull.Hull.totals_after>`: the picked
    points gathered in one pass, summed by numpy (the same rounding as a plan's sums)."""
    _compile()
    c = np.empty(taken.size)
    v = np.empty(taken.size)
    _picked(first, odd_pos, odd_level, cost, value, taken, c, v)
    return float(c.sum()), float(v.sum())


@_jit
def _fill_pool(
    first: Any,
    odd_pos: Any,
    odd_level: Any,
    cost: Any,
    n_steps: Any,
    taken: Any,
    remaining: float,
    out: Any,
) -> int:  # pragma: no cover - compiled
    m = 0
    for r in range(taken.size):
        k = taken[r]
        if k >= n_steps[r]:
            continue
        pos = odd_pos[r]
        c0 = 0.0
        if k > 0:
            c0 = cost[r, first[r] + k - 1 if pos < 0 else odd_level[pos, k - 1]]
        if cost[r, first[r] + k if pos < 0 else odd_level[pos, k]] - c0 <= remaining:
            out[m] = r
            m += 1
    return m


def fill_pool(
    first: IntArray,
    odd_pos: Any,
    odd_level: Any,
    cost: FloatArray,
    n_steps: IntArray,
    taken: IntArray,
    remaining: float,
) -> IntArray:
    """Keywords with a next step whose cost is at most ``remaining``, increasing."""
    _compile()
    out = np.empty(taken.size, dtype=np.int64)
    m = _fill_pool(first, odd_pos, odd_level, cost, n_steps, taken, remaining, out)
    pool: IntArray = out[:m].copy()
    return pool


@_jit
def _gather_levels(
    a: Any, b: Any, c: Any, d: Any, e: Any, f: Any, count: int, levels: Any, out: Any
) -> bool:  # pragma: no cover - compiled
    width = a.shape[1]
    bad = False
    for r in range(levels.size):
        k = levels[r]
        bad |= (k < -1) | (k >= width)
    if bad:
        return False
    if width == 0:  # no level to read: every keyword is off
        out[:count] = 0.0
        return True
    for r in range(levels.size):  # without branches: whether a keyword bids is data
        k = levels[r]
        on = k >= 0
        at = max(k, 0)
        out[0, r] = a[r, at] if on else 0.0
        if count > 1:
            out[1, r] = b[r, at] if on else 0.0
        if count > 2:
            out[2, r] = c[r, at] if on else 0.0
        if count > 3:
            out[3, r] = d[r, at] if on else 0.0
        if count > 4:
            out[4, r] = e[r, at] if on else 0.0
        if count > 5:
            out[5, r] = f[r, at] if on else 0.0
    return True


def gather_levels(arrays: list[FloatArray], levels: IntArray) -> FloatArray | None:
    """``arrays[i][k, levels[k]]`` (0 where ``levels[k] == -1``) for up to six float64
    C-contiguous arrays of one shape (n_keywords, n_levels), in one pass over the
    keywords: shape (len(arrays), n_keywords), or None when a level is out of range."""
    _compile()
    out = np.empty((len(arrays), levels.size))
    six = [*arrays, *[arrays[0]] * (6 - len(arrays))]
    ok = _gather_levels(*six, len(arrays), levels, out)
    return out if ok else None
