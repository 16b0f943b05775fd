"""Compiled loops for the integral plan of a single budget (optional: numba).

The greedy fill and the other rounding of the partial step, each in one pass where the
numpy code in :mod:`bidopt.bidding._select` makes many whole-array calls (tens of
microseconds each, which is most of a 10,000-keyword solve).  They follow the numpy
code's order and arithmetic operation by operation, so both paths build the same plan;
the numpy code stays the reference they are tested against.  Compiled with the other
kernels (:mod:`bidopt.bidding._kernels`) on first use.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from bidopt.bidding import _kernels
from bidopt.bidding._kernels import _jit
from bidopt.typing import FloatArray, IntArray

__all__ = ["greedy_fill", "next_steps", "round_up_drops", "steps_around"]

_FEW = 32  # the other rounding sorts this many of the flattest last steps first


@_jit
def _block_sum(a: Any, lo: int, n: int) -> float:  # pragma: no cover - compiled
    """numpy's pairwise sum of ``a[lo:lo + n]`` for ``n <= 128`` (eight accumulators)."""
    if n < 8:
        res = 0.0
        for i in range(lo, lo + n):
            res += a[i]
        return float(res)
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i = lo + 8
    stop = lo + n - n % 8
    while i < stop:
        r0 += a[i]
        r1 += a[i + 1]
        r2 += a[i + 2]
        r3 += a[i + 3]
        r4 += a[i + 4]
        r5 += a[i + 5]
        r6 += a[i + 6]
        r7 += a[i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < lo + n:
        res += a[i]
        i += 1
    return float(res)


@_jit
def _pairwise_sum(a: Any, lo: int, n: int) -> float:  # pragma: no cover - compiled
    """``a[lo:lo + n].sum()`` with numpy's own pairwise summation (the same rounding):
    halves (a multiple of 8 on the left) down to blocks of at most 128, added left +
    right.  The recursion runs on an explicit stack (numba's disk cache mishandles
    recursive kernels)."""
    if n <= 128:
        return float(_block_sum(a, lo, n))
    s_lo = np.empty(64, np.int64)
    s_n = np.empty(64, np.int64)
    s_left = np.empty(64)
    s_phase = np.zeros(64, np.int64)  # 1: waiting for the left half, 2: for the right
    s_lo[0] = lo
    s_n[0] = n
    sp = 1
    while True:
        t = sp - 1
        m = s_n[t]
        if m > 128:  # split: the left half first
            h = m // 2
            h -= h % 8
            s_phase[t] = 1
            s_lo[sp] = s_lo[t]
            s_n[sp] = h
            s_phase[sp] = 0
            sp += 1
            continue
        v = _block_sum(a, s_lo[t], m)
        sp -= 1
        while sp > 0:  # hand the value up until a parent still needs its right half
            p = sp - 1
            if s_phase[p] == 1:
                s_left[p] = v
                s_phase[p] = 2
                h = s_n[p] // 2
                h -= h % 8
                s_lo[sp] = s_lo[p] + h
                s_n[sp] = s_n[p] - h
                s_phase[sp] = 0
                sp += 1
                break
            v = s_left[p] + v
            sp -= 1
        if sp == 0:
            return float(v)


@_jit
def _merge_pass(
    src: Any, dst: Any, n: int, width: int, key1: Any, key2: Any
) -> None:  # pragma: no cover - compiled
    """Merge the sorted runs of ``width`` items of ``src[:n]`` into ``dst``, taking from
    the right run only when strictly smaller (stable)."""
    for lo in range(0, n, 2 * width):
        mid = min(lo + width, n)
        hi = min(lo + 2 * width, n)
        i = lo
        j = mid
        for out in range(lo, hi):
            if i < mid and j < hi:
                a = src[i]
                b = src[j]
                if key1[b] < key1[a] or (key1[b] == key1[a] and key2[b] < key2[a]):
                    dst[out] = b
                    j += 1
                else:
                    dst[out] = a
                    i += 1
            elif i < mid:
                dst[out] = src[i]
                i += 1
            else:
                dst[out] = src[j]
                j += 1


@_jit
def _sort(index: Any, key1: Any, key2: Any, tmp: Any) -> None:  # pragma: no cover
    """Sort ``index`` (positions) in place by ``key1``, then ``key2``, then input order:
    a bottom-up merge sort (stable; numba's mergesort allocates at every level)."""
    n = index.size
    in_tmp = False
    width = 1
    while width < n:
        if in_tmp:
            _merge_pass(tmp, index, n, width, key1, key2)
        else:
            _merge_pass(index, tmp, n, width, key1, key2)
        in_tmp = not in_tmp
        width *= 2
    if in_tmp:
        index[:] = tmp[:n]


@_jit
def _kth_largest(values: Any, index: Any, n: int, k: int, heap: Any) -> float:  # pragma: no cover
    """The ``k``-th largest of ``values[index[:n]]`` (``n >= k >= 1``), ties counted:
    a min-heap of the ``k`` largest (quickselect degrades on many equal values)."""
    size = 0
    for i in range(n):
        x = values[index[i]]
        if size < k:  # push, sift up
            j = size
            size += 1
            while j > 0:
                parent = (j - 1) >> 1
                if heap[parent] <= x:
                    break
                heap[j] = heap[parent]
                j = parent
            heap[j] = x
        elif x > heap[0]:  # replace the smallest, sift down
            j = 0
            while True:
                child = 2 * j + 1
                if child >= k:
                    break
                if child + 1 < k and heap[child + 1] < heap[child]:
                    child += 1
                if heap[child] >= x:
                    break
                heap[j] = heap[child]
                j = child
            heap[j] = x
    return float(heap[0])


@_jit
def _take_best_first(
    slope: Any, neg_slope: Any, dc: Any, a: int, remaining: float, head_size: int, picked: Any
) -> tuple[int, float]:  # pragma: no cover - compiled
    """``_select._take_best_first`` on items ``0 .. a-1``: heads of the steepest
    ``head_size`` items (and their ties), twice as many each time, each sorted and
    walked in runs, the walk going on from one head to the next."""
    live = np.arange(a)
    nl = a
    head = np.empty(a, np.int64)
    tmp = np.empty(a, np.int64)
    heap = np.empty(a)
    n_picked = 0
    size = head_size
    cum = 0.0  # the open run
    while nl > 0:
        h = 0
        if nl > size:
            kth = _kth_largest(slope, live, nl, size, heap)
            rest = 0
            for i in range(nl):
                p = live[i]
                if slope[p] >= kth:
                    head[h] = p
                    h += 1
                else:
                    live[rest] = p
                    rest += 1
            nl = rest
        else:
            head[:nl] = live[:nl]
            h = nl
            nl = 0
        order = head[:h]
        _sort(order, neg_slope, dc, tmp)
        for i in range(h):
            p = order[i]
            d = dc[p]
            if d > remaining:  # dropped when an earlier run ended
                continue
            c = cum + d
            if c <= remaining:
                picked[n_picked] = p
                n_picked += 1
                cum = c
            else:  # the run ends: this item is skipped
                remaining = remaining - cum
                cum = 0.0
        rest = 0
        for i in range(nl):
            p = live[i]
            if dc[p] <= remaining:
                live[rest] = p
                rest += 1
        nl = rest
        size *= 2
    return n_picked, remaining - cum


@_jit
def _greedy_fill(
    first: Any,
    odd_pos: Any,
    odd_level: Any,
    cost: Any,
    value: Any,
    n_steps: Any,
    taken: Any,
    remaining: float,
    head_size: int,
    rounds: int,
    next_dc: Any,
    next_dv: Any,
) -> tuple[float, float]:  # pragma: no cover - compiled
    n = taken.size
    # the first round's candidates are every keyword whose next step fits (the numpy
    # code's pool), so it walks all keywords, their next steps given (next_steps);
    # later rounds only those that moved
    pool = np.empty(n, np.int64)
    m = 0
    rows = np.empty(n, np.int64)
    dcs = np.empty(n)
    dvs = np.empty(n)
    slopes = np.empty(n)
    neg = np.empty(n)
    picked = np.empty(n, np.int64)
    gained = np.empty(n)
    added = 0.0
    for round_ in range(rounds):
        a = 0
        if round_ == 0:
            for r in range(n):
                dc = next_dc[r]
                if dc <= remaining:  # (inf for a keyword with no step left)
                    dv = next_dv[r]
                    s = dv / dc
                    if s > 0:
                        rows[a] = r
                        dcs[a] = dc
                        dvs[a] = dv
                        slopes[a] = s
                        neg[a] = -s
                        a += 1
            m = 0
        for i in range(m):
            r = pool[i]
            k = taken[r]
            if k >= n_steps[r]:
                continue
            # step k of row r as Hull.step computes it (written out: a call that
            # passes arrays costs as much as the step)
            pos = odd_pos[r]
            l1 = first[r] + k if pos < 0 else odd_level[pos, k]
            c0 = 0.0
            v0 = 0.0
            if k > 0:
                l0 = first[r] + k - 1 if pos < 0 else odd_level[pos, k - 1]
                c0 = cost[r, l0]
                v0 = value[r, l0]
            dc = cost[r, l1] - c0
            dv = value[r, l1] - v0
            s = dv / dc
            if dc <= remaining and s > 0:
                rows[a] = r
                dcs[a] = dc
                dvs[a] = dv
                slopes[a] = s
                neg[a] = -s
                a += 1
        if a == 0:
            break
        n_picked, remaining = _take_best_first(
            slopes[:a], neg[:a], dcs[:a], a, remaining, head_size, picked
        )
        if n_picked == 0:
            break
        for i in range(n_picked):  # the keywords that moved, in the order taken: the
            r = rows[picked[i]]  # next round's pool
            taken[r] += 1
            pool[i] = r
            gained[i] = dvs[picked[i]]
        m = n_picked
        added += _pairwise_sum(gained, 0, n_picked)
    return remaining, added


def greedy_fill(
    tables: tuple[Any, ...],
    n_steps: IntArray,
    taken: IntArray,
    remaining: float,
    head_size: int,
    rounds: int,
    steps: tuple[FloatArray, FloatArray] | None = None,
) -> tuple[float, float]:
    """``_select._greedy_fill`` without group budgets: ``taken`` is updated in place;
    returns what is left of ``remaining`` and the value added (summed as numpy sums).

    ``steps`` may pass :func:`next_steps` of ``taken`` when the caller has them.
    """
    _kernels._compile()
    first, odd_pos, odd_level, cost, value = tables
    next_dc, next_dv = next_steps(tables, n_steps, taken) if steps is None else steps
    left, added = _greedy_fill(
        first,
        odd_pos,
        odd_level,
        cost,
        value,
        n_steps,
        taken,
        remaining,
        head_size,
        rounds,
        next_dc,
        next_dv,
    )
    return float(left), float(added)


@_jit
def _next_steps(
    first: Any,
    odd_pos: Any,
    odd_level: Any,
    cost: Any,
    value: Any,
    n_steps: Any,
    taken: Any,
    rows: Any,
    all_rows: bool,
    next_dc: Any,
    next_dv: Any,
    around: bool,
    last_dc: Any,
    last_slope: Any,
    cost_at: Any,
    value_at: Any,
) -> None:  # pragma: no cover - compiled
    for i in range(taken.size if all_rows else rows.size):
        r = i if all_rows else rows[i]
        k = taken[r]
        # step k of row r as Hull.step computes it; around: step k - 1 too, and the
        # point reached (as Hull.totals_after picks it)
        pos = odd_pos[r]
        c0 = 0.0
        v0 = 0.0
        if k > 0:
            l0 = first[r] + k - 1 if pos < 0 else odd_level[pos, k - 1]
            c0 = cost[r, l0]
            v0 = value[r, l0]
            if around:
                cp = 0.0
                vp = 0.0
                if k > 1:
                    lp = first[r] + k - 2 if pos < 0 else odd_level[pos, k - 2]
                    cp = cost[r, lp]
                    vp = value[r, lp]
                d = c0 - cp
                s = (v0 - vp) / d
                last_dc[r] = d
                last_slope[r] = s if s > 0 else 0.0
        if around:
            cost_at[r] = c0
            value_at[r] = v0
        if k >= n_steps[r]:
            next_dc[r] = np.inf
            next_dv[r] = 0.0
            continue
        l1 = first[r] + k if pos < 0 else odd_level[pos, k]
        next_dc[r] = cost[r, l1] - c0
        next_dv[r] = value[r, l1] - v0


def next_steps(
    tables: tuple[Any, ...],
    n_steps: IntArray,
    taken: IntArray,
    rows: IntArray | None = None,
    like: tuple[FloatArray, FloatArray] | None = None,
) -> tuple[FloatArray, FloatArray]:
    """Each keyword's next hull step ``(dc, dv)`` after ``taken`` steps (``dc`` inf
    when none is left), for :func:`greedy_fill`.  With ``rows`` and ``like``: a copy of
    ``like`` with only those keywords' steps recomputed (the others' ``taken`` equal).
    """
    _kernels._compile()
    first, odd_pos, odd_level, cost, value = tables
    if rows is None or like is None:
        next_dc, next_dv = np.empty(taken.size), np.empty(taken.size)
        rows = np.zeros(0, dtype=np.int64)
        every = True
    else:
        next_dc, next_dv = like[0].copy(), like[1].copy()
        every = False
    none = np.zeros(0)
    _next_steps(
        first,
        odd_pos,
        odd_level,
        cost,
        value,
        n_steps,
        taken,
        rows,
        every,
        next_dc,
        next_dv,
        False,
        none,
        none,
        none,
        none,
    )
    return next_dc, next_dv


def steps_around(
    tables: tuple[Any, ...], n_steps: IntArray, taken: IntArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """:func:`next_steps` of every keyword and, in the same pass, the last step taken
    (``taken - 1``) of those that took one and the point reached: ``(next_dc, next_dv,
    last_dc, last_slope, cost_at, value_at)``, each of shape (n_keywords,).  The last
    slope is clipped at 0 as :func:`round_up_drops` has it (``last_*`` is not written
    where ``taken`` is 0); ``cost_at`` and ``value_at`` are 0 there, so their numpy
    sums are :meth:`Hull.totals_after <bidopt.bidding._hull.Hull.totals_after>`."""
    _kernels._compile()
    first, odd_pos, odd_level, cost, value = tables
    n = taken.size
    next_dc, next_dv, last_dc, last_slope, cost_at, value_at = (np.empty(n) for _ in range(6))
    _next_steps(
        first,
        odd_pos,
        odd_level,
        cost,
        value,
        n_steps,
        taken,
        np.zeros(0, dtype=np.int64),
        True,
        next_dc,
        next_dv,
        True,
        last_dc,
        last_slope,
        cost_at,
        value_at,
    )
    return next_dc, next_dv, last_dc, last_slope, cost_at, value_at


@_jit
def _last_steps(
    first: Any,
    odd_pos: Any,
    odd_level: Any,
    cost: Any,
    value: Any,
    taken: Any,
    row: int,
    rows: Any,
    dcs: Any,
    slopes: Any,
) -> int:  # pragma: no cover - compiled
    """The last step taken of every keyword but ``row`` that took one: ``(rows, dcs,
    slopes)[:m]``, slopes clipped at 0; returns ``m``."""
    m = 0
    for r in range(taken.size):
        k = taken[r] - 1
        if k >= 0 and r != row:  # the last step taken, as Hull.step computes it
            pos = odd_pos[r]
            l1 = first[r] + k if pos < 0 else odd_level[pos, k]
            c0 = 0.0
            v0 = 0.0
            if k > 0:
                l0 = first[r] + k - 1 if pos < 0 else odd_level[pos, k - 1]
                c0 = cost[r, l0]
                v0 = value[r, l0]
            dc = cost[r, l1] - c0
            s = (value[r, l1] - v0) / dc
            rows[m] = r
            dcs[m] = dc
            slopes[m] = s if s > 0 else 0.0
            m += 1
    return m


@_jit
def _collect_last(
    taken: Any, row: int, last_dc: Any, last_slope: Any, rows: Any, dcs: Any, slopes: Any
) -> int:  # pragma: no cover - compiled
    """:func:`_last_steps` from the steps :func:`steps_around` computed."""
    m = 0
    for r in range(taken.size):
        if taken[r] >= 1 and r != row:
            rows[m] = r
            dcs[m] = last_dc[r]
            slopes[m] = last_slope[r]
            m += 1
    return m


@_jit
def _round_up_drops(
    rows: Any, dcs: Any, slopes: Any, m: int, excess: float, out: Any
) -> int:  # pragma: no cover - compiled
    # the least value per yuan first, then the larger step, then the lower row: sort the
    # few flattest steps (and their ties) while they free enough, else all of them
    index = np.arange(m)
    neg_slope = -slopes[:m]
    neg_dc = -dcs[:m]
    tmp = np.empty(m, np.int64)
    heap = np.empty(_FEW)
    h = m
    if m > _FEW:
        kth = -_kth_largest(neg_slope, index, m, _FEW, heap)
        h = 0
        for i in range(m):
            if slopes[i] <= kth:
                index[h] = i
                h += 1
    for _attempt in range(2):
        order = index[:h]
        _sort(order, slopes, neg_dc, tmp)
        freed = 0.0
        for i in range(h):
            p = order[i]
            out[i] = rows[p]
            freed += dcs[p]
            if freed >= excess:
                return i + 1
        if h == m:
            break
        index = np.arange(m)
        h = m
    return -1


def round_up_drops(
    tables: tuple[Any, ...],
    taken: IntArray,
    row: int,
    excess: float,
    last: tuple[FloatArray, FloatArray] | None = None,
) -> IntArray | None:
    """The keywords whose last step ``_select._round_up_and_repair`` gives back (in
    order), or None when all of them free less than ``excess``.  ``last`` may pass the
    last steps ``(last_dc, last_slope)`` of :func:`steps_around` of ``taken``."""
    _kernels._compile()
    first, odd_pos, odd_level, cost, value = tables
    n = taken.size
    rows, dcs, slopes = np.empty(n, dtype=np.int64), np.empty(n), np.empty(n)
    if last is None:
        m = _last_steps(first, odd_pos, odd_level, cost, value, taken, row, rows, dcs, slopes)
    else:
        m = _collect_last(taken, row, last[0], last[1], rows, dcs, slopes)
    out = np.empty(n, dtype=np.int64)
    k = _round_up_drops(rows, dcs, slopes, m, excess, out)
    return None if k < 0 else out[:k]
