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
arrays when needed.  The arrays are built by a compiled row loop when numba is installed
(:mod:`bidopt.bidding._kernels`), else by vectorised numpy, block by block
(:mod:`bidopt.bidding._hull_numpy`, the reference).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from bidopt.bidding import _kernels
from bidopt.bidding._hull_numpy import BLOCK_ROWS, N_BUCKETS, SHIFT, build_arrays
from bidopt.exceptions import InvalidInputError
from bidopt.typing import BoolArray, FloatArray, IntArray

__all__ = ["BLOCK_ROWS", "N_BUCKETS", "SHIFT", "Hull", "build_hull", "steps"]


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
    odd_level : ndarray of int16, shape (n_odd or n_keywords, n_levels)
        Their vertex levels (the last one repeated after the top), row ``odd_pos[k]``
        for keyword ``k``.
    odd_pos : ndarray of int32, shape (n_keywords,)
        Row of each odd keyword in ``odd_level`` (its position in ``odd_rows``, or the
        keyword itself when the kernels built a table with a row per keyword), -1 for
        the others.
    span : tuple of int
        First and last non-zero bucket of ``bucket_cost`` (``(N_BUCKETS, N_BUCKETS - 1)``
        when there is none).
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
    span: tuple[int, int]

    @property
    def shape(self) -> tuple[int, int]:
        """``(n_keywords, n_levels)``."""
        return self.cost.shape[0], self.cost.shape[1]

    def vertex_level(self, rows: IntArray, index: IntArray) -> IntArray:
        """Landscape level of vertex ``index[i]`` (0-based) of keyword ``rows[i]``."""
        if self.odd_rows.size and _kernels.ENABLED:
            return _kernels.vertex_level(self.first, self.odd_pos, self.odd_level, rows, index)
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

    @property
    def tables(self) -> tuple[IntArray, Any, Any, FloatArray, FloatArray]:
        """What the kernels read: ``(first, odd_pos, odd_level, cost, value)``."""
        return self.first, self.odd_pos, self.odd_level, self.cost, self.value

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
        if _kernels.ENABLED:
            return _kernels.step(*self.tables, rows, index)
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

    def edge_steps(
        self, edge: int
    ) -> tuple[IntArray, IntArray, FloatArray, FloatArray, FloatArray]:
        """The steps of slope bucket ``edge``: per keyword the steps above the bucket
        (``taken``, shape (n_keywords,)), and the bucket's steps with a positive slope,
        by keyword then level, as ``(taken, rows, dc, dv, slope)``.

        Buckets fall along each row's steps, so the steps above the edge are a prefix
        and the edge bucket's steps of a row are contiguous right after it.
        """
        if edge and _kernels.ENABLED:
            return _kernels.edge_steps(self.bucket, edge, *self.tables)
        if edge:
            taken = np.count_nonzero(self.bucket > edge, axis=1).astype(np.int64)
            # the edge bucket's steps, by row then level (buckets sit at vertex levels)
            rows = np.flatnonzero(self.bucket.reshape(-1) == edge) // self.shape[1]
        else:
            # bucket 0 also marks levels that are not vertices: every remaining step
            taken = np.count_nonzero(self.bucket > edge, axis=1).astype(np.int64)
            spans = self.n_steps - taken
            rows = np.repeat(np.arange(spans.size), spans)
        head = np.empty(rows.size, dtype=bool)
        head[:1] = True
        np.not_equal(rows[1:], rows[:-1], out=head[1:])
        starts = np.flatnonzero(head)
        rank = np.arange(rows.size) - np.repeat(starts, np.diff(np.append(starts, rows.size)))
        dc, dv, slope = self.step(rows, taken[rows] + rank)
        real = slope > 0
        return taken, rows[real], dc[real], dv[real], slope[real]

    def next_cost(self, rows: IntArray, taken: IntArray) -> FloatArray:
        """Cost of the next step (``taken[i]`` steps taken) of keyword ``rows[i]``."""
        if _kernels.ENABLED:
            return _kernels.step(*self.tables, rows, taken, with_value=False)[0]
        width = self.shape[1]
        base = rows * width
        c1 = np.take(self.cost, base + self.vertex_level(rows, taken))
        c0 = np.take(self.cost, base + self.vertex_level(rows, np.maximum(taken - 1, 0)))
        c0[taken <= 0] = 0.0
        c1 -= c0
        return c1

    def affordable(self, taken: IntArray, remaining: float) -> IntArray:
        """Keywords with a next step (``taken`` steps taken per keyword) that costs at
        most ``remaining`` on its own (ascending row numbers)."""
        if _kernels.ENABLED:
            f, pos, table, cost, _ = self.tables
            return _kernels.fill_pool(f, pos, table, cost, self.n_steps, taken, remaining)
        pool = np.flatnonzero(taken < self.n_steps)
        return pool[self.next_cost(pool, taken[pool]) <= remaining]

    def level_after(self, taken: IntArray) -> IntArray:
        """Landscape level reached after ``taken`` steps per keyword (-1 for none)."""
        if _kernels.ENABLED:
            return _kernels.level_after(self.first, self.odd_pos, self.odd_level, taken)
        out = self.first + taken - 1
        if self.odd_rows.size:
            k = taken[self.odd_rows]
            at = self.odd_pos[self.odd_rows]
            out[self.odd_rows] = self.odd_level[at, np.maximum(k - 1, 0)]
        out[taken <= 0] = -1
        return out

    def totals_after(self, taken: IntArray) -> tuple[float, float]:
        """Total (cost, value) when each keyword has taken ``taken`` steps.

        Summed over every keyword, 0 for those that take none, in keyword order: the
        same additions, so the same rounding, as a plan's totals
        (``BidLandscape.at_levels(...)["cost"].sum()``).
        """
        if _kernels.ENABLED:
            return _kernels.totals_after(*self.tables, taken)
        level = self.level_after(taken)
        off = level < 0
        flat = np.arange(taken.size) * self.shape[1] + np.maximum(level, 0)
        cost = np.take(self.cost, flat)
        cost[off] = 0.0
        value = np.take(self.value, flat)
        value[off] = 0.0
        return float(cost.sum()), float(value.sum())


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
        raise InvalidInputError(
            f"`landscape` must have at most {(1 << 15) - 1} bid levels per keyword. "
            f"Got {levels} instead."
        )
    # rows beyond the exact orientation test's range are built again, rescaled: those
    # the kernels could not decide (left out of their bucket costs), else every row of
    # far magnitude (counted in the numpy path's)
    kernels = _kernels.ENABLED
    if kernels:
        bucket, bucket_cost, first, n_steps, odd_pos, unsure, _, odd_table, span = (
            _kernels.hull_rows(cost, value, allowed, SHIFT, N_BUCKETS)
        )
        odd_rows = np.flatnonzero(odd_pos >= 0)
        redo = np.flatnonzero(unsure)
    else:
        first, n_steps, bucket, bucket_cost, odd_rows, odd_table = build_arrays(
            cost, value, allowed
        )
        odd_pos = np.full(n, -1, dtype=np.int32)
        odd_pos[odd_rows] = np.arange(odd_rows.size, dtype=np.int32)
        span = _span(bucket_cost)
        redo = _far_rows(cost, value) if cost.size else np.zeros(0, dtype=np.int64)
    hull = Hull(
        cost, value, first, n_steps, bucket, bucket_cost, odd_rows, odd_table, odd_pos, span
    )
    return _rescaled(hull, redo, allowed, counted=not kernels) if redo.size else hull


#: Magnitudes beyond which (or, not 0, below whose inverse) a row's cross products can
#: leave float64's exact range: such rows are scaled by a power of two (exactly) before
#: their hull is built.
_FAR = 2.0**400


def _row_exponents(a: FloatArray) -> npt.NDArray[np.int64]:
    """Per row, the exponent of the largest finite absolute value (``frexp``'s: that
    value scaled by ``2**-e`` is in [0.5, 1)); 0 for a row without a non-zero one."""
    top = np.max(np.where(np.isfinite(a), np.abs(a), 0.0), axis=1)
    exponent: npt.NDArray[np.int64] = np.frexp(top)[1].astype(np.int64)
    return exponent


def _far_rows(cost: FloatArray, value: FloatArray) -> IntArray:
    """Rows whose largest cost or value (absolute) is beyond :data:`_FAR`, or not 0 and
    below its inverse."""
    far = np.zeros(cost.shape[0], dtype=bool)
    for a in (cost, value):
        top = np.max(np.abs(a), axis=1)
        far |= (top > _FAR) | ((top > 0) & (top < 1.0 / _FAR))
    return np.flatnonzero(far)


def _step_buckets(hull: Hull) -> tuple[npt.NDArray[np.uint16], FloatArray]:
    """Each vertex's slope bucket at its level (0 elsewhere), shape ``hull.shape``, and
    the total step cost per bucket, from ``hull``'s own arrays (its vertices given)."""
    n, width = hull.shape
    bucket = np.zeros((n, width), dtype=np.uint16)
    bucket_cost = np.zeros(N_BUCKETS)
    for start, dc, _, slope in hull.blocks():
        r, i = np.nonzero(slope > 0)  # (the padding after a row's top has slope 0)
        key = np.maximum(slope[r, i].view(np.int64) >> SHIFT, 1)
        bucket[start + r, hull._levels_block(start, start + dc.shape[0])[r, i]] = key
        bucket_cost += np.bincount(key, weights=dc[r, i], minlength=N_BUCKETS)
    bucket_cost[0] = 0.0
    return bucket, bucket_cost


def _rescaled(hull: Hull, rows: IntArray, allowed: BoolArray | None, *, counted: bool) -> Hull:
    """``hull`` with the hulls of ``rows`` built again with each row's costs and values
    scaled by a power of two each (:func:`_row_exponents`, so each's largest is near 1):
    exact, so the vertices are those of the unscaled row, now decided within the exact
    test's range.  Rows the kernels still cannot decide are built by the numpy path on
    their unscaled values.  The rebuilt rows' slope buckets come from their unscaled
    steps; their step costs are added to the bucket costs, or, when ``counted``
    (``hull`` already holds their old steps), every bucket cost is summed again."""
    n = hull.shape[0]
    cost, value = hull.cost[rows], hull.value[rows]
    c = np.ldexp(cost, -_row_exponents(cost)[:, None])
    v = np.ldexp(value, -_row_exponents(value)[:, None])
    a = None if allowed is None else np.ascontiguousarray(allowed[rows])
    if _kernels.ENABLED:
        _, _, first, n_steps, odd_pos, unsure, n_unsure, table, _ = _kernels.hull_rows(
            c, v, a, SHIFT, N_BUCKETS
        )
        sub_odd = np.flatnonzero(odd_pos >= 0)
        sub_table = table[sub_odd]
        if n_unsure:  # as the numpy path has them, unscaled (as before rescaling)
            redo = np.flatnonzero(unsure)
            f, k, _, _, odd_redo, t = build_arrays(
                cost[redo], value[redo], None if a is None else a[redo]
            )
            first[redo], n_steps[redo] = f, k
            keep = ~np.isin(sub_odd, redo)
            sub_odd = np.concatenate([sub_odd[keep], redo[odd_redo]])
            sub_table = np.concatenate([sub_table[keep], t.astype(np.int16)])
    else:
        first, n_steps, _, _, sub_odd, sub_table = build_arrays(c, v, a)
    sub_odd = np.asarray(sub_odd, dtype=np.int64)
    order = np.argsort(sub_odd, kind="stable")
    sub_odd, sub_table = sub_odd[order], np.asarray(sub_table, dtype=np.int16)[order]
    sub_pos = np.full(rows.size, -1, dtype=np.int32)
    sub_pos[sub_odd] = np.arange(sub_odd.size, dtype=np.int32)
    # the rebuilt rows on their unscaled arrays: each vertex's slope bucket and, summed,
    # the step costs per bucket
    sub = Hull(
        cost,
        value,
        first,
        n_steps,
        np.zeros((rows.size, hull.shape[1]), dtype=np.uint16),
        hull.bucket_cost,
        sub_odd,
        np.ascontiguousarray(sub_table),
        sub_pos,
        hull.span,
    )
    bucket, added = _step_buckets(sub)
    new_first, new_steps, new_bucket = hull.first.copy(), hull.n_steps.copy(), hull.bucket.copy()
    new_first[rows], new_steps[rows], new_bucket[rows] = first, n_steps, bucket
    # the odd rows' table, compact: the other odd rows' rows, then the rebuilt ones'
    old_odd = hull.odd_rows[~np.isin(hull.odd_rows, rows)]
    odd_rows = np.concatenate([old_odd, rows[sub_odd]]).astype(np.int64)
    odd_table = np.concatenate([hull.odd_level[hull.odd_pos[old_odd]], sub_table])
    order = np.argsort(odd_rows, kind="stable")
    odd_rows, odd_table = odd_rows[order], np.ascontiguousarray(odd_table[order])
    odd_pos = np.full(n, -1, dtype=np.int32)
    odd_pos[odd_rows] = np.arange(odd_rows.size, dtype=np.int32)
    fixed = Hull(
        hull.cost,
        hull.value,
        new_first,
        new_steps,
        new_bucket,
        hull.bucket_cost,
        odd_rows,
        odd_table,
        odd_pos,
        hull.span,
    )
    bucket_cost = _step_buckets(fixed)[1] if counted else hull.bucket_cost + added
    return replace(fixed, bucket_cost=bucket_cost, span=_span(bucket_cost))


def _span(bucket_cost: FloatArray) -> tuple[int, int]:
    """First and last non-zero bucket (``(size, size - 1)`` when all are zero)."""
    full = np.flatnonzero(bucket_cost)
    if full.size == 0:
        return bucket_cost.size, bucket_cost.size - 1
    return int(full[0]), int(full[-1])
