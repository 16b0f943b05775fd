"""``optimize_bids``: the public entry point of CPC bid optimisation."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Literal

import numpy.typing as npt

from bidopt._certificate import Certificate, ConstraintCheck
from bidopt._validation import check_bool, check_choice, check_options, check_scalar
from bidopt.bidding._highs import solve_highs
from bidopt.bidding._plan import BidPlan
from bidopt.bidding._problem import BidProblem, make_problem, picked
from bidopt.bidding._solvers import Solution, solve_dual
from bidopt.bidding._trust import plan_on_estimate
from bidopt.exceptions import InvalidInputError
from bidopt.landscape import OBJECTIVES, BidLandscape, LandscapeEstimate, Objective

__all__ = ["METHODS", "Method", "optimize_bids"]

Method = Literal["dual", "milp", "lp"]
#: Methods of :func:`optimize_bids`.
METHODS: tuple[str, ...] = ("dual", "milp", "lp")

_OPTIONS: dict[str, dict[str, Any]] = {
    "dual": {"max_outer": 60},
    "milp": {"time_limit": None, "mip_rel_gap": 1e-9},
    "lp": {"time_limit": None},
}


def optimize_bids(
    landscape: BidLandscape | LandscapeEstimate,
    budget: float,
    *,
    objective: Objective = "conversions",
    max_cpc: float | None = None,
    target_cpa: float | None = None,
    target_roas: float | None = None,
    min_bid: float | None = None,
    max_bid: float | None = None,
    groups: npt.ArrayLike | None = None,
    group_budgets: Mapping[Any, float] | None = None,
    method: Method = "dual",
    options: Mapping[str, Any] | None = None,
    client: Any = None,
    current_bids: Mapping[str, float] | None = None,
    safe: bool = True,
) -> BidPlan:
    """Choose one bid per keyword to maximise an objective under a budget.

    Each keyword bids at one of its landscape levels or not at all (bid 0, which is
    always allowed); this is a multiple-choice knapsack.

    Given an estimate from :func:`~bidopt.landscape.estimate_landscapes` rather than a
    fixed landscape, the plan knows what the log cannot tell: it is optimised on the
    landscape averaged over the estimate's draws (so it spends the budget in
    expectation, aiming lower where needed so that its spend stays within the budget in
    at least half of the draws), reports 80% ranges of what it promises
    (``plan.ranges``) and, with ``safe=True``, keeps each keyword's bid within a trust
    region around today's bid that widens with the bid changes the log has seen (+-20%
    where the bid never moved, the log's bids plus 20% where it did), and falls back
    towards today's bids unless the plan beats them, at the same spend, in at least 80%
    of the draws (the no-loss guard).  Where today's bids' expected spend is within the
    budget and the budget within the 80% range of their spend over the draws, the
    estimate cannot tell that they overspend it: the plan must then beat them as they
    are.  A budget below their expected spend, however slightly, is a cut, and the plan
    honours it: where the trust region's lowest bids spend more than the budget, it
    reaches further down, so the plan lowers bids rather than switching keywords off.
    Where a target CPA / ROAS (or a CPC cap) rules out every plan of the region, or
    holds the plan 5% or more below the budget, the region reaches further down (a
    larger budget never has fewer low bids to choose from than a smaller one), and the
    message says how many keywords bid below the region the budget alone gives.

    Parameters
    ----------
    landscape : BidLandscape or LandscapeEstimate
        What each candidate bid buys, per keyword (per period, e.g. per day); or an
        estimate, planned on as described above.
    budget : float
        Spend limit per period, yuan (>= 0). Hard: the plan never spends more (on an
        estimate, its expected spend), and ``plan.certificate`` checks this budget.
    objective : {"conversions", "clicks", "revenue", "profit"}, default "conversions"
        What to maximise; ``profit`` is revenue minus cost.
    max_cpc : float, optional
        Cap on each keyword's average cost per click at its chosen bid, yuan
        (22 in the reference account): levels above it are not used. It caps what
        clicks cost on average, not the bid: a click usually costs less than the bid
        (second-price auction), so a chosen bid may exceed ``max_cpc``. Use
        ``max_bid`` to cap the bids themselves.
    target_cpa : float, optional
        The plan's cost per order must not exceed this, yuan.
    target_roas : float, optional
        The plan's revenue per yuan must be at least this.
    min_bid, max_bid : float, optional
        Bounds on any non-zero bid, yuan.
    groups : array-like of shape (n_keywords,), optional
        Group label (ad group or campaign) of each keyword, for ``group_budgets``.
    group_budgets : mapping of label to float, optional
        Spend limit per group, yuan; groups not named have none.
    method : {"dual", "milp", "lp"}, default "dual"
        ``"dual"``: per-keyword upper concave hulls and the exact budget multiplier
        (bucketed selection, no global sort), the fractional keyword rounded down and
        the leftover filled greedily; a target adds a second multiplier found by
        bisection.  Near-linear time; the plan carries a proven ``gap_bound``.
        ``"milp"``: the exact problem with :func:`scipy.optimize.milp` (HiGHS), the
        reference for small problems.  ``"lp"``: its relaxation with
        :func:`scipy.optimize.linprog` (HiGHS), whose value is the upper bound; the plan
        is the relaxation rounded down.
    options : mapping, optional
        Per-method knobs.  dual: ``max_outer`` (bisection steps for a target, 60).
        milp: ``time_limit`` (s), ``mip_rel_gap`` (1e-9).  lp: ``time_limit`` (s).
    client : distributed.Client, optional
        Solve on this Dask cluster (``pip install bidopt[cluster]``): ``landscape`` may
        then also be a :class:`~bidopt.landscape.LandscapeDataset` (Parquet partitions,
        each read by a worker) or a list of Dask futures of landscapes.  Each worker
        keeps its partitions' hulls; the plan is the in-process plan (method "dual",
        no group budgets).  None (default) solves in this process.
    current_bids : mapping of keyword to float, optional
        Today's bid per keyword (yuan), keyed by keyword text, for a plan on an estimate;
        keywords not named keep the log's last-day bid.  Not for a fixed landscape.
    safe : bool, default True
        For a plan on an estimate: the trust region and the no-loss guard.  ``False``
        plans on the whole grid (and warns when it moves bids the log cannot support).
        Either way the plan spends the budget in expectation over the draws (at most;
        its spend stays within the budget in at least half of them).

    Returns
    -------
    BidPlan
        Bids, expected spend, clicks, conversions and revenue (per keyword and in
        total), ``fun``, ``bound``, ``gap_bound``, ``shadow_price`` and status fields;
        ``ranges`` for a plan on an estimate with draws.

    Raises
    ------
    InvalidInputError
        For a bad argument (the message names it and the value received).
    InfeasibleError
        If a target CPA / ROAS cannot be met by any non-empty plan within the budget;
        the message says what is reachable (on an estimate: at any bid it covers, down
        to 0.05 yuan, not only within the trust region).
    SolverError
        If HiGHS fails.

    Warns
    -----
    IdentifiabilityWarning
        With ``safe=False`` on an estimate, when the plan moves bids whose response the
        log cannot identify beyond the trust region ``safe=True`` would keep them in (the
        bids the log shows plus 20% either way; +-20% of today's for a bid that never
        moved).

    Examples
    --------
    >>> import numpy as np
    >>> from bidopt.landscape import BidLandscape
    >>> from bidopt.bidding import optimize_bids
    >>> land = BidLandscape(
    ...     bids=np.array([[1.0, 2.0], [1.0, 3.0]]),
    ...     clicks=np.array([[10.0, 15.0], [4.0, 9.0]]),
    ...     cost=np.array([[8.0, 25.0], [3.0, 20.0]]),
    ...     conversions=np.array([[1.0, 1.5], [0.5, 1.0]]),
    ... )
    >>> plan = optimize_bids(land, 30.0)
    >>> plan.bids.tolist(), round(plan.conversions, 2), plan.spend <= 30.0
    ([2.0, 1.0], 2.0, True)
    """
    check_bool(safe, "safe")  # checked even where it is ignored (a fixed landscape)
    if client is not None:  # the same solver with the keywords on Dask workers
        from bidopt.bidding._distributed import optimize_on_cluster

        kw: dict[str, Any] = {"objective": objective, "max_cpc": max_cpc, "target_cpa": target_cpa}
        kw |= {"target_roas": target_roas, "min_bid": min_bid, "max_bid": max_bid}
        kw |= {"groups": groups, "group_budgets": group_budgets, "options": options}
        kw |= {"current_bids": current_bids}
        return optimize_on_cluster(
            landscape, budget, client=client, method=method, finish=make_plan, **kw
        )
    if isinstance(landscape, LandscapeEstimate):
        constraints: dict[str, Any] = {
            "objective": objective,
            "max_cpc": max_cpc,
            "target_cpa": target_cpa,
            "target_roas": target_roas,
            "min_bid": min_bid,
            "max_bid": max_bid,
            "groups": groups,
            "group_budgets": group_budgets,
            "method": method,
            "options": options,
        }
        budget = check_scalar(budget, "budget", lower=0)
        return plan_on_estimate(
            landscape,
            budget,
            lambda land, spend: optimize_bids(land, spend, **constraints),
            objective=check_choice(objective, "objective", OBJECTIVES),
            current_bids=current_bids,
            safe=safe,
        )
    if current_bids is not None:
        raise InvalidInputError(
            "`current_bids` must be None for a fixed BidLandscape (today's bids matter to a "
            "plan on an estimate from estimate_landscapes). Got a mapping instead."
        )
    name = check_choice(method, "method", METHODS)
    opts = _check_method_options(name, check_options(options, _OPTIONS[name], method=name))
    problem = make_problem(
        landscape,
        budget,
        objective=objective,
        max_cpc=max_cpc,
        target_cpa=target_cpa,
        target_roas=target_roas,
        min_bid=min_bid,
        max_bid=max_bid,
        groups=groups,
        group_budgets=group_budgets,
    )
    if name == "dual":
        solution = solve_dual(problem, opts)
    else:
        solution = solve_highs(problem, opts, integral=name == "milp")
    return make_plan(problem, solution, name)


#: Problems up to this many (keyword, level) points are small enough for method="milp".
_SMALL = 20_000


def _check_method_options(method: str, opts: dict[str, Any]) -> dict[str, Any]:
    """Each option's type and range, named as ``options['x']`` in the message."""
    if method == "dual":
        opts["max_outer"] = check_scalar(
            opts["max_outer"], "options['max_outer']", lower=0, integer=True
        )
    if opts.get("time_limit") is not None:
        opts["time_limit"] = check_scalar(
            opts["time_limit"], "options['time_limit']", lower=0, lower_inclusive=False
        )
    if method == "milp":
        opts["mip_rel_gap"] = check_scalar(
            opts["mip_rel_gap"], "options['mip_rel_gap']", lower=0, upper=1
        )
    return opts


def make_plan(
    problem: BidProblem,
    solution: Solution,
    method: str,
    extra: tuple[ConstraintCheck, ...] = (),
    n_levels: int | None = None,
) -> BidPlan:
    """Assemble a :class:`BidPlan` from a solver's levels, and certify it.

    ``extra`` adds checks beyond the problem's own constraints (the reverse question's
    target).  ``n_levels`` is the landscape's number of levels when ``problem`` holds
    only the chosen ones (a cluster plan), for the advice on ``method='milp'``.  The
    plan says ``success`` only when every check holds on the plan itself.
    """
    land = problem.landscape
    metrics = problem.metrics(solution.levels)
    if problem.objective in metrics:
        fun = float(metrics[problem.objective].sum())
    else:
        fun = float(picked(problem.value, solution.levels).sum())
    certificate = problem.certificate(solution.levels, metrics)
    if extra:
        certificate = Certificate.of((*certificate.checks, *extra))
    message = solution.message
    status, success = solution.status, solution.status == 0
    bound = max(solution.bound, fun)
    _check_finite(problem, metrics, fun, bound, solution)
    gap = (bound - fun) / bound if bound > 0 else 0.0
    if method != "milp" and gap > 0.01 and certificate.holds:
        message += f" The plan may be up to {gap:.1%} below the optimum (its certified gap)" + (
            "; for a problem this small, method='milp' finds the exact optimum."
            if land.n_keywords * (n_levels or land.n_levels) <= _SMALL
            else "."
        )
    if not certificate.holds:  # never hand back a plan that breaks a constraint as a success
        status, success = 2, False
        message = certificate.message() + " " + message
    return BidPlan(
        bids=metrics["bids"],
        levels=solution.levels,
        keywords=land.keywords,
        keyword_cost=metrics["cost"],
        keyword_clicks=metrics["clicks"],
        keyword_conversions=metrics.get("conversions"),
        keyword_revenue=metrics.get("revenue"),
        keyword_impressions=metrics.get("impressions"),
        budget=problem.budget,
        objective=problem.objective,
        fun=fun,
        bound=bound,
        shadow_price=solution.shadow_price,
        target_multiplier=solution.target_multiplier,
        success=success,
        status=status,
        message=message,
        method=method,
        nit=solution.nit,
        certificate=certificate,
    )


def _check_finite(
    problem: BidProblem,
    metrics: Mapping[str, Any],
    fun: float,
    bound: float,
    solution: Solution,
) -> None:
    """Raise when a plan's total or multiplier is beyond float64 (inf or NaN): a
    landscape whose sums over keywords overflow (cells near 1e308), or whose value per
    yuan does (value 1e300 for 1e-10 yuan), has no plan in floating point."""
    totals = {"objective": fun, "bound": bound, "spend": float(metrics["cost"].sum())}
    totals |= {"clicks": float(metrics["clicks"].sum())}
    bad = [name for name, x in totals.items() if not math.isfinite(x)]
    if bad:
        raise InvalidInputError(
            "`landscape` must have totals within float64's range: the plan's "
            f"{' and '.join(bad)} overflow (float64 holds at most 1.8e308). Rescale it "
            f"(e.g. thousands of yuan) before planning. Got {bad[0]} "
            f"{totals[bad[0]]!r} instead."
        )
    for name, x in (
        ("shadow_price", solution.shadow_price),
        ("target_multiplier", solution.target_multiplier),
    ):
        if not math.isfinite(x):
            raise InvalidInputError(
                "`landscape` must have values per yuan within float64's range: the "
                f"plan's {name} (value per yuan at the margin) overflows, from a cell "
                "worth far more than it costs. Rescale value or cost before planning. "
                f"Got {name} {x!r} instead."
            )
