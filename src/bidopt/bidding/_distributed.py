"""``optimize_bids(..., client=...)``: the dual solver with the keywords on Dask workers.

Each partition lives on a worker as a :class:`~bidopt.bidding._shard.Shard` (one Dask
actor per worker holds its partitions) that builds its hulls once per multiplier and
keeps them.  The driver runs the in-process solver's steps (``_solvers.solve_dual``,
``dual_plan``, ``fill_levels``, ``swap_in``, ``repair_target`` here; ``_select.select``
without group budgets in :mod:`~bidopt.bidding._distributed_select`) with the global
arrays replaced by per-partition reductions: the slope histogram, sums, and the few items near the
threshold.  The greedy fills work on the keywords whose next step fits
what is left, as the in-process ones do; the driver walks them with the same code in the
same order.  So the plan is the in-process plan: the same steps taken in the same order,
the totals summed shard by shard (sums may differ in the last bits, which can change a
decision only when a budget or target sits within round-off of a breakpoint).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from bidopt._dask import (
    cluster_parts,
    n_workers,
    require_client,
    require_distributed,
    worker_addresses,
)
from bidopt._validation import check_choice, check_options, check_scalar, frozen
from bidopt._wording import target_message
from bidopt.bidding._cluster_shards import _TIE, ClusterStats, Shards
from bidopt.bidding._distributed_select import select_on
from bidopt.bidding._plan import BidPlan
from bidopt.bidding._problem import TARGET_RTOL, BidProblem
from bidopt.bidding._shard import ShardGroup
from bidopt.bidding._solvers import _FILL_ROWS, _FILL_TOL, _SWAP_GAP, Solution
from bidopt.exceptions import InfeasibleError, InvalidInputError
from bidopt.landscape import BidLandscape, LandscapeDataset, LandscapeEstimate

__all__ = ["last_stats", "optimize_on_cluster", "split_landscape"]

_FILL_ROUNDS = 64

# --------------------------------------------------------------------------------------
# ``_solvers``: fill_levels, repair_target, dual_plan, solve_dual
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Spec:
    """What the driver knows of the problem (no per-keyword arrays)."""

    budget: float
    objective: str
    n_levels: int
    target_name: str | None
    target_level: float | None
    max_cpc: float | None
    min_bid: float | None
    max_bid: float | None

    @property
    def has_target(self) -> bool:
        return self.target_name is not None


def _excess(s: Shards, lslot: str, sums: tuple[float, float] | None = None) -> float:
    """``BidProblem.target_excess`` of the plan in levels ``lslot`` (``sums``: its
    shard-summed ``g`` and scale, when the caller has them); within round-off of 0
    (a plan on the target's edge), from the plan's own sums, as in process."""
    g, scale = s.sums(lslot)[2:] if sums is None else sums
    excess = g - TARGET_RTOL * scale
    if abs(excess) <= _TIE * (abs(g) + scale):
        g, scale = s.own_target(lslot)
        excess = g - TARGET_RTOL * scale
    return excess


def _more(s: Shards, a: float, a_slot: str, b: float, b_slot: str) -> bool:
    """``a > b`` for the objective values ``a``, ``b`` of the plans in levels
    ``a_slot``, ``b_slot`` (shard-summed); within round-off of each other (two plans
    worth the same), compared on the plans' own sums, as in process."""
    if abs(a - b) > _TIE * max(abs(a), abs(b)):
        return a > b
    if s.same_levels(a_slot, b_slot):  # one plan (the bisection often finds it again)
        return False
    return s.own_value(a_slot) > s.own_value(b_slot)


def _fill_levels(s: Shards, spec: _Spec, lslot: str) -> None:
    """``_solvers.fill_levels``, round by round: the shards score their candidates'
    moves (the ``_FILL_ROWS`` steepest rows and their ties); the driver takes them in
    the same order while the running totals fit, with the same arithmetic."""
    s.all("fl_start", lslot)
    cost_sum, _, g_sum, scale_sum = s.sums(lslot, spec.budget)
    room_c = spec.budget - cost_sum
    room_g = -_excess(s, lslot, (g_sum, scale_sum)) if spec.has_target else np.inf
    for _ in range(_FILL_ROUNDS):
        if room_c < 0 or room_g < 0:
            break
        n = sum(p[0] for p in s.all("fl_candidates", room_c, None))
        if n == 0:
            break
        parts = s.per_group("steepest", room_c, _FILL_ROWS + 1)
        rows = np.concatenate([p[1] for p in parts])
        if n > _FILL_ROWS:  # the steepest next levels and their ties, as in process
            steep = np.concatenate([p[2] for p in parts])
            kth = float(np.partition(steep, steep.size - _FILL_ROWS)[steep.size - _FILL_ROWS])
            rows = np.concatenate([p[1] for p in s.all("fl_candidates", room_c, None, kth)])
        got = s.each("fl_scores", [(lslot, r, room_c, room_g) for r in s.split(rows)])
        rows, score, step_c, step_g, pick = (np.concatenate([g[i] for g in got]) for i in range(5))
        if rows.size == 0:
            break
        order = np.lexsort((rows, -score))
        step_c, step_g = step_c[order], step_g[order]
        fits = np.cumsum(step_c) <= room_c
        if spec.has_target:
            fits &= np.cumsum(step_g) <= room_g
        k = int(np.argmin(fits)) if not fits.all() else fits.size
        if k == 0:
            break
        take = order[:k]
        room_c -= float(step_c[:k].sum())
        if spec.has_target:
            room_g -= float(step_g[:k].sum())
        moved, new = rows[take], pick[take]
        owner = np.searchsorted(s.offsets, moved, side="right") - 1
        s.each("fl_move", [(lslot, moved[owner == i], new[owner == i]) for i in range(s.n_parts)])


def _merged_moves(s: Shards, lslot: str, excess: float) -> list[int]:
    """How many of each shard's moves ``repair_target``'s round takes: the moves of all
    shards merged in the in-process order (score, then row) until they cover ``excess``."""
    k = 1024
    parts = s.all("moves", lslot, 0, k)
    total = [p[0] for p in parts]
    rows = [p[1] for p in parts]
    score = [p[2] for p in parts]
    gain = [p[3] for p in parts]
    while True:
        r, sc, gn = np.concatenate(rows), np.concatenate(score), np.concatenate(gain)
        shard = np.repeat(np.arange(len(rows)), [x.size for x in rows])
        order = np.lexsort((r, -sc))
        open_ = [i for i in range(len(rows)) if rows[i].size < total[i]]
        safe = order.size
        if open_:  # items after the first unsent one of an open shard may come later
            bound = min((-score[i][-1], rows[i][-1]) for i in open_)
            keys = list(zip((-sc[order]).tolist(), r[order].tolist(), strict=True))
            safe = sum(1 for key in keys if key <= bound)
        cum = np.cumsum(gn[order[:safe]])
        j = int(np.searchsorted(cum, excess, side="left"))
        if j < safe or not open_:
            take = order[: j + 1]
            return [int(np.count_nonzero(shard[take] == i)) for i in range(len(rows))]
        more = s.each(
            "moves", [(lslot, rows[i].size if i in open_ else 0, k) for i in range(len(rows))]
        )
        for i in open_:
            rows[i] = np.concatenate([rows[i], more[i][1]])
            score[i] = np.concatenate([score[i], more[i][2]])
            gain[i] = np.concatenate([gain[i], more[i][3]])
        k *= 2


def _repair_target(s: Shards, lslot: str, max_rounds: int = 200) -> None:
    """``_solvers.repair_target``: moves down, best first, until the target holds."""
    for _ in range(max_rounds):
        excess = _excess(s, lslot)
        if excess <= 0:
            return
        counts = _merged_moves(s, lslot, excess)
        if not any(counts):
            break
        s.each("apply_moves", [(lslot, c) for c in counts])
    if _excess(s, lslot) > 0:
        s.all("clear", lslot)


def _swap_in(s: Shards, spec: _Spec, lslot: str, candidates: int = 8) -> None:
    """``_solvers.swap_in`` on the plan in levels ``lslot`` (a budget alone): for the
    ``candidates`` keywords not bidding whose cheapest level worth something is worth
    most, that level fixed and the others planned on the budget left (threshold and
    fill on hulls without the keyword, rebuilt on its partition only); the best plan
    that fits the budget replaces ``lslot`` when it is worth more."""
    if s.n_keywords < 2 or spec.n_levels == 0:
        return
    parts = s.all("swap_candidates", lslot, candidates)
    rows, value, cost, level = (np.concatenate([p[i] for p in parts]) for i in range(4))
    best_value = s.sums(lslot)[1]
    for i in np.lexsort((rows, -value))[:candidates].tolist():
        row, left = int(rows[i]), spec.budget - float(cost[i])
        if left < 0:
            continue
        owner = s.owner(row)
        s.exclude(row, owner)
        select_on(s, "t", left)
        s.all("to_levels", "t", "swap")
        _fill_levels(s, replace(spec, budget=left), "swap")
        s.one(owner, "set_level", "swap", row, int(level[i]))
        s.exclude(None, owner)
        spend, trial_value, _, _ = s.sums("swap", spec.budget)
        if spend <= spec.budget and _more(s, trial_value, "swap", best_value, lslot):
            s.all("copy_levels", "swap", lslot)
            best_value = trial_value


def _evaluate(s: Shards, spec: _Spec, mu: float | None) -> tuple[float, float, float, float]:
    """Plan of one target multiplier in level slot ``cur``: (bound, lam, fun, slack)."""
    s.prepare(mu)
    sel = select_on(s, "t", spec.budget)
    s.all("to_levels", "t", "cur")
    _, fun, g, scale = s.sums("cur")
    return sel.lp_value, sel.multiplier, fun, _excess(s, "cur", (g, scale))


def _solve(s: Shards, spec: _Spec, max_outer: int) -> tuple[str, Solution]:
    """``_solvers.solve_dual``; returns the level slot of the plan and its Solution."""
    empty = np.zeros(0, dtype=np.int64)
    if not spec.has_target:
        s.prepare(None)
        sel = select_on(s, "t", spec.budget)
        s.all("to_levels", "t", "cur")
        if sel.lp_value - sel.value > _FILL_TOL * abs(sel.lp_value):
            _fill_levels(s, spec, "cur")
            if sel.lp_value - s.sums("cur")[1] > _SWAP_GAP * abs(sel.lp_value):
                _swap_in(s, spec, "cur")
        msg = "Optimal up to the reported gap."
        return "cur", Solution(empty, sel.lp_value, sel.multiplier, 0.0, 1, 0, msg)
    bound, lam, fun, slack = _evaluate(s, spec, 0.0)
    nit = 1
    if slack <= 0:
        _fill_levels(s, spec, "cur")
        msg = target_message(spec.target_name, binding=False)
        return "cur", Solution(empty, bound, lam, 0.0, nit, 0, msg)
    best_bound = bound
    best: tuple[float, float, float] | None = None  # fun, lam, mu (levels in "best")
    s.all("copy_levels", "cur", "over")
    over = (lam, 0.0)
    scales = s.all("scales")
    value_scale = max(v for v, _ in scales) or 1.0
    g_scale = max(g for _, g in scales) or 1.0
    lo, hi = 0.0, value_scale / g_scale
    for _ in range(80):
        bound, lam, fun, slack = _evaluate(s, spec, hi)
        nit += 1
        best_bound = min(best_bound, bound)
        if slack <= 0:
            best = (fun, lam, hi)
            s.all("copy_levels", "cur", "best")
            break
        s.all("copy_levels", "cur", "over")
        over = (lam, hi)
        lo, hi = hi, hi * 4.0
    if best is not None:
        for _ in range(max_outer):
            if hi - lo <= 1e-12 * hi:
                break
            mid = 0.5 * (lo + hi) if lo > 0 else hi / 16.0
            if lo == 0 and mid < 1e-12 * value_scale / g_scale:
                mid = 0.5 * hi
            bound, lam, fun, slack = _evaluate(s, spec, mid)
            nit += 1
            best_bound = min(best_bound, bound)
            if slack <= 0:
                hi = mid
                if _more(s, fun, "cur", best[0], "best"):
                    best = (fun, lam, mid)
                    s.all("copy_levels", "cur", "best")
            else:
                lo = mid
                s.all("copy_levels", "cur", "over")
                over = (lam, mid)
    s.all("drop_hull")
    s.all("copy_levels", "over", "rep")
    _repair_target(s, "rep")
    _fill_levels(s, spec, "rep")
    repaired_fun = s.sums("rep")[1]
    best_fun = -np.inf
    if best is not None:
        _fill_levels(s, spec, "best")
        best_fun = s.sums("best")[1]
    slot, fun, lam, mu = "best", best_fun, 0.0, 0.0
    if best is not None:
        lam, mu = best[1], best[2]
    if best is None or _more(s, repaired_fun, "rep", best_fun, "best"):
        slot, fun, lam, mu = "rep", repaired_fun, over[0], over[1]
    msg = target_message(spec.target_name, binding=True)
    return slot, Solution(empty, max(best_bound, fun), lam, mu, nit, 0, msg)


# --------------------------------------------------------------------------------------
# entry point
# --------------------------------------------------------------------------------------


def split_landscape(landscape: BidLandscape, n_partitions: int) -> list[BidLandscape]:
    """Consecutive blocks of keywords (about equal sizes), in order."""
    bounds = np.linspace(0, landscape.n_keywords, n_partitions + 1).astype(np.int64)
    return [landscape.take(np.arange(a, b)) for a, b in itertools.pairwise(bounds) if b > a]


def _check_alike(columns: list[tuple[tuple[str, ...], bool]]) -> None:
    """Raise unless every partition has the same metrics, and keywords in all or none
    (the plan's columns are the partitions' put end to end)."""
    odd = next((i for i, c in enumerate(columns) if c != columns[0]), None)
    if odd is None:
        return
    said = [
        f"partition {i}: metrics {list(columns[i][0])}, "
        + ("with keywords" if columns[i][1] else "without keywords")
        for i in (0, odd)
    ]
    raise InvalidInputError(
        "`landscape` must have partitions alike: the same metrics, and keywords in all "
        f"or none. Got {said[0]}; {said[1]} instead."
    )


def _check_reachable(infos: list[tuple[int, Any]]) -> None:
    """Raise the in-process InfeasibleError when no shard can meet the target."""
    errors = [e for _, e in infos]
    if not errors or any(e is None for e in errors):
        return
    budget_type = [e for e in errors if "budget" in e[1]]
    if budget_type:  # some point meets the target, none within the budget
        message, conflicts = min(budget_type, key=lambda e: e[1]["budget"])
    else:
        message, conflicts = min(errors, key=lambda e: next(iter(e[1].values())))
    raise InfeasibleError(message, conflicts)


def optimize_on_cluster(
    landscape: Any,
    budget: object,
    *,
    client: Any,
    method: object,
    options: Mapping[str, Any] | None,
    finish: Callable[..., BidPlan],
    current_bids: object = None,
    **constraints: Any,
) -> BidPlan:
    """``optimize_bids(..., client=client)``: the dual with the partitions on the workers.

    ``landscape`` is a :class:`BidLandscape` (split into consecutive blocks, four per
    worker, and scattered), a :class:`~bidopt.landscape.LandscapeDataset` (each worker
    reads its own Parquet partitions), or a sequence of Dask futures of landscapes (in
    keyword order).  ``constraints`` are ``optimize_bids``' keyword arguments
    (``current_bids`` is refused: it belongs to a plan on an estimate);
    ``finish`` is ``make_plan`` (passed in: ``_optimize`` imports this module).  The
    plan's ``cluster`` statistics (rounds, bytes) are in :func:`last_stats`.
    """
    require_client(client, "optimize_bids(client=...)")
    check_choice(method, "method", ("dual",))
    opts = check_options(options, {"max_outer": 60}, method="dual")
    max_outer = int(check_scalar(opts["max_outer"], "options['max_outer']", lower=0, integer=True))
    if current_bids is not None:
        raise InvalidInputError(
            "`current_bids` must be None with `client`: today's bids matter to a plan on an "
            "estimate from estimate_landscapes, which is made in one process (client=None). "
            f"Got {type(current_bids).__name__} instead."
        )
    for name in ("group_budgets", "groups"):
        if constraints.get(name) is not None:
            raise InvalidInputError(
                f"`{name}` must be None with `client`: group budgets add one multiplier "
                "per group to the dual, which the cluster solver does not carry (it keeps "
                "one budget multiplier and one target multiplier). Solve a plan with "
                "group budgets in one process (client=None), or give each group its own "
                f"optimize_bids call with its budget. Got {type(constraints[name]).__name__} "
                "instead."
            )
    spec = dict(constraints, budget=budget)
    sources = _sources(landscape, client)
    members = _placement(sources, client)
    futures = [
        client.submit(ShardGroup, [sources[i] for i in m], spec, actor=True, workers=[w])
        for w, m in members.items()
    ]
    shards = Shards([f.result() for f in futures], list(members.values()))
    _check_alike(shards.all("describe"))
    _check_reachable(shards.all("info"))
    # every shard has checked the arguments; the driver reads them back as validated
    done = shards.one(0, "spec")
    dspec = _Spec(n_levels=shards.one(0, "n_levels"), **done)
    slot, solution = _solve(shards, dspec, max_outer)
    plan = _assemble(shards, slot, solution, dspec, finish)
    _LAST.clear()
    _LAST.append(shards.stats)
    del futures
    return plan


_LAST: list[ClusterStats] = []


def last_stats() -> ClusterStats | None:
    """Rounds and bytes of the last ``optimize_bids(client=...)`` call in this process."""
    return _LAST[0] if _LAST else None


def _sources(landscape: Any, client: Any) -> list[Any]:
    if isinstance(landscape, BidLandscape):
        parts = split_landscape(landscape, 4 * n_workers(client))
        # hash=False: fresh keys per call.  Hashed keys are the same on every call with
        # the same landscape, so a loop's previous call, releasing its futures, could
        # make the scheduler drop the data this call's shards depend on.
        return list(client.scatter(parts, hash=False))
    if isinstance(landscape, LandscapeDataset):
        return list(landscape.readers())
    expected = (
        "`landscape` must be a BidLandscape, a LandscapeDataset or a non-empty sequence of "
        "Dask futures of landscapes (or of BidLandscapes) with `client`"
    )
    given = cluster_parts(landscape, BidLandscape, expected)
    if given is not None:
        return given
    hint = ""
    if isinstance(landscape, (str, bytes, os.PathLike)):
        hint = " (a Parquet directory is read with read_landscape_parquet(path))"
    elif isinstance(landscape, LandscapeEstimate):
        hint = " (a plan on an estimate from estimate_landscapes is made in one process)"
    raise InvalidInputError(f"{expected}{hint}. Got {type(landscape).__name__} instead.")


def _placement(sources: list[Any], client: Any) -> dict[str, list[int]]:
    """Which worker holds which partitions: a future's partition where its data is,
    the others (readers) in consecutive blocks of about equal size."""
    workers = worker_addresses(client, "optimize_bids(client=...)")
    futures = [i for i, s in enumerate(sources) if hasattr(s, "key") and hasattr(s, "status")]
    where: dict[int, str] = {}
    if futures:
        require_distributed("optimize_bids(client=...)").wait([sources[i] for i in futures])
        who = client.who_has([sources[i] for i in futures])
        for i in futures:
            holders = sorted(who.get(sources[i].key, ()))
            if holders:
                where[i] = holders[0]
    rest = [i for i in range(len(sources)) if i not in where]
    for j, i in enumerate(rest):
        where[i] = workers[j * len(workers) // max(len(rest), 1)]
    members: dict[str, list[int]] = {}
    for i in range(len(sources)):
        members.setdefault(where[i], []).append(i)
    return members


def _assemble(
    s: Shards,
    slot: str,
    solution: Solution,
    spec: _Spec,
    finish: Callable[..., BidPlan],
) -> BidPlan:
    """The BidPlan, certified as ``make_plan`` certifies an in-process one, from the
    metrics at the chosen levels (gathered: one row per keyword): ``make_plan`` runs on
    a one-level landscape of the chosen points, then the plan gets the real levels."""
    cols = s.all("plan_columns", slot)
    levels = np.concatenate([c["levels"] for c in cols]).astype(np.int64)
    metric = {
        name: frozen(np.concatenate([c[name] for c in cols])[:, None])
        for name in ("bids", "clicks", "cost", "conversions", "revenue", "impressions")
        if name in cols[0]
    }
    keywords = None
    if cols[0]["keywords"] is not None:
        keywords = np.concatenate([c["keywords"] for c in cols])
    chosen = BidLandscape(**metric, keywords=keywords)
    value = np.concatenate([c["value"] for c in cols])[:, None]
    on = np.where(levels >= 0, 0, -1).astype(np.int64)
    problem = BidProblem(
        landscape=chosen,
        objective=spec.objective,
        budget=spec.budget,
        value=value,
        cost=chosen.cost,
        allowed=None,
        target=None,
        target_name=spec.target_name,
        target_level=spec.target_level,
        group_of=None,
        group_budget=None,
        group_labels=None,
        max_cpc=spec.max_cpc,
        min_bid=spec.min_bid,
        max_bid=spec.max_bid,
    )
    plan = finish(problem, replace(solution, levels=on), "dual", (), spec.n_levels)
    return replace(plan, levels=levels)
