"""Keyword x crowd cells: their landscapes read at any bid, and the tables the premium
search scores (the optimiser itself is in :mod:`bidopt.bidding._crowds`).

A cell is one row of a landscape (one keyword's shoppers in one crowd).  Between two
levels a cell's outcome is read by linear interpolation in the bid; below its first level
between "not bidding" (0, nothing bought) and that level.  Both are convex combinations of
points of the cell's own landscape, so every outcome read here is feasible for the linear
relaxation of the per-cell problem, and the per-cell plan's bound bounds it.  A bid above a
cell's *usable* bid (its last level, its last level whose CPC is within the cap and below
the largest allowed bid, every lower level also within them) is not read: it is infeasible.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from bidopt.landscape import BidLandscape
from bidopt.typing import FloatArray, IntArray

__all__ = ["CellCurves", "SearchTables"]

_METRICS = ("clicks", "cost", "conversions", "revenue", "impressions")


@dataclass(frozen=True, slots=True, eq=False)
class CellCurves:
    """The cell landscape arranged for reading at arbitrary bids.

    Attributes
    ----------
    bids : ndarray, shape (n_rows, n_levels)
    metrics : dict of str to ndarray, shape (n_rows, n_levels)
        ``clicks``, ``cost`` and, when present, ``conversions``, ``revenue``,
        ``impressions``; ``value`` is the objective's value per cell and level.
    usable : ndarray, shape (n_rows,)
        Largest bid a cell may be given (0: the cell cannot be bid at all).
    """

    bids: FloatArray
    metrics: dict[str, FloatArray]
    usable: FloatArray

    @classmethod
    def build(
        cls,
        landscape: BidLandscape,
        value: FloatArray,
        *,
        max_cpc: float | None,
        max_bid: float | None,
    ) -> CellCurves:
        bids = np.asarray(landscape.bids, dtype=np.float64)
        metrics: dict[str, FloatArray] = {}
        for name in _METRICS:
            array = getattr(landscape, name)
            if array is not None:
                metrics[name] = np.asarray(array, dtype=np.float64)
        metrics["value"] = value
        ok = bids > 0
        if max_cpc is not None:
            clicks, cost = metrics["clicks"], metrics["cost"]
            with np.errstate(divide="ignore", invalid="ignore"):
                ok &= (cost <= max_cpc * clicks * (1 + 1e-12)) | (cost == 0)
        if max_bid is not None:
            ok &= bids <= max_bid
        ok = np.logical_and.accumulate(ok, axis=1)  # every lower level usable too
        usable = np.where(ok, bids, 0.0).max(axis=1)
        return cls(bids, metrics, usable)

    @property
    def n_levels(self) -> int:
        return int(self.bids.shape[1])

    def first_bid(self) -> FloatArray:
        """Each cell's smallest positive bid (inf for a row of zeros)."""
        positive = np.where(self.bids > 0, self.bids, np.inf)
        return np.asarray(positive.min(axis=1), dtype=np.float64)

    def read(
        self, rows: IntArray, bids: FloatArray, names: tuple[str, ...]
    ) -> dict[str, FloatArray]:
        """Metrics of cells ``rows`` (shape (n,)) at ``bids`` (shape (n, m)), by interpolation.

        A row of -1 (a missing cell) and bids of 0 read 0.  Bids above a cell's usable
        bid must have been excluded by the caller.
        """
        n_levels = self.n_levels
        present = rows >= 0
        rr = np.where(present, rows, 0)
        level_bids = self.bids[rr]  # (n, n_levels)
        # levels at or below each bid: one comparison per level (no binary search)
        count = np.zeros(bids.shape, dtype=np.int64)
        for level in range(n_levels):
            count += level_bids[:, level : level + 1] <= bids
        below = count == 0  # below the first level: between "not bidding" and level 0
        base = (rr * n_levels)[:, None]
        flat_hi = base + np.minimum(count, n_levels - 1)
        flat_lo = np.where(below, flat_hi, base + count - 1)
        bids_flat = self.bids.ravel()
        b_lo = np.where(below, 0.0, bids_flat.take(flat_lo))
        width = bids_flat.take(flat_hi) - b_lo
        with np.errstate(divide="ignore", invalid="ignore"):
            w = np.where(width > 0, (bids - b_lo) / width, 0.0)
        np.clip(w, 0.0, 1.0, out=w)
        dead = ~(present[:, None] & (bids > 0))
        out: dict[str, FloatArray] = {}
        for name in names:
            m = self.metrics[name].ravel()
            y_lo = np.where(below, 0.0, m.take(flat_lo))
            y = y_lo + w * (m.take(flat_hi) - y_lo)
            y[dead] = 0.0
            out[name] = y
        return out


@dataclass(frozen=True, slots=True, eq=False)
class SearchTables:
    """Each cell's metrics on a per-keyword geometric bid grid, for the premium search.

    Column ``c`` of keyword ``k`` is the bid ``low[k] * ratio[k] ** c``; the keyword's
    base bids are the first ``n_base`` columns, and a premium ``m`` shifts a crowd's
    column by ``log(1 + m) / log(ratio[k])``.  ``cost`` is +inf where a bid is above the
    cell's usable bid.  Float32: the tables only rank premiums; plans are read exactly.
    """

    low: FloatArray  # (n_keywords,)
    log_ratio: FloatArray  # (n_keywords,)
    n_base: int
    cost: np.ndarray  # (n_keywords, n_crowds, n_columns) float32
    value: np.ndarray
    aux: np.ndarray | None
    runs: tuple[tuple[int, int, float], ...]  # (start, stop, log_ratio) of keywords in runs

    @classmethod
    def build(
        cls,
        curves: CellCurves,
        cells: IntArray,
        low: FloatArray,
        log_ratio: FloatArray,
        n_base: int,
        n_columns: int,
        aux: str | None,
    ) -> SearchTables:
        n_kw, n_crowds = cells.shape
        grid = low[:, None] * np.exp(log_ratio[:, None] * np.arange(n_columns)[None, :])
        shape = (n_kw, n_crowds, n_columns)
        cost = np.empty(shape, dtype=np.float32)
        value = np.empty(shape, dtype=np.float32)
        aux_table = np.empty(shape, dtype=np.float32) if aux else None
        names = ("cost", "value") + ((aux,) if aux else ())
        for a in range(n_crowds):  # one crowd at a time: bounded memory
            rows = cells[:, a]
            usable = np.where(cells[:, a] >= 0, curves.usable[np.maximum(cells[:, a], 0)], np.inf)
            too_high = grid > usable[:, None] * (1 + 1e-12)
            read = curves.read(rows, np.where(too_high, 0.0, grid), names)
            cost[:, a] = np.where(too_high, np.inf, read["cost"])
            value[:, a] = read["value"]
            if aux_table is not None and aux is not None:
                aux_table[:, a] = read[aux]
        edges = np.flatnonzero(np.diff(log_ratio)) + 1
        starts, stops = np.r_[0, edges], np.r_[edges, log_ratio.size]
        runs = tuple(
            (int(a), int(b), float(log_ratio[a])) for a, b in zip(starts, stops, strict=True)
        )
        return cls(low, log_ratio, n_base, cost, value, aux_table, runs)

    def score(self, w_value: float, w_aux: float, w_cost: float) -> np.ndarray:
        """Lagrangian score ``w_value * value + w_aux * aux - w_cost * cost`` per cell
        and column (-inf where infeasible), float32, shape (n_keywords, n_crowds,
        n_columns)."""
        s = np.float32(w_value) * self.value
        if self.aux is not None and w_aux != 0.0:
            s += np.float32(w_aux) * self.aux
        finite = np.isfinite(self.cost)
        s -= np.float32(w_cost) * np.where(finite, self.cost, 0.0).astype(np.float32)
        s[~finite] = -np.inf
        return np.asarray(s, dtype=np.float32)

    def shifted(self, score: np.ndarray, premium: float) -> np.ndarray:
        """One crowd's score (n_keywords, n_columns) read at base bid ``j`` times
        ``1 + premium``: shape (n_keywords, n_base); -inf off the table.

        Keywords come sorted by grid ratio (``log_ratio`` takes few values, in runs), so
        each run shifts by one number: two slices and a blend, no gather."""
        n_kw, n_columns = score.shape
        out = np.full((n_kw, self.n_base), -np.inf, dtype=np.float32)
        for start, stop, log_ratio in self.runs:
            shift = math.log1p(premium) / log_ratio
            lo = math.floor(shift)
            w = np.float32(shift - lo)
            if lo + self.n_base > n_columns:
                continue
            s_lo = score[start:stop, lo : lo + self.n_base]
            if w == 0 or lo + 1 + self.n_base > n_columns:
                if w == 0:
                    out[start:stop] = s_lo
                continue
            s_hi = score[start:stop, lo + 1 : lo + 1 + self.n_base]
            with np.errstate(invalid="ignore"):
                blend = s_lo + w * (s_hi - s_lo)
            out[start:stop] = np.where(np.isfinite(s_lo) & np.isfinite(s_hi), blend, -np.inf)
        return out
