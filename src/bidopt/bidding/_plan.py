"""The result of a bid optimisation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from bidopt._certificate import Certificate
from bidopt._optional import require_pandas
from bidopt.bidding._ranges import PlanRanges
from bidopt.bidding._totals import PlanTotals
from bidopt.typing import FloatArray, IntArray, ObjectArray

__all__ = ["BidPlan"]


def _ratio(value: float, unit: str, under: str) -> str:
    """A ratio for a summary line: ``value`` to two decimals with ``unit``, or "-" and
    what it would be divided by (``under``) when there is nothing under it (NaN)."""
    return f"{value:.2f}{unit}" if np.isfinite(value) else f"- (no {under})"


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
        ranges beside them, and the plan's gain over today's bids per draw.  None for a
        plan on a fixed landscape.
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
        return int((self.levels >= 0).sum())

    def totals(self) -> dict[str, float]:
        """Totals and ratios in one mapping."""
        return {
            "spend": self.spend,
            "clicks": self.clicks,
            "conversions": self.conversions,
            "revenue": self.revenue,
            "impressions": self.impressions,
            "cpc": self.cpc,
            "cpa": self.cpa,
            "roas": self.roas,
            "ctr": self.ctr,
        }

    def summary(self) -> str:
        """A readable account of the plan."""
        lines = [
            f"BidPlan ({self.method}, objective={self.objective}): {self.message}",
            f"  budget {self.budget:,.2f} yuan, spend {self.spend:,.2f} yuan, "
            f"{self.n_bidding}/{self.levels.size} keywords bid",
            f"  clicks {self.clicks:,.1f}, CPC {_ratio(self.cpc, ' yuan', 'clicks')}",
        ]
        if self.keyword_conversions is not None:
            cpa = _ratio(self.cpa, " yuan", "conversions")
            lines.append(f"  conversions {self.conversions:,.2f}, CPA {cpa}")
        if self.keyword_revenue is not None:
            roas = _ratio(self.roas, "", "spend")
            lines.append(f"  revenue {self.revenue:,.2f} yuan, ROAS {roas}")
        lines.append(
            f"  objective {self.fun:,.4f}, bound {self.bound:,.4f} "
            f"(gap <= {self.gap_bound:.3g}, {self.relative_gap:.2e} relative); "
            f"shadow price {self.shadow_price:.4g} per yuan (what one more yuan of budget "
            "would add; 0: the budget is not what limits the plan)"
        )
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
