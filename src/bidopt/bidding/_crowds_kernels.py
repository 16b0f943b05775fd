"""Compiled row loops of :func:`~bidopt.bidding.optimize_crowd_bids` (optional: numba).

Each kernel does in one pass what :mod:`bidopt.bidding._crowds_cells` does with whole-array
numpy passes, in the same floating-point operations in the same order, so both give the
same numbers bit for bit; the numpy code stays the fallback and the reference the kernels
are tested against.  They are compiled with the other bidding kernels
(:mod:`bidopt.bidding._kernels`: ``BIDOPT_NUMBA=0`` forces the numpy path).

- :func:`read_cells`: cells' metrics at arbitrary bids (linear interpolation between
  levels, a binary search per bid), without (n, m) index and weight arrays.
- :func:`keyword_sums`: the keywords' landscapes for fixed premiums (each keyword's cells
  summed at its base bids times ``1 + premium``), in one pass over the cells.
- :func:`score_table`: one crowd's Lagrangian score on the keywords' geometric grids
  (float32), read straight from the cell landscapes (a merge walk: the grid increases).
- :func:`shifted_rows` and :func:`shift_maxima`: a crowd's score read at base bid times
  ``1 + premium`` (the premium search's one-dimensional moves), for one premium or, for
  several premiums in one pass, each keyword's best Lagrangian over its base bids.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from bidopt.bidding import _kernels
from bidopt.bidding._kernels import _jit
from bidopt.typing import FloatArray, IntArray

__all__ = [
    "enabled",
    "keyword_sums",
    "read_cells",
    "score_table",
    "shift_maxima",
    "shifted_rows",
]

_NEG_INF = np.float32(-np.inf)


def enabled() -> bool:
    """Whether the compiled kernels are used (numba installed and not switched off)."""
    return bool(_kernels.ENABLED)


@_jit
def _count_at_most(level_bids: Any, r: int, bid: float) -> int:  # pragma: no cover
    """Levels of row ``r`` at or below ``bid`` (numpy's searchsorted side="right")."""
    a, b = 0, level_bids.shape[1]
    while a < b:
        mid = (a + b) // 2
        if level_bids[r, mid] <= bid:
            a = mid + 1
        else:
            b = mid
    return a


@_jit
def _between_levels(
    level_bids: Any, metric: Any, r: int, count: int, bid: float
) -> float:  # pragma: no cover - compiled
    """``metric`` of row ``r`` at ``bid``, linear between the levels around it (``count``
    levels at or below it; from 0 below the first level, flat past the last)."""
    hi = min(count, level_bids.shape[1] - 1)
    lo = count - 1
    b_lo = 0.0 if count == 0 else level_bids[r, lo]
    width = level_bids[r, hi] - b_lo
    w = (bid - b_lo) / width if width > 0 else 0.0
    w = min(max(w, 0.0), 1.0)
    y_lo = 0.0 if count == 0 else metric[r, lo]
    return float(y_lo + w * (metric[r, hi] - y_lo))


@_jit
def _read_cells(level_bids: Any, metrics: Any, rows: Any, bids: Any, out: Any) -> None:
    n, m = bids.shape  # pragma: no cover - compiled
    n_levels = level_bids.shape[1]
    n_metrics = len(metrics)
    for t in range(n):
        r = rows[t]
        count = -1  # levels at or below the previous bid of the row (-1: none yet)
        previous = 0.0
        for j in range(m):
            bid = bids[t, j]
            if r < 0 or not bid > 0:
                for i in range(n_metrics):
                    out[i, t, j] = 0.0
                continue
            if count < 0 or bid < previous:  # a bid below the last: search again
                count = _count_at_most(level_bids, r, bid)
            else:  # bids rising along the row: walk on
                while count < n_levels and level_bids[r, count] <= bid:
                    count += 1
            previous = bid
            for i in range(n_metrics):
                out[i, t, j] = _between_levels(level_bids, metrics[i], r, count, bid)


def _readonly(array: FloatArray) -> FloatArray:
    """A read-only C-contiguous float64 view (numba types a tuple of them as one type)."""
    view: FloatArray = np.ascontiguousarray(array, dtype=np.float64).view()
    view.flags.writeable = False
    return view


def read_cells(
    level_bids: FloatArray, metrics: tuple[FloatArray, ...], rows: IntArray, bids: FloatArray
) -> FloatArray:
    """Metrics of cells ``rows`` (shape (n,)) at ``bids`` (shape (n, m)), interpolated.

    Returns an array of shape (len(metrics), n, m); a row of -1 and a bid <= 0 read 0.
    """
    _kernels._compile()
    out = np.empty((len(metrics), *bids.shape))
    _read_cells(
        _readonly(level_bids),
        tuple(_readonly(m) for m in metrics),
        np.ascontiguousarray(rows, dtype=np.int64),
        np.ascontiguousarray(bids, dtype=np.float64),
        out,
    )
    return out


@_jit
def _keyword_sums(
    level_bids: Any,
    usable: Any,
    metrics: Any,
    cells: Any,
    grid: Any,
    factors: Any,
    sums: Any,
    feasible: Any,
) -> None:  # pragma: no cover - compiled
    n_kw, n_base = grid.shape
    n_levels = level_bids.shape[1]
    n_metrics = len(metrics)
    for k in range(n_kw):
        for j in range(n_base):
            feasible[k, j] = True
            for i in range(n_metrics):
                sums[i, k, j] = 0.0
        for a in range(cells.shape[1]):  # crowd by crowd: the numpy path's order of sums
            r = cells[k, a]
            limit = np.inf if r < 0 else usable[r] * (1 + 1e-12)
            count = 0
            for j in range(n_base):
                bid = grid[k, j] * factors[a]
                if not bid <= limit:
                    feasible[k, j] = False
                    continue
                if r < 0 or not bid > 0:
                    continue
                while count < n_levels and level_bids[r, count] <= bid:
                    count += 1
                for i in range(n_metrics):
                    sums[i, k, j] += _between_levels(level_bids, metrics[i], r, count, bid)


def keyword_sums(
    level_bids: FloatArray,
    usable: FloatArray,
    metrics: tuple[FloatArray, ...],
    cells: IntArray,
    grid: FloatArray,
    premiums: FloatArray,
) -> tuple[FloatArray, np.ndarray]:
    """Sum over each keyword's cells of ``metrics`` at ``grid * (1 + premiums[a])``
    (shape (len(metrics), n_keywords, n_base)) and whether every cell is within its
    usable bid (bool, shape (n_keywords, n_base)); ``grid`` increases along each row."""
    _kernels._compile()
    sums = np.empty((len(metrics), *grid.shape))
    feasible = np.empty(grid.shape, dtype=np.bool_)
    _keyword_sums(
        _readonly(level_bids),
        np.ascontiguousarray(usable, dtype=np.float64),
        tuple(_readonly(m) for m in metrics),
        np.ascontiguousarray(cells, dtype=np.int64),
        np.ascontiguousarray(grid, dtype=np.float64),
        np.asarray(1 + np.asarray(premiums, dtype=np.float64)),
        sums,
        feasible,
    )
    return sums, feasible


@_jit
def _score_table(
    level_bids: Any,
    usable: Any,
    value: Any,
    cost: Any,
    aux: Any,
    has_aux: bool,
    rows: Any,
    grid: Any,
    reach: Any,
    w_value: Any,
    w_aux: Any,
    w_cost: Any,
    out: Any,
) -> None:  # pragma: no cover - compiled
    n_kw, n_columns = grid.shape
    n_levels = level_bids.shape[1]
    for k in range(n_kw):
        r = rows[k]
        limit = np.inf if r < 0 else usable[r] * (1 + 1e-12)
        count = 0
        for c in range(n_columns):
            bid = grid[k, c]
            if bid > limit or c >= reach[k]:  # above the usable bid, or never read
                out[k, c] = _NEG_INF
                continue
            if r < 0 or not bid > 0:
                v32 = np.float32(0.0)
                c32 = np.float32(0.0)
                a32 = np.float32(0.0)
            else:
                while count < n_levels and level_bids[r, count] <= bid:
                    count += 1
                v32 = np.float32(_between_levels(level_bids, value, r, count, bid))
                c32 = np.float32(_between_levels(level_bids, cost, r, count, bid))
                a32 = np.float32(0.0)
                if has_aux:
                    a32 = np.float32(_between_levels(level_bids, aux, r, count, bid))
            s = w_value * v32
            if has_aux:
                s += w_aux * a32
            s -= w_cost * c32
            out[k, c] = s


def score_table(
    level_bids: FloatArray,
    usable: FloatArray,
    value: FloatArray,
    cost: FloatArray,
    aux: FloatArray | None,
    rows: IntArray,
    grid: FloatArray,
    reach: IntArray,
    weights: tuple[float, float, float],
    out: np.ndarray,
) -> None:
    """One crowd's score ``w_value value + w_aux aux - w_cost cost`` into ``out`` (float32,
    shape (n_keywords, n_columns)), -inf above a cell's usable bid and from column
    ``reach[k]`` on; ``grid`` increases along each row.  ``w_aux`` is used only when
    ``aux`` is given and ``w_aux != 0``."""
    _kernels._compile()
    w_value, w_aux, w_cost = weights
    has_aux = aux is not None and w_aux != 0.0
    _score_table(
        level_bids,
        usable,
        value,
        cost,
        aux if aux is not None else value,
        has_aux,
        rows,
        grid,
        reach,
        np.float32(w_value),
        np.float32(w_aux),
        np.float32(w_cost),
        out,
    )


@_jit
def _to_edge(s_lo: Any, w: Any, gap: float, edge_score: Any) -> Any:  # pragma: no cover
    """Score at ``w`` columns past a finite column whose next column is above the usable
    bid, ``gap`` columns on: between the column's score and the usable bid's (``-inf``
    past the usable bid).  The numpy path of ``SearchTables.shifted`` in scalars."""
    if gap > 0 and gap < 1 and float(w) <= gap:
        t = np.float32(float(w) / gap)
        return s_lo + t * (edge_score - s_lo)
    return _NEG_INF


@_jit
def _blend(
    score: Any, k: int, lo: int, j: int, w: Any, mode: int, edge_col: Any, edge_score: Any
) -> Any:  # pragma: no cover - compiled
    """Score of row ``k`` at column ``lo + j + w`` (mode 1: ``w`` is 0; 2: off the table);
    between the last finite column and the usable bid (``edge_col[k]``) by ``_to_edge``."""
    if mode == 2:
        return _NEG_INF
    s_lo = score[k, lo + j]
    if mode == 1:
        return s_lo
    s_hi = score[k, lo + j + 1]
    if np.isfinite(s_lo) and np.isfinite(s_hi):
        return s_lo + w * (s_hi - s_lo)
    if np.isfinite(s_lo):
        return _to_edge(s_lo, w, edge_col[k] - (lo + j), edge_score[k])
    return _NEG_INF


@_jit
def _shifted_rows(
    score: Any,
    starts: Any,
    stops: Any,
    lo: Any,
    w: Any,
    mode: Any,
    edge_col: Any,
    edge_score: Any,
    out: Any,
) -> None:  # pragma: no cover - compiled
    n_base = out.shape[1]
    for run in range(starts.size):
        for k in range(starts[run], stops[run]):
            for j in range(n_base):
                out[k, j] = _blend(score, k, lo[run], j, w[run], mode[run], edge_col, edge_score)


@_jit
def _shift_maxima(
    score: Any,
    others: Any,
    starts: Any,
    stops: Any,
    lo: Any,
    w: Any,
    mode: Any,
    edge_col: Any,
    edge_score: Any,
    out: Any,
) -> None:  # pragma: no cover - compiled
    n_base = others.shape[1]
    n_columns = score.shape[1]
    n_candidates = lo.shape[1]
    for run in range(starts.size):
        for k in range(starts[run], stops[run]):
            # a row's -inf (above the usable bid) are a suffix: read its finite columns
            finite = 0
            top = -np.inf
            while finite < n_columns and score[k, finite] > _NEG_INF:
                top = max(top, float(score[k, finite]))
                finite += 1
            if finite > 0 and edge_col[k] > finite - 1:  # a bid up to the usable bid
                top = max(top, float(edge_score[k]))
            rest = -np.inf
            for j in range(n_base):
                rest = max(rest, float(others[k, j]))
            # no premium can make the keyword worth bidding: every candidate reads 0 (the
            # margin covers the float32 rounding of a blend and a sum)
            if rest + top < -1e-5 * (abs(rest) + abs(top)) or finite == 0 or rest == -np.inf:
                for i in range(n_candidates):
                    out[i, k] = np.float32(0.0)
                continue
            for i in range(n_candidates):
                best = _NEG_INF
                shift, f = lo[run, i], w[run, i]
                if mode[run, i] == 0:
                    for j in range(min(n_base, finite - shift - 1)):
                        s_lo = score[k, shift + j]
                        s = others[k, j] + (s_lo + f * (score[k, shift + j + 1] - s_lo))
                        if s > best:
                            best = s
                    j = finite - 1 - shift  # the last finite column: up to the usable bid
                    if 0 <= j < n_base and finite < n_columns:
                        c = finite - 1
                        s = others[k, j] + _to_edge(score[k, c], f, edge_col[k] - c, edge_score[k])
                        if s > best:
                            best = s
                elif mode[run, i] == 1:
                    for j in range(min(n_base, finite - shift)):
                        s = others[k, j] + score[k, shift + j]
                        if s > best:
                            best = s
                out[i, k] = best if best > 0 else np.float32(0.0)


def shifted_rows(
    score: np.ndarray,
    runs: Any,
    lo: IntArray,
    w: np.ndarray,
    mode: IntArray,
    n_base: int,
    edge: tuple[FloatArray, np.ndarray],
) -> np.ndarray:
    """``score`` (float32, shape (n_keywords, n_columns)) read at each run's column shift:
    shape (n_keywords, n_base), -inf off the table or above the usable bid (``edge``: its
    column and score per keyword; see ``SearchTables.shifted``)."""
    _kernels._compile()
    starts, stops = runs
    out = np.empty((score.shape[0], n_base), dtype=np.float32)
    _shifted_rows(score, starts, stops, lo, w, mode, edge[0], edge[1], out)
    return out


def shift_maxima(
    score: np.ndarray,
    others: np.ndarray,
    runs: Any,
    lo: IntArray,
    w: np.ndarray,
    mode: IntArray,
    edge: tuple[FloatArray, np.ndarray],
) -> np.ndarray:
    """Per candidate shift (columns of ``lo``, ``w``, ``mode``: shape (n_runs,
    n_candidates)) and keyword: ``max(0, max_j others[k, j] + shifted[k, j])``, float32,
    shape (n_candidates, n_keywords).  A row's -inf in ``score`` must be a suffix (the
    bids above a cell's usable bid), as :func:`score_table` makes them; ``edge`` as for
    :func:`shifted_rows`."""
    _kernels._compile()
    starts, stops = runs
    out = np.empty((lo.shape[1], score.shape[0]), dtype=np.float32)
    _shift_maxima(score, others, starts, stops, lo, w, mode, edge[0], edge[1], out)
    return out
