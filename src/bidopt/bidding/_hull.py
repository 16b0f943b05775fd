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
    level : ndarray of int32 or None, shape (n_keywords, n_levels)
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
    level: npt.NDArray[np.int32] | None
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
        """Total (cost, value) when each keyword has taken ``taken`` steps."""
        width = self.cum_c.shape[1]
        flat = np.arange(taken.size) * width + np.maximum(taken - 1, 0)
        on = taken > 0
        cost = float(np.take(self.cum_c, flat)[on].sum())
        value = float(np.take(self.cum_v, flat)[on].sum())
        return cost, value

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


def _stack_hull(
    cost: FloatArray, value: FloatArray, allowed: BoolArray
) -> tuple[FloatArray, FloatArray, npt.NDArray[np.int32], IntArray]:
    """Monotone-chain upper hull from the origin, in lockstep over rows."""
    n, levels = cost.shape
    rows = np.arange(n)
    stack_c = np.zeros((n, levels + 1))
    stack_v = np.zeros((n, levels + 1))
    stack_l = np.full((n, levels + 1), -1, dtype=np.int32)
    top = np.zeros(n, dtype=np.int64)
    for j in range(levels):
        c, v = cost[:, j], value[:, j]
        cand = allowed[:, j] & (v > stack_v[rows, top])
        while True:
            active = np.flatnonzero(cand & (top >= 1))
            if active.size == 0:
                break
            t = top[active]
            c1, v1 = stack_c[active, t - 1], stack_v[active, t - 1]
            c2, v2 = stack_c[active, t], stack_v[active, t]
            cross = (c2 - c1) * (v[active] - v1) - (v2 - v1) * (c[active] - c1)
            pop = active[cross >= 0]
            if pop.size == 0:
                break
            top[pop] -= 1
        push = np.flatnonzero(cand)
        top[push] += 1
        stack_c[push, top[push]] = c[push]
        stack_v[push, top[push]] = v[push]
        stack_l[push, top[push]] = j
    # repeat the last vertex after the top: zero steps
    col = np.minimum(np.arange(1, levels + 1)[None, :], top[:, None])
    cum_c = np.take_along_axis(stack_c, col, axis=1)
    cum_v = np.take_along_axis(stack_v, col, axis=1)
    level = np.take_along_axis(stack_l, col, axis=1)
    return cum_c, cum_v, level, top


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
        sub_allowed = np.ones((redo.size, levels), dtype=bool)
    else:
        redo = np.arange(n)
        sub_allowed = allowed
    cum_c = np.array(cost, dtype=np.float64)
    cum_v = np.array(value, dtype=np.float64)
    level = np.broadcast_to(np.arange(levels, dtype=np.int32), (n, levels)).copy()
    n_steps = np.full(n, levels, np.int64)
    s_c, s_v, s_level, s_steps = _stack_hull(cost[redo], value[redo], sub_allowed)
    cum_c[redo], cum_v[redo], level[redo], n_steps[redo] = s_c, s_v, s_level, s_steps
    _, bucket, bucket_cost = _scan(cum_c, cum_v)
    return Hull(cum_c, cum_v, level, n_steps, bucket, bucket_cost)
