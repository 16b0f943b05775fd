"""Plans on an estimate: expected landscapes, a trust region around today's bids, and a
no-loss guard, with ranges over the estimate's draws.

``optimize_bids(estimate, budget)`` lands here.  The plan is optimised on the landscape
averaged over the estimate's draws (so it spends its budget in expectation); where its
spend would exceed the budget in more than half of the draws, it aims lower, so that its
spend stays within the budget in at least half of them (``SPEND_QUANTILE``; the message
says so).  With ``safe=True`` (the default):

* each keyword's bid stays within a trust region: from 20% below the lower of today's
  bid and the lowest bid in the log to 20% above the higher of today's bid and the
  highest bid in the log.  +-20% around today's bid for a keyword whose bid never
  moved; the bids the log has seen, plus 20%, where it did (the region widens with
  evidence, and never reaches far beyond it, where the fitted curve is extrapolated);
* the no-loss guard evaluates the plan and today's bids under every draw; unless the
  plan's objective beats today's (at the same spend) in at least 80% of draws, the trust
  region is halved, then halved again, and finally the plan is today's bids, lowered
  only where the budget requires.  Today's bids here are what they can do under the
  caller's constraints: keywords a target CPA / ROAS, a cap or the bid limits rule out
  are paused (all of them when no plan of today's bids meets those);
* a target CPA / ROAS (or a CPC cap) that rules out every plan of the region, or holds
  its plan 5% or more below the budget, is given the region reaching down to the lowest
  bid as well (its levels below the region's own lie on a fixed lattice, so it holds
  every level of any region reaching less far), and the better plan is kept, its
  message saying how many keywords bid below the region the budget gives: otherwise a
  larger budget under a target had fewer low bids to choose from than a smaller one,
  and planned worse or not at all.  A target no region meets raises the InfeasibleError
  of the whole estimate (every bid it covers, down to the lowest), so its figures are
  the account's.

Today's bids count as a plan within the budget when the estimate cannot tell that they
spend more and they fit it: when their spend is within the budget in at least 10% of the
draws (``TODAY_WITHIN``, the low end of its 80% range) and their expected spend is within
the budget, the plan must beat their objective as it is (otherwise: scaled down in
proportion to the budget).  The budget is hard: a budget below today's expected spend,
however slightly, is a cut, and the plan's expected spend stays within it (its bids are
lowered).  Where the budget is below what the trust region's lowest bids
spend, the region reaches further down (levels on a fixed lattice below its own, about
10% apart at first), to bids (today's times one factor) that spend half the
budget, so that the plan lowers bids rather than switching keywords off.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any, TypeVar

import numpy as np

from bidopt._certificate import RTOL, Certificate, upper
from bidopt._validation import check_bool, check_instance, short_repr
from bidopt._wording import counted
from bidopt.bidding._plan import BidPlan
from bidopt.bidding._ranges import PlanRanges
from bidopt.exceptions import IdentifiabilityWarning, InfeasibleError, InvalidInputError
from bidopt.landscape import BidLandscape, Identifiability, LandscapeEstimate
from bidopt.typing import BoolArray, FloatArray, IntArray

__all__ = [
    "SPEND_QUANTILE",
    "TODAY_WITHIN",
    "TRUST_STEP",
    "frontier_landscapes",
    "held_short",
    "plan_on_estimate",
    "plan_on_region",
    "today_bids",
    "trust_half_widths",
]

#: Half-width (log scale) of the trust region of a keyword whose bid never moved.
TRUST_STEP = float(np.log(1.2))
#: Widths tried by the no-loss guard, as fractions of the full trust region.
_SCALES = (1.0, 0.5, 0.25, 0.0)
#: The guard accepts a plan that beats today's bids in at least this share of draws.
_CONFIDENCE = 0.8
#: The plan's spend stays within the budget in at least this share of the draws (not
#: only on average over them).  Chosen on the synthetic truth on seeds the published
#: benchmark does not report (benchmarks/identifiability.py, seeds 100-131): 0.6 left
#: small accounts' plans spending about 2-3% below the budget on average in truth, and
#: with it some of their gain.
SPEND_QUANTILE = 0.5
_AIM_STEPS = 4
#: Today's bids count as a plan within the budget (the plan must beat them as they are,
#: not scaled down to the budget) when their spend is within it in at least this share
#: of the draws: the lower end of the 80% range.
TODAY_WITHIN = 0.1


def _share_within(spends: FloatArray, budget: float) -> float:
    """Share of the draws whose spend (shape (n_draws,)) is within the budget."""
    return float(np.mean(spends <= budget * (1 + 1e-9)))


def _within(spends: FloatArray, budget: float) -> bool:
    """Whether the spend is within the budget in at least SPEND_QUANTILE of the draws."""
    return _share_within(spends, budget) >= SPEND_QUANTILE - 1e-12


_LEVELS = 21
#: Where the budget requires lowering today's bids beyond the trust region, its lowest
#: bids spend this share of the budget.
_CUT_ROOM = 0.5
_MIN_BID, _MAX_BID = 0.05, 99.0
#: A plan spending this share below its budget (a target or the region's top holds it)
#: is tried again on a region reaching further down (:func:`_deepen`).
_SHORT = 0.05
#: Log step between the first levels a region adds below its own where a budget or a
#: target needs lower bids.
_REACH_STEP = TRUST_STEP / 2
#: The log steps below the centre of those levels (today's bid times exp(-step)), fixed
#: for every reach: _REACH_STEP apart down to a third of the centre, then twice and
#: four times that apart (the lowest bids matter only to the tightest targets), to
#: beyond _MAX_BID / _MIN_BID.
_LATTICE = np.concatenate(
    [
        _REACH_STEP * np.arange(1, 13),
        _REACH_STEP * np.arange(14, 25, 2),
        _REACH_STEP * np.arange(28, np.log(_MAX_BID / _MIN_BID) / _REACH_STEP + 5, 4),
    ]
)


def _on_budget(certificate: Certificate, spend: float, budget: float) -> Certificate:
    """``certificate`` with its budget check on the user's ``budget`` (yuan), for a plan
    solved at a lower aim (its ``budget``, kept for the report's aim note): the
    certificate checks the user's budget, not the aim."""
    checks = tuple(
        upper("budget", spend, budget, scale=c.tolerance / RTOL, unit=c.unit)
        if c.name == "budget"
        else c
        for c in certificate.checks
    )
    return Certificate.of(checks)


def today_bids(estimate: LandscapeEstimate, current_bids: Mapping[str, float] | None) -> FloatArray:
    """Today's bid per landscape row: the log's last day, or ``current_bids`` by keyword."""
    ident = estimate.identifiability
    if ident is None:
        raise InvalidInputError(
            "`landscape` must be an estimate from estimate_landscapes (with its "
            "identifiability) to plan around today's bids. Got an estimate without it "
            "instead."
        )
    today = np.array(ident.current_bid, dtype=np.float64)
    if current_bids is None:
        return today
    check_instance(
        current_bids,
        "current_bids",
        Mapping,
        "a mapping of keyword -> bid (yuan), keyed by keyword, never by position",
    )
    index: dict[Any, list[int]] = {}
    for row, keyword in enumerate(ident.keywords.tolist()):
        index.setdefault(keyword, []).append(row)
    for keyword, bid in current_bids.items():
        if keyword not in index:
            raise InvalidInputError(
                "`current_bids` must name keywords of the estimate. Got "
                f"{short_repr(keyword)}, which is not among its "
                f"{counted(ident.n_keywords, 'keyword')}, instead."
            )
        if isinstance(bid, bool) or not isinstance(bid, int | float | np.integer | np.floating):
            raise InvalidInputError(
                "`current_bids` must map each keyword to a finite bid >= 0 (a number, "
                f"yuan). Got {bid!r} ({type(bid).__name__}) for {short_repr(keyword)} instead."
            )
        value = float(bid)
        if not np.isfinite(value) or value < 0:
            raise InvalidInputError(
                f"`current_bids` must map each keyword to a finite bid >= 0. Got {bid!r} "
                f"for {short_repr(keyword)} instead."
            )
        today[index[keyword]] = value
    return today


def history_bids(today: FloatArray, ident: Identifiability) -> FloatArray:
    """The bid each keyword's trust region is centred on (shape (n_keywords,)): today's,
    or for a keyword paused today (bid 0) that was active in the log, the geometric
    middle of its logged bids (its trust region then spans its history, and 0 keeps it
    paused)."""
    middle = ident.bid_low * np.sqrt(ident.bid_ratio)
    return np.asarray(np.where((today <= 0) & (ident.bid_low > 0), middle, today), np.float64)


def _objective(metrics: dict[str, FloatArray], objective: str) -> FloatArray:
    if objective == "profit":
        return metrics["revenue"] - metrics["cost"]
    return metrics[objective]


def trust_half_widths(today: FloatArray, ident: Identifiability) -> tuple[FloatArray, FloatArray]:
    """Log half-widths (down, up) of each keyword's full trust region around ``today``:
    to 20% beyond the lower (higher) of today's bid and the log's lowest (highest)."""
    low = np.where(ident.bid_low > 0, ident.bid_low, today)
    high = low * ident.bid_ratio
    safe = np.maximum(today, 1e-9)
    down = TRUST_STEP + np.log(np.maximum(safe / np.maximum(low, 1e-9), 1.0))
    up = TRUST_STEP + np.log(np.maximum(high / safe, 1.0))
    return np.asarray(down, dtype=np.float64), np.asarray(up, dtype=np.float64)


def _grid(today: FloatArray, down: FloatArray, up: FloatArray, lower_only: bool) -> FloatArray:
    steps = np.linspace(-1.0, 0.0 if lower_only else 1.0, _LEVELS)[None, :]
    width = np.where(steps < 0, down[:, None], up[:, None])
    grid = today[:, None] * np.exp(width * steps)
    grid = np.where(today[:, None] > 0, np.clip(np.round(grid, 2), _MIN_BID, _MAX_BID), 0.0)
    return np.asarray(np.maximum.accumulate(grid, axis=1), dtype=np.float64)


def _budget_cut(
    today: FloatArray, down: FloatArray, budget: float, spend: Callable[[FloatArray], float]
) -> float:
    """Log step down (>= 0) below today's bids (shape (n_keywords,)) that the trust region
    must reach, at least, for the budget (yuan): 0 when its lowest bids, ``today *
    exp(-down)``, spend within it; else the step at which ``today * exp(-max(down, step))``
    spends ``_CUT_ROOM`` of it (``spend(bids)``: expected spend, yuan).  Without it a
    budget below the region's reach can only be met by switching keywords off (a head
    keyword with most of the spend leaves the plan far below the budget); the room lets
    the solver lower some keywords more than others, and aim lower (the spend rule)."""

    def lowest(step: float) -> float:
        return spend(today * np.exp(-np.maximum(down, step)))

    if budget <= 0 or lowest(0.0) <= budget:
        return 0.0
    target = budget * _CUT_ROOM
    lo, hi = 0.0, float(np.log(max(float(today.max()), _MIN_BID) / _MIN_BID)) + TRUST_STEP
    if lowest(hi) > target:
        return hi
    for _ in range(30):  # bisection: the spend falls as the step grows
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if lowest(mid) > target else (lo, mid)
    return hi


def _expected(estimate: LandscapeEstimate, bids: FloatArray) -> BidLandscape:
    """The landscape at ``bids`` (shape (n_keywords, levels)) averaged over the estimate's
    draws (the point estimate without draws)."""
    if estimate.draws is None:
        return estimate.model.landscape(bids)
    return estimate.draws.mean_landscape(bids)


def _cut(estimate: LandscapeEstimate, today: FloatArray, down: FloatArray, budget: float) -> float:
    """:func:`_budget_cut` at the estimate's expected spend (yuan)."""
    return _budget_cut(
        today, down, budget, lambda bids: float(_expected(estimate, bids[:, None]).cost.sum())
    )


def _region(
    today: FloatArray,
    down: FloatArray,
    up: FloatArray,
    cut: float,
    scale: float,
    centre: FloatArray,
) -> FloatArray:
    """The trust region's bid grid (shape (n_keywords, levels)) at a share ``scale`` of
    its width (0: today's bids and below, at full width down), reaching down by at least
    the log step ``cut`` (where the budget is below what the region's lowest bids spend,
    :func:`_cut`, or a target needs lower bids, :func:`_deepen`): below its own levels it
    adds ``centre * exp(-step)`` for the steps of ``_LATTICE`` down to ``cut``, a lattice
    fixed for every ``cut``, so a region reaching further down holds every level of one
    at the same ``scale`` reaching less far.  ``centre`` (:func:`history_bids`) centres a
    keyword paused today on its logged bids, with 0 (stay paused) as its lowest level (its
    only one at ``scale`` 0)."""
    width = scale or 1.0
    grid = _grid(centre, down * width, up * width, scale == 0)
    if cut > 0:
        steps = _LATTICE[: int(np.searchsorted(_LATTICE, cut - 1e-9)) + 1]
        lattice = np.clip(
            np.round(centre[:, None] * np.exp(-steps[None, :]), 2), _MIN_BID, _MAX_BID
        )
        lattice = np.where(centre[:, None] > 0, lattice, 0.0)
        grid = np.sort(np.concatenate([lattice, grid], axis=1), axis=1)
    restart = (today <= 0) & (centre > 0)
    grid[restart, 0] = 0.0
    if scale == 0:
        grid[restart] = 0.0
    return grid


def _lowest_bids(grid: FloatArray) -> FloatArray:
    """Each keyword's lowest bid above 0 in a region's grid (shape (n_keywords,
    levels)); ``inf`` for a keyword the region keeps paused."""
    return np.asarray(np.where(grid > 0, grid, np.inf).min(axis=1), dtype=np.float64)


_R = TypeVar("_R")


def _deepen(
    solve_at: Callable[[float], _R],
    plan_of: Callable[[_R], BidPlan],
    cut: float,
    budget: float,
    deepest: float,
) -> tuple[_R, float]:
    """The solve on the region reaching down by the log step ``cut`` (``solve_at(reach)``,
    which may raise InfeasibleError), and, where a target makes it infeasible or holds
    its plan ``_SHORT`` or more below ``budget`` (yuan), on the region reaching down to
    the lowest bids (``deepest``).  The regions are nested (:func:`_region`): that one
    holds every level of any region reaching less far, so its plan is the best the
    target allows at any reach (up to the solver's gap), and a larger budget has every
    plan a smaller one had.  Returns the better plan's result and the higher upper
    bound (over both regions, so over the plan's too); raises the deepest region's
    InfeasibleError when neither has a plan."""
    try:
        first: _R | None = solve_at(cut)
    except InfeasibleError:
        if cut >= deepest:
            raise
        first = None
    if first is not None and (plan_of(first).spend >= budget * (1 - _SHORT) or cut >= deepest):
        return first, plan_of(first).bound
    deep = solve_at(deepest)
    if first is None:
        return deep, plan_of(deep).bound
    plan, kept = plan_of(deep), plan_of(first)
    bound = max(plan.bound, kept.bound)
    if plan.success and (not kept.success or plan.fun > kept.fun * (1 + 1e-9)):
        return deep, bound
    return first, bound


def held_short(spend: FloatArray, budget: FloatArray) -> BoolArray:
    """Whether each plan's spend (yuan) is ``_SHORT`` or more below its budget (yuan):
    held there by a target, a cap or the trust region's top (same shapes)."""
    return np.asarray(spend < budget * (1 - _SHORT), dtype=bool)


def _deepest(centre: FloatArray) -> float:
    """The log step below ``centre`` (shape (n_keywords,)) at which every keyword's
    bid is at the lowest, ``_MIN_BID``."""
    return float(np.log(max(float(centre.max(initial=0.0)), _MIN_BID) / _MIN_BID)) + _REACH_STEP


def _every_bid(estimate: LandscapeEstimate, region: FloatArray) -> FloatArray:
    """The estimate's own bid grid and ``region``'s levels together (shape (n_keywords,
    levels)), sorted per keyword."""
    return np.sort(np.concatenate([region, np.asarray(estimate.landscapes.bids)], axis=1), axis=1)


def _account_error(
    error: InfeasibleError,
    estimate: LandscapeEstimate,
    region: FloatArray,
    solve: Callable[[BidLandscape, float], BidPlan],
    budget: float,
) -> InfeasibleError:
    """The InfeasibleError for a target no trust region has a plan for (``error``, on the
    deepest ``region``, shape (n_keywords, levels)): the account's, on the estimate at
    every bid it covers and down to the region's lowest (the message's figures are the
    account's), or, where bids outside the trust region would meet it, ``error`` saying
    so."""
    every = _every_bid(estimate, region)
    span = f"any bid from {every[every > 0].min(initial=_MIN_BID):.2f} to {every.max():.2f} yuan"
    try:
        solve(_expected(estimate, every), budget)
    except InfeasibleError as exc:
        return InfeasibleError(
            f"{exc} (On the estimate at {span}, not only within the trust region around "
            "today's bids.)",
            exc.conflicts,
        )
    return InfeasibleError(
        f"{error} (Within the trust region around today's bids, reaching down to the lowest "
        f"bid.) The estimate meets it only at bids outside the region ({span}): plan with "
        "safe=False to use them.",
        error.conflicts,
    )


def _reaching(
    estimate: LandscapeEstimate,
    region: tuple[FloatArray, FloatArray, FloatArray, FloatArray],
    budget: float,
    scale: float,
    solve_on: Callable[[BidLandscape], _R],
    plan_of: Callable[[_R], BidPlan],
    solve: Callable[[BidLandscape, float], BidPlan],
) -> tuple[_R, BidPlan]:
    """``solve_on`` (a plan's solve at ``budget``, yuan, on a landscape; ``plan_of`` its
    result's plan) on the trust region at the share ``scale`` of its width, reaching
    down as far as the budget (:func:`_cut`) and a target (:func:`_deepen`) need.
    ``region``: today's bids, the region's centre and its log half-widths down and up
    (shape (n_keywords,) each).  Returns the result and its plan with the upper bound
    over every region tried and, where a target took bids below the region the budget
    gives, a note saying so.  Raises the account's InfeasibleError
    (:func:`_account_error`; ``solve`` is the caller's solve) when no region down to the
    lowest bids has a plan."""
    today, centre, down, up = region
    cut = _cut(estimate, today, down, budget)

    def at(reach: float) -> _R:
        return solve_on(_expected(estimate, _region(today, down, up, reach, scale, centre)))

    deepest = _deepest(centre)
    try:
        result, bound = _deepen(at, plan_of, cut, budget, deepest)
    except InfeasibleError as exc:
        lowest = _region(today, down, up, deepest, scale, centre)
        raise _account_error(exc, estimate, lowest, solve, budget) from None
    plan = _with_bound(plan_of(result), bound)
    floor = _lowest_bids(_region(today, down, up, cut, scale, centre))
    below = (plan.bids > 0) & (plan.bids < floor - 1e-9)
    if below.any():
        lowest_share = float((plan.bids[below] / centre[below]).min())
        plan = replace(
            plan,
            message=plan.message
            + " The plan stays below the budget (a target, a cap, a group budget or the "
            "trust region's top holds it there): the trust region reaches lower for it, and "
            "the plan bids below the region the budget gives on "
            f"{counted(int(below.sum()), 'keyword')} (as low as {lowest_share:.0%} of the bid "
            "it is centred on), where the estimate extrapolates its fitted response further "
            "from the log's bids.",
        )
    return result, plan


def _centred(
    estimate: LandscapeEstimate, current_bids: Mapping[str, float] | None
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Today's bids, the trust region's centre (:func:`history_bids`) and its full log
    half-widths down and up (:func:`trust_half_widths`), shape (n_keywords,) each."""
    today = today_bids(estimate, current_bids)
    ident = estimate.identifiability
    assert ident is not None  # checked by today_bids
    centre = history_bids(today, ident)
    return (today, centre, *trust_half_widths(centre, ident))


def plan_on_region(
    estimate: LandscapeEstimate,
    budget: float,
    solve: Callable[[BidLandscape, float], BidPlan],
    *,
    current_bids: Mapping[str, float] | None,
) -> BidPlan:
    """The plan at ``budget`` (yuan) on the full trust region around today's bids (the
    draws' mean landscape), reaching down as far as the budget and a target need: the
    plan :func:`plan_on_estimate` makes first, before its no-loss guard and spend rule
    (a spend frontier's point under a target).  Raises the account's InfeasibleError."""
    region = _centred(estimate, current_bids)
    return _reaching(
        estimate, region, budget, 1.0, lambda land: solve(land, budget), lambda p: p, solve
    )[1]


def _with_bound(plan: BidPlan, bound: float) -> BidPlan:
    """``plan`` with the upper bound ``bound`` where it is higher than its own (the
    bound over every region :func:`_deepen` tried), its message's certified gap too."""
    if bound <= plan.bound:
        return plan
    gap = (bound - plan.fun) / bound
    note = f"up to {gap:.1%} below the optimum"
    message, found = re.subn(r"up to [0-9.]+% below the optimum", note, plan.message)
    if not found and gap > 0.01 and plan.certificate.holds:
        message += f" The plan may be {note} (its certified gap)."
    return replace(plan, bound=bound, message=message)


def frontier_landscapes(
    estimate: LandscapeEstimate,
    budgets: FloatArray,
    *,
    current_bids: Mapping[str, float] | None,
    safe: bool,
) -> list[tuple[BidLandscape, IntArray]]:
    """The landscapes a plan on ``estimate`` is made on at each of ``budgets`` (yuan,
    shape (n_budgets,)), for a spend frontier: averaged over the estimate's draws (the
    point estimate without draws), at the bids of the full trust region around today's
    bids (``safe=True``; reaching lower for a budget below what its lowest bids spend, as
    the plan does) or at the estimate's own bid grid (``safe=False``).  Budgets sharing a
    landscape share an entry: ``[(landscape, indices into budgets), ...]``."""
    check_bool(safe, "safe")
    every = np.arange(budgets.size)
    if not safe:
        return [(_expected(estimate, np.asarray(estimate.landscapes.bids)), every)]
    today, centre, down, up = _centred(estimate, current_bids)
    cuts = np.array([_cut(estimate, today, down, float(b)) for b in budgets])
    return [
        (_expected(estimate, _region(today, down, up, cut, 1.0, centre)), every[cuts == cut])
        for cut in np.unique(cuts)
    ]


def plan_on_estimate(
    estimate: LandscapeEstimate,
    budget: float,
    solve: Callable[[BidLandscape, float], BidPlan],
    *,
    objective: str,
    current_bids: Mapping[str, float] | None,
    safe: bool,
) -> BidPlan:
    """The plan on an estimate (see the module docstring); ``solve`` optimises one
    landscape with the caller's constraints."""
    check_bool(safe, "safe")
    # the objective's metric must be in the log (revenue for profit): the error a
    # fixed landscape, or bid_frontier, gives
    estimate.landscapes.objective_values(objective)  # type: ignore[arg-type]
    today = today_bids(estimate, current_bids)
    ident = estimate.identifiability
    assert ident is not None  # checked by today_bids
    draws = estimate.draws

    def totals(bids: FloatArray) -> dict[str, FloatArray]:
        if draws is None:
            point = estimate.model.landscape(bids[:, None])
            return {m: point.metric(m)[:, 0][None, :] for m in point.metrics}
        return draws.at_bids(bids)

    today_metrics = totals(today)
    today_cost = today_metrics["cost"].sum(axis=1)
    today_spend = float(today_cost.mean())
    # today's bids are a plan within the budget when they fit it in expectation and the
    # estimate is not sure they spend more; otherwise the budget is a cut and the plan is
    # compared with them scaled down to the budget (the budget is hard: no plan of
    # today's bids above it is kept)
    affordable = (
        draws is not None
        and _share_within(today_cost, budget) >= TODAY_WITHIN
        and today_spend <= budget * (1 + 1e-9)
    )
    # the guard's reference: what today's bids can do under the caller's constraints,
    # the keywords a target CPA / ROAS, a cap or the bid limits rule out paused (none
    # when no non-empty plan of today's bids meets them).  Today's bids as they are miss
    # a binding target: no plan that meets it beat them, and the guard fell to today's
    # bids and below, with fewer orders at a larger budget than at a smaller one
    kept = _expected(estimate, today[:, None])
    try:
        held: BidPlan | None = solve(kept, float(kept.cost.sum()) * (1 + 1e-9))
    except InfeasibleError:
        held = None
    reference = np.zeros_like(today) if held is None else np.asarray(held.bids, np.float64)
    ref_metrics = today_metrics if np.array_equal(reference, today) else totals(reference)
    ref_obj = _objective(ref_metrics, objective).sum(axis=1)
    ref_spend = float(ref_metrics["cost"].sum(axis=1).mean())
    same_spend = 1.0 if affordable or ref_spend <= 0 else min(1.0, budget / ref_spend)

    def evaluate(plan: BidPlan) -> tuple[dict[str, FloatArray], FloatArray]:
        metrics = totals(plan.bids)
        return metrics, _objective(metrics, objective).sum(axis=1) - same_spend * ref_obj

    def level_free(metrics: dict[str, FloatArray]) -> FloatArray:
        # the plan's spend under each draw at the draws' mean traffic level for today's
        # bids: what moves today's spend as much as the plan's is not the plan's risk
        spends = metrics["cost"].sum(axis=1)
        if today_spend <= 0 or np.any(today_cost <= 0):
            return np.asarray(spends, dtype=np.float64)
        return np.asarray(spends * today_spend / today_cost, dtype=np.float64)

    def solve_within(land: BidLandscape) -> tuple[BidPlan, dict[str, FloatArray], FloatArray]:
        # spend the budget in expectation; aim lower while the plan's spend exceeds the
        # budget in more draws than SPEND_QUANTILE allows (a few re-solves at most)
        plan, aim = solve(land, budget), budget
        metrics, gain = evaluate(plan)
        for _ in range(_AIM_STEPS):
            spends = level_free(metrics)
            if draws is None or budget <= 0 or _within(spends, budget):
                break
            aim *= budget / float(np.quantile(spends, SPEND_QUANTILE, method="higher"))
            plan = solve(land, aim)
            metrics, gain = evaluate(plan)
        if aim < budget:
            spends = level_free(metrics)
            plan = replace(
                plan,
                certificate=_on_budget(plan.certificate, plan.spend, budget),
                message=plan.message
                + f" The plan aims at {aim:,.2f} of the budget {budget:,.2f} so that its "
                f"spend stays within the budget in {SPEND_QUANTILE:.0%} of the estimate's "
                "draws"
                + (
                    "."
                    if _within(spends, budget)
                    else f"; it does so in only {_share_within(spends, budget):.0%}."
                ),
            )
        return plan, metrics, gain

    if not safe:
        try:
            plan, metrics, gain = solve_within(
                _expected(estimate, np.asarray(estimate.landscapes.bids))
            )
        except InfeasibleError as exc:
            # a target (or cap) the estimate's grid cannot meet may be met at lower bids,
            # down to the lowest a safe plan may reach: the grid with those, or the
            # account's error (a safe plan was made where this raised)
            centre = history_bids(today, ident)
            region = _region(
                today, *trust_half_widths(centre, ident), _deepest(centre), 1.0, centre
            )
            try:
                plan, metrics, gain = solve_within(
                    _expected(estimate, _every_bid(estimate, region))
                )
            except InfeasibleError:
                raise _account_error(exc, estimate, region, solve, budget) from None
        scale = float("nan")
        trust_low = trust_high = None
        down, up = trust_half_widths(today, ident)
        step = np.log(np.maximum(plan.bids, 1e-9) / np.maximum(today, 1e-9))
        moved = (step > up) | (-step > down)
        blind = moved & (ident.source == "prior") & (plan.bids > 0)
        if blind.any():
            details = {"n_keywords": int(blind.sum()), "band": float(np.expm1(TRUST_STEP))}
            warnings.warn(
                IdentifiabilityWarning(_unsafe_text(details), "unsafe_moves", details),
                stacklevel=3,
            )
    else:
        centre = history_bids(today, ident)
        down, up = trust_half_widths(centre, ident)

        for scale in _SCALES:
            (_, metrics, gain), plan = _reaching(
                estimate,
                (today, centre, down, up),
                budget,
                scale,
                solve_within,
                lambda result: result[0],
                solve,
            )
            if scale == 0.0 or (plan.success and (gain >= 0).mean() >= _CONFIDENCE):
                break
        # the region at the width used, without a reach below it (the report names the
        # keywords bid outside it)
        grid = _region(today, down, up, 0.0, scale, centre)
        lowest = _lowest_bids(grid)
        trust_low = np.where(np.isfinite(lowest), lowest, 0.0)
        trust_high = np.asarray(grid.max(axis=1), dtype=np.float64)
        if scale < 1.0:
            plan = replace(
                plan,
                message=plan.message
                + f" The no-loss guard narrowed the trust region around today's bids to "
                f"{scale:g} of its width: a wider plan did not beat today's bids in "
                f"{_CONFIDENCE:.0%} of the estimate's draws.",
            )
    names = tuple(m for m in ("cost", "clicks", "conversions", "revenue") if m in metrics)
    ranges = PlanRanges(
        metrics=tuple("spend" if m == "cost" else m for m in names),
        plan=np.stack([metrics[m].sum(axis=1) for m in names], axis=1),
        today=np.stack([today_metrics[m].sum(axis=1) for m in names], axis=1),
        gain=gain,
        trust_scale=scale,
        trust_low=trust_low,
        trust_high=trust_high,
    )
    return replace(plan, ranges=ranges)


def _unsafe_text(details: Mapping[str, Any]) -> str:
    """The English message of an ``"unsafe_moves"`` warning (``optimize_bids(...,
    safe=False)``) from its details."""
    return (
        f"The plan moves the bids of {counted(details['n_keywords'], 'keyword')} whose "
        "response to a bid change the log cannot identify beyond the trust region "
        f"({details['band']:.0%} beyond the bids the log shows, +-{details['band']:.0%} of "
        "today's for a bid that never moved) (safe=False): its promises for them rest on the "
        "prior. Remedy: plan with safe=True, or run a bid test first "
        "(bidopt.landscape.design_bid_test)."
    )
