"""The exact orientation test of the hull kernels (compiled by :mod:`bidopt.bidding._kernels`).

Whether a point lies above the chord of its neighbours is the sign of a 2x2 determinant
of coordinate differences.  Floating point decides it beyond a proven error bound;
closer calls (ties, collinear points on grids) go to Shewchuk's adaptive stages
(J. R. Shewchuk, "Adaptive precision floating-point arithmetic and fast robust
geometric predicates", 1997): the determinant of the rounded differences exactly, then
with the differences' first-order rounding terms, then the exact expansion.  The
functions take and return scalars only (a compiled call that passes arrays costs as
much as the test), so the hull loop calls them cheaply; they are plain Python here and
registered for compilation by :mod:`bidopt.bidding._kernels`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from bidopt.typing import FloatArray

__all__ = [
    "ERRBOUND_A",
    "exact_cross_sign",
    "exact_products_sign",
    "orient_adapt",
    "orient_signs",
    "two_product",
    "two_sum",
]

_EPS = 2.0**-53  # half an ulp of 1
#: Relative bound on the floating-point determinant's error (Shewchuk's ccwerrboundA).
ERRBOUND_A = (3.0 + 16.0 * _EPS) * _EPS
_ERRBOUND_B = (2.0 + 12.0 * _EPS) * _EPS
_ERRBOUND_C = (9.0 + 64.0 * _EPS) * _EPS * _EPS
_RESULT_ERRBOUND = (3.0 + 8.0 * _EPS) * _EPS


def two_sum(a: float, b: float) -> tuple[float, float]:  # pragma: no cover - compiled
    """``(s, e)`` with ``s = fl(a + b)`` and ``a + b == s + e`` exactly (Knuth)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def two_product(a: float, b: float) -> tuple[float, float]:  # pragma: no cover - compiled
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


def exact_cross_sign(
    c2: float, v2: float, c1: float, v1: float, c: float, v: float, terms: Any
) -> int:  # pragma: no cover - compiled
    """Exact sign of ``(c2 - c1) * (v - v1) - (v2 - v1) * (c - c1)`` for floats, or 2
    where the magnitudes leave the range in which the error-free transformations hold.

    Each difference is a two-term expansion (TwoSum), each product of terms two more
    (TwoProduct): 16 terms, summed exactly into a non-overlapping expansion (Shewchuk's
    Grow-Expansion) whose largest non-zero component carries the sign.
    """
    a, ae = two_sum(c2, -c1)
    b, be = two_sum(v, -v1)
    d, de = two_sum(v2, -v1)
    e, ee = two_sum(c, -c1)
    top = max(abs(a), abs(b), abs(d), abs(e))
    if not top < 1e150:
        return 2
    if ae == 0.0 and be == 0.0 and de == 0.0 and ee == 0.0:  # exact differences
        p, pe = two_product(a, b)
        q, qe = two_product(d, e)
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
        p, pe = two_product(x, y)
        for q in (sign * pe, sign * p):
            for i in range(n):  # Grow-Expansion: add q to the expansion exactly
                q, terms[i] = two_sum(q, terms[i])
            terms[n] = q
            n += 1
    for i in range(n - 1, -1, -1):
        if terms[i] != 0.0:
            return 1 if terms[i] > 0 else -1
    return 0


def exact_products_sign(
    c2: float, v2: float, c1: float, v1: float, c: float, v: float
) -> int:  # pragma: no cover - compiled
    """Exact sign (-1, 0, 1) of ``(c2 - c1) * (v - v1) - (v2 - v1) * (c - c1)`` when its
    four differences are exact in floating point (points on grids, where ties are
    common), else 3 (not decided here: ask :func:`orient_adapt`).

    The two products are then two-term expansions (TwoProduct); rounding is monotone,
    so rounded products that differ order the exact ones, and equal ones leave the
    sign to their error terms.  Decided only where :func:`orient_adapt` decides too
    (differences between 1e-100 and 1e150, products above 1e-250: no under- or
    overflow), so both give the same sign.  Small, so the hull loop inlines it.
    """
    acx = c2 - c1
    bcy = v - v1
    acy = v2 - v1
    bcx = c - c1
    if (
        two_sum(c2, -c1)[1] != 0.0
        or two_sum(v, -v1)[1] != 0.0
        or two_sum(v2, -v1)[1] != 0.0
        or two_sum(c, -c1)[1] != 0.0
    ):
        return 3
    top = max(abs(acx), abs(bcy), abs(acy), abs(bcx))
    low = min(abs(acx), abs(bcy), abs(acy), abs(bcx))
    if not (top < 1e150 and low > 1e-100):
        return 3
    left, left_tail = two_product(acx, bcy)
    right, right_tail = two_product(acy, bcx)
    if not (abs(left) > 1e-250 and abs(right) > 1e-250):
        return 3
    if left != right:
        return 1 if left > right else -1
    return 1 if left_tail > right_tail else (0 if left_tail == right_tail else -1)


def orient_adapt(
    c2: float, v2: float, c1: float, v1: float, c: float, v: float, p: float, q: float
) -> int:  # pragma: no cover - compiled
    """Exact sign (-1, 0, 1) of ``(c2 - c1) * (v - v1) - (v2 - v1) * (c - c1)``, or 2
    where the magnitudes leave the exact arithmetic's range (as :func:`exact_cross_sign`).

    ``p`` and ``q`` are the two products as the caller computed them in floating point.
    Shewchuk's ``orient2dadapt``: stage B (the products of the rounded differences, as
    an exact expansion), stage C (plus the differences' rounding terms, to first
    order), each trusted beyond its error bound; stage D is :func:`exact_cross_sign`.
    """
    acx = c2 - c1
    bcy = v - v1
    acy = v2 - v1
    bcx = c - c1
    top = max(abs(acx), abs(bcy), abs(acy), abs(bcx))
    low = top
    for x in (acx, bcy, acy, bcx):
        if x != 0.0 and abs(x) < low:
            low = abs(x)
    if not (top < 1e150 and low > 1e-100):  # products and their error terms could
        return int(exact_cross_sign(c2, v2, c1, v1, c, v, np.empty(16)))  # under/overflow
    detsum = abs(p) + abs(q)
    left, left_tail = two_product(acx, bcy)
    right, right_tail = two_product(acy, bcx)
    # Two_Two_Diff(left, left_tail, right, right_tail) -> b3, b2, b1, b0
    i, b0 = two_sum(left_tail, -right_tail)
    j, zero = two_sum(left, i)
    k, b1 = two_sum(zero, -right)
    b3, b2 = two_sum(j, k)
    det = ((b0 + b1) + b2) + b3
    bound = _ERRBOUND_B * detsum
    if det >= bound or -det >= bound:
        return 1 if det > 0 else (-1 if det < 0 else 0)
    acx_tail = two_sum(c2, -c1)[1]
    bcy_tail = two_sum(v, -v1)[1]
    acy_tail = two_sum(v2, -v1)[1]
    bcx_tail = two_sum(c, -c1)[1]
    if acx_tail == 0.0 and bcy_tail == 0.0 and acy_tail == 0.0 and bcx_tail == 0.0:
        return 1 if det > 0 else (-1 if det < 0 else 0)  # the expansion is exact
    bound = _ERRBOUND_C * detsum + _RESULT_ERRBOUND * abs(det)
    det += (acx * bcy_tail + bcy * acx_tail) - (acy * bcx_tail + bcx * acy_tail)
    if det >= bound or -det >= bound:
        return 1 if det > 0 else -1
    return int(exact_cross_sign(c2, v2, c1, v1, c, v, np.empty(16)))


#: The error-free transformations as plain Python, which also take arrays elementwise
#: (:mod:`bidopt.bidding._kernels` swaps this module's names for compiled versions).
_two_sum: Callable[[Any, Any], Any] = two_sum
_two_product: Callable[[Any, Any], Any] = two_product


def orient_signs(
    c2: FloatArray, v2: FloatArray, c1: FloatArray, v1: FloatArray, c: FloatArray, v: FloatArray
) -> npt.NDArray[np.int8]:
    """:func:`orient_adapt` elementwise on arrays of shape (n,): the exact sign (-1, 0, 1)
    of ``(c2 - c1) * (v - v1) - (v2 - v1) * (c - c1)``, or 2 where the magnitudes leave
    the exact arithmetic's range.

    Decided in floating point beyond the error bound :data:`ERRBOUND_A` (as the compiled
    hull loop does); the points in doubt go through ``orient_adapt``'s stages B and C
    vectorised, and those still in doubt (or out of range) one by one through
    :func:`orient_adapt` itself.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        p = (c2 - c1) * (v - v1)
        q = (v2 - v1) * (c - c1)
        sure = np.abs(p - q) > ERRBOUND_A * (np.abs(p) + np.abs(q))
    sign = np.where(p > q, 1, -1).astype(np.int8)
    doubt = np.flatnonzero(~sure)
    if doubt.size == 0:
        return sign
    with np.errstate(over="ignore", invalid="ignore"):
        acx, acx_tail = _two_sum(c2[doubt], -c1[doubt])
        bcy, bcy_tail = _two_sum(v[doubt], -v1[doubt])
        acy, acy_tail = _two_sum(v2[doubt], -v1[doubt])
        bcx, bcx_tail = _two_sum(c[doubt], -c1[doubt])
        size = np.abs(np.stack([acx, bcy, acy, bcx]))
        top = size.max(axis=0)
        low = np.where(size > 0.0, size, top).min(axis=0)
        exact = (top < 1e150) & (low > 1e-100)  # error-free products (orient_adapt's range)
        tails_zero = (acx_tail == 0.0) & (bcy_tail == 0.0) & (acy_tail == 0.0)
        tails_zero &= bcx_tail == 0.0
        left, left_tail = _two_product(acx, bcy)
        right, right_tail = _two_product(acy, bcx)
        i, b0 = _two_sum(left_tail, -right_tail)
        j, zero = _two_sum(left, i)
        k, b1 = _two_sum(zero, -right)
        b3, b2 = _two_sum(j, k)
        det = ((b0 + b1) + b2) + b3  # stage B
        detsum = np.abs(p[doubt]) + np.abs(q[doubt])
        bound = _ERRBOUND_B * detsum
        decided = exact & ((np.abs(det) >= bound) | tails_zero)
        # stage C: the differences' rounding terms, to first order
        bound = _ERRBOUND_C * detsum + _RESULT_ERRBOUND * np.abs(det)
        det_c = det + ((acx * bcy_tail + bcy * acx_tail) - (acy * bcx_tail + bcx * acy_tail))
        stage_c = exact & ~decided & (np.abs(det_c) >= bound)
    sign[doubt[decided]] = np.sign(det[decided]).astype(np.int8)
    sign[doubt[stage_c]] = np.sign(det_c[stage_c]).astype(np.int8)
    for at in doubt[~(decided | stage_c)].tolist():  # stage D, or out of range: rare
        sign[at] = orient_adapt(
            float(c2[at]),
            float(v2[at]),
            float(c1[at]),
            float(v1[at]),
            float(c[at]),
            float(v[at]),
            float(p[at]),
            float(q[at]),
        )
    return sign
