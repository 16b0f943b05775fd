"""The result of a bid optimisation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from bidopt._certificate import Certificate
from bidopt._optional import require_pandas
from bidopt._wording import counted
from bidopt.bidding._ranges import PlanRanges
from bidopt.bidding._totals import PlanTotals
from bidopt.typing import FloatArray, IntArray, ObjectArray

__all__ = ["BidPlan", "gap_text", "percent", "plan_totals", "ratio_text", "totals_lines"]


def ratio_text(value: float, unit: str, under: str) -> str:
    """A ratio for a summary line: ``value`` to two decimals with ``unit``, or "-" and
    what it would be divided by (``under``) when there is nothing under it (NaN)."""
    return f"{value:.2f}{unit}" if np.isfinite(value) else f"- (no {under})"


def percent(share: float) -> str:
    """A share (a fraction) as a percentage to two decimals; a positive share too small
    to show is "< 0.01%", not "0.00%"."""
    return "< 0.01%" if 0 < share < 5e-5 else f"{share:.2%}"


def totals_lines(plan: PlanTotals) -> list[str]:
    """The lines of a plan's summary with its totals and ratios, written the same way
    for every plan (:class:`BidPlan`, :class:`~bidopt.bidding.CrowdBidPlan`): clicks and
    CPC (yuan); orders and CPA (yuan), revenue and ROAS (yuan per yuan), impressions and
    CTR (a percentage) when the landscape has them.  A ratio with nothing under it (no
    clicks, orders, spend or impressions) is "-" and says so, never NaN."""

    def has(metric: str) -> bool:
        return getattr(plan, plan._prefix + metric) is not None

    lines = [f"  clicks {plan.clicks:,.1f}, CPC {ratio_text(plan.cpc, ' yuan', 'clicks')}"]
    if has("conversions"):
        cpa = ratio_text(plan.cpa, " yuan", "conversions")
        lines.append(f"  conversions {plan.conversions:,.2f}, CPA {cpa}")
    if has("revenue"):
        lines.append(
            f"  revenue {plan.revenue:,.2f} yuan, ROAS {ratio_text(plan.roas, '', 'spend')}"
        )
    if has("impressions"):
        ctr = percent(plan.ctr) if np.isfinite(plan.ctr) else "- (no impressions)"
        lines.append(f"  impressions {plan.impressions:,.0f}, CTR {ctr}")
    return lines


def gap_text(fun: float, bound: float) -> str:
    """``bound`` and how far ``fun`` may be below it, in objective units and as a share
    of the bound (one wording for every plan's summary)."""
    gap = max(0.0, bound - fun)
    return f"bound {bound:,.4f} (gap <= {gap:.3g}, {percent(gap / bound if bound > 0 else 0.0)})"


def plan_totals(plan: PlanTotals, value: float) -> dict[str, float]:
    """A plan's totals and ratios in one mapping, the same keys for every plan:
    ``spend``, ``clicks``, ``conversions``, ``revenue``, ``value`` (the objective's,
    ``fun``), ``impressions``, ``cpc``, ``cpa``, ``roas``, ``ctr``; NaN for a metric the
    landscape lacks and for a ratio with nothing under it."""
    return {
        "spend": plan.spend,
        "clicks": plan.clicks,
        "conversions": plan.conversions,
        "revenue": plan.revenue,
        "value": value,
        "impressions": plan.impressions,
        "cpc": plan.cpc,
        "cpa": plan.cpa,
        "roas": plan.roas,
        "ctr": plan.ctr,
    }


@dataclass(frozen=True, slots=True, eq=False)
class BidPlan(PlanTotals):
    """Bids for every keyword and what they are expected to buy.

    Attributes
    ----------
    bids : ndarray of float64, shape (n_keywords,)
        Max CPC bid per keyword, yuan; 0 means do not bid.
    levels : ndarray of int64, shape (n_keywords,)
        Chosen landscape level per keyword (-1 for not bidding).
    keywords : ndarray of object or None, shape (n_keywords,)
        The landscape's keyword identifiers.
    keyword_cost, keyword_clicks : ndarray of float64, shape (n_keywords,)
        Expected spend (yuan) and clicks per keyword per period.
    keyword_conversions, keyword_revenue, keyword_impressions : ndarray or None
        The same for orders, order value (yuan) and impressions, when the landscape has them.
    spend, clicks, conversions, revenue, impressions : float
        Plan totals (NaN for a metric the landscape lacks).
    budget : float
        The budget the plan was optimised for, yuan.
    objective : str
        What was maximised.
    fun : float
        The objective value of the plan.
    bound : float
        A proven upper bound on the objective of any feasible plan.
    gap_bound : float
        ``bound - fun``: the plan is at most this far from the optimum.
    shadow_price : float
        Value of one more yuan of budget at the margin (objective units per yuan);
        for conversions its inverse is the marginal CPA.
    target_multiplier : float
        Multiplier of the target CPA / ROAS constraint (0 when absent or slack).
    success : bool
    status : int
        0 optimal up to ``gap_bound``; 1 a solver limit was reached; 2 infeasible.
    message : str
    method : str
    nit : int
        Solver iterations (outer searches of the dual method, or HiGHS iterations).
    certificate : Certificate
        Every constraint (budget, group budgets, CPC cap, bid bounds, target) checked on
        this plan itself, with its slack; ``success`` is True only when all hold.
        ``print(plan.certificate.summary())`` shows them.
    ranges : PlanRanges or None
        For a plan made on an estimate with draws (``optimize_bids(estimate, ...)``):
        80% ranges of spend, clicks, orders and revenue over the draws, today's bids'
        ranges beside them, and the plan's gain over today's bids per draw.  On an
        estimate without draws (``n_draws=0``) it holds the one point, and its summary
        says there are no ranges.  None for a plan on a fixed landscape.
    """

    _prefix: ClassVar[str] = "keyword_"

    bids: FloatArray
    levels: IntArray
    keywords: ObjectArray | None
    keyword_cost: FloatArray
    keyword_clicks: FloatArray
    keyword_conversions: FloatArray | None
    keyword_revenue: FloatArray | None
    keyword_impressions: FloatArray | None
    budget: float
    objective: str
    fun: float
    bound: float
    shadow_price: float
    target_multiplier: float
    success: bool
    status: int
    message: str
    method: str
    nit: int
    certificate: Certificate
    ranges: PlanRanges | None = None

    @property
    def gap_bound(self) -> float:
        """Proven upper bound on the distance to the optimum (objective units)."""
        return max(0.0, self.bound - self.fun)

    @property
    def relative_gap(self) -> float:
        """``gap_bound / bound`` (0 when the bound is 0)."""
        return self.gap_bound / self.bound if self.bound > 0 else 0.0

    @property
    def n_bidding(self) -> int:
        """Keywords with a bid (> 0)."""
        return int((self.bids > 0).sum())

    def totals(self) -> dict[str, float]:
        """Totals and ratios in one mapping (:func:`plan_totals`)."""
        return plan_totals(self, self.fun)

    def summary(self) -> str:
        """A readable account of the plan (totals and ratios as :func:`totals_lines`
        writes them for every plan)."""
        lines = [
            f"BidPlan ({self.method}, objective={self.objective}): {self.message}",
            f"  budget {self.budget:,.2f} yuan, spend {self.spend:,.2f} yuan, bids on "
            f"{self.n_bidding:,} of {counted(self.bids.size, 'keyword')}",
            *totals_lines(self),
            f"  objective {self.fun:,.4f}, {gap_text(self.fun, self.bound)}; shadow price "
            f"{self.shadow_price:.4g} per yuan (what one more yuan of budget would add; 0: "
            "the budget is not what limits the plan)",
        ]
        lines.append("  " + self.certificate.summary().replace("\n", "\n  "))
        if self.ranges is not None:
            lines.append("  " + self.ranges.summary().replace("\n", "\n  "))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"BidPlan(method={self.method!r}, success={self.success}, fun={self.fun:.6g}, "
            f"spend={self.spend:.6g}, budget={self.budget:.6g}, gap_bound={self.gap_bound:.3g})"
        )

    def to_frame(self) -> Any:
        """One row per keyword: bid, level and expected metrics (needs pandas)."""
        pd = require_pandas("BidPlan.to_frame()")
        n = self.bids.size
        data: dict[str, Any] = {
            "keyword": self.keywords if self.keywords is not None else np.arange(n),
            "bid": self.bids,
            "level": self.levels,
            "cost": self.keyword_cost,
            "clicks": self.keyword_clicks,
        }
        for name in ("conversions", "revenue", "impressions"):
            value = getattr(self, f"keyword_{name}")
            if value is not None:
                data[name] = value
        return pd.DataFrame(data)
