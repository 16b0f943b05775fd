"""The spend/return frontier and the reverse question (least budget for a target)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from bidopt._certificate import lower as lower_check
from bidopt._optional import require_pandas
from bidopt._validation import as_float_array, check_scalar
from bidopt.bidding._hull import build_hull
from bidopt.bidding._optimize import make_plan, optimize_bids
from bidopt.bidding._plan import BidPlan
from bidopt.bidding._problem import make_problem, picked
from bidopt.bidding._solvers import Solution, dual_plan
from bidopt.bidding._trust import frontier_landscapes, held_short, plan_on_region
from bidopt.exceptions import InfeasibleError, InvalidInputError
from bidopt.landscape import BidLandscape, LandscapeEstimate, Objective
from bidopt.typing import FloatArray, IntArray

__all__ = ["BudgetForTarget", "Frontier", "bid_frontier", "budget_for_target"]


@dataclass(frozen=True, slots=True, eq=False)
class Frontier:
    """The best objective at each budget: the spend / return curve.

    Attributes
    ----------
    budgets, spend : ndarray of float64, shape (n_budgets,)
        Budgets asked for and what the optimal plan spends, yuan.
    fun, bound : ndarray of float64, shape (n_budgets,)
        Objective value of the plan (:attr:`BidPlan.fun`) and the proven upper bound
        at each budget.
    clicks, conversions, revenue : ndarray of float64, shape (n_budgets,)
        Plan totals (NaN where the landscape lacks the metric).
    shadow_price : ndarray of float64, shape (n_budgets,)
        Objective per extra yuan at the margin.
    objective : str
    """

    budgets: FloatArray
    spend: FloatArray
    fun: FloatArray
    bound: FloatArray
    clicks: FloatArray
    conversions: FloatArray
    revenue: FloatArray
    shadow_price: FloatArray
    objective: str

    @property
    def marginal_cost(self) -> FloatArray:
        """Yuan per extra unit of the objective at the margin (the marginal CPA for
        conversions, marginal CPC for clicks); inf where the budget no longer binds."""
        with np.errstate(divide="ignore"):
            return np.where(self.shadow_price > 0, 1.0 / self.shadow_price, np.inf)

    @property
    def average_cost(self) -> FloatArray:
        """Spend per unit of the objective (the average CPA for conversions)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.fun > 0, self.spend / self.fun, np.nan)

    def to_frame(self) -> Any:
        """One row per budget (needs pandas)."""
        pd = require_pandas("Frontier.to_frame()")
        return pd.DataFrame(
            {
                "budget": self.budgets,
                "spend": self.spend,
                self.objective: self.fun,
                "bound": self.bound,
                "clicks": self.clicks,
                "conversions": self.conversions,
                "revenue": self.revenue,
                "marginal_cost": self.marginal_cost,
                "average_cost": self.average_cost,
            }
        )

    def summary(self, max_rows: int = 12) -> str:
        """One line per budget (at most ``max_rows``, evenly spaced): spend, objective,
        bound and marginal cost."""
        n = self.budgets.size
        rows = np.unique(np.linspace(0, n - 1, min(n, max(max_rows, 2))).round().astype(int))
        lines = [
            f"Frontier of {self.objective} over {n} budgets",
            f"  {'budget':>14} {'spend':>14} {self.objective:>14} {'bound':>14} "
            f"{'marginal_cost':>14}",
        ]
        lines.extend(
            f"  {self.budgets[i]:>14,.2f} {self.spend[i]:>14,.2f} {self.fun[i]:>14,.4f} "
            f"{self.bound[i]:>14,.4f} {self.marginal_cost[i]:>14,.4g}"
            for i in rows
        )
        if rows.size < n:
            lines.append(f"  ({n - rows.size} budgets not shown; to_frame() has them all)")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"Frontier(objective={self.objective!r}, n_budgets={self.budgets.size}, "
            f"spend {self.spend.min():.6g}..{self.spend.max():.6g})"
        )


def bid_frontier(
    landscape: BidLandscape | LandscapeEstimate,
    budgets: npt.ArrayLike,
    *,
    objective: Objective = "conversions",
    max_cpc: float | None = None,
    target_cpa: float | None = None,
    target_roas: float | None = None,
    min_bid: float | None = None,
    max_bid: float | None = None,
    current_bids: Mapping[str, float] | None = None,
    safe: bool = True,
) -> Frontier:
    """The optimal objective and its marginal cost at each budget.

    The hulls are built once and every budget reuses them (with a target CPA / ROAS,
    each budget is a full :func:`optimize_bids` call).

    Parameters
    ----------
    landscape : BidLandscape or LandscapeEstimate
        With an estimate (from :func:`bidopt.landscape.estimate_landscapes`), the
        frontier is traced on the landscape :func:`optimize_bids` plans an estimate on:
        averaged over its draws, at the bids of the full trust region around today's
        bids (``safe=True``) or at the estimate's bid grid (``safe=False``).  It is the
        frontier before the no-loss guard and the spend rule, which may keep a plan
        below it.  Under a target CPA / ROAS or a CPC cap (``safe=True``) each
        budget's region reaches as far down as they need, as :func:`optimize_bids`
        does (each budget under a target, and each the cap holds 5% or more below it,
        is then a full solve).
    budgets : array-like of shape (n_budgets,)
        Budgets in yuan (>= 0), in any order.
    objective, max_cpc, target_cpa, target_roas, min_bid, max_bid
        As in :func:`optimize_bids`.
    current_bids, safe
        As in :func:`optimize_bids` on an estimate (ignored for a ``BidLandscape``).

    Returns
    -------
    Frontier
    """
    grid = as_float_array(budgets, "budgets", ndim=1, nonnegative=True)
    if grid.size == 0:
        raise InvalidInputError(
            "`budgets` must hold at least one budget. Got an empty array instead."
        )
    constraints: dict[str, Any] = {
        "objective": objective,
        "max_cpc": max_cpc,
        "min_bid": min_bid,
        "max_bid": max_bid,
    }
    targets: dict[str, Any] = {"target_cpa": target_cpa, "target_roas": target_roas}
    if isinstance(landscape, LandscapeEstimate):
        estimate = landscape

        def reaching(budget: float) -> BidPlan:
            # the plan optimize_bids makes first: on the trust region reaching as far
            # down as the budget and a target or cap need
            return plan_on_region(
                estimate,
                budget,
                lambda land, aim: optimize_bids(land, aim, **constraints, **targets),
                current_bids=current_bids,
            )

        if safe is True and (target_cpa is not None or target_roas is not None):
            # each budget on its own region (one region per budget and landscape kept a
            # larger budget from the lower bids a smaller one planned with, and raised
            # InfeasibleError where optimize_bids planned)
            return _frontier_of(
                grid,
                [_target_point(reaching, estimate.landscapes, float(b), constraints) for b in grid],
            )
        # each budget on its plan's landscape (one frontier per distinct landscape)
        parts = [
            (where, bid_frontier(land, grid[where], **constraints, **targets))
            for land, where in frontier_landscapes(
                landscape, grid, current_bids=current_bids, safe=safe
            )
        ]
        names = ("spend", "fun", "bound", "clicks", "conversions", "revenue", "shadow_price")
        values = {
            name: _scatter(grid.size, [(w, getattr(f, name)) for w, f in parts]) for name in names
        }
        if safe is True and max_cpc is not None:
            # a cap holding a point short of its budget: optimize_bids reaches lower
            for i in np.flatnonzero(held_short(values["spend"], grid)):
                plan = reaching(float(grid[i]))
                for name in names:
                    values[name][i] = getattr(plan, name)
        return Frontier(budgets=grid, **values, objective=parts[0][1].objective)
    plans: list[BidPlan] = []
    if target_cpa is None and target_roas is None:
        problem = make_problem(
            landscape,
            float(grid.max()),
            target_cpa=None,
            target_roas=None,
            groups=None,
            group_budgets=None,
            **constraints,
        )
        hull = build_hull(problem.cost, problem.value, problem.allowed)
        for budget in grid:
            sub = _with_budget(problem, float(budget))
            levels, bound, lam = dual_plan(sub, hull, fill_tol=0.0)
            solution = Solution(levels, bound, lam, 0.0, 1, 0, "Optimal up to the reported gap.")
            plans.append(make_plan(sub, solution, "dual"))
    else:
        plans.extend(
            _target_point(
                lambda b: optimize_bids(landscape, b, **constraints, **targets),
                landscape,
                float(budget),
                constraints,
            )
            for budget in grid
        )
    return _frontier_of(grid, plans)


def _target_point(
    solve: Callable[[float], BidPlan],
    landscape: BidLandscape,
    budget: float,
    constraints: dict[str, Any],
) -> BidPlan:
    """The frontier's plan at ``budget`` (yuan) under a target: ``solve(budget)``, or not
    bidding (a plan of ``landscape``'s keywords with every bid 0) where the target is
    reachable only above the budget."""
    try:
        return solve(budget)
    except InfeasibleError as exc:
        if "budget" not in exc.conflicts:  # the target is out of reach at any budget
            raise
        # too small a budget for any plan meeting the target: not bidding is the optimum
        # (value 0, and 0 bounds every feasible plan)
        bare = make_problem(
            landscape,
            budget,
            target_cpa=None,
            target_roas=None,
            groups=None,
            group_budgets=None,
            **constraints,
        )
        empty = Solution(
            np.full(landscape.n_keywords, -1, np.int64),
            0.0,
            0.0,
            0.0,
            0,
            0,
            f"No plan meets the target within this budget ({exc}); not bidding is best.",
        )
        return make_plan(bare, empty, "dual")


def _frontier_of(budgets: FloatArray, plans: list[BidPlan]) -> Frontier:
    """The frontier of ``plans``, one per budget (yuan, shape (n_budgets,))."""
    return Frontier(
        budgets=budgets,
        spend=np.array([p.spend for p in plans]),
        fun=np.array([p.fun for p in plans]),
        bound=np.array([p.bound for p in plans]),
        clicks=np.array([p.clicks for p in plans]),
        conversions=np.array([p.conversions for p in plans]),
        revenue=np.array([p.revenue for p in plans]),
        shadow_price=np.array([p.shadow_price for p in plans]),
        objective=plans[0].objective,
    )


def _scatter(n: int, parts: list[tuple[IntArray, FloatArray]]) -> FloatArray:
    """Values of shape (n,) put together from ``(indices, values)`` parts."""
    out = np.empty(n)
    for where, values in parts:
        out[where] = values
    return out


def _with_budget(problem: Any, budget: float) -> Any:
    import dataclasses

    return dataclasses.replace(problem, budget=budget)


@dataclass(frozen=True, slots=True, eq=False)
class BudgetForTarget:
    """The least budget that reaches a target, and the plan that reaches it.

    Attributes
    ----------
    metric : str
        ``"conversions"``, ``"revenue"`` or ``"clicks"``.
    target : float
    budget : float
        The least budget found (by bisection) at which the dual's plan reaches the
        target, yuan.  An exact solver may reach it for less, but never for less than
        ``lower_bound``; ``plan.certificate`` checks the plan reaches the target.
    lower_bound : float
        No plan reaches the target for less (the LP relaxation's minimum cost, less a
        relative 1e-12 for rounding), yuan.
    plan : BidPlan
        The plan at ``budget``.
    max_reachable : float
        The most of ``metric`` any budget can buy.
    """

    metric: str
    target: float
    budget: float
    lower_bound: float
    plan: BidPlan
    max_reachable: float

    @property
    def success(self) -> bool:
        """Whether the plan at ``budget`` passed its certificate (target reached, every
        constraint held)."""
        return self.plan.success

    @property
    def status(self) -> int:
        """The plan's status (0: reached, as certified)."""
        return self.plan.status

    @property
    def message(self) -> str:
        """The plan's message."""
        return self.plan.message

    def summary(self) -> str:
        """The budget found, its lower bound, and the plan at that budget."""
        lines = [
            f"Least budget for {self.metric}={self.target:,.4g}: {self.budget:,.2f} yuan "
            f"(no plan reaches it under {self.lower_bound:,.2f}; at most "
            f"{self.max_reachable:,.4g} {self.metric} at any budget)",
            "  " + self.plan.summary().replace("\n", "\n  "),
        ]
        return "\n".join(lines)

    def to_frame(self) -> Any:
        """One row per keyword: the plan at ``budget`` (:meth:`BidPlan.to_frame`, needs
        pandas)."""
        return self.plan.to_frame()

    def __repr__(self) -> str:
        return (
            f"BudgetForTarget({self.metric}={self.target:g}: budget {self.budget:.2f} yuan, "
            f"no plan can do it under {self.lower_bound:.2f})"
        )


def budget_for_target(
    landscape: BidLandscape,
    *,
    conversions: float | None = None,
    revenue: float | None = None,
    clicks: float | None = None,
    max_cpc: float | None = None,
    min_bid: float | None = None,
    max_bid: float | None = None,
) -> BudgetForTarget:
    """The least budget at which the dual's plan reaches a target (the reverse question).

    Give exactly one of ``conversions``, ``revenue`` or ``clicks``.  The hulls'
    steps taken in decreasing value per yuan give the LP's least cost for the target
    (a lower bound for any plan); the integral budget is then found by bisection between
    that bound and the cost of finishing the boundary step.

    Raises
    ------
    InfeasibleError
        If no budget reaches the target; the message gives the most that is reachable.
    """
    given = {
        k: v
        for k, v in (("conversions", conversions), ("revenue", revenue), ("clicks", clicks))
        if v is not None
    }
    if len(given) != 1:
        raise InvalidInputError(
            "Exactly one of `conversions`, `revenue` and `clicks` must be given. Got "
            f"{sorted(given) or 'none'} instead."
        )
    ((metric, raw),) = given.items()
    target = check_scalar(raw, metric, lower=0, lower_inclusive=False)
    problem = make_problem(
        landscape,
        0.0,
        objective=metric,
        max_cpc=max_cpc,
        target_cpa=None,
        target_roas=None,
        min_bid=min_bid,
        max_bid=max_bid,
        groups=None,
        group_budgets=None,
    )
    hull = build_hull(problem.cost, problem.value, problem.allowed)
    full_cost, full_value = hull.totals_after(hull.n_steps)
    if full_value < target:
        raise InfeasibleError(
            f"{metric}={target:g} is unreachable: at most {full_value:,.2f} with any budget "
            f"(spending {full_cost:,.2f} yuan). Relax the CPC cap or bid bounds.",
            {metric: target - full_value},
        )
    rows_dc, rows_dv, slope = [], [], []
    for _, dc, dv, sl in hull.blocks():
        real = sl > 0
        rows_dc.append(dc[real])
        rows_dv.append(dv[real])
        slope.append(sl[real])
    dc_all, dv_all, sl_all = (np.concatenate(x) for x in (rows_dc, rows_dv, slope))
    order = np.lexsort((dc_all, -sl_all))
    cum_c, cum_v = np.cumsum(dc_all[order]), np.cumsum(dv_all[order])
    k = min(int(np.searchsorted(cum_v, target, side="left")), cum_v.size - 1)
    before_c = float(cum_c[k - 1]) if k else 0.0
    before_v = float(cum_v[k - 1]) if k else 0.0
    step_v = float(dv_all[order][k])
    share = (target - before_v) / step_v if step_v > 0 else 0.0
    # the sum runs in another order than any plan's: 1e-12 keeps it a bound after rounding
    lower = (before_c + share * float(dc_all[order][k])) * (1 - 1e-12)
    high = float(cum_c[k])

    def plan_at(budget: float) -> tuple[IntArray, float, float, float]:
        """Levels, value, LP bound and multiplier of the dual's plan at ``budget``."""
        levels, bound, lam = dual_plan(_with_budget(problem, budget), hull, fill_tol=0.0)
        return levels, float(picked(problem.value, levels).sum()), bound, lam

    def reaches(budget: float) -> bool:
        return plan_at(budget)[1] >= target

    low = lower
    if reaches(low):
        high = low
    else:
        # the LP's boundary step finished is enough in exact arithmetic; with rounding
        # at a breakpoint it may not be: walk up the next breakpoints to the full cost
        ahead = [high, *cum_c[k + 1 :: max(1, (cum_c.size - k) // 16)].tolist(), full_cost]
        for candidate in ahead:
            if reaches(float(candidate)):
                high = float(candidate)
                break
            low = max(low, float(candidate))
        else:
            high = float(np.nextafter(full_cost, np.inf))
        for _ in range(60):
            if high - low <= 1e-9 * max(high, 1.0):
                break
            mid = 0.5 * (low + high)
            if reaches(mid):
                high = mid
            else:
                low = mid
    levels, value, bound, lam = plan_at(high)
    reached = lower_check(metric, value, target)
    solution = Solution(
        levels,
        max(bound, value),
        lam,
        0.0,
        1,
        0,
        f"Least budget found for {metric}={target:g}.",
    )
    plan = make_plan(_with_budget(problem, high), solution, "dual", extra=(reached,))
    lower = min(lower, high)  # the LP's least cost, summed in another order, can exceed it
    return BudgetForTarget(metric, target, high, lower, plan, full_value)
