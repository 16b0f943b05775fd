"""``optimize_crowd_bids``: keyword bids times (1 + crowd premium), jointly optimised.

The problem: choose a bid ``b_k`` per keyword and a premium ``m_a`` per crowd (0, not
targeted, or 0.05 .. 3.00 on the 0.01 grid; at most ``max_crowds`` targeted) so that cell
``(k, a)`` bids ``b_k * (1 + m_a)``, maximising the objective under the budget, a CPC cap
per cell and a target CPA / ROAS.

How it is solved (method ``"alternate"``):

1. The per-cell optimum, every cell its own bid, is :func:`optimize_bids` on the cell
   landscape: its value is the reference and its bound a proven upper bound on any plan.
2. For fixed premiums the problem is a keyword-bid problem: each keyword's landscape on
   a geometric grid of base bids is the sum of its cells read at ``b * (1 + m_a)``; it is
   solved exactly (up to its certified gap) by :func:`optimize_bids`, which also gives the
   budget multiplier ``lam`` and the target multiplier ``mu``.  All premiums 0 gives the
   keyword-only plan.
3. With ``lam`` and ``mu`` fixed, the Lagrangian separates over keywords, and each premium
   is searched in one dimension (a coarse grid, then a ternary search on the 0.01 grid
   around the best point) on precomputed tables; the crowds with the largest gains are
   kept (at most ``max_crowds``), then refined one at a time.  The premiums are accepted
   only if the exact solve of step 2 improves on the best plan so far; the loop repeats
   with the new multipliers.
4. If the keyword-only plan is empty (a CTR floor or target that keyword bids alone
   cannot meet) while the per-cell optimum buys, step 3 starts instead from the best of
   a few exact solves at premiums that separate the crowds (the premiums the per-cell
   plan implies, crowds at the box's top; ``_seed_premiums``), on a base-bid grid reaching
   below the cells' first levels.  If none buys anything the plan is empty, with status 1
   ("No plan found that meets ...") and ``success`` False.

The plan is read exactly from the cell landscapes and certified; its value is reported
against the per-cell optimum (``share_of_per_cell``) and the bound (``relative_gap``).
The premium search is a heuristic: the certified gap, not the search, is the guarantee.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from bidopt._certificate import (
    Certificate,
    ConstraintCheck,
    cpa_check,
    cpc_each,
    ctr_check,
    lower_each,
    roas_check,
    upper,
    upper_each,
)
from bidopt._validation import (
    as_float_array,
    check_choice,
    check_instance,
    check_options,
    check_scalar,
    missing_mask,
)
from bidopt._wording import counted
from bidopt.bidding._crowds_cells import CellCurves, SearchTables, from_min_bid
from bidopt.bidding._crowds_plan import CrowdBidPlan
from bidopt.bidding._crowds_search import (
    PREMIUM_RANGE,
    STEP,
    base_grid,
    keyword_landscape,
    lagrangian_weights,
    search_premiums,
)
from bidopt.bidding._highs import solve_highs
from bidopt.bidding._optimize import _OPTIONS as _METHOD_OPTIONS
from bidopt.bidding._optimize import (
    METHODS,
    Method,
    _check_method_options,
    make_plan,
    optimize_bids,
)
from bidopt.bidding._plan import BidPlan
from bidopt.bidding._problem import make_problem
from bidopt.bidding._solvers import solve_dual
from bidopt.exceptions import InfeasibleError, InvalidInputError
from bidopt.landscape import BidLandscape, Objective
from bidopt.typing import BoolArray, FloatArray, IntArray, ObjectArray

__all__ = [
    "CROWD_OBJECTIVES",
    "PREMIUM_RANGE",
    "CrowdObjective",
    "optimize_crowd_bids",
]

CrowdObjective = Literal["clicks", "conversions", "revenue", "lifetime_value"]
#: Objectives of :func:`optimize_crowd_bids`.
CROWD_OBJECTIVES: tuple[str, ...] = ("clicks", "conversions", "revenue", "lifetime_value")
_OPTIONS: dict[str, Any] = {"n_levels": 24, "max_sweeps": 3, "min_ratio": 1.05}


def optimize_crowd_bids(
    landscape: BidLandscape,
    budget: float,
    *,
    keywords: npt.ArrayLike,
    crowds: npt.ArrayLike,
    objective: CrowdObjective = "conversions",
    value_per_order: Mapping[Any, float] | npt.ArrayLike | None = None,
    value_multiplier: Mapping[Any, float] | npt.ArrayLike | None = None,
    base_crowd: Any = None,
    max_crowds: int = 8,
    max_cpc: float | None = None,
    target_cpa: float | None = None,
    target_roas: float | None = None,
    min_ctr: float | None = None,
    min_bid: float | None = None,
    max_bid: float | None = None,
    method: Literal["alternate"] = "alternate",
    options: Mapping[str, Any] | None = None,
) -> CrowdBidPlan:
    """Choose keyword bids and crowd premiums together (bid = keyword bid x (1 + premium)).

    Parameters
    ----------
    landscape : BidLandscape
        One row per keyword x crowd cell: what bids buy from that keyword's shoppers in
        that crowd, per period.  A keyword need not have a row for every crowd.
    budget : float
        Spend limit per period, yuan (>= 0).
    keywords, crowds : array-like of shape (n_rows,)
        Keyword and crowd label of each row; each (keyword, crowd) pair once.
    objective : {"conversions", "revenue", "clicks", "lifetime_value"}, default "conversions"
        What to maximise.  ``"lifetime_value"`` values each order at its crowd's
        predicted lifetime value (``value_per_order`` or ``value_multiplier``, e.g. from
        :func:`bidopt.customers.value_per_order`) instead of its first basket.
    value_per_order : mapping of crowd label to float, or array-like of shape (n_rows,)
        Lifetime value per order, yuan (>= 0), the same for every keyword of a crowd
        (from :func:`bidopt.customers.value_per_order`: ``SegmentValue.as_dict()``).
        With ``objective="lifetime_value"`` give this or ``value_multiplier``; a crowd
        missing from a mapping raises.  An array is one value per landscape row, not
        ``SegmentValue``'s per-segment arrays (sorted by segment): pass those as a
        mapping, ``dict(zip(value.segment, value.lifetime_value_per_order))``.
    value_multiplier : mapping of crowd label to float, or array-like of shape (n_rows,)
        Lifetime value per yuan of first basket (>= 0; ``dict(zip(value.segment,
        value.value_multiplier))`` for a ``SegmentValue``): an order is worth its first
        basket (the landscape's ``revenue``) times this, so keywords keep their own
        basket sizes.  Usually the better of the two.
    base_crowd : label, optional
        The crowd label of shoppers outside every crowd (they always get the keyword
        bid: premium fixed at 0, never counted as targeted).
    max_crowds : int, default 8
        At most this many crowds get a premium.
    max_cpc : float, optional
        Cap on every cell's average cost per click, yuan.
    target_cpa : float, optional
        The plan's cost per order must not exceed this, yuan.
    target_roas : float, optional
        The plan's value per yuan must be at least this (first-basket revenue; with
        ``objective="lifetime_value"`` the lifetime value).
    min_ctr : float, optional
        The plan's click-through rate (its clicks over its impressions, a fraction in
        (0, 1]) must be at least this: a plan that buys the same clicks as today with
        ``min_ctr`` = today's CTR shows them to no more impressions than today.  Needs
        ``impressions`` in the landscape; not together with ``target_cpa`` or
        ``target_roas`` (the keyword solver carries one plan-level target).  It is a
        second linear constraint, ``clicks - min_ctr * impressions >= 0``, priced by its
        own multiplier in the keyword solves, the premium search and the per-cell
        reference (module notes), and checked on the plan (``certificate["min_ctr"]``).
    min_bid, max_bid : float, optional
        Bounds, yuan: ``min_bid`` on each non-zero keyword bid, ``max_bid`` on each
        cell's bid (keyword bid times 1 + premium).  A cell's levels below ``min_bid``
        are moved to ``min_bid`` on the chord to its next level (what a bid of
        ``min_bid`` reads), for the plan and the per-cell optimum alike.
    method : {"alternate"}, default "alternate"
        Alternate exact keyword solves (:func:`optimize_bids`) for fixed premiums with a
        one-dimensional search per premium at the solve's multipliers (module notes).
    options : mapping, optional
        ``n_levels`` (base bids per keyword, geometric grid, default 24), ``max_sweeps``
        (premium searches, default 3), ``min_ratio`` (least ratio of neighbouring base
        bids, default 1.05).

    Returns
    -------
    CrowdBidPlan
        Keyword bids, premiums, per-cell bids and metrics, the per-cell optimum
        (``per_cell``) and keyword-only plan (``keyword_only``), and a certificate.
        An empty plan while the per-cell optimum buys something is ``status`` 1,
        ``success`` False ("No plan found that meets ..."): the search found no keyword
        bids and premiums that meet the floor or target.

    Raises
    ------
    InvalidInputError
        For a bad argument (the message names it and the value received).
    InfeasibleError
        If the target cannot be met even with a bid per cell (from
        :func:`optimize_bids` on the cell landscape), or ``min_ctr`` is above every
        cell's CTR (or above the CTR of every level ``max_cpc`` and ``max_bid`` leave
        usable: the message names them).

    Notes
    -----
    With ``min_ctr`` the keyword solves and the per-cell optimum are the dual of
    :func:`optimize_bids` with the floor as its target (``g = min_ctr * impressions -
    clicks`` per point, a second multiplier found by bisection); the premium search adds
    that multiplier times ``clicks - min_ctr * impressions`` to each cell's score.  The
    per-cell bound then bounds every plan that meets the floor.

    A cell's outcome between two of its levels is read by linear interpolation in the
    bid, and bids above a cell's last usable level (within the CPC cap and ``max_bid``)
    are not used, so every plan is feasible for the per-cell problem's relaxation and
    ``bound`` bounds it.  Bids are not rounded to cents.

    Examples
    --------
    >>> import numpy as np
    >>> from bidopt.landscape import BidLandscape, Objective
    >>> from bidopt.bidding import optimize_crowd_bids
    >>> bids = np.array([[1.0, 2.0, 4.0]] * 2)
    >>> land = BidLandscape(
    ...     bids=bids,
    ...     clicks=np.array([[10.0, 16.0, 19.0], [4.0, 7.0, 9.0]]),
    ...     cost=np.array([[6.0, 20.0, 50.0], [2.0, 9.0, 25.0]]),
    ...     conversions=np.array([[0.5, 0.8, 0.95], [0.8, 1.4, 1.8]]),
    ... )
    >>> plan = optimize_crowd_bids(land, 30.0, keywords=["dress", "dress"],
    ...                            crowds=["others", "past buyers"], base_crowd="others")
    >>> plan.success, plan.spend <= 30.0, bool(plan.premiums[1] > 0)
    (True, True, True)
    """
    check_choice(method, "method", ("alternate",))
    opts = check_options(options, _OPTIONS, method="alternate")
    n_levels = int(  # at most the keyword solver's levels per keyword (_hull)
        check_scalar(opts["n_levels"], "options['n_levels']", lower=2, upper=(1 << 15) - 1,
                     integer=True)
    )  # fmt: skip
    max_sweeps = int(
        check_scalar(opts["max_sweeps"], "options['max_sweeps']", lower=0, integer=True)
    )
    min_ratio = check_scalar(opts["min_ratio"], "options['min_ratio']", lower=1.001, upper=4.0)
    check_instance(
        landscape, "landscape", BidLandscape, "a BidLandscape with one row per keyword x crowd cell"
    )
    objective = check_choice(objective, "objective", CROWD_OBJECTIVES)  # type: ignore[assignment]
    budget = check_scalar(budget, "budget", lower=0)
    max_crowds = int(check_scalar(max_crowds, "max_crowds", lower=0, integer=True))
    n_rows = landscape.bids.shape[0]
    kw_labels, kw_of = _labels(keywords, "keywords", n_rows)
    crowd_labels, crowd_of = _labels(crowds, "crowds", n_rows)
    cells = np.full((kw_labels.size, crowd_labels.size), -1, dtype=np.int64)
    cells[kw_of, crowd_of] = np.arange(n_rows)
    if (cells >= 0).sum() != n_rows:
        pair = np.flatnonzero(np.bincount(kw_of * crowd_labels.size + crowd_of) > 1)[0]
        kw, crowd = kw_labels[pair // crowd_labels.size], crowd_labels[pair % crowd_labels.size]
        raise InvalidInputError(
            "`keywords` and `crowds` must name each (keyword, crowd) cell once. Got "
            f"({kw!r}, {crowd!r}) on more than one row instead."
        )
    fixed = np.zeros(crowd_labels.size, dtype=bool)
    if base_crowd is not None:
        found = np.flatnonzero(crowd_labels == str(base_crowd))
        if found.size == 0:
            raise InvalidInputError(
                f"`base_crowd` must be one of the crowd labels {crowd_labels.tolist()[:10]}. "
                f"Got {base_crowd!r} instead."
            )
        fixed[found] = True
    for name, bound_value in (("max_cpc", max_cpc), ("min_bid", min_bid), ("max_bid", max_bid)):
        if bound_value is not None:
            check_scalar(bound_value, name, lower=0, lower_inclusive=False)
    if min_bid is not None:
        # levels below min_bid are points no plan may use: each cell's landscape starts
        # at min_bid, on its chord, so the per-cell problem and the plan's reads agree
        landscape = from_min_bid(landscape, min_bid)
    value = _objective_value(
        landscape, objective, value_per_order, value_multiplier, crowd_labels, crowd_of
    )
    if min_ctr is not None:
        min_ctr = _check_min_ctr(min_ctr, landscape, target_cpa, target_roas)
    curves = CellCurves.build(landscape, value, max_cpc=max_cpc, max_bid=max_bid, min_ctr=min_ctr)
    if min_ctr is not None:
        _check_ctr_reachable(min_ctr, landscape, curves.usable, max_cpc, max_bid)

    # 1. the per-cell optimum: the reference and the bound
    kw_objective: Objective = "revenue" if objective == "lifetime_value" else objective
    cell_land = landscape
    if objective == "lifetime_value":
        cell_land = BidLandscape(
            bids=landscape.bids,
            clicks=landscape.clicks,
            cost=landscape.cost,
            conversions=landscape.conversions,
            revenue=value,
            impressions=landscape.impressions,
        )
    if min_ctr is None:
        per_cell = optimize_bids(
            cell_land,
            budget,
            objective=kw_objective,
            max_cpc=max_cpc,
            target_cpa=target_cpa,
            target_roas=target_roas,
            min_bid=min_bid,
            max_bid=max_bid,
        )
    else:
        per_cell = solve_with_ctr_floor(
            cell_land, budget, kw_objective, min_ctr, max_cpc=max_cpc, min_bid=min_bid,
            max_bid=max_bid,
        )  # fmt: skip

    # 2. the keyword problem for fixed premiums
    low, log_ratio = base_grid(curves, cells, n_levels, min_ratio, min_bid)
    has = {n: getattr(landscape, n) is not None for n in ("conversions", "revenue", "impressions")}
    # the keyword landscape needs clicks, cost and what the objective and target read:
    # landscape field -> cell metric (the objective's own column is ``value``)
    fields = {"conversions": "value"} if objective == "conversions" else {}
    if objective in ("revenue", "lifetime_value"):
        fields["revenue"] = "value"
    if target_cpa is not None:
        fields.setdefault("conversions", "conversions")
    if target_roas is not None:
        fields.setdefault("revenue", "revenue")
    if min_ctr is not None:
        fields["impressions"] = "impressions"

    zero_reads: dict[int, Any] = {}  # reads of crowds at premium 0, reused

    def solve(premiums: FloatArray) -> BidPlan:
        land = keyword_landscape(
            curves, cells, low, log_ratio, n_levels, premiums, fields, kw_labels, zero_reads
        )
        if min_ctr is not None:
            return solve_with_ctr_floor(land, budget, kw_objective, min_ctr)
        try:
            return optimize_bids(
                land,
                budget,
                objective=kw_objective,
                target_cpa=target_cpa,
                target_roas=target_roas,
            )
        except InfeasibleError as error:
            # keyword bids at these premiums cannot meet the target (a bid per cell can:
            # the per-cell solve did not raise): the empty plan, which meets it trivially,
            # so that other premiums are searched (step 4) as under a CTR floor
            empty = optimize_bids(land, 0.0, objective=kw_objective)
            return replace(empty, message=f"{error} (keyword bids at these premiums)")

    premiums = np.zeros(crowd_labels.size)
    keyword_only = best = solve(premiums)
    nit = 1
    # 3. premium search on tables, at the exact solve's multipliers
    aux = "conversions" if target_cpa is not None else None
    if target_roas is not None and objective != "lifetime_value":
        aux = "revenue"
    if min_ctr is not None:
        aux = "ctr_slack"
    searchable = np.flatnonzero(~fixed)
    # searched in order of their labels, not of the rows: the plan does not depend on
    # the order of the landscape's rows through the order the crowds are tried in
    searchable = searchable[np.argsort(crowd_labels[searchable].astype(str), kind="stable")]
    seeded = False
    if max_crowds > 0 and searchable.size and best.fun <= 0 < per_cell.fun:
        # the keyword-only plan is empty (a CTR floor or target keyword bids alone cannot
        # meet) while a bid per cell can: start from crowds at the box's top premium, on a
        # base grid reaching below the cells' first levels (the crowds' bids start there)
        low, log_ratio = base_grid(
            curves, cells, n_levels, min_ratio, min_bid, reach=1 + PREMIUM_RANGE[1]
        )
        zero_reads.clear()
        seeds = _seed_premiums(curves, cells, searchable, max_crowds, min_ctr, per_cell, fixed)
        for trial in seeds:
            plan = solve(trial)
            nit += 1
            if plan.success and plan.fun > best.fun:
                best, premiums, seeded = plan, trial, True
    if max_crowds > 0 and searchable.size and max_sweeps > 0 and best.fun > 0:
        order = np.argsort(log_ratio, kind="stable")  # runs of one grid ratio
        tables = SearchTables.build(
            curves, cells[order], low[order], log_ratio[order], n_levels, PREMIUM_RANGE[1], aux
        )
        for sweep in range(max_sweeps):
            weights = lagrangian_weights(best, target_cpa, target_roas, objective, min_ctr)
            score = tables.score(*weights)
            trial = search_premiums(
                tables, score, premiums, searchable, max_crowds, first=sweep == 0 and not seeded
            )
            if np.array_equal(trial, premiums):
                break
            plan = solve(trial)
            nit += 1
            if plan.success and plan.fun > best.fun * (1 + 1e-9):
                best, premiums = plan, trial
            else:
                break
        del tables
    return _finish(
        best, keyword_only, per_cell, premiums, curves, cells, low, log_ratio, kw_labels,
        crowd_labels, kw_of, crowd_of, value, budget, objective, max_crowds, max_cpc,
        target_cpa, target_roas, min_ctr, min_bid, max_bid, nit, has,
    )  # fmt: skip


def _check_min_ctr(
    min_ctr: float, landscape: BidLandscape, target_cpa: float | None, target_roas: float | None
) -> float:
    """``min_ctr`` as a float in (0, 1], with the impressions it needs and no other target."""
    floor = check_scalar(min_ctr, "min_ctr", lower=0, lower_inclusive=False, upper=1)
    if landscape.impressions is None:
        raise InvalidInputError(
            "`min_ctr` must come with `impressions` in the landscape (CTR is clicks over "
            f"impressions). Got a landscape with {list(landscape.metrics)} instead."
        )
    if target_cpa is not None or target_roas is not None:
        other = "target_cpa" if target_cpa is not None else "target_roas"
        raise InvalidInputError(
            f"`min_ctr` must not be given together with `{other}` (the keyword solver "
            f"carries one plan-level target). Got min_ctr={min_ctr!r} and "
            f"{other}={target_cpa if target_cpa is not None else target_roas!r} instead."
        )
    return floor


def _check_ctr_reachable(
    min_ctr: float,
    landscape: BidLandscape,
    usable: FloatArray,
    max_cpc: float | None,
    max_bid: float | None,
) -> None:
    """Raise :class:`InfeasibleError` unless some usable level of some cell (a positive bid
    within its usable bid, ``usable`` of shape (n_rows,)) has a CTR of at least ``min_ctr``."""
    clicks, shown = landscape.clicks, landscape.impressions
    assert shown is not None  # checked by _check_min_ctr
    with np.errstate(divide="ignore", invalid="ignore"):
        ctr = np.where(shown > 0, clicks / np.where(shown > 0, shown, 1.0), 0.0)
    bids = landscape.bids
    allowed = (bids > 0) & (bids <= usable[:, None])
    best = float(ctr.max())
    best_usable = float(np.where(allowed, ctr, 0.0).max())
    if best < min_ctr * (1 - 1e-9):
        raise InfeasibleError(
            f"min_ctr={min_ctr:g} is unreachable: the highest CTR of any cell is {best:.4%}. "
            "Lower the floor.",
            {"min_ctr": min_ctr - best},
        )
    if best_usable < min_ctr * (1 - 1e-9):
        caps = [(n, v) for n, v in (("max_cpc", max_cpc), ("max_bid", max_bid)) if v is not None]
        given = " and ".join(f"{n}={v:g}" for n, v in caps) or "positive bids"
        reach = (
            f"the cells' levels within them reach a CTR of at most {best_usable:.4%}"
            if allowed.any()
            else "no level of any cell is within them"
        )
        raise InfeasibleError(
            f"min_ctr={min_ctr:g} is unreachable under {given}: {reach} (the highest CTR "
            f"of any level is {best:.4%}). Lower the floor, or raise "
            f"{' or '.join(n for n, _ in caps) or 'the bids'}.",
            {"min_ctr": min_ctr - best_usable},
        )


def _seed_premiums(
    curves: CellCurves,
    cells: IntArray,
    searchable: IntArray,
    max_crowds: int,
    min_ctr: float | None,
    per_cell: BidPlan,
    fixed: BoolArray,
) -> list[FloatArray]:
    """Premium vectors (shape (n_crowds,)) to start from when the keyword-only plan is empty.

    A premium raises a crowd's bids against the others', which is what a floor or a target
    that keyword bids alone cannot meet needs.  First the premiums the per-cell optimum
    implies (per crowd, the median over the keywords it bids of its cell bid over the
    keyword's reference bid, less 1, on the box; the reference: the fixed crowds' cell bid,
    else the keyword's lowest cell bid; the ``max_crowds`` crowds of most per-cell spend);
    then each searchable crowd alone at the box's top premium; then the best 2, 3, ..
    ``max_crowds`` together at the top (best: highest CTR over the crowd's usable cells
    with a CTR floor, else most value per yuan), and those best less one crowd each.
    Duplicates are dropped."""
    present = cells >= 0
    rows = np.maximum(cells, 0)
    x = np.where(present, np.asarray(per_cell.bids, dtype=np.float64)[rows], 0.0)
    lowest = np.where(x > 0, x, np.inf).min(axis=1)
    lowest = np.where(np.isfinite(lowest), lowest, 0.0)
    ref = x[:, fixed].max(axis=1) if fixed.any() else lowest
    with np.errstate(divide="ignore", invalid="ignore"):
        implied = np.where(ref[:, None] > 0, x / ref[:, None] - 1, np.inf)
    implied = np.clip(implied, *PREMIUM_RANGE)
    cell_spend = np.where(present, per_cell.keyword_cost[rows], 0.0)
    start = np.zeros(cells.shape[1])
    worth = sorted(
        (a for a in searchable.tolist() if (x[:, a] > 0).any()),
        key=lambda a: -cell_spend[:, a].sum(),
    )
    for a in worth[:max_crowds]:
        start[a] = np.round(float(np.median(implied[x[:, a] > 0, a])) * STEP) / STEP
    starts = [start] if worth else []
    pooled = np.zeros(cells.shape[1])
    for a in searchable.tolist():
        own = cells[present[:, a], a]
        top = curves.bids[own] <= curves.usable[own, None]
        if min_ctr is not None:
            num, den = curves.metrics["clicks"][own], curves.metrics["impressions"][own]
        else:
            num, den = curves.metrics["value"][own], curves.metrics["cost"][own]
        num_sum, den_sum = float(np.where(top, num, 0).sum()), float(np.where(top, den, 0).sum())
        pooled[a] = num_sum / den_sum if den_sum > 0 else (np.inf if num_sum > 0 else 0.0)
    ranked = sorted(searchable.tolist(), key=lambda a: -pooled[a])
    for a in ranked:
        trial = np.zeros(cells.shape[1])
        trial[a] = PREMIUM_RANGE[1]
        starts.append(trial)
    top_set = ranked[:max_crowds]
    for k in range(2, len(top_set) + 1):
        trial = np.zeros(cells.shape[1])
        trial[top_set[:k]] = PREMIUM_RANGE[1]
        starts.append(trial)
    for a in top_set if len(top_set) > 2 else []:  # the top set less one crowd
        trial = np.zeros(cells.shape[1])
        trial[[b for b in top_set if b != a]] = PREMIUM_RANGE[1]
        starts.append(trial)
    unique: dict[bytes, FloatArray] = {}
    for trial in starts:
        unique.setdefault(trial.tobytes(), trial)
    return list(unique.values())


def ctr_floor_check(clicks: FloatArray, impressions: FloatArray, min_ctr: float) -> ConstraintCheck:
    """The plan-level check ``sum clicks >= min_ctr * sum impressions`` (per-row arrays),
    read as the plan's CTR against the floor."""
    return ctr_check(float(np.sum(clicks)), float(np.sum(impressions)), min_ctr)


def solve_with_ctr_floor(
    landscape: BidLandscape,
    budget: float,
    objective: Objective,
    min_ctr: float,
    *,
    max_cpc: float | None = None,
    min_bid: float | None = None,
    max_bid: float | None = None,
    method: Method = "dual",
    options: Mapping[str, Any] | None = None,
) -> BidPlan:
    """:func:`optimize_bids` with the CTR floor ``clicks >= min_ctr * impressions`` as its
    plan-level target (``g = min_ctr * impressions - clicks`` per point, ``<= 0`` summed).

    ``method="dual"`` finds the floor's multiplier by bisection (as for a target CPA);
    ``"lp"`` and ``"milp"`` are the exact references (HiGHS); ``options`` as for
    :func:`optimize_bids` (``max_outer``; ``time_limit``, ``mip_rel_gap``).  The plan's certificate
    checks the floor (``"min_ctr"``) besides the budget, the CPC cap and the bid bounds.
    """
    problem = make_problem(
        landscape,
        budget,
        objective=objective,
        max_cpc=max_cpc,
        target_cpa=None,
        target_roas=None,
        min_bid=min_bid,
        max_bid=max_bid,
        groups=None,
        group_budgets=None,
    )
    impressions = landscape.impressions
    assert impressions is not None  # checked by the caller
    problem = replace(
        problem,
        target=min_ctr * impressions - landscape.clicks,
        target_scale=min_ctr * impressions,
        target_name="min_ctr",
        target_level=min_ctr,
    )
    name = check_choice(method, "method", METHODS)
    opts = _check_method_options(name, check_options(options, _METHOD_OPTIONS[name], method=name))
    if name == "dual":
        solution = solve_dual(problem, opts)
    else:
        solution = solve_highs(problem, opts, integral=name == "milp")
    levels = solution.levels
    on = levels >= 0
    binding = solution.target_multiplier > 0
    if not on.any():
        clause = (
            "and the budget and bounds leave the plan empty: no bids within them buy "
            "anything at that CTR."
        )
    elif binding:
        clause = "limits the plan: without it the plan would buy more, at a lower CTR."
    else:
        clause = "is met with room to spare: it does not limit the plan."
    solution = replace(
        solution,
        message=f"Optimal up to the reported gap. The CTR floor (min_ctr={min_ctr:g}) {clause}",
    )
    rows = np.arange(levels.size)
    at = np.maximum(levels, 0)
    clicks = np.where(on, landscape.clicks[rows, at], 0.0)
    shown = np.where(on, impressions[rows, at], 0.0)
    return make_plan(problem, solution, name, extra=(ctr_floor_check(clicks, shown, min_ctr),))


def _labels(values: npt.ArrayLike, name: str, n: int) -> tuple[ObjectArray, IntArray]:
    """Labels as text in order of first appearance, and each row's index into them.

    Rows are coded by their raw value first (a hash per row), then the few distinct
    values are read as text (so ``1`` and ``"1"`` are one label) and checked."""
    array = np.asarray(values)
    if array.shape == (n,) and array.dtype.kind in "iu":  # integer codes: no text to hash
        uniq, first, inverse = np.unique(array, return_index=True, return_inverse=True)
        order = np.argsort(first, kind="stable")  # labels in order of first appearance
        rank = np.empty_like(order)
        rank[order] = np.arange(order.size)
        return uniq[order].astype(str).astype(object), rank[inverse.ravel()].astype(np.int64)
    raw = np.asarray(values, dtype=object)
    if raw.shape != (n,):
        raise InvalidInputError(
            f"`{name}` must have shape ({n},), one label per landscape row. Got shape "
            f"{raw.shape} instead."
        )
    items = raw.tolist()
    if len(set(map(type, items))) > 1:
        # mixed types (1 and 1.0 are one dict key but two labels): check, then code text
        bad = missing_mask(raw)
        if bad.any():
            at = int(np.argmax(bad))
            raise InvalidInputError(
                f"`{name}` must have a label on every row. Got {raw[at]!r} at row {at} instead."
            )
        items = [str(v) for v in items]
    try:
        first_seen = dict.fromkeys(items)
    except TypeError:  # unhashable labels: their text
        first_seen = dict.fromkeys(items := [str(v) for v in items])
    distinct = np.empty(len(first_seen), dtype=object)
    distinct[:] = list(first_seen)
    index = {v: i for i, v in enumerate(distinct.tolist())}
    code = np.fromiter(map(index.__getitem__, items), np.int64, n)
    bad = missing_mask(distinct)
    if bad.any():
        at = int(np.argmax(bad[code]))
        raise InvalidInputError(
            f"`{name}` must have a label on every row. Got {raw[at]!r} at row {at} instead."
        )
    text: dict[str, int] = {}
    to_text = np.array([text.setdefault(str(v), len(text)) for v in distinct], dtype=np.int64)
    labels = np.empty(len(text), dtype=object)
    labels[:] = list(text)
    return labels, to_text[code]


def _objective_value(
    landscape: BidLandscape,
    objective: str,
    value_per_order: Any,
    value_multiplier: Any,
    crowd_labels: ObjectArray,
    crowd_of: IntArray,
) -> FloatArray:
    given = [n for n, v in (("value_per_order", value_per_order),
                            ("value_multiplier", value_multiplier)) if v is not None]  # fmt: skip
    if objective != "lifetime_value":
        if given:
            raise InvalidInputError(
                f"`{given[0]}` must be None unless objective='lifetime_value'. Got a value "
                f"with objective={objective!r} instead."
            )
        array = getattr(landscape, objective)
        if array is None:
            raise InvalidInputError(
                f"`landscape` must have `{objective}` for objective={objective!r}. Got a "
                "landscape without it instead."
            )
        return np.asarray(array, dtype=np.float64)
    if len(given) != 1:
        raise InvalidInputError(
            "`value_per_order` or `value_multiplier` (exactly one) must be given for "
            f"objective='lifetime_value'. Got {given or 'neither'} instead."
        )
    name = given[0]
    base = landscape.conversions if name == "value_per_order" else landscape.revenue
    if base is None:
        column = "conversions" if name == "value_per_order" else "revenue"
        raise InvalidInputError(
            f"`landscape` must have `{column}` for objective='lifetime_value' with "
            f"`{name}`. Got a landscape without it instead."
        )
    per_row = _per_row(value_per_order if name == "value_per_order" else value_multiplier,
                       name, crowd_labels, crowd_of)  # fmt: skip
    return np.asarray(base, dtype=np.float64) * per_row[:, None]


def _per_row(values: Any, name: str, crowd_labels: ObjectArray, crowd_of: IntArray) -> FloatArray:
    """A per-crowd mapping or a per-row array, as one finite number >= 0 per row."""
    if isinstance(values, Mapping):
        table = {str(k): v for k, v in values.items()}
        missing = [c for c in crowd_labels.tolist() if c not in table]
        if missing:
            raise InvalidInputError(
                f"`{name}` must have a value for every crowd. Got none for {missing[:5]} instead."
            )
        per_crowd = [check_scalar(table[c], f"{name}[{c!r}]", lower=0) for c in crowd_labels]
        return np.asarray(per_crowd, dtype=np.float64)[crowd_of]
    per_row = as_float_array(values, name, ndim=None, nonnegative=True)
    if per_row.shape != crowd_of.shape:
        raise InvalidInputError(
            f"`{name}` must be a mapping of crowd to a number or an array of shape "
            f"({crowd_of.size},). Got shape {per_row.shape} instead."
        )
    return per_row


def _finish(
    best: BidPlan,
    keyword_only: BidPlan,
    per_cell: BidPlan,
    premiums: FloatArray,
    curves: CellCurves,
    cells: IntArray,
    low: FloatArray,
    log_ratio: FloatArray,
    kw_labels: ObjectArray,
    crowd_labels: ObjectArray,
    kw_of: IntArray,
    crowd_of: IntArray,
    value: FloatArray,
    budget: float,
    objective: str,
    max_crowds: int,
    max_cpc: float | None,
    target_cpa: float | None,
    target_roas: float | None,
    min_ctr: float | None,
    min_bid: float | None,
    max_bid: float | None,
    nit: int,
    has: dict[str, bool],
) -> CrowdBidPlan:
    """Read the plan's cells exactly, certify it, and assemble the result."""
    base = np.asarray(best.bids, dtype=np.float64)
    rows = np.arange(kw_of.size)
    cell_bids = base[kw_of] * (1 + premiums[crowd_of])
    names = ["clicks", "cost", "value"] + [
        n for n in ("conversions", "revenue", "impressions") if has[n]
    ]
    read = {k: v[:, 0] for k, v in curves.read(rows, cell_bids[:, None], tuple(names)).items()}
    spend = float(read["cost"].sum())
    fun = float(read["value"].sum())
    checks: list[ConstraintCheck] = [upper("budget", spend, budget, scale=spend, unit="yuan")]
    if target_cpa is not None:
        checks.append(cpa_check(spend, float(read["conversions"].sum()), target_cpa))
    if target_roas is not None:
        got = fun if objective == "lifetime_value" else float(read["revenue"].sum())
        checks.append(roas_check(got, spend, target_roas))
    if min_ctr is not None:
        checks.append(ctr_floor_check(read["clicks"], read["impressions"], min_ctr))
    if max_cpc is not None:
        checks.append(cpc_each("max_cpc", read["cost"], read["clicks"], max_cpc, item="cell"))
    bidding = cell_bids > 0
    checks.append(
        upper_each(
            "usable_bid", cell_bids[bidding], curves.usable[bidding], unit="yuan", item="cell"
        )
    )
    if max_bid is not None:
        checks.append(upper_each("max_bid", cell_bids[bidding], max_bid, unit="yuan", item="cell"))
    if min_bid is not None:
        checks.append(lower_each("min_bid", base[base > 0], min_bid, unit="yuan", item="keyword"))
    targeted = premiums[premiums > 0]
    checks.append(lower_each("premium_min", targeted, PREMIUM_RANGE[0], item="crowd"))
    checks.append(upper_each("premium_max", targeted, PREMIUM_RANGE[1], item="crowd"))
    off_grid = np.abs(premiums * STEP - np.round(premiums * STEP))
    checks.append(upper_each("premium_grid", off_grid, 1e-6, item="crowd"))
    checks.append(upper("max_crowds", float(targeted.size), float(max_crowds)))
    certificate = Certificate.of(checks)
    bound = max(per_cell.bound, fun)
    status, success = best.status, bool(best.success)
    ref = per_cell.fun
    if ref > 0:
        message = (
            f"{counted(targeted.size, 'crowd premium')}; the plan reaches {fun / ref:.2%} of the "
            f"per-cell optimum and at most {(bound - fun) / bound if bound > 0 else 0.0:.2%} "
            f"below its bound; the keyword-only plan reaches {keyword_only.fun / ref:.2%}."
        )
        if fun > ref * (1 + 1e-9):
            message += (
                " (Above 100%: the per-cell optimum takes the landscape's levels, within its "
                f"certified gap of {per_cell.relative_gap:.2%}, while the plan's bids may fall "
                "between a cell's levels, read by interpolation.)"
            )
    elif fun > 0:  # the per-cell plan takes whole levels; the plan reads between them
        message = (
            f"{counted(targeted.size, 'crowd premium')}; the plan buys {fun:g} "
            f"({objective}), at most {(bound - fun) / bound:.2%} below its bound, while the "
            "per-cell optimum (a bid per cell, on the landscape's levels) buys nothing under "
            "this budget and these constraints."
        )
    else:
        message = (
            f"{counted(targeted.size, 'crowd premium')}; the per-cell optimum (a bid per "
            "cell) buys nothing under this budget and these constraints, so neither does the plan."
        )
    if min_ctr is not None:
        shown = float(read["impressions"].sum())
        if shown > 0:
            ctr = float(read["clicks"].sum()) / shown
            message += f" CTR {ctr:.4%} (floor min_ctr {min_ctr:.4%})."
        else:
            message += f" No impressions, so no CTR (floor min_ctr {min_ctr:.4%})."
    at_cap = [str(c) for c, p in zip(crowd_labels, premiums, strict=True) if p >= PREMIUM_RANGE[1]]
    if at_cap:
        message += (
            f" The premium of {', '.join(at_cap)} is at the platform's largest (300%): those "
            "shoppers are worth more than the premium box lets the plan pay for them."
        )
    if not best.success:
        message = best.message + " " + message
    elif fun <= 0 < ref:
        status, success = 1, False
        what = (
            f"the CTR floor (min_ctr={min_ctr:g})" if min_ctr is not None
            else "the constraints"
        )  # fmt: skip
        message = (
            f"No plan found that meets {what}: the search over keyword bids and crowd "
            f"premiums found none that buys anything, while a bid per cell meets it with "
            f"{ref:g} ({objective}); the plan is empty. " + message
        )
    if not certificate.holds:
        status, success = 2, False
        message = certificate.message() + " " + message
    empty = None
    return CrowdBidPlan(
        base_bids=base,
        premiums=premiums,
        keywords=kw_labels,
        crowds=crowd_labels,
        cell_keyword=kw_of,
        cell_crowd=crowd_of,
        cell_bids=cell_bids,
        cell_cost=read["cost"],
        cell_clicks=read["clicks"],
        cell_value=read["value"],
        cell_conversions=read.get("conversions", empty),
        cell_revenue=read.get("revenue", empty),
        cell_impressions=read.get("impressions", empty),
        budget=budget,
        objective=objective,
        fun=fun,
        bound=bound,
        keyword_only_fun=float(keyword_only.fun),
        per_cell=per_cell,
        keyword_only=keyword_only,
        success=success,
        status=status,
        message=message,
        method="alternate",
        nit=nit,
        certificate=certificate,
    )
