"""One partition of a distributed bid problem, as a worker keeps it (see ``_distributed``).

A :class:`Shard` holds its keywords' cost, objective value and target coefficients,
builds its hulls once per multiplier and keeps them; the driver only sends multipliers
and row lists and receives sums, histograms and the few items near a threshold.  Every
method works on the shard's own rows with the same code as the in-process solver
(``_hull``, ``_select``, ``_solvers``), so each shard's part of a plan is the part the
in-process solver builds for these rows.  Global row ids are ``offset + local row``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

from bidopt._dask import release_memory
from bidopt.bidding._hull import Hull, build_hull
from bidopt.bidding._problem import BidProblem, make_problem, picked
from bidopt.bidding._shard_store import SpillDir, Stored
from bidopt.bidding._solvers import _moves_down
from bidopt.exceptions import InfeasibleError
from bidopt.landscape import BidLandscape
from bidopt.typing import BoolArray, FloatArray, IntArray

__all__ = ["Shard", "Source"]

#: What a shard is built from: a landscape, or a function that reads one (lazily, on the worker).
Source = BidLandscape | Callable[[], BidLandscape]

_EMPTY = np.zeros(0, dtype=np.int64)
#: Coarse slope buckets sent per round (each the sum of N_BUCKETS / _COARSE buckets).
_COARSE = 256


def _load(source: Source) -> BidLandscape:
    return source if isinstance(source, BidLandscape) else source()


class Shard:
    """A partition's problem, its hull for the current multiplier, and named plans.

    ``spec`` holds the keyword arguments of ``make_problem`` (budget, objective, caps,
    targets).  The landscape's bids and clicks are dropped after validation when the
    source can be read again (a Parquet partition); the plan's metrics re-read it.  With
    ``spill`` (and such a source) the objective's values and the target's metric go to
    a file of that directory (:mod:`~bidopt.bidding._shard_store`): in memory the shard
    keeps its cost, its hull and its plans.  Plans in levels are kept as ``int8`` (up to
    126 levels) or ``int16``.
    """

    def __init__(self, source: Source, spec: dict[str, Any], spill: SpillDir | None = None) -> None:
        land = _load(source)
        self.n = land.n_keywords
        #: the landscape's metrics and whether it names its keywords (the plan's columns)
        self.columns = (land.metrics, land.keywords is not None)
        self.offset = 0
        self.error: tuple[str, dict[str, float]] | None = None
        try:
            problem = make_problem(land, **spec)
        except InfeasibleError as exc:  # infeasible here; the driver decides for all shards
            self.error = (str(exc), dict(exc.conflicts))
            base = dict(spec, target_cpa=None, target_roas=None)
            problem = make_problem(land, **base)
            cpa, roas = spec.get("target_cpa"), spec.get("target_roas")
            if cpa is not None:  # the coefficients make_problem builds
                conv = land.metric("conversions")
                problem = replace(
                    problem,
                    target=land.cost - float(cpa) * conv,
                    target_name="target_cpa",
                    target_level=float(cpa),
                    target_scale=float(cpa) * conv,
                )
            elif roas is not None:
                problem = replace(
                    problem,
                    target=float(roas) * land.cost - land.metric("revenue"),
                    target_name="target_roas",
                    target_level=float(roas),
                    target_scale=float(roas) * land.cost,
                )
        self.source: Source | None = None if isinstance(source, BidLandscape) else source
        self.landscape: BidLandscape | None = land if self.source is None else None
        if self.source is not None:  # keep only what the solver reads
            problem = replace(problem, landscape=_placeholder(land))
        # the target's coefficients are rebuilt when needed (the same arithmetic as
        # make_problem's), so a worker holds two arrays per partition, not four
        metric: FloatArray | None = None
        if problem.target_name == "target_cpa":
            metric = land.metric("conversions")
        elif problem.target_name == "target_roas":
            metric = land.metric("revenue")
        keep = spill if self.source is not None else None
        self._value = Stored(problem.value) if keep is None else keep.store(problem.value)
        self._metric: Stored | None = None
        if metric is not None:
            same = metric is problem.value or np.shares_memory(metric, problem.value)
            self._metric = self._value if same else Stored(metric)
            if keep is not None and not same:
                self._metric = keep.store(metric)
        self._lv_dtype = np.int8 if problem.cost.shape[1] < 127 else np.int16
        problem = replace(problem, target=None, target_scale=None)
        if keep is not None:  # the values are read from the file (``value``)
            problem = replace(problem, value=np.zeros((0, problem.cost.shape[1])))
        self.problem: BidProblem = problem
        self.hull: Hull | None = None
        self.taken: dict[str, IntArray] = {}
        self.levels: dict[str, IntArray] = {}
        self._edge: tuple[IntArray, FloatArray, FloatArray, FloatArray] | None = None
        self._cur: IntArray = _EMPTY
        self._pool: IntArray = _EMPTY
        self._fill: dict[str, Any] = {}
        self._moves: tuple[IntArray, IntArray, FloatArray, FloatArray] | None = None
        self._own_allowed: tuple[BoolArray | None] | None = None  # set while one is excluded

    # -- the values and the target's metric (in memory or mapped from the spill file) --
    @property
    def value(self) -> FloatArray:
        """The objective's value of each (keyword, level)."""
        return self._value.get()

    @property
    def metric(self) -> FloatArray | None:
        """Conversions (target CPA) or revenue (target ROAS); None without a target."""
        return None if self._metric is None else self._metric.get()

    def _compact(self, levels: IntArray) -> IntArray:
        out: IntArray = levels.astype(self._lv_dtype)
        return out

    # -- the target's coefficients (``make_problem``'s arithmetic) -------------------
    def _g(self, rows: IntArray | None = None) -> FloatArray | None:
        """``g`` of the target (``cost - cpa * conversions`` or ``roas * cost - revenue``)
        for all rows or ``rows``; None without a target."""
        p, m = self.problem, self.metric
        if m is None or p.target_level is None:
            return None
        cost = p.cost if rows is None else p.cost[rows]
        metric = m if rows is None else m[rows]
        if p.target_name == "target_cpa":
            return cost - p.target_level * metric
        return p.target_level * cost - metric

    def _with_target(self) -> BidProblem:
        """The problem with its values and target arrays (for ``_moves_down``)."""
        p, m = self.problem, self.metric
        if m is None:
            return replace(p, value=self.value)
        g = self._g()
        assert g is not None
        assert p.target_level is not None
        scale = p.target_level * (m if p.target_name == "target_cpa" else p.cost)
        return replace(p, value=self.value, target=g, target_scale=scale)

    # -- set-up --------------------------------------------------------------------
    def info(self) -> tuple[int, tuple[str, dict[str, float]] | None]:
        return self.n, self.error

    def describe(self) -> tuple[tuple[str, ...], bool]:
        """The landscape's metrics and whether it names its keywords."""
        return self.columns

    def set_offset(self, offset: int) -> None:
        self.offset = int(offset)

    def spec(self) -> dict[str, Any]:
        """The validated scalars of the problem (the driver's view of it)."""
        p = self.problem
        return {
            "budget": p.budget,
            "objective": p.objective,
            "target_name": p.target_name,
            "target_level": p.target_level,
            "max_cpc": p.max_cpc,
            "min_bid": p.min_bid,
            "max_bid": p.max_bid,
        }

    def n_levels(self) -> int:
        return int(self.problem.cost.shape[1])

    def scales(self) -> tuple[float, float]:
        """Largest ``|value|`` and ``|g|`` (the target multiplier's first bracket)."""
        values = self.value
        value = float(np.abs(values).max()) if values.size else 0.0
        target = self._g()
        g = float(np.abs(target).max()) if target is not None and target.size else 0.0
        return value, g

    def prepare(self, mu: float | None) -> FloatArray:
        """Build the hull of ``value - mu * g`` (``value`` for None); the cost of its steps
        per coarse slope bucket (``_COARSE`` sums of consecutive buckets)."""
        p, m = self.problem, self.metric
        # the last hull, and the plans in steps on it, go before this one is built
        self.hull, self._edge, self._pool = None, None, _EMPTY
        self.taken.clear()
        if mu is None or m is None:
            value = self._value.load()
        else:  # ``value - mu * g``, g as in ``_g``, in one buffer: the same operations
            assert p.target_level is not None
            value = np.empty(p.cost.shape)
            if p.target_name == "target_cpa":
                np.multiply(p.target_level, m, out=value)
                np.subtract(p.cost, value, out=value)
            else:
                np.multiply(p.target_level, p.cost, out=value)
                np.subtract(value, m, out=value)
            np.multiply(mu, value, out=value)
            np.subtract(self.value, value, out=value)
        self.hull = build_hull(p.cost, value, p.allowed)
        coarse: FloatArray = self.hull.bucket_cost.reshape(_COARSE, -1).sum(axis=1)
        return coarse

    def exclude(self, row: int | None) -> FloatArray:
        """The hull of the objective (``prepare(None)``) with keyword ``row`` (a global
        row of this shard) not allowed at any level, as ``_solvers.swap_in`` plans the
        other keywords; ``None`` allows the problem's own levels again.  Returns the
        coarse slope histogram of the new hull."""
        p = self.problem
        if row is None:
            if self._own_allowed is not None:
                self.problem = replace(p, allowed=self._own_allowed[0])
                self._own_allowed = None
        else:
            if self._own_allowed is None:
                self._own_allowed = (p.allowed,)
            own = self._own_allowed[0]
            mask = np.ones(p.cost.shape, dtype=bool) if own is None else own.copy()
            mask[int(row) - self.offset] = False
            self.problem = replace(p, allowed=mask)
        return self.prepare(None)

    def fine(self, coarse: int) -> FloatArray:
        """The slope buckets inside coarse bucket ``coarse``."""
        fine: FloatArray = self._h().bucket_cost.reshape(_COARSE, -1)[int(coarse)].copy()
        return fine

    def _h(self) -> Hull:
        assert self.hull is not None
        return self.hull

    # -- plans in steps (taken) and in levels ----------------------------------------
    def set_all(self, slot: str) -> tuple[float, float]:
        self.taken[slot] = self._h().n_steps.copy()
        return self._h().totals_after(self.taken[slot])

    def copy(self, src: str, dst: str) -> None:
        self.taken[dst] = self.taken[src].copy()

    def totals(self, slot: str) -> tuple[float, float]:
        return self._h().totals_after(self.taken[slot])

    def picked_cost(self, slot: str, levels: bool) -> FloatArray:
        """Each keyword's cost (yuan, shape (n,)) in the plan in steps ``slot``, or in
        levels ``slot`` with ``levels``; 0 where it does not bid."""
        lv = self.levels[slot] if levels else self._h().level_after(self.taken[slot])
        return picked(self.problem.cost, lv.astype(np.int64))

    def step_values(self, slot: str) -> FloatArray:
        """Each keyword's objective value (shape (n,)) in the plan in steps ``slot``."""
        return picked(self.value, self._h().level_after(self.taken[slot]).astype(np.int64))

    def add(self, slot: str, rows: IntArray, delta: int) -> None:
        np.add.at(self.taken[slot], np.asarray(rows, dtype=np.int64) - self.offset, delta)

    def to_levels(self, slot: str, lslot: str) -> None:
        self.levels[lslot] = self._compact(self._h().level_after(self.taken[slot]))

    def copy_levels(self, src: str, dst: str) -> None:
        self.levels[dst] = self.levels[src].copy()

    def picked_metrics(
        self, lslot: str
    ) -> tuple[FloatArray, FloatArray, FloatArray | None, FloatArray | None]:
        """Each keyword's cost, objective value, target ``g`` and ``|target scale|`` in
        the plan ``lslot``, shape (n,) each (the last two None without a target)."""
        p, lv = self.problem, self.levels[lslot]
        c = picked(p.cost, lv)
        v = picked(self.value, lv)  # each array (or its file) read once
        if self._metric is None:
            return c, v, None, None
        # picked(g) and picked(scale), point by point
        m = v if self._metric is self._value else picked(self._metric.get(), lv)
        level = p.target_level
        assert level is not None
        cpa = p.target_name == "target_cpa"
        g_at = np.where(lv >= 0, c - level * m if cpa else level * c - m, 0.0)
        return c, v, g_at, np.abs(level * (m if cpa else c))

    def own_columns(self, lslot: str, target: bool) -> tuple[FloatArray, ...]:
        """Each keyword's objective value in the plan ``lslot`` or, with ``target``, its
        target ``g`` and ``|target scale|`` (for the driver to sum in one array)."""
        _, v, g_at, sc_at = self.picked_metrics(lslot)
        if not target:
            return (v,)
        assert g_at is not None
        assert sc_at is not None
        return g_at, sc_at

    def same_levels(self, a: str, b: str) -> bool:
        """Whether the plans in levels ``a`` and ``b`` are the same on this shard."""
        return bool(np.array_equal(self.levels[a], self.levels[b]))

    def sums(self, lslot: str) -> tuple[float, float, float, float]:
        """(cost, objective value, target ``g``, ``|target scale|``) of a plan."""
        c, v, g_at, sc_at = self.picked_metrics(lslot)
        g = 0.0 if g_at is None else float(g_at.sum())
        sc = 0.0 if sc_at is None else float(sc_at.sum())
        return float(c.sum()), float(v.sum()), g, sc

    # -- the LP threshold (``_select._threshold_histogram``, this shard's rows) -------
    def edge_start(self, slot: str, edge: int) -> int:
        """Steps above bucket ``edge`` taken; the edge bucket's real steps kept."""
        taken, rows, dc, dv, slope = self._h().edge_steps(edge)
        self._edge = (rows, dc, dv, slope)
        self._cur = np.arange(rows.size)
        self.taken[slot] = taken
        return int(self._cur.size)

    def refine(self, shift: int) -> tuple[IntArray, FloatArray]:
        """Keys (``slope bits >> shift``) of the current edge items and their cost per key."""
        assert self._edge is not None
        _, dc, _, slope = self._edge
        key = slope[self._cur].view(np.int64) >> shift
        keys, inverse = np.unique(key, return_inverse=True)
        cost = np.bincount(inverse.ravel(), weights=dc[self._cur], minlength=keys.size)
        return keys.astype(np.int64), cost.astype(np.float64, copy=False)

    def narrow(self, slot: str, shift: int, sub: int) -> int:
        """Take the items whose key is above ``sub``; keep those equal to it."""
        assert self._edge is not None
        rows, _, _, slope = self._edge
        key = slope[self._cur].view(np.int64) >> shift
        np.add.at(self.taken[slot], rows[self._cur[key > sub]], 1)
        self._cur = self._cur[key == sub]
        return int(self._cur.size)

    def edge_items(self) -> tuple[IntArray, FloatArray, FloatArray, FloatArray]:
        assert self._edge is not None
        rows, dc, dv, slope = self._edge
        c = self._cur
        return rows[c] + self.offset, dc[c], dv[c], slope[c]

    # -- give back the flattest last step (``_select._shed``) ---------------------------
    def flattest(self, slot: str) -> tuple[float, int] | None:
        taken = self.taken[slot]
        rows = np.flatnonzero(taken > 0)
        if rows.size == 0:
            return None
        _, _, slope = self._h().step(rows, taken[rows] - 1)
        at = int(np.argmin(slope))
        return float(slope[at]), int(rows[at]) + self.offset

    # -- the greedy fill (``_select._greedy_fill`` without groups) ---------------------
    def pool_start(self, slot: str, remaining: float) -> None:
        self._pool = self._h().affordable(self.taken[slot], remaining)

    def pool_steps(
        self, slot: str, remaining: float
    ) -> tuple[FloatArray, FloatArray, FloatArray, BoolArray]:
        hull, taken = self._h(), self.taken[slot]
        alive = np.flatnonzero(taken[self._pool] < hull.n_steps[self._pool])
        pool = self._pool[alive]
        dc, dv, slope = hull.step(pool, taken[pool])
        fits = (dc <= remaining) & (slope > 0)
        kept = np.zeros(self._pool.size, dtype=bool)  # over the pool as it came in
        kept[alive[fits]] = True
        self._pool = pool[fits]
        return dc[fits], dv[fits], slope[fits], kept

    def pool_take(self, slot: str, picked_at: IntArray) -> None:
        rows = self._pool[picked_at]
        self.taken[slot][rows] += 1
        self._pool = rows

    # -- the other rounding (``_select._round_up_and_repair``) -------------------------
    def next_step(self, slot: str, row: int) -> tuple[bool, float, float]:
        r = int(row) - self.offset
        taken = self.taken[slot]
        if taken[r] >= self._h().n_steps[r]:
            return False, 0.0, 0.0
        dc, dv, _ = self._h().step(np.array([r]), np.array([taken[r]]))
        return True, float(dc[0]), float(dv[0])

    def last_steps(
        self, slot: str, exclude: int, k: int | None, at_most: float | None = None
    ) -> tuple[int, IntArray, FloatArray, FloatArray, FloatArray]:
        """Last steps of bidding rows (not ``exclude``): all, the ``k`` flattest, or
        with ``at_most`` every one at most that steep (ties included)."""
        taken = self.taken[slot]
        rows = np.flatnonzero(taken > 0)
        rows = rows[rows != int(exclude) - self.offset]
        dc, dv, slope = self._h().step(rows, taken[rows] - 1)
        n = int(rows.size)
        if at_most is not None:
            keep = np.flatnonzero(slope <= at_most)
            rows, dc, dv, slope = rows[keep], dc[keep], dv[keep], slope[keep]
        elif k is not None and n > k:
            keep = np.sort(np.argpartition(slope, k - 1)[:k])
            rows, dc, dv, slope = rows[keep], dc[keep], dv[keep], slope[keep]
        return n, rows + self.offset, dc, dv, slope

    # -- ``_solvers.fill_levels``: this shard's candidates and their rows ----------------
    def fl_start(self, lslot: str) -> None:
        p, out = self.problem, self.levels[lslot]
        n_levels = p.cost.shape[1]
        values = self.value
        cur_c, cur_v = picked(p.cost, out), picked(values, out)
        has_next = out + 1 < n_levels
        nxt = np.where(has_next, out + 1, 0)
        self._fill = {
            "next_dc": np.where(has_next, picked(p.cost, nxt) - cur_c, np.inf),
            "next_dv": np.where(has_next, picked(values, nxt) - cur_v, 0.0),
        }

    def fl_candidates(
        self, room_c: float, k: int | None, at_least: float | None = None
    ) -> tuple[int, IntArray, FloatArray]:
        """How many rows' next level fits ``room_c``; the ``k`` steepest (none: ``k``
        None), or with ``at_least`` every one at least that steep (next level's value
        per yuan), ties included."""
        next_dc, next_dv = self._fill["next_dc"], self._fill["next_dv"]
        rows = np.flatnonzero(next_dc <= room_c)
        tiny = np.finfo(np.float64).tiny
        with np.errstate(divide="ignore", invalid="ignore"):
            steep = next_dv[rows] / np.maximum(next_dc[rows], tiny)
        n = int(rows.size)
        if at_least is not None:
            keep = np.flatnonzero(steep >= at_least)
            return n, rows[keep] + self.offset, steep[keep]
        if k is None:
            return n, _EMPTY, steep[:0]
        if n > k:
            keep = np.sort(np.argpartition(-steep, k - 1)[:k])
            rows, steep = rows[keep], steep[keep]
        return n, rows + self.offset, steep

    def fl_scores(
        self, lslot: str, rows: IntArray, room_c: float, room_g: float
    ) -> tuple[IntArray, FloatArray, FloatArray, FloatArray, IntArray]:
        """Each row's best move up, scored as one round of ``_solvers.fill_levels`` scores
        it (objective per share of the room left in the budget and the target): the rows
        with a move, their score, the move's cost and target change, and its level."""
        p, out = self.problem, self.levels[lslot]
        r = np.asarray(rows, dtype=np.int64) - self.offset
        tiny = np.finfo(np.float64).tiny
        n_levels = p.cost.shape[1]
        lv, cost, value = out[r], p.cost[r], self.value[r]
        dc = cost - picked(cost, lv)[:, None]
        dv = value - picked(value, lv)[:, None]
        ok = (np.arange(n_levels)[None, :] > lv[:, None]) & (dv > 0) & (dc <= room_c)
        dg = np.zeros_like(dc)
        with np.errstate(over="ignore"):
            use = np.maximum(dc, 0.0) / max(room_c, tiny)
            target = self._g(r)
            if target is not None:
                dg = target - picked(target, lv)[:, None]
                ok &= dg <= room_g
                use = use + np.maximum(dg, 0.0) / max(room_g, tiny)
        if p.allowed is not None:
            ok &= p.allowed[r]
        keep = np.flatnonzero(ok.any(axis=1))
        ok, dc, dv, dg, use = ok[keep], dc[keep], dv[keep], dg[keep], use[keep]
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            score = np.where(ok, dv / np.maximum(use, tiny), -np.inf)
        pick = np.argmax(score, axis=1)
        at = np.arange(keep.size)
        return r[keep] + self.offset, score[at, pick], dc[at, pick], dg[at, pick], pick

    def fl_move(self, lslot: str, rows: IntArray, new: IntArray) -> None:
        p, out = self.problem, self.levels[lslot]
        r = np.asarray(rows, dtype=np.int64) - self.offset
        out[r] = new
        n_levels = p.cost.shape[1]
        more = new + 1 < n_levels
        nxt = np.minimum(new + 1, n_levels - 1)
        self._fill["next_dc"][r] = np.where(more, p.cost[r, nxt] - p.cost[r, new], np.inf)
        values = self.value
        self._fill["next_dv"][r] = np.where(more, values[r, nxt] - values[r, new], 0.0)

    # -- ``_solvers.repair_target``: moves down, best first ----------------------------
    def moves(self, lslot: str, start: int, k: int) -> tuple[int, IntArray, FloatArray, FloatArray]:
        """This shard's useful moves down in order (``start`` 0 computes them): the next
        ``k`` as (global row, score, cut)."""
        out = self.levels[lslot].astype(np.int64)
        if start == 0:
            full = self._with_target()
            assert full.target is not None
            rows = np.flatnonzero(out >= 0)
            pick, score, gain = _moves_down(full, out, rows, full.target)
            useful = np.flatnonzero(score > -np.inf)
            order = useful[np.argsort(-score[useful], kind="stable")]
            self._moves = (rows[order], pick[order], score[order], gain[order])
        assert self._moves is not None
        rows, _, score, gain = self._moves
        stop = start + k
        return int(rows.size), rows[start:stop] + self.offset, score[start:stop], gain[start:stop]

    def apply_moves(self, lslot: str, count: int) -> None:
        """Take this shard's first ``count`` moves."""
        assert self._moves is not None
        rows, pick, _, _ = self._moves
        n_levels = self.problem.cost.shape[1]
        new = pick[:count]
        self.levels[lslot][rows[:count]] = np.where(new == n_levels, -1, new)

    # -- ``_solvers.swap_in``: keywords the rounding left out ---------------------------
    def swap_candidates(
        self, lslot: str, k: int
    ) -> tuple[IntArray, FloatArray, FloatArray, IntArray]:
        """``swap_in``'s candidates among this shard's keywords not bidding in ``lslot``:
        those with an allowed level worth something, the ``k`` whose cheapest such level
        is worth most (in that order, ties by row), as (global row, value, cost, level)."""
        p, values = self.problem, self.value
        usable = values > 0
        if p.allowed is not None:
            usable &= p.allowed
        first = np.where(usable.any(axis=1), usable.argmax(axis=1), -1)
        off = np.flatnonzero((self.levels[lslot] < 0) & (first >= 0))
        rows = off[np.argsort(-values[off, first[off]], kind="stable")][:k]
        at = first[rows]
        return rows + self.offset, values[rows, at], p.cost[rows, at], at

    def set_level(self, lslot: str, row: int, level: int) -> None:
        """Keyword ``row`` (global) at ``level`` in the plan ``lslot``."""
        self.levels[lslot][int(row) - self.offset] = level

    def clear(self, lslot: str) -> None:
        self.levels[lslot][:] = -1

    # -- the plan ----------------------------------------------------------------------
    def plan_columns(self, lslot: str) -> dict[str, Any]:
        """Levels, the metrics at them, the objective value and keywords of this shard."""
        land = self.landscape if self.landscape is not None else _load(self.source)  # type: ignore[arg-type]
        lv = self.levels[lslot].astype(np.int64)
        out: dict[str, Any] = dict(land.at_levels(lv))
        out["levels"] = lv
        out["value"] = picked(self.value, lv)
        out["keywords"] = land.keywords
        if self.landscape is None:  # read again: what the read freed goes back
            del land
            release_memory()
        return out

    def drop_hull(self) -> None:
        self.hull = None
        self._edge = None


def _placeholder(land: BidLandscape) -> BidLandscape:
    """A one-keyword landscape standing in for a dropped one (never solved on)."""
    return land.take(np.zeros(1, dtype=np.int64))


class ShardGroup:
    """The partitions one worker holds (one Dask actor per worker, so a round costs one
    call per worker); calls are passed to each partition in turn."""

    def __init__(self, sources: list[Source], spec: dict[str, Any]) -> None:
        self.spill = SpillDir()
        self.shards = []
        for src in sources:  # what each read freed goes back before the next read
            self.shards.append(Shard(src, spec, self.spill))
            release_memory()

    def each(self, name: str, args: list[tuple[Any, ...]]) -> list[Any]:
        """``name(*args[i])`` on partition ``i`` of this group."""
        return [getattr(sh, name)(*a) for sh, a in zip(self.shards, args, strict=True)]

    def all(self, name: str, args: tuple[Any, ...]) -> list[Any]:
        """``name(*args)`` on every partition of this group."""
        return [getattr(sh, name)(*args) for sh in self.shards]

    def one(self, index: int, name: str, args: tuple[Any, ...]) -> Any:
        return getattr(self.shards[index], name)(*args)

    def steepest(self, room_c: float, k: int) -> tuple[int, IntArray, FloatArray]:
        """The group's ``k`` steepest fill candidates (``Shard.fl_candidates``) and how
        many candidates it has in all."""
        parts = [sh.fl_candidates(room_c, k) for sh in self.shards]
        n = sum(p[0] for p in parts)
        rows = np.concatenate([p[1] for p in parts])
        steep = np.concatenate([p[2] for p in parts])
        if rows.size > k:
            keep = np.argpartition(-steep, k - 1)[:k]
            rows, steep = rows[keep], steep[keep]
        return n, rows, steep

    def flattest(
        self, slot: str, exclude: int, k: int | None, at_most: float | None = None
    ) -> tuple[int, IntArray, FloatArray, FloatArray, FloatArray]:
        """The group's ``k`` flattest last steps (``Shard.last_steps``), all, or those
        at most ``at_most`` steep."""
        parts = [sh.last_steps(slot, exclude, k, at_most) for sh in self.shards]
        n = sum(p[0] for p in parts)
        rows, dc, dv, slope = (np.concatenate([p[i] for p in parts]) for i in (1, 2, 3, 4))
        if at_most is None and k is not None and rows.size > k:
            keep = np.sort(np.argpartition(slope, k - 1)[:k])
            rows, dc, dv, slope = rows[keep], dc[keep], dv[keep], slope[keep]
        return n, rows, dc, dv, slope
