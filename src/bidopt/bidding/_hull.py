"""Per-keyword upper concave hulls of (cost, value) points, vectorised over keywords.

The multiple-choice knapsack behind bid optimisation is solved on each keyword's upper
concave hull: the LP relaxation only ever picks hull vertices, and the hull's steps
(one per vertex) have decreasing value-per-yuan slopes, so selecting the steepest steps
across keywords solves the relaxation exactly.

A hull is stored without copying the landscape: its vertices are landscape levels.  On
almost every row they are a contiguous run of levels ``first .. first + n_steps - 1``
(a concave row: all of them; an S-shaped row: from the point of contact of the tangent
from the origin on; a row with zero-click levels or padding: the levels that buy
something).  Only the other rows ("odd": ties, plateaus in the middle, several convex
stretches, levels that are not allowed) keep a table of their vertex levels.  Each
step's slope is kept as a 16-bit bucket at its vertex's level (0 elsewhere), which is
all the LP threshold needs; steps' costs and values are read from the landscape's
arrays when needed.  Building scans the rows in cache-sized blocks, so a million
keywords need no (n_keywords, n_levels) float temporaries.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bidopt.typing import BoolArray, FloatArray, IntArray

__all__ = ["BLOCK_ROWS", "N_BUCKETS", "SHIFT", "Hull", "build_hull", "steps"]

#: Rows per block when scanning landscapes and hulls (about 0.6 MB per float64 array at
#: 20 levels, so a block's temporaries stay in cache).
BLOCK_ROWS = 4096
#: A positive double's bit pattern shifted right by SHIFT is a monotone bucket index
#: (sign, exponent and 5 mantissa bits: 32 buckets per octave), below 2**16.
SHIFT = 47
N_BUCKETS = 1 << (63 - SHIFT)


def steps(
    cum_c: FloatArray, cum_v: FloatArray, out: tuple[FloatArray, FloatArray] | None = None
) -> tuple[FloatArray, FloatArray]:
    """Steps ``(dc, slope)`` of hull blocks given vertex cumulative cost and value.

    ``slope`` is ``dv / dc``, ``inf`` for a free step (``dc == 0 < dv``) and 0 where
    the step adds nothing (padding after the last vertex).  ``out`` may pass two
    buffers of at least the block's size to reuse.
    """
    rows, width = cum_c.shape
    size = rows * width
    if out is None:
        dc_flat, slope_flat = np.empty(size), np.empty(size)
    else:
        dc_flat, slope_flat = out[0][:size], out[1][:size]
    c = cum_c.reshape(-1)
    v = cum_v.reshape(-1)
    np.subtract(c[1:], c[:-1], out=dc_flat[1:])
    np.subtract(v[1:], v[:-1], out=slope_flat[1:])
    dc, slope = dc_flat.reshape(rows, width), slope_flat.reshape(rows, width)
    dc[:, 0] = cum_c[:, 0]
    slope[:, 0] = cum_v[:, 0]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        np.divide(slope_flat, dc_flat, out=slope_flat)
    np.fmax(slope_flat, 0.0, out=slope_flat)  # NaN (0/0) and negative steps: padding
    return dc, slope


@dataclass(frozen=True, slots=True, eq=False)
class Hull:
    """Upper concave hull of every keyword, as landscape levels (no copy of the data).

    Attributes
    ----------
    cost, value : ndarray of float64, shape (n_keywords, n_levels)
        The landscape's arrays the hull was built from (not copied).
    first : ndarray of int64, shape (n_keywords,)
        Level of the first vertex of a row whose vertices are consecutive levels.
    n_steps : ndarray of int64, shape (n_keywords,)
        Number of vertices (steps) of each keyword's hull.
    bucket : ndarray of uint16, shape (n_keywords, n_levels)
        At each vertex's level, the slope bucket of the step that reaches it
        (``slope.view(int64) >> SHIFT``, at least 1); 0 at the other levels.  Monotone
        in the slope, so non-increasing along a row's vertices.
    bucket_cost : ndarray of float64, shape (N_BUCKETS,)
        Total step cost in each bucket.
    odd_rows : ndarray of int64, shape (n_odd,)
        Rows whose vertices are not consecutive levels, increasing.
    odd_level : ndarray of int16, shape (n_odd, n_levels)
        Their vertex levels (the last one repeated after the top).
    odd_pos : ndarray of int32, shape (n_keywords,)
        Position of each row in ``odd_rows``, -1 for the others.
    """

    cost: FloatArray
    value: FloatArray
    first: IntArray
    n_steps: IntArray
    bucket: npt.NDArray[np.uint16]
    bucket_cost: FloatArray
    odd_rows: IntArray
    odd_level: npt.NDArray[np.int16]
    odd_pos: npt.NDArray[np.int32]

    @property
    def shape(self) -> tuple[int, int]:
        """``(n_keywords, n_levels)``."""
        return self.cost.shape[0], self.cost.shape[1]

    def vertex_level(self, rows: IntArray, index: IntArray) -> IntArray:
        """Landscape level of vertex ``index[i]`` (0-based) of keyword ``rows[i]``."""
        out = self.first[rows] + index
        if self.odd_rows.size:
            pos = self.odd_pos[rows]
            odd = np.flatnonzero(pos >= 0)
            if odd.size:
                out[odd] = self.odd_level[pos[odd], index[odd]]
        return out

    def _levels_block(self, start: int, stop: int) -> IntArray:
        """Vertex level of every step of rows ``start:stop``, the top repeated."""
        levels = self.shape[1]
        top = np.maximum(self.n_steps[start:stop], 1)[:, None] - 1
        index = np.minimum(np.arange(levels)[None, :], top)
        out = self.first[start:stop, None] + index
        pos = self.odd_pos[start:stop]
        odd = np.flatnonzero(pos >= 0)
        if odd.size:
            out[odd] = self.odd_level[pos[odd]]
        return np.asarray(out, dtype=np.int64)

    def _cum_block(self, start: int, stop: int) -> tuple[FloatArray, FloatArray]:
        level = self._levels_block(start, stop)
        empty = self.n_steps[start:stop] == 0
        cum_c = np.take_along_axis(self.cost[start:stop], level, axis=1)
        cum_v = np.take_along_axis(self.value[start:stop], level, axis=1)
        cum_c[empty] = 0.0
        cum_v[empty] = 0.0
        return cum_c, cum_v

    @property
    def cum_c(self) -> FloatArray:
        """Cost after each step, shape (n_keywords, n_levels), the top repeated (built
        on demand: a full-size array)."""
        return self._cum_block(0, self.shape[0])[0]

    @property
    def cum_v(self) -> FloatArray:
        """Value after each step, like :attr:`cum_c`."""
        return self._cum_block(0, self.shape[0])[1]

    @property
    def level(self) -> npt.NDArray[np.int64]:
        """Landscape level of each step, like :attr:`cum_c` (built on demand)."""
        return self._levels_block(0, self.shape[0])

    def blocks(self) -> Iterator[tuple[int, FloatArray, FloatArray, FloatArray]]:
        """Yield ``(first_row, dc, dv, slope)`` for consecutive blocks of rows."""
        n = self.shape[0]
        for start in range(0, n, BLOCK_ROWS):
            stop = min(start + BLOCK_ROWS, n)
            cum_c, cum_v = self._cum_block(start, stop)
            dc, slope = steps(cum_c, cum_v)
            dv = np.diff(cum_v, axis=1, prepend=0.0)
            yield start, dc, dv, slope

    def step(self, rows: IntArray, index: IntArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        """``(dc, dv, slope)`` of step ``index[i]`` of keyword ``rows[i]``."""
        width = self.shape[1]
        l1 = self.vertex_level(rows, index)
        first = index == 0
        l0 = self.vertex_level(rows, np.maximum(index - 1, 0))
        c1 = np.take(self.cost, rows * width + l1)
        v1 = np.take(self.value, rows * width + l1)
        c0 = np.take(self.cost, rows * width + l0)
        v0 = np.take(self.value, rows * width + l0)
        c0[first] = 0.0
        v0[first] = 0.0
        dc, dv = c1 - c0, v1 - v0
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            slope = np.fmax(dv / dc, 0.0)
        return dc, dv, slope

    def next_cost(self, rows: IntArray, taken: IntArray) -> FloatArray:
        """Cost of the next step (``taken[i]`` steps taken) of keyword ``rows[i]``."""
        width = self.shape[1]
        base = rows * width
        c1 = np.take(self.cost, base + self.vertex_level(rows, taken))
        c0 = np.take(self.cost, base + self.vertex_level(rows, np.maximum(taken - 1, 0)))
        c0[taken <= 0] = 0.0
        c1 -= c0
        return c1

    def level_after(self, taken: IntArray) -> IntArray:
        """Landscape level reached after ``taken`` steps per keyword (-1 for none)."""
        out = self.first + taken - 1
        if self.odd_rows.size:
            k = taken[self.odd_rows]
            out[self.odd_rows] = self.odd_level[np.arange(k.size), np.maximum(k - 1, 0)]
        out[taken <= 0] = -1
        return out

    def totals_after(self, taken: IntArray) -> tuple[float, float]:
        """Total (cost, value) when each keyword has taken ``taken`` steps.

        Summed over every keyword, 0 for those that take none, in keyword order: the
        same additions, so the same rounding, as a plan's totals
        (``BidLandscape.at_levels(...)["cost"].sum()``).
        """
        level = self.level_after(taken)
        off = level < 0
        flat = np.arange(taken.size) * self.shape[1] + np.maximum(level, 0)
        cost = np.take(self.cost, flat)
        cost[off] = 0.0
        value = np.take(self.value, flat)
        value[off] = 0.0
        return float(cost.sum()), float(value.sum())


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
    so collinear points go); all such points go at once, and only rows that lost a point
    are looked at again, until no row changes.  Returns ``(row, level, cost, value)`` of
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
        cross = (cc - pc) * (nv - pv) - (vv - pv) * (nc - pc)
        drop = (cross >= 0) & ~end
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
    the origin to ``t``, and the vertices are the levels ``t ..`` in order.  The other
    rows (ties included: an exactly tied ratio fails the strict test) are peeled.
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
    np.less(flat[1:], flat[:-1], out=falling[1:])
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
    col = np.arange(levels)[None, :]
    before = np.less_equal(col, t[:, None], out=work.mask[:size].reshape(rows, levels))
    falling2 &= cand
    # the step after the first vertex must fall below the first step (from the origin)
    nxt = np.minimum(at + 1, np.arange(1, rows + 1) * levels - 1)
    falling[nxt] &= np.take(flat, nxt) < top
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


def build_hull(cost: FloatArray, value: FloatArray, allowed: BoolArray | None = None) -> Hull:
    """Upper concave hulls of ``(cost, value)`` per row, from the origin (not bidding).

    Parameters
    ----------
    cost, value : ndarray of float64, shape (n_keywords, n_levels)
        Cost must be non-decreasing along each row.  Neither is copied: the hull reads
        them, so they must not change while it is in use.
    allowed : ndarray of bool, shape (n_keywords, n_levels), optional
        Levels that may be chosen (bid bounds, CPC caps); all by default.

    Returns
    -------
    Hull
        Only steps that add value are kept, so every step's slope is > 0.
    """
    cost = np.ascontiguousarray(cost, dtype=np.float64)
    value = np.ascontiguousarray(value, dtype=np.float64)
    n, levels = cost.shape
    if levels >= 1 << 15:
        raise ValueError(f"At most {(1 << 15) - 1} levels per keyword. Got {levels}.")
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
    odd_pos = np.full(n, -1, dtype=np.int32)
    odd_pos[odd_rows] = np.arange(odd_rows.size, dtype=np.int32)
    return Hull(cost, value, first, n_steps, bucket, bucket_cost, odd_rows, odd_table, odd_pos)
