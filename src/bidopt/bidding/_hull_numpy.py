"""The hull's arrays with vectorised numpy, block by block: the reference path.

Used when the compiled kernels (:mod:`bidopt.bidding._kernels`) are not, and for the
rows a kernel cannot decide exactly.  See :mod:`bidopt.bidding._hull` for what the arrays
mean.  Building scans the rows in cache-sized blocks, so a million keywords need no
(n_keywords, n_levels) float temporaries.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from bidopt.bidding._kernels_exact import orient_signs
from bidopt.typing import BoolArray, FloatArray, IntArray

__all__ = ["BLOCK_ROWS", "N_BUCKETS", "SHIFT", "build_arrays"]

#: Rows per block when scanning landscapes and hulls (about 0.6 MB per float64 array at
#: 20 levels, so a block's temporaries stay in cache).
BLOCK_ROWS = 4096
#: A positive double's bit pattern shifted right by SHIFT is a monotone bucket index
#: (sign, exponent and 5 mantissa bits: 32 buckets per octave), below 2**16.
SHIFT = 47
N_BUCKETS = 1 << (63 - SHIFT)
#: A rounded slope ``fl(fl(dv) / fl(dc))`` is within a relative 3.01 ulps of the exact
#: one, a rounded ratio ``fl(v / c)`` within 1: ``b * _MARGIN < a`` (rounded) proves
#: ``b < a`` exactly when ``a`` is a normal number; closer calls are peeled exactly.
_MARGIN = 1.0 + 2.0**-48
#: Below this a rounded slope's relative error is not bounded (subnormal quotients).
_TINY = 2.0**-1000


def _surely_below(
    b: FloatArray, a: FloatArray, vertical: BoolArray, out: BoolArray, tmp: FloatArray
) -> None:
    """``out = b < a`` where rounding cannot have decided it, for rounded slopes or
    ratios ``a, b >= 0``: ``vertical`` marks the ``a`` that are exactly infinite (a free
    step); an infinite ``a`` otherwise (overflow), or a tiny one, is in doubt (False).
    ``tmp`` is a buffer of ``b``'s shape."""
    np.multiply(b, _MARGIN, out=tmp)
    np.less(tmp, a, out=out)
    out &= (a >= _TINY) & ((a < np.inf) | vertical)


def _bucket_of(slope: FloatArray) -> IntArray:
    """Bucket (>= 1) of positive slopes (``inf`` included)."""
    key: IntArray = np.maximum(slope.view(np.int64) >> SHIFT, 1)
    return key


def _candidates(v: FloatArray, dv: FloatArray, allowed: BoolArray | None) -> BoolArray:
    """Points that can be hull vertices: allowed, and worth more than the origin and
    every allowed point before them (cost is non-decreasing, so the others are dominated)."""
    rows, levels = v.shape
    if allowed is None and not (dv < 0).any():  # values rise along every row
        return dv > 0
    cand = np.empty((rows, levels), dtype=bool)
    masked = v if allowed is None else np.where(allowed, v, -np.inf)
    best = np.zeros(rows)  # the origin: nothing bought, worth 0
    for j in range(levels):
        np.greater(masked[:, j], best, out=cand[:, j])
        np.maximum(best, masked[:, j], out=best)
    return cand


def _peel(
    c: FloatArray, v: FloatArray, cand: BoolArray
) -> tuple[IntArray, IntArray, FloatArray, FloatArray]:
    """Hull vertices of the rows of a block from their candidate points, by peeling.

    A point on or below the chord of its two neighbours is not a vertex (``cross >= 0``,
    so collinear points go, decided exactly by
    :func:`~bidopt.bidding._kernels_exact.orient_signs`, as the compiled kernel decides);
    all such points go at once, and only rows that lost a point are looked at again,
    until no row changes.  Returns ``(row, level, cost, value)`` of
    the vertices, by row then level.
    """
    rows, levels = c.shape
    row, col = np.nonzero(cand)
    flat = row * levels + col
    cc, vv = np.take(c, flat), np.take(v, flat)
    done: list[tuple[IntArray, IntArray, FloatArray, FloatArray]] = []
    while row.size:
        m = row.size
        start = np.empty(m, dtype=bool)
        start[0] = True
        np.not_equal(row[1:], row[:-1], out=start[1:])
        end = np.empty(m, dtype=bool)
        end[-1] = True
        end[:-1] = start[1:]
        pc, pv = np.empty(m), np.empty(m)
        pc[1:], pv[1:] = cc[:-1], vv[:-1]
        pc[start] = 0.0
        pv[start] = 0.0
        nc, nv = np.empty(m), np.empty(m)
        nc[:-1], nv[:-1] = cc[1:], vv[1:]
        nc[-1] = nv[-1] = 0.0
        inner = np.flatnonzero(~end)
        sign = orient_signs(cc[inner], vv[inner], pc[inner], pv[inner], nc[inner], nv[inner])
        far = np.flatnonzero(sign == 2)  # beyond the exact range: floating point decides
        if far.size:
            at = inner[far]
            with np.errstate(over="ignore", invalid="ignore"):  # NaN: kept, as a vertex
                cross = (cc[at] - pc[at]) * (nv[at] - pv[at]) - (vv[at] - pv[at]) * (
                    nc[at] - pc[at]
                )
            sign[far] = np.where(cross >= 0, 0, -1)
        drop = np.zeros(m, dtype=bool)
        drop[inner] = sign >= 0
        if not drop.any():
            done.append((row, col, cc, vv))
            break
        changed = np.zeros(rows, dtype=bool)
        changed[row[drop]] = True
        again = changed[row]
        final = ~again
        done.append((row[final], col[final], cc[final], vv[final]))
        keep = again & ~drop
        row, col, cc, vv = row[keep], col[keep], cc[keep], vv[keep]
    if not done:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0), np.zeros(0)
    row = np.concatenate([d[0] for d in done])
    order = np.argsort(row, kind="stable")  # a row's vertices are finished together
    return (
        row[order],
        np.concatenate([d[1] for d in done])[order],
        np.concatenate([d[2] for d in done])[order],
        np.concatenate([d[3] for d in done])[order],
    )


class _Work:
    """Buffers reused by every block (fresh large arrays cost page faults each time)."""

    def __init__(self, rows: int, levels: int) -> None:
        size = rows * levels
        self.dc = np.empty(size)
        self.slope = np.empty(size)
        self.dv = np.empty(size)
        self.ratio = np.empty(size)
        self.key = np.empty(size, dtype=np.int64)
        self.falling = np.empty(size, dtype=bool)
        self.cand = np.empty(size, dtype=bool)
        self.mask = np.empty(size, dtype=bool)


def _add_costs(bucket_cost: FloatArray, key: IntArray, weights: FloatArray) -> None:
    """``bucket_cost[key] += weights``, on the range of keys present (``key`` is
    overwritten)."""
    low = int(key.min())
    if low:
        np.subtract(key, low, out=key)
    counts = np.bincount(key, weights=weights)
    bucket_cost[low : low + counts.size] += counts


def _build_block(
    c: FloatArray,
    v: FloatArray,
    allowed: BoolArray | None,
    bucket: npt.NDArray[np.uint16],
    bucket_cost: FloatArray,
    work: _Work,
) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """Hulls of a block of rows: writes ``bucket`` (the block's rows) and adds step costs
    to ``bucket_cost`` (bucket 0, non-vertices, is cleared by the caller); returns
    ``(first, n_steps, odd, odd_level)``, ``odd`` the rows (of the block) that need a
    table of vertex levels.

    A row is regular when, from its first vertex ``t`` (the candidate of largest
    ``v / c``, as rounded) to its last candidate, every level is a candidate and the
    slopes fall strictly: then every candidate before ``t`` lies below the segment from
    the origin to ``t``, and the vertices are the levels ``t ..`` in order.  Every one of
    these comparisons of rounded slopes and ratios must hold beyond rounding
    (:func:`_surely_below`, and no earlier level with ``t``'s rounded ratio), so a
    regular row's hull is exact.  The other rows (ties and near-ties included) are
    peeled, with the exact orientation test.
    """
    rows, levels = c.shape
    size = rows * levels
    cf, vf = c.reshape(-1), v.reshape(-1)
    dc2 = work.dc[:size].reshape(rows, levels)
    dv2 = work.dv[:size].reshape(rows, levels)
    dc, dv = dc2.reshape(-1), dv2.reshape(-1)
    np.subtract(cf[1:], cf[:-1], out=dc[1:])
    np.subtract(vf[1:], vf[:-1], out=dv[1:])
    dc2[:, 0] = c[:, 0]
    dv2[:, 0] = v[:, 0]
    flat = work.slope[:size]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        np.divide(dv, dc, out=flat)
    np.fmax(flat, 0.0, out=flat)  # NaN (0/0) and negative steps: 0
    slope = flat.reshape(rows, levels)
    falling = work.falling[:size]
    _surely_below(flat[1:], flat[:-1], dc[:-1] == 0.0, falling[1:], work.ratio[: size - 1])
    falling[::levels] = True  # a row's first step (the pair across rows is ignored)
    falling2 = falling.reshape(rows, levels)
    first = np.zeros(rows, dtype=np.int64)
    n_steps = np.full(rows, levels, dtype=np.int64)
    # fast path: every level a vertex (slopes > 0 and strictly falling): concave rows
    if allowed is None and falling.all() and (slope[:, -1] > 0).all():
        key = np.right_shift(flat.view(np.int64), SHIFT, out=work.key[:size])
        bucket[...] = key.reshape(rows, levels)
        _add_costs(bucket_cost, key, dc)
        return first, n_steps, np.zeros(0, np.int64), np.zeros((0, levels), np.int64)
    # first vertex: the tangent through the origin; then is the row regular from there?
    monotone = allowed is None and not (dv < 0).any()
    if monotone:
        cand = np.greater(dv2, 0.0, out=work.cand[:size].reshape(rows, levels))
    else:
        cand = _candidates(v, dv2, allowed)
    ratio = work.ratio[:size].reshape(rows, levels)
    with np.errstate(divide="ignore", invalid="ignore"):
        np.divide(v, c, out=ratio)
    if monotone:  # a non-candidate's ratio is no more than an earlier one's; 0/0 -> 0
        np.fmax(ratio, 0.0, out=ratio)
    else:
        np.copyto(ratio, 0.0, where=~cand)
    # t: where the ratio first falls (the last level if never).  Every point before t
    # is on or under the ray from the origin through t (ratios do not fall up to t;
    # exact ties included, the farthest is t), so only candidates from t on can be
    # vertices; if a later ratio exceeds t's, the strict test below fails (a row
    # regular from t has every later ratio below t's) and the row is peeled.
    descent = work.mask[:size]
    rf = ratio.reshape(-1)
    np.less(rf[1:], rf[:-1], out=descent[:-1])
    descent2 = descent.reshape(rows, levels)
    descent2[:, -1] = True
    t = np.argmax(descent2, axis=1)
    last = (levels - 1) - np.argmax(cand[:, ::-1], axis=1)
    at = np.arange(rows) * levels + t  # flat positions of the first vertices
    top = np.take(ratio, at)
    has = (top > 0) & np.take(cand.reshape(-1), at)
    # a point before t with t's rounded ratio may be above the ray through t by less
    # than rounding: such rows are peeled (exactly)
    has &= (t == 0) | (np.take(rf, np.maximum(at - 1, 0)) < top)
    col = np.arange(levels)[None, :]
    before = np.less_equal(col, t[:, None], out=work.mask[:size].reshape(rows, levels))
    falling2 &= cand
    # the step after the first vertex must fall below the first step (from the origin)
    nxt = np.minimum(at + 1, np.arange(1, rows + 1) * levels - 1)
    below = np.empty(rows, dtype=bool)
    _surely_below(np.take(flat, nxt), top, np.take(c, at) == 0.0, below, np.empty(rows))
    falling[nxt] &= below
    # regular: up to t, anything; on (t, last], candidates with falling slopes; after
    # last, no candidate (so exactly last + 1 marks)
    falling2 |= before
    regular = has & (np.count_nonzero(falling2, axis=1) == last + 1)
    n_steps[:] = np.where(regular, last - t + 1, 0)
    first[:] = np.where(regular, t, 0)
    # buckets of the regular rows' steps, at their levels (0 elsewhere); masks multiply
    # the keys (an inf slope times 0 would be NaN)
    key = np.right_shift(flat.view(np.int64), SHIFT, out=work.key[:size])
    key2 = key.reshape(rows, levels)
    np.greater_equal(col, t[:, None], out=before)
    np.multiply(key2, before, out=key2)
    if not monotone:
        np.multiply(key2, np.less_equal(col, last[:, None], out=before), out=key2)
    key[at] = np.right_shift(top.view(np.int64), SHIFT)
    key2[np.flatnonzero(~regular)] = 0
    dc.reshape(-1)[at] = np.take(c, at)
    bucket[...] = key2
    _add_costs(bucket_cost, key, dc)
    some = np.take(cand.reshape(-1), np.arange(rows) * levels + last)  # any candidate
    odd = np.flatnonzero(~regular & some)
    odd_level = np.zeros((odd.size, levels), dtype=np.int64)
    if odd.size:
        sub = cand[odd]
        # candidates before t are on or under the ray through t: keep those on it
        # (t itself may repeat an earlier candidate's point)
        sub &= (col >= t[odd, None]) | (ratio[odd] >= top[odd, None])
        row, lev, cc, vv = _peel(c[odd], v[odd], sub)
        head = np.empty(row.size, dtype=bool)
        head[:1] = True
        np.not_equal(row[1:], row[:-1], out=head[1:])
        heads = np.flatnonzero(head)
        counts = np.diff(np.append(heads, row.size))
        rank = np.arange(row.size) - np.repeat(heads, counts)
        n_steps[odd[row[heads]]] = counts
        table = np.zeros((odd.size, levels), dtype=np.int64)
        table[row, rank] = lev
        top_rank = np.maximum(n_steps[odd], 1)[:, None] - 1
        odd_level = np.take_along_axis(table, np.minimum(col, top_rank), axis=1)
        pc = np.empty(row.size)
        pv = np.empty(row.size)
        pc[1:], pv[1:] = cc[:-1], vv[:-1]
        pc[heads] = 0.0
        pv[heads] = 0.0
        s_dc = cc - pc
        with np.errstate(divide="ignore", invalid="ignore"):
            s_key = _bucket_of((vv - pv) / s_dc)
        bucket[odd[row], lev] = s_key
        _add_costs(bucket_cost, s_key, s_dc)
    return first, n_steps, odd, odd_level


def build_arrays(
    cost: FloatArray, value: FloatArray, allowed: BoolArray | None
) -> tuple[IntArray, IntArray, npt.NDArray[np.uint16], FloatArray, IntArray, npt.NDArray[np.int16]]:
    """:func:`build_hull`'s arrays with numpy, block by block (the reference path)."""
    n, levels = cost.shape
    first = np.zeros(n, dtype=np.int64)
    n_steps = np.zeros(n, dtype=np.int64)
    bucket = np.empty((n, levels), dtype=np.uint16)
    bucket_cost = np.zeros(N_BUCKETS)
    work = _Work(min(BLOCK_ROWS, n), levels)
    odd_parts: list[IntArray] = []
    level_parts: list[IntArray] = []
    for start in range(0, n, BLOCK_ROWS):
        stop = min(start + BLOCK_ROWS, n)
        a = None if allowed is None else allowed[start:stop]
        f, k, odd, odd_level = _build_block(
            cost[start:stop], value[start:stop], a, bucket[start:stop], bucket_cost, work
        )
        first[start:stop] = f
        n_steps[start:stop] = k
        if odd.size:
            odd_parts.append(odd + start)
            level_parts.append(odd_level)
    odd_rows = np.concatenate(odd_parts) if odd_parts else np.zeros(0, dtype=np.int64)
    odd_table = (
        np.concatenate(level_parts).astype(np.int16)
        if level_parts
        else np.zeros((0, levels), dtype=np.int16)
    )
    bucket_cost[0] = 0.0  # not steps: levels that are not vertices
    return first, n_steps, bucket, bucket_cost, odd_rows, odd_table
