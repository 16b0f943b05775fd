"""Compiled :func:`~bidopt.bidding._solvers.fill_levels` for a plan under a budget alone
(no target, no group budgets; optional: numba).

Each round of the numpy code makes some twenty whole-array calls; here a round is one
pass over the keywords whose next level fits, each one's best move found in its row,
and the moves taken best first from a heap (only as many as fit are ordered).  The
order and the arithmetic follow the numpy code operation by operation (its sums are
numpy's pairwise sums), so both build the same plan; the numpy code stays the
reference.  Compiled with the other kernels (:mod:`bidopt.bidding._kernels`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

import bidopt.bidding._kernels_fill as _kernels_fill
from bidopt.bidding import _kernels
from bidopt.bidding._kernels import _jit
from bidopt.typing import BoolArray, FloatArray, IntArray

__all__ = ["fill_levels"]


@_jit
def _better(score: Any, a: int, b: int) -> bool:  # pragma: no cover - compiled
    """Item ``a`` comes before ``b``: the higher score, then the lower position."""
    return bool(score[a] > score[b] or (score[a] == score[b] and a < b))


@_jit
def _sift_down(heap: Any, size: int, j: int, score: Any) -> None:  # pragma: no cover
    x = heap[j]
    while True:
        child = 2 * j + 1
        if child >= size:
            break
        if child + 1 < size and _better(score, heap[child + 1], heap[child]):
            child += 1
        if not _better(score, heap[child], x):
            break
        heap[j] = heap[child]
        j = child
    heap[j] = x


@_jit
def _fill_levels(
    cost: Any,
    value: Any,
    allowed: Any,
    budget: float,
    out: Any,
    max_rounds: int,
    max_rows: int,
    top_level: Any,
    has_top: bool,
) -> None:  # pragma: no cover - compiled
    n, width = cost.shape
    tiny = np.finfo(np.float64).tiny
    cur_c = np.empty(n)
    cur_v = np.empty(n)
    next_dc = np.empty(n)
    next_dv = np.empty(n)
    known = np.zeros(n, np.bool_)  # cur_v and next_dv read: only the candidates' values
    for r in range(n):
        k = out[r]
        cur_c[r] = cost[r, k] if k >= 0 else 0.0
        next_dc[r] = cost[r, k + 1] - cur_c[r] if k + 1 < width else np.inf
    room = budget - _kernels_fill._pairwise_sum(cur_c, 0, n)
    rows = np.empty(n, np.int64)
    steep = np.empty(n)
    heap_buf = np.empty(max_rows)
    pick = np.empty(n, np.int64)
    step_c = np.empty(n)
    score = np.empty(n)  # by position among the round's candidates
    heap = np.empty(n, np.int64)
    taken_c = np.empty(n)
    for _ in range(max_rounds):
        if room < 0:
            break
        m = 0
        for r in range(n):
            if next_dc[r] <= room:
                rows[m] = r
                m += 1
                if not known[r]:
                    known[r] = True
                    k = out[r]
                    cur_v[r] = value[r, k] if k >= 0 else 0.0
                    next_dv[r] = value[r, k + 1] - cur_v[r] if k + 1 < width else 0.0
        if m == 0:
            break
        if m > max_rows:  # the steepest next levels (and their ties)
            for i in range(m):
                r = rows[i]
                steep[i] = next_dv[r] / max(next_dc[r], tiny)
            kth = _kernels_fill._kth_largest(steep, np.arange(m), m, max_rows, heap_buf)
            kept = 0
            for i in range(m):
                if steep[i] >= kth:
                    rows[kept] = rows[i]
                    kept += 1
            m = kept
        # each candidate's best move up: most objective per share of the room
        scale = max(room, tiny)
        size = 0
        for i in range(m):
            r = rows[i]
            best = -1
            best_score = -np.inf
            if has_top and out[r] == top_level[r]:  # at its most valuable level: no move up
                continue
            for j in range(out[r] + 1, width):
                dc = cost[r, j] - cur_c[r]
                if dc > room:  # cost does not fall along a row: no later level fits
                    break
                dv = value[r, j] - cur_v[r]
                if not (dv > 0 and dc <= room):
                    continue
                if allowed is not None and not allowed[r, j]:  # (None: compiled out)
                    continue
                s = dv / max(max(dc, 0.0) / scale, tiny)
                if best < 0 or s > best_score:
                    best = j
                    best_score = s
            if best >= 0:
                rows[size] = r
                pick[size] = best
                step_c[size] = cost[r, best] - cur_c[r]
                score[size] = best_score
                heap[size] = size
                size += 1
        if size == 0:
            break
        # moves best first (score, then row), while their running total fits
        for j in range(size // 2 - 1, -1, -1):
            _sift_down(heap, size, j, score)
        cum = 0.0
        k = 0
        left = size
        while left > 0:
            top = heap[0]
            c = cum + step_c[top]
            if not c <= room:
                break
            cum = c
            taken_c[k] = step_c[top]
            pick[top] = -1 - pick[top]  # mark taken (decoded below)
            k += 1
            left -= 1
            heap[0] = heap[left]
            _sift_down(heap, left, 0, score)
        if k == 0:
            break
        room -= _kernels_fill._pairwise_sum(taken_c, 0, k)
        for i in range(size):
            if pick[i] < 0:
                r = rows[i]
                new = -1 - pick[i]
                out[r] = new
                cur_c[r] = cost[r, new]
                cur_v[r] = value[r, new]
                if new + 1 < width:
                    next_dc[r] = cost[r, new + 1] - cur_c[r]
                    next_dv[r] = value[r, new + 1] - cur_v[r]
                else:
                    next_dc[r] = np.inf
                    next_dv[r] = 0.0


def fill_levels(
    cost: FloatArray,
    value: FloatArray,
    allowed: BoolArray | None,
    budget: float,
    levels: IntArray,
    max_rounds: int,
    max_rows: int,
    top: IntArray | None = None,
) -> IntArray:
    """``_solvers.fill_levels`` for a problem without target and group budgets.

    ``top`` (optional, int64 of shape (n_keywords,)): each keyword's most valuable
    allowed level (its hull's last vertex, -1 for none), whose row is not scanned for a
    move up when the plan is there (none is worth more).
    """
    _kernels._compile()
    out = np.array(levels, dtype=np.int64, copy=True)
    _fill_levels(
        np.ascontiguousarray(cost, dtype=np.float64),
        np.ascontiguousarray(value, dtype=np.float64),
        None if allowed is None else np.ascontiguousarray(allowed, np.bool_),
        budget,
        out,
        max_rounds,
        max_rows,
        np.zeros(0, dtype=np.int64) if top is None else np.ascontiguousarray(top, np.int64),
        top is not None,
    )
    return out
