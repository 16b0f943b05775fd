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
from typing import Any

import numpy as np

from bidopt.typing import BoolArray, FloatArray, IntArray

__all__ = [
    "AVAILABLE",
    "ENABLED",
    "edge_rows",
    "fill_pool",
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

#: The kernels' Python functions, in definition order (callees before callers).
_PYTHON: dict[str, Any] = {}
_compiled = False


def _jit(function: Any) -> Any:
    """Register ``function`` to be compiled by :func:`_compile` (returned unchanged)."""
    _PYTHON[function.__name__] = function
    return function


def _compile() -> None:
    """Replace every registered kernel by its numba dispatcher, once.

    Kernels call each other through module globals, which numba resolves when a caller is
    first compiled, so all of them are swapped before any runs.
    """
    global _compiled
    if _compiled:
        return
    numba = importlib.import_module("numba")
    jit = numba.njit(cache=True, nogil=True, error_model="numpy")
    namespace = globals()
    for name, function in _PYTHON.items():
        namespace[name] = jit(function)
    _compiled = True


@_jit
def _two_sum(a: float, b: float) -> tuple[float, float]:  # pragma: no cover - compiled
    """``(s, e)`` with ``s = fl(a + b)`` and ``a + b == s + e`` exactly (Knuth)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


@_jit
def _two_product(a: float, b: float) -> tuple[float, float]:  # pragma: no cover - compiled
    """``(p, e)`` with ``p = fl(a * b)`` and ``a * b == p + e`` exactly (Dekker, no
    over- or underflow)."""
    p = a * b
    t = 134217729.0 * a  # 2**27 + 1: Veltkamp's split
    ah = t - (t - a)
    al = a - ah
    t = 134217729.0 * b
    bh = t - (t - b)
    bl = b - bh
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


@_jit
def _exact_cross_sign(
    c2: float, v2: float, c1: float, v1: float, c: float, v: float, terms: Any
) -> int:  # pragma: no cover - compiled
    """Exact sign of ``(c2 - c1) * (v - v1) - (v2 - v1) * (c - c1)`` for floats, or 2
    where the magnitudes leave the range in which the error-free transformations hold.

    Each difference is a two-term expansion (TwoSum), each product of terms two more
    (TwoProduct): 16 terms, summed exactly into a non-overlapping expansion (Shewchuk's
    Grow-Expansion) whose largest non-zero component carries the sign.
    """
    a, ae = _two_sum(c2, -c1)
    b, be = _two_sum(v, -v1)
    d, de = _two_sum(v2, -v1)
    e, ee = _two_sum(c, -c1)
    top = max(abs(a), abs(b), abs(d), abs(e))
    if not top < 1e150:
        return 2
    if ae == 0.0 and be == 0.0 and de == 0.0 and ee == 0.0:  # exact differences
        p, pe = _two_product(a, b)
        q, qe = _two_product(d, e)
        # exact products (no underflow either): points on grids, where ties are common
        if (a == 0.0 or b == 0.0 or (pe == 0.0 and abs(p) > 1e-250)) and (
            d == 0.0 or e == 0.0 or (qe == 0.0 and abs(q) > 1e-250)
        ):
            return 1 if p > q else (0 if p == q else -1)
    n = 0
    for x, y, sign in (
        (a, b, 1.0),
        (a, be, 1.0),
        (ae, b, 1.0),
        (ae, be, 1.0),
        (d, e, -1.0),
        (d, ee, -1.0),
        (de, e, -1.0),
        (de, ee, -1.0),
    ):
        if x == 0.0 or y == 0.0:
            continue
        if abs(x) < 1e-140 or abs(y) < 1e-140:
            return 2  # the product's error term could underflow
        p, pe = _two_product(x, y)
        for q in (sign * pe, sign * p):
            for i in range(n):  # Grow-Expansion: add q to the expansion exactly
                q, terms[i] = _two_sum(q, terms[i])
            terms[n] = q
            n += 1
    for i in range(n - 1, -1, -1):
        if terms[i] != 0.0:
            return 1 if terms[i] > 0 else -1
    return 0


@_jit
def _hull_rows(
    c: Any,
    v: Any,
    allowed: Any,
    masked: bool,
    shift: int,
    bucket: Any,
    bucket_cost: Any,
    first: Any,
    n_steps: Any,
    odd: Any,
    unsure: Any,
    table: Any,
) -> None:  # pragma: no cover - compiled
    n, width = c.shape
    sc = np.zeros(width + 1)
    sv = np.zeros(width + 1)
    sl = np.zeros(width + 1, np.int64)
    cell = np.zeros(1)
    bits = cell.view(np.int64)
    terms = np.zeros(16)
    for r in range(n):
        # the stack is sc/sv/sl[0..top] (0: the origin); its top two points are also
        # kept in registers, (ct, vt) and (cp, vp), off the loop's dependency chain
        top = 0
        ct = vt = cp = vp = 0.0
        doubt = False
        for j in range(width):
            bucket[r, j] = 0
            if masked and not allowed[r, j]:
                continue
            vj = v[r, j]
            if not vj > vt:  # costs no less, worth no more: dominated
                continue
            cj = c[r, j]
            while top >= 1:
                # the cross product's sign, exact (>= 0: the top is on or under the chord)
                p = (ct - cp) * (vj - vp)
                q = (vt - vp) * (cj - cp)
                if abs(p - q) > 1e-12 * (abs(p) + abs(q)):
                    if p < q:
                        break
                else:  # rounding may decide it
                    sign = _exact_cross_sign(ct, vt, cp, vp, cj, vj, terms)
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
        n_steps[r] = top
        first[r] = 0
        odd[r] = False
        if top == 0 or doubt:
            continue
        if sl[top] - sl[1] == top - 1:
            first[r] = sl[1]
        else:
            odd[r] = True
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


def hull_rows(
    cost: FloatArray, value: FloatArray, allowed: BoolArray | None, shift: int, n_buckets: int
) -> tuple[Any, FloatArray, IntArray, IntArray, BoolArray, BoolArray, Any]:
    """Hull of every row: ``(bucket, bucket_cost, first, n_steps, odd, unsure, table)``.

    ``bucket`` (uint16, shape of ``cost``) holds each step's slope bucket at its vertex
    level (0 elsewhere); ``bucket_cost`` the total step cost per bucket; ``first`` the
    first vertex level of rows whose vertices are consecutive levels (0 for the others);
    ``odd`` marks the rows whose vertices are not consecutive, and ``table`` (int16,
    shape of ``cost``) holds their vertex levels, the last repeated (its other rows are
    not written); ``unsure`` marks the rows where
    rounding could have decided a vertex (near-collinear points): their ``bucket`` row
    and ``bucket_cost`` share are left out, for the caller to compute another way.
    """
    _compile()
    n, width = cost.shape
    bucket = np.empty((n, width), dtype=np.uint16)
    bucket_cost = np.zeros(n_buckets)
    first = np.empty(n, dtype=np.int64)
    n_steps = np.empty(n, dtype=np.int64)
    odd = np.empty(n, dtype=np.bool_)
    unsure = np.empty(n, dtype=np.bool_)
    table = np.empty((n, width), dtype=np.int16)  # only odd rows' pages get touched
    mask = (
        np.zeros((1, 1), np.bool_) if allowed is None else np.ascontiguousarray(allowed, np.bool_)
    )
    _hull_rows(
        cost,
        value,
        mask,
        allowed is not None,
        shift,
        bucket,
        bucket_cost,
        first,
        n_steps,
        odd,
        unsure,
        table,
    )
    return bucket, bucket_cost, first, n_steps, odd, unsure, table


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


def edge_rows(bucket: Any, edge: int) -> tuple[IntArray, IntArray]:
    """Steps above bucket ``edge`` per row, and the row of each step in it (by row)."""
    _compile()
    n = bucket.shape[0]
    taken = np.empty(n, dtype=np.int64)
    counts = np.empty(n, dtype=np.int64)
    _edge_rows(bucket, edge, taken, counts)
    return taken, np.repeat(np.arange(n), counts)


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
