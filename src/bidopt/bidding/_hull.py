"""Per-keyword upper concave hulls of (cost, value) points, vectorised over keywords.

The multiple-choice knapsack behind bid optimisation is solved on each keyword's upper
concave hull: the LP relaxation only ever picks hull vertices, and the hull's steps
(one per vertex) have decreasing value-per-yuan slopes, so selecting the steepest steps
across keywords solves the relaxation exactly.

A hull is stored as the cumulative cost and value of its vertices.  When every row of
the landscape is already concave (the common case: second-price landscapes are), the
landscape's own arrays *are* the hull and nothing is copied; steps and slopes are
computed on the fly in cache-sized blocks of rows, so a million keywords need no
(n_keywords, n_levels) temporaries.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bidopt.typing import BoolArray, FloatArray, IntArray

__all__ = ["BLOCK_ROWS", "N_BUCKETS", "SHIFT", "Hull", "build_hull", "steps"]

#: Rows per block when scanning hulls (about 1 MB per float64 array at 16 levels).
BLOCK_ROWS = 4096
#: Rows per block when building hulls of rows that are not already concave.
_HULL_ROWS = 8192
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
    buffers of at least the block's size to reuse.  Rows are short (a few dozen
    levels), so differences are taken on the flattened block (contiguous, vectorised)
    and the first column is then put right.
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
    """Upper concave hull of every keyword, as cumulative vertex cost and value.

    Attributes
    ----------
    cum_c, cum_v : ndarray of float64, shape (n_keywords, n_levels)
        Cost and value after each step up the hull; after the last vertex the last
        vertex repeats (zero steps).
    level : ndarray of int16 or None, shape (n_keywords, n_levels)
        Landscape level of each vertex; None when every level is a vertex.
    n_steps : ndarray of int64, shape (n_keywords,)
        Number of vertices (steps) of each keyword's hull.
    bucket : ndarray of uint16, shape (n_keywords, n_levels)
        Slope bucket of each step (``slope.view(int64) >> SHIFT``; 0 for padding):
        monotone in the slope.
    bucket_cost : ndarray of float64, shape (N_BUCKETS,)
        Total step cost in each bucket.
    """

    cum_c: FloatArray
    cum_v: FloatArray
    level: npt.NDArray[np.int16] | None
    n_steps: IntArray
    bucket: npt.NDArray[np.uint16]
    bucket_cost: FloatArray

    @property
    def shape(self) -> tuple[int, int]:
        """``(n_keywords, n_levels)``."""
        return self.cum_c.shape[0], self.cum_c.shape[1]

    def blocks(self) -> Iterator[tuple[int, FloatArray, FloatArray, FloatArray]]:
        """Yield ``(first_row, dc, dv, slope)`` for consecutive blocks of rows."""
        n = self.cum_c.shape[0]
        for start in range(0, n, BLOCK_ROWS):
            stop = min(start + BLOCK_ROWS, n)
            cum_v = self.cum_v[start:stop]
            dc, slope = steps(self.cum_c[start:stop], cum_v)
            dv = np.diff(cum_v, axis=1, prepend=0.0)
            yield start, dc, dv, slope

    def step(self, rows: IntArray, index: IntArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        """``(dc, dv, slope)`` of step ``index[i]`` of keyword ``rows[i]``."""
        width = self.cum_c.shape[1]
        flat = rows * width + index
        c1, v1 = np.take(self.cum_c, flat), np.take(self.cum_v, flat)
        prev = np.maximum(flat - 1, 0)
        first = index == 0
        c0 = np.where(first, 0.0, np.take(self.cum_c, prev))
        v0 = np.where(first, 0.0, np.take(self.cum_v, prev))
        dc, dv = c1 - c0, v1 - v0
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            slope = np.fmax(dv / dc, 0.0)
        return dc, dv, slope

    def totals_after(self, taken: IntArray) -> tuple[float, float]:
        """Total (cost, value) when each keyword has taken ``taken`` steps.

        Summed over every keyword, 0 for those that take none, in keyword order: the
        same additions, so the same rounding, as a plan's totals
        (``BidLandscape.at_levels(...)["cost"].sum()``).
        """
        width = self.cum_c.shape[1]
        flat = np.arange(taken.size) * width + np.maximum(taken - 1, 0)
        off = taken <= 0
        cost = np.take(self.cum_c, flat)
        cost[off] = 0.0
        value = np.take(self.cum_v, flat)
        value[off] = 0.0
        return float(cost.sum()), float(value.sum())

    def level_after(self, taken: IntArray) -> IntArray:
        """Landscape level reached after ``taken`` steps per keyword (-1 for none)."""
        if self.level is None:
            return taken - 1
        flat = np.arange(taken.size) * self.cum_c.shape[1] + np.maximum(taken - 1, 0)
        out = np.take(self.level, flat).astype(np.int64)
        return np.where(taken > 0, out, -1)


def _scan(
    cost: FloatArray, value: FloatArray
) -> tuple[BoolArray, npt.NDArray[np.uint16], FloatArray]:
    """One pass over blocks: concave rows, slope buckets and cost per bucket.

    A row is its own hull when its slopes are > 0 and strictly decreasing.
    """
    n, levels = cost.shape
    ok = np.empty(n, dtype=bool)
    bucket = np.empty((n, levels), dtype=np.uint16)
    bucket_cost = np.zeros(N_BUCKETS)
    rows = min(BLOCK_ROWS, n)
    buffers = (np.empty(rows * levels), np.empty(rows * levels))
    key_buffer = np.empty(rows * levels, dtype=np.int64)
    less = np.empty(max(rows * levels - 1, 0), dtype=bool)
    for start in range(0, n, BLOCK_ROWS):
        stop = min(start + BLOCK_ROWS, n)
        size = (stop - start) * levels
        dc, slope = steps(cost[start:stop], value[start:stop], buffers)
        flat = slope.reshape(-1)
        # slope[j + 1] < slope[j] within rows; entries that cross rows are ignored
        decreasing = np.less(flat[1:], flat[:-1], out=less[: size - 1])
        decreasing[levels - 1 :: levels] = True
        positive = slope[:, -1] > 0  # with decreasing slopes, all steps then add value
        if decreasing.all() and positive.all():
            ok[start:stop] = True
        else:
            ok[start:stop] = np.append(decreasing, True).reshape(-1, levels).all(axis=1) & positive
        key = np.right_shift(flat.view(np.int64), SHIFT, out=key_buffer[:size])
        bucket[start:stop] = key.reshape(-1, levels)
        low = int(key.min())
        counts = np.bincount(key - low if low else key, weights=dc.reshape(-1))
        bucket_cost[low : low + counts.size] += counts
    return ok, bucket, bucket_cost


def _candidates(c: FloatArray, v: FloatArray, allowed: BoolArray | None) -> BoolArray:
    """Points that can be hull vertices: allowed, and worth more than the origin and
    every allowed point before them (cost is non-decreasing, so the others are dominated)."""
    rows, levels = c.shape
    cand = np.empty((rows, levels), dtype=bool)
    if allowed is None:
        flat = v.reshape(-1)
        dv = np.empty(flat.size)
        np.subtract(flat[1:], flat[:-1], out=dv[1:])
        step = dv.reshape(rows, levels)
        step[:, 0] = v[:, 0]
        if not (step < 0).any():  # values rise along every row: the running max is v
            return np.greater(step, 0.0, out=cand)
        masked = v
    else:
        masked = np.where(allowed, v, -np.inf)
    best = np.zeros(rows)  # the origin: nothing bought, worth 0
    for j in range(levels):
        np.greater(masked[:, j], best, out=cand[:, j])
        np.maximum(best, masked[:, j], out=best)
    return cand


def _block_hull(
    c: FloatArray, v: FloatArray, allowed: BoolArray | None
) -> tuple[FloatArray, FloatArray, npt.NDArray[np.int16], IntArray]:
    """Upper concave hulls (from the origin) of a block of rows, in dense form.

    1. Candidates (:func:`_candidates`) keep the points above all earlier ones.
    2. The candidate of largest ``v / c`` (the farthest on ties) is the first vertex:
       every candidate before it whose ratio is clearly smaller lies below the segment
       from the origin to it.  On S-shaped rows this removes the convex stretch at once.
    3. The rest is peeled on a compact list of points: a point on or below the chord
       of its two neighbours is not a vertex (``cross >= 0``, so collinear points go);
       all such points go at once, and only rows that lost a point are looked at
       again, until no row changes.
    """
    rows, levels = c.shape
    cand = _candidates(c, v, allowed)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.divide(v, c)
    ratio[~cand] = -np.inf
    first = (levels - 1) - np.argmax(ratio[:, ::-1], axis=1)
    # a point before it goes only when its ratio is clearly smaller (each ratio is
    # rounded once); near ties are left to the exact-sign test of the peeling
    top = np.take_along_axis(ratio, first[:, None], axis=1)
    cand &= (np.arange(levels)[None, :] >= first[:, None]) | (ratio >= top * (1.0 - 1e-14))
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
    cum_c = np.zeros((rows, levels))
    cum_v = np.zeros((rows, levels))
    level = np.full((rows, levels), -1, dtype=np.int16)
    n_steps = np.zeros(rows, dtype=np.int64)
    for row, col, cc, vv in done:
        if row.size == 0:
            continue
        # rank of each vertex within its row (a row's vertices are contiguous here)
        head = np.empty(row.size, dtype=bool)
        head[0] = True
        np.not_equal(row[1:], row[:-1], out=head[1:])
        heads = np.flatnonzero(head)
        counts = np.diff(np.append(heads, row.size))
        rank = np.arange(row.size) - np.repeat(heads, counts)
        cum_c[row, rank] = cc
        cum_v[row, rank] = vv
        level[row, rank] = col
        n_steps[row[heads]] = counts
    # repeat the last vertex after the top: zero steps
    pad = np.minimum(np.arange(levels)[None, :], np.maximum(n_steps, 1)[:, None] - 1)
    cum_c = np.take_along_axis(cum_c, pad, axis=1)
    cum_v = np.take_along_axis(cum_v, pad, axis=1)
    level = np.take_along_axis(level, pad, axis=1)
    return cum_c, cum_v, level, n_steps


def build_hull(cost: FloatArray, value: FloatArray, allowed: BoolArray | None = None) -> Hull:
    """Upper concave hulls of ``(cost, value)`` per row, from the origin (not bidding).

    Parameters
    ----------
    cost, value : ndarray of float64, shape (n_keywords, n_levels)
        Cost must be non-decreasing along each row.
    allowed : ndarray of bool, shape (n_keywords, n_levels), optional
        Levels that may be chosen (bid bounds, CPC caps); all by default.

    Returns
    -------
    Hull
        Only steps that add value are kept, so every step's slope is > 0.
    """
    n, levels = cost.shape
    if allowed is None:
        ok, bucket, bucket_cost = _scan(cost, value)
        if ok.all():
            return Hull(cost, value, None, np.full(n, levels, np.int64), bucket, bucket_cost)
        redo = np.flatnonzero(~ok)
    else:
        redo = np.arange(n)
    cum_c = np.array(cost, dtype=np.float64)
    cum_v = np.array(value, dtype=np.float64)
    level = np.broadcast_to(np.arange(levels, dtype=np.int16), (n, levels)).copy()
    n_steps = np.full(n, levels, np.int64)
    for start in range(0, redo.size, _HULL_ROWS):
        sub = redo[start : start + _HULL_ROWS]
        contiguous = sub.size and sub[-1] - sub[0] == sub.size - 1
        index: slice | IntArray = slice(int(sub[0]), int(sub[-1]) + 1) if contiguous else sub
        c, v = cost[index], value[index]
        a = None if allowed is None else allowed[index]
        cum_c[index], cum_v[index], level[index], n_steps[index] = _block_hull(c, v, a)
    _, bucket, bucket_cost = _scan(cum_c, cum_v)
    return Hull(cum_c, cum_v, level, n_steps, bucket, bucket_cost)
