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

from bidopt._validation import frozen
from bidopt.bidding import _crowds_kernels
from bidopt.landscape import BidLandscape
from bidopt.typing import FloatArray, IntArray

__all__ = ["CellCurves", "SearchTables", "from_min_bid"]

_METRICS = ("clicks", "cost", "conversions", "revenue", "impressions")


@dataclass(frozen=True, slots=True, eq=False)
class CellCurves:
    """The cell landscape arranged for reading at arbitrary bids.

    Attributes
    ----------
    bids : ndarray, shape (n_rows, n_levels)
    metrics : dict of str to ndarray, shape (n_rows, n_levels)
        ``clicks``, ``cost`` and, when present, ``conversions``, ``revenue``,
        ``impressions``; ``value`` is the objective's value per cell and level;
        ``ctr_slack`` (with a CTR floor) is ``clicks - min_ctr * impressions``.
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
        min_ctr: float | None = None,
    ) -> CellCurves:
        """The curves of ``landscape``; with ``min_ctr`` also the metric ``ctr_slack``,
        ``clicks - min_ctr * impressions`` (the landscape must have impressions)."""
        bids = np.asarray(landscape.bids, dtype=np.float64)
        metrics: dict[str, FloatArray] = {}
        for name in _METRICS:
            array = getattr(landscape, name)
            if array is not None:
                metrics[name] = np.asarray(array, dtype=np.float64)
        metrics["value"] = value
        if min_ctr is not None:
            metrics["ctr_slack"] = metrics["clicks"] - min_ctr * metrics["impressions"]
        # a level at bid 0 is "not bidding" (nothing bought or spent): it never makes a
        # cell unusable; a row of such levels has usable bid 0
        ok = np.ones(bids.shape, dtype=bool)
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
        if _crowds_kernels.enabled():
            out = _crowds_kernels.read_cells(
                self.bids, tuple(self.metrics[n] for n in names), rows, bids
            )
            return {name: out[i] for i, name in enumerate(names)}
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
        out_: dict[str, FloatArray] = {}
        for name in names:
            m = self.metrics[name].ravel()
            y_lo = np.where(below, 0.0, m.take(flat_lo))
            y = y_lo + w * (m.take(flat_hi) - y_lo)
            y[dead] = 0.0
            out_[name] = y
        return out_


@dataclass(frozen=True, slots=True, eq=False)
class SearchTables:
    """The keywords' geometric bid grids on which the premium search scores the cells.

    Column ``c`` of keyword ``k`` is the bid ``low[k] * ratio[k] ** c``; the keyword's
    base bids are the first ``n_base`` columns, and a premium ``m`` shifts a crowd's
    column by ``log(1 + m) / log(ratio[k])``; a row's -inf (infeasible or out of reach)
    are a suffix.  :meth:`score` reads every cell on the grid
    at the solve's multipliers (float32: the scores only rank premiums; plans are read
    exactly); nothing else of size keywords x crowds x columns is kept.

    A shifted bid between a row's last finite column and the first above the cell's
    usable bid is still a bid the cell can take: :meth:`score` also keeps, per crowd and
    keyword, the usable bid's fractional column (``edge_col``) and its score
    (``edge_score``), and :meth:`shifted` and :meth:`maxima` read such a bid between the
    last finite column and the usable bid, instead of as infeasible.
    """

    curves: CellCurves
    cells: IntArray  # (n_keywords, n_crowds), keywords sorted by grid ratio
    grid: FloatArray  # (n_keywords, n_columns)
    reach: IntArray  # (n_keywords,) columns a premium in the box can read
    n_base: int
    aux: str | None
    runs: tuple[tuple[int, int, float], ...]  # (start, stop, log_ratio) of keywords in runs
    log_ratio: FloatArray  # (n_keywords,)
    edge_col: FloatArray  # (n_crowds, n_keywords) usable bid's column (-inf: none), by score
    edge_score: np.ndarray  # (n_crowds, n_keywords) float32 score there, by score

    @classmethod
    def build(
        cls,
        curves: CellCurves,
        cells: IntArray,
        low: FloatArray,
        log_ratio: FloatArray,
        n_base: int,
        max_premium: float,
        aux: str | None,
    ) -> SearchTables:
        """Tables for premiums up to ``max_premium``: a keyword's columns reach its base
        bids times ``1 + max_premium`` (and one more, for the blend); the columns past a
        keyword's reach are never read and score -inf."""
        reach = n_base + np.ceil(math.log1p(max_premium) / log_ratio).astype(np.int64) + 1
        n_columns = int(reach.max(initial=n_base + 1))
        grid = low[:, None] * np.exp(log_ratio[:, None] * np.arange(n_columns)[None, :])
        edges = np.flatnonzero(np.diff(log_ratio)) + 1
        starts, stops = np.r_[0, edges], np.r_[edges, log_ratio.size]
        runs = tuple(
            (int(a), int(b), float(log_ratio[a])) for a, b in zip(starts, stops, strict=True)
        )
        n_kw, n_crowds = cells.shape
        return cls(
            curves, np.ascontiguousarray(cells), grid, reach, n_base, aux, runs,
            np.ascontiguousarray(log_ratio, dtype=np.float64),
            np.full((n_crowds, n_kw), -np.inf), np.zeros((n_crowds, n_kw), dtype=np.float32),
        )  # fmt: skip

    def score(self, w_value: float, w_aux: float, w_cost: float) -> np.ndarray:
        """Lagrangian score ``w_value * value + w_aux * aux - w_cost * cost`` per crowd,
        cell and column (-inf above a cell's usable bid), float32, shape (n_crowds,
        n_keywords, n_columns).  Also fills ``edge_col`` and ``edge_score`` (the usable
        bid's column and score, for :meth:`shifted` and :meth:`maxima`)."""
        n_kw, n_crowds = self.cells.shape
        out = np.empty((n_crowds, n_kw, self.grid.shape[1]), dtype=np.float32)
        curves = self.curves
        aux = curves.metrics[self.aux] if self.aux else None
        names = ("cost", "value") + ((self.aux,) if self.aux else ())
        for a in range(n_crowds):  # one crowd at a time: bounded memory
            rows = np.ascontiguousarray(self.cells[:, a])
            self._edge(a, rows, names, w_value, w_aux, w_cost)
            if _crowds_kernels.enabled():
                _crowds_kernels.score_table(
                    curves.bids, curves.usable, curves.metrics["value"],
                    curves.metrics["cost"], aux, rows, self.grid, self.reach,
                    (w_value, w_aux, w_cost), out[a],
                )  # fmt: skip
                continue
            usable = np.where(rows >= 0, curves.usable[np.maximum(rows, 0)], np.inf)
            too_high = self.grid > usable[:, None] * (1 + 1e-12)
            too_high |= np.arange(self.grid.shape[1])[None, :] >= self.reach[:, None]
            read = curves.read(rows, np.where(too_high, 0.0, self.grid), names)
            s = self._combine(read, w_value, w_aux, w_cost)
            s[too_high] = -np.inf
            out[a] = s
        return out

    def _combine(
        self, read: dict[str, FloatArray], w_value: float, w_aux: float, w_cost: float
    ) -> np.ndarray:
        """The float32 score of cells read (the compiled score table's operations)."""
        s = np.float32(w_value) * read["value"].astype(np.float32)
        if self.aux and w_aux != 0.0:
            s += np.float32(w_aux) * read[self.aux].astype(np.float32)
        s -= np.float32(w_cost) * read["cost"].astype(np.float32)
        return np.asarray(s, dtype=np.float32)

    def _edge(
        self,
        a: int,
        rows: IntArray,
        names: tuple[str, ...],
        w_value: float,
        w_aux: float,
        w_cost: float,
    ) -> None:
        """Crowd ``a``'s usable bid per keyword as a fractional column, and its score;
        -inf (no edge) for a missing cell, one that cannot be bid, or a usable bid at or
        past the table's reach (never the cause of a -inf column that is read)."""
        present = rows >= 0
        usable = np.where(present, self.curves.usable[np.maximum(rows, 0)], 0.0)
        low = self.grid[:, 0]
        with np.errstate(divide="ignore"):
            col = np.log(np.where(usable > 0, usable, 1.0) / low) / self.log_ratio
        col = np.where((usable > 0) & (col < self.reach - 1), col, -np.inf)
        self.edge_col[a] = col
        read = self.curves.read(rows, usable[:, None], names)
        self.edge_score[a] = self._combine(read, w_value, w_aux, w_cost)[:, 0]

    def _shifts(self, premiums: list[float]) -> tuple[IntArray, np.ndarray, IntArray]:
        """Per run and premium: the column shift's integer part, its fraction (float32) and
        how to read it (0 blend two columns, 1 one column, 2 off the table)."""
        n_columns = self.grid.shape[1]
        shape = (len(self.runs), len(premiums))
        lo = np.zeros(shape, dtype=np.int64)
        w = np.zeros(shape, dtype=np.float32)
        mode = np.full(shape, 2, dtype=np.int64)
        for r, (_, _, log_ratio) in enumerate(self.runs):
            for i, premium in enumerate(premiums):
                shift = math.log1p(premium) / log_ratio
                lo[r, i] = math.floor(shift)
                w[r, i] = np.float32(shift - lo[r, i])
                if lo[r, i] + self.n_base > n_columns:
                    continue
                if w[r, i] == 0:
                    mode[r, i] = 1
                elif lo[r, i] + 1 + self.n_base <= n_columns:
                    mode[r, i] = 0
        return lo, w, mode

    def _run_bounds(self) -> tuple[IntArray, IntArray]:
        starts = np.array([r[0] for r in self.runs], dtype=np.int64)
        stops = np.array([r[1] for r in self.runs], dtype=np.int64)
        return starts, stops

    def shifted(self, score: np.ndarray, premium: float, crowd: int) -> np.ndarray:
        """Crowd ``crowd``'s score (n_keywords, n_columns) read at base bid ``j`` times
        ``1 + premium``: shape (n_keywords, n_base); -inf off the table or above the
        cell's usable bid.

        Keywords come sorted by grid ratio (``log_ratio`` takes few values, in runs), so
        each run shifts by one number: two slices and a blend, no gather."""
        lo, w, mode = self._shifts([premium])
        edge = (self.edge_col[crowd], self.edge_score[crowd])
        if _crowds_kernels.enabled():
            return _crowds_kernels.shifted_rows(
                score, self._run_bounds(), lo[:, 0], w[:, 0], mode[:, 0], self.n_base, edge
            )
        n_kw = score.shape[0]
        out = np.full((n_kw, self.n_base), -np.inf, dtype=np.float32)
        for r, (start, stop, _) in enumerate(self.runs):
            a, f = int(lo[r, 0]), w[r, 0]
            if mode[r, 0] == 2:
                continue
            s_lo = score[start:stop, a : a + self.n_base]
            if mode[r, 0] == 1:
                out[start:stop] = s_lo
                continue
            s_hi = score[start:stop, a + 1 : a + 1 + self.n_base]
            with np.errstate(invalid="ignore"):
                blend = s_lo + f * (s_hi - s_lo)
            # a bid between the last finite column c and the usable bid (column u < c + 1):
            # between the score at c and at the usable bid
            gap = edge[0][start:stop, None] - (a + np.arange(self.n_base))[None, :]
            at_edge = np.isfinite(s_lo) & ~np.isfinite(s_hi) & (gap > 0) & (gap < 1)
            at_edge &= float(f) <= gap
            with np.errstate(invalid="ignore", divide="ignore"):
                t = (float(f) / np.where(at_edge, gap, 1.0)).astype(np.float32)
                to_edge = s_lo + t * (edge[1][start:stop, None] - s_lo)
            blend = np.where(at_edge, to_edge, blend)
            finite = np.isfinite(s_lo) & (np.isfinite(s_hi) | at_edge)
            out[start:stop] = np.where(finite, blend, -np.inf)
        return out

    def maxima(
        self, score: np.ndarray, others: np.ndarray, premiums: list[float], crowd: int
    ) -> np.ndarray:
        """Each keyword's best Lagrangian over its base bids (0 for not bidding) with
        crowd ``crowd`` (``score``, shape (n_keywords, n_columns)) at each of ``premiums``
        and the rest at ``others`` (shape (n_keywords, n_base)): float32, shape
        (n_premiums, n_keywords)."""
        if _crowds_kernels.enabled():
            lo, w, mode = self._shifts(premiums)
            edge = (self.edge_col[crowd], self.edge_score[crowd])
            return _crowds_kernels.shift_maxima(
                score, others, self._run_bounds(), lo, w, mode, edge
            )
        out = np.empty((len(premiums), score.shape[0]), dtype=np.float32)
        for i, premium in enumerate(premiums):
            s = others + self.shifted(score, premium, crowd)
            out[i] = np.maximum(s.max(axis=1), 0.0)
        return out


def from_min_bid(landscape: BidLandscape, min_bid: float) -> BidLandscape:
    """``landscape`` with every level below ``min_bid`` moved to ``min_bid`` on its chord.

    A cell's outcome at a bid from ``min_bid`` up is read exactly as on ``landscape``
    (linear between the levels around it), but the levels below ``min_bid``, which no
    plan may use, become the point at ``min_bid`` (the cell's outcome read there,
    repeated as padding): the per-cell problem with ``min_bid`` then has every point a
    plan reads, and its bound bounds the plan.  A row whose every level is below
    ``min_bid`` becomes "not bidding" (bid 0, nothing bought): no bid it allows reads
    within its levels.  Returns ``landscape`` itself when no level is below ``min_bid``.
    """
    bids = landscape.bids
    below = bids < min_bid
    if not below.any():
        return landscape
    names = landscape.metrics
    raw = CellCurves(bids, {n: landscape.metric(n) for n in names}, bids[:, -1])
    rows = np.flatnonzero(below.any(axis=1))
    reach = bids[rows, -1] >= min_bid  # rows with a level at or above min_bid
    at = raw.read(rows, np.full((rows.size, 1), float(min_bid)), names)
    points = {"bids": np.where(reach, float(min_bid), 0.0)}
    points.update({n: np.where(reach, at[n][:, 0], 0.0) for n in names})
    columns: dict[str, FloatArray] = {}
    for name, point in points.items():
        out = np.array(bids if name == "bids" else landscape.metric(name), dtype=np.float64)
        out[rows] = np.where(below[rows], point[:, None], out[rows])
        columns[name] = frozen(out)  # built here: the landscape keeps it without a copy
    return BidLandscape(**columns, keywords=landscape.keywords)
