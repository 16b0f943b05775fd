"""The premium search of :func:`~bidopt.bidding.optimize_crowd_bids`: the keywords' base-bid
grids, the keyword landscape for fixed premiums, and the one-dimensional search per premium
on the Lagrangian tables (see :mod:`bidopt.bidding._crowds` for the method)."""

from __future__ import annotations

import math

import numpy as np

from bidopt.bidding import _crowds_kernels
from bidopt.bidding._crowds_cells import CellCurves, SearchTables
from bidopt.bidding._plan import BidPlan
from bidopt.landscape import BidLandscape
from bidopt.typing import BoolArray, FloatArray, IntArray, ObjectArray

__all__ = [
    "PREMIUM_RANGE",
    "STEP",
    "base_grid",
    "keyword_landscape",
    "lagrangian_weights",
    "search_premiums",
]

#: Smallest and largest crowd premium (a fraction), on a grid of 0.01 (Zhitongche's box).
PREMIUM_RANGE: tuple[float, float] = (0.05, 3.00)
STEP = 100  # premiums in hundredths
_LOW, _HIGH = 5, 300
_COARSE = (5, 10, 20, 35, 50, 75, 100, 150, 200, 300)
_LADDER = 1.25  # ratio of neighbouring grid log-ratios


def base_grid(
    curves: CellCurves,
    cells: IntArray,
    n_levels: int,
    min_ratio: float,
    min_bid: float | None,
    reach: float = 1.0,
) -> tuple[FloatArray, FloatArray]:
    """Per keyword: lowest base bid and log ratio of the geometric grid.

    The base bid reaches from the lowest first level of the keyword's cells, divided by
    ``reach`` (1 + the largest premium the grid must serve below every cell's first level;
    1: none), to the lowest usable bid of its cells (every cell gets at least the base bid)."""
    present = cells >= 0
    rows = np.maximum(cells, 0)
    first = np.where(present, curves.first_bid()[rows], np.inf).min(axis=1) / reach
    usable = np.where(present, curves.usable[rows], np.inf).min(axis=1)
    if min_bid is not None:
        first = np.maximum(first, min_bid)
    first = np.where(np.isfinite(first), first, 1.0)
    top = np.where(np.isfinite(usable) & (usable > first), usable, first)
    # the smallest ratio of a ladder whose grid reaches ``top``: few distinct ratios,
    # so the premium search shifts runs of keywords by one number each
    need = np.log(top / first) / (n_levels - 1)
    ladder = math.log(min_ratio) * _LADDER ** np.arange(40)
    step = np.minimum(np.searchsorted(ladder, need * (1 - 1e-12)), ladder.size - 1)
    return np.asarray(first, dtype=np.float64), np.asarray(ladder[step], dtype=np.float64)


def keyword_landscape(
    curves: CellCurves,
    cells: IntArray,
    low: FloatArray,
    log_ratio: FloatArray,
    n_levels: int,
    premiums: FloatArray,
    fields: dict[str, str],
    kw_labels: ObjectArray,
    cache: dict[int, tuple[BoolArray, dict[str, FloatArray]]] | None = None,
) -> BidLandscape:
    """Each keyword's landscape over its base bids, cells read at ``b * (1 + m_a)``.

    ``fields`` maps the landscape's optional fields to cell metrics.  Base bids that
    would send a cell above its usable bid are replaced by the last feasible level
    (padding); a keyword with none does not bid (a row of zeros).  ``cache`` keeps the
    reads of crowds at premium 0 between calls (they recur in every solve)."""
    grid = low[:, None] * np.exp(log_ratio[:, None] * np.arange(n_levels)[None, :])
    names = ["clicks", "cost", *sorted(set(fields.values()))]
    if _crowds_kernels.enabled():
        stacked, feasible = _crowds_kernels.keyword_sums(
            curves.bids, curves.usable, tuple(curves.metrics[n] for n in names), cells, grid,
            premiums,
        )  # fmt: skip
        sums = dict(zip(names, stacked, strict=True))
    else:
        sums, feasible = _keyword_sums(curves, cells, grid, premiums, names, cache)
    feasible = np.logical_and.accumulate(feasible, axis=1)
    last = feasible.sum(axis=1) - 1  # last feasible level, -1 if none
    take = np.minimum(np.arange(n_levels)[None, :], np.maximum(last, 0)[:, None])
    dead = last < 0

    def padded(array: FloatArray) -> FloatArray:
        out = np.take_along_axis(array, take, axis=1)
        out[dead] = 0.0
        return out

    metrics = {n: np.maximum.accumulate(padded(sums[n]), axis=1) for n in ("clicks", "cost")}
    extra = {field: padded(sums[name]) for field, name in fields.items()}
    return BidLandscape(
        bids=padded(grid),
        clicks=metrics["clicks"],
        cost=metrics["cost"],
        conversions=extra.get("conversions"),
        revenue=extra.get("revenue"),
        impressions=extra.get("impressions"),
        keywords=kw_labels,
    )


def _keyword_sums(
    curves: CellCurves,
    cells: IntArray,
    grid: FloatArray,
    premiums: FloatArray,
    names: list[str],
    cache: dict[int, tuple[BoolArray, dict[str, FloatArray]]] | None,
) -> tuple[dict[str, FloatArray], BoolArray]:
    """The numpy path of :func:`_crowds_kernels.keyword_sums`, crowd by crowd."""
    sums = {n: np.zeros(grid.shape) for n in names}
    feasible = np.ones(grid.shape, dtype=bool)
    for a in range(cells.shape[1]):
        if cache is not None and premiums[a] == 0 and a in cache:
            ok, read = cache[a]
        else:
            rows = cells[:, a]
            q = grid * (1 + premiums[a])
            usable = np.where(rows >= 0, curves.usable[np.maximum(rows, 0)], np.inf)
            ok = q <= usable[:, None] * (1 + 1e-12)
            read = curves.read(rows, np.where(ok, q, 0.0), tuple(names))
            if cache is not None and premiums[a] == 0:
                cache[a] = (ok, read)
        feasible &= ok
        for n in names:
            sums[n] += read[n]
    return sums, feasible


def lagrangian_weights(
    plan: BidPlan,
    target_cpa: float | None,
    target_roas: float | None,
    objective: str,
    min_ctr: float | None = None,
) -> tuple[float, float, float]:
    """(w_value, w_aux, w_cost) of the Lagrangian ``value - lam cost - mu g``.

    With ``min_ctr`` the aux metric is ``clicks - min_ctr * impressions`` (``-g``)."""
    lam, mu = max(plan.shadow_price, 0.0), max(plan.target_multiplier, 0.0)
    if min_ctr is not None:  # g = min_ctr impressions - clicks
        return 1.0, mu, lam
    if target_cpa is not None:  # g = cost - T conversions
        return 1.0, mu * target_cpa, lam + mu
    if target_roas is not None:  # g = R cost - revenue
        if objective == "lifetime_value":
            return 1.0 + mu, 0.0, lam + mu * target_roas
        return 1.0, mu, lam + mu * target_roas
    return 1.0, 0.0, lam


def search_premiums(
    tables: SearchTables,
    score: np.ndarray,
    premiums: FloatArray,
    searchable: IntArray,
    max_crowds: int,
    *,
    first: bool,
) -> FloatArray:
    """New premiums by a one-dimensional search per crowd on the Lagrangian tables."""
    cents = np.round(premiums * STEP).astype(np.int64)
    shifted = [tables.shifted(score[a], cents[a] / STEP, a) for a in range(score.shape[0])]

    def best_for(a: int, others: np.ndarray, start: int | None) -> tuple[int, float]:
        """Best premium (hundredths) of crowd ``a``: a coarse grid then a pattern search
        on the 0.01 grid (from ``start`` when given), and its gain over 0.  The premiums
        a step may compare are scored together, in one pass over the keywords."""
        cache: dict[int, float] = {}

        def evaluate(candidates: list[int]) -> None:
            todo = sorted({0 if c < _LOW else min(c, _HIGH) for c in candidates} - set(cache))
            if todo:
                best = tables.maxima(score[a], others, [c / STEP for c in todo], a)
                for c, row in zip(todo, best, strict=True):
                    cache[c] = float(row.sum(dtype=np.float64))

        def total(c: int) -> float:
            c = 0 if c < _LOW else min(c, _HIGH)
            evaluate([c])
            return cache[c]

        if start is None:
            evaluate([0, *_COARSE])
            current = max((0, *_COARSE), key=lambda c: (total(c), -c))
            step = 16
        else:
            current, step = start, 8
            evaluate([0])
        if current > 0:
            while step >= 1:
                moved = False
                evaluate([current, *(c for c in (current - step, current + step)
                                     if _LOW <= c <= _HIGH)])  # fmt: skip
                for c in (current - step, current + step):
                    if _LOW <= c <= _HIGH and total(c) > total(current):
                        current, moved = c, True
                if not moved:
                    step //= 2
        best = max(cache, key=lambda c: (cache[c], -c))
        return best, cache[best] - cache[0]

    def others_of(a: int) -> np.ndarray:
        out = np.zeros_like(shifted[0])
        for b, s in enumerate(shifted):
            if b != a:
                out += s
        return out

    if first:
        gains = {}
        choice = {}
        for a in searchable.tolist():
            c, gain = best_for(a, others_of(a), None)
            choice[a], gains[a] = c, gain
        ranked = sorted((a for a in choice if choice[a] > 0 and gains[a] > 0),
                        key=lambda a: -gains[a])[:max_crowds]  # fmt: skip
        cents[:] = np.where(np.isin(np.arange(cents.size), searchable), 0, cents)
        for a in ranked:
            cents[a] = choice[a]
        shifted = [tables.shifted(score[a], cents[a] / STEP, a) for a in range(score.shape[0])]
    for a in searchable.tolist():  # refine one crowd at a time, others fixed
        targeted = int((cents[searchable] > 0).sum()) - int(cents[a] > 0)
        if targeted >= max_crowds and cents[a] == 0:
            continue
        c, _ = best_for(a, others_of(a), int(cents[a]) if cents[a] > 0 else None)
        cents[a] = c
        shifted[a] = tables.shifted(score[a], c / STEP, a)
    return np.asarray(cents / STEP, dtype=np.float64)
