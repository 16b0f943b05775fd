"""The result of a joint keyword-bid and crowd-premium optimisation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from bidopt._certificate import Certificate
from bidopt._optional import require_pandas
from bidopt._wording import counted
from bidopt.bidding._plan import (
    BidPlan,
    gap_text,
    percent,
    plan_totals,
    ratio_text,
    totals_lines,
)
from bidopt.bidding._totals import PlanTotals, ratio
from bidopt.typing import FloatArray, IntArray, ObjectArray

__all__ = ["CrowdBidPlan"]


@dataclass(frozen=True, slots=True, eq=False)
class CrowdBidPlan(PlanTotals):
    """Keyword bids and crowd premiums, and what they are expected to buy per cell.

    A keyword ``k`` shown to a shopper of crowd ``a`` bids ``base_bids[k] * (1 +
    premiums[a])``; a premium of 0 means the crowd is not targeted (its shoppers get the
    keyword's bid).  The arrays ``cell_*`` follow the rows of the landscape the plan was
    optimised on (one row per keyword x crowd cell).

    Attributes
    ----------
    base_bids : ndarray of float64, shape (n_keywords,)
        Keyword bid, yuan; 0 means the keyword does not bid.
    premiums : ndarray of float64, shape (n_crowds,)
        Premium per crowd, a fraction (0.3 is +30%); 0 or in [0.05, 3.00] on the 0.01 grid.
    keywords, crowds : ndarray of object, shapes (n_keywords,) and (n_crowds,)
        Keyword and crowd labels, in order of first appearance in the input rows.
    cell_keyword, cell_crowd : ndarray of int64, shape (n_rows,)
        Index into ``keywords`` / ``crowds`` of each landscape row.
    cell_bids : ndarray of float64, shape (n_rows,)
        The bid each cell gets, yuan.
    cell_cost, cell_clicks, cell_value : ndarray of float64, shape (n_rows,)
        Expected spend (yuan), clicks and objective value per cell and period.
    cell_conversions, cell_revenue, cell_impressions : ndarray of float64 or None
        Expected orders, first-basket order value (yuan) and impressions per cell, when
        the landscape has them.
    budget : float
    objective : str
    fun : float
        The plan's objective value.
    bound : float
        Proven upper bound on the objective of any plan, premiums or not: the bound of
        the per-cell optimum (every cell its own bid).
    keyword_only_fun : float
        Objective value of the best plan found with every premium 0 (keyword bids only).
    per_cell : BidPlan
        The per-cell optimum, the reference (one bid per keyword x crowd cell).
    keyword_only : BidPlan
        The keyword-only plan (on the keyword landscape with every premium 0).  Both are
        solved on landscapes that carry what their solve reads: with
        ``objective="lifetime_value"`` their ``revenue`` (and objective, "revenue") is
        the lifetime value, not the first basket this plan's ``revenue`` is, and
        ``keyword_only`` has only the metrics its objective and target read (clicks,
        cost and those).  Compare them with this plan through ``fun``,
        ``share_of_per_cell`` and ``keyword_only_fun``.
    success : bool
        True only when every check of ``certificate`` holds on this plan.
    status : int
        0 solved; 1 no plan found that meets the CTR floor or target (the plan is empty
        while the per-cell optimum buys); 2 a check fails (see ``message``); else the
        status of the keyword solve that failed.
    message : str
    method : str
    nit : int
        Exact keyword solves made: the keyword-only plan, one per premium sweep (accepted
        or rejected) and, when the keyword-only plan is empty, one per starting point.
    certificate : Certificate
        Budget, target, CTR floor (``min_ctr``), CPC cap per cell, bid bounds, premium
        box and grid and the number of targeted crowds, checked on this plan.
    """

    _prefix: ClassVar[str] = "cell_"

    base_bids: FloatArray
    premiums: FloatArray
    keywords: ObjectArray
    crowds: ObjectArray
    cell_keyword: IntArray
    cell_crowd: IntArray
    cell_bids: FloatArray
    cell_cost: FloatArray
    cell_clicks: FloatArray
    cell_value: FloatArray
    cell_conversions: FloatArray | None
    cell_revenue: FloatArray | None
    cell_impressions: FloatArray | None
    budget: float
    objective: str
    fun: float
    bound: float
    keyword_only_fun: float
    per_cell: BidPlan
    keyword_only: BidPlan
    success: bool
    status: int
    message: str
    method: str
    nit: int
    certificate: Certificate

    @property
    def relative_gap(self) -> float:
        """``(bound - fun) / bound``: how far below the per-cell bound the plan may be."""
        return max(0.0, self.bound - self.fun) / self.bound if self.bound > 0 else 0.0

    @property
    def share_of_per_cell(self) -> float:
        """``fun`` over the per-cell optimum's objective value."""
        return ratio(self.fun, self.per_cell.fun)

    @property
    def n_targeted(self) -> int:
        """Crowds with a premium (> 0)."""
        return int((self.premiums > 0).sum())

    def totals(self) -> dict[str, float]:
        """Totals and ratios in one mapping, the keys of ``BidPlan.totals()``."""
        return plan_totals(self, self.fun)

    def summary(self) -> str:
        """A readable account of the plan (totals and ratios written as a
        :class:`BidPlan`'s, so a plan with and without crowd premiums read alike)."""
        targeted = ", ".join(
            f"{c} +{p:.0%}" for c, p in zip(self.crowds, self.premiums, strict=True) if p > 0
        )
        per_cell = f"{self.per_cell.fun:,.4f}"
        share = (
            f"{percent(self.share_of_per_cell)} of the per-cell optimum {per_cell}"
            if self.per_cell.fun > 0
            else f"the per-cell optimum buys nothing ({per_cell})"
        )
        lifetime = []
        if self.objective == "lifetime_value":  # what target_roas reads for this objective
            per_yuan = ratio_text(ratio(self.fun, self.spend), "", "spend")
            lifetime = [f"  lifetime value {self.fun:,.2f} yuan, per yuan of spend {per_yuan}"]
        lines = [
            f"CrowdBidPlan ({self.method}, objective={self.objective}): {self.message}",
            f"  budget {self.budget:,.2f} yuan, spend {self.spend:,.2f} yuan, bids on "
            f"{int((self.base_bids > 0).sum()):,} of {counted(self.base_bids.size, 'keyword')}",
            f"  premiums on {self.n_targeted:,} of {counted(self.premiums.size, 'crowd')}: "
            f"{targeted or 'none'}",
            *totals_lines(self),
            *lifetime,
            f"  objective {self.fun:,.4f}: {share}, "
            f"{gap_text(self.fun, self.bound)}; keyword-only plan {self.keyword_only_fun:,.4f}",
            "  " + self.certificate.summary().replace("\n", "\n  "),
        ]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"CrowdBidPlan(success={self.success}, fun={self.fun:.6g}, spend={self.spend:.6g}, "
            f"budget={self.budget:.6g}, n_targeted={self.n_targeted}, "
            f"relative_gap={self.relative_gap:.3g})"
        )

    def to_frame(self) -> Any:
        """One row per keyword x crowd cell: labels, premium, bid and expected metrics
        (needs pandas)."""
        pd = require_pandas("CrowdBidPlan.to_frame()")
        data: dict[str, Any] = {
            "keyword": self.keywords[self.cell_keyword],
            "crowd": self.crowds[self.cell_crowd],
            "base_bid": self.base_bids[self.cell_keyword],
            "premium": self.premiums[self.cell_crowd],
            "bid": self.cell_bids,
            "cost": self.cell_cost,
            "clicks": self.cell_clicks,
            "value": self.cell_value,
        }
        for name in ("conversions", "revenue", "impressions"):
            values = getattr(self, f"cell_{name}")
            if values is not None:
                data[name] = values
        return pd.DataFrame(data)

    def premium_frame(self) -> Any:
        """One row per crowd: premium and expected totals (needs pandas)."""
        pd = require_pandas("CrowdBidPlan.premium_frame()")
        n = self.crowds.size

        def by_crowd(values: FloatArray) -> FloatArray:
            return np.asarray(
                np.bincount(self.cell_crowd, weights=values, minlength=n), dtype=np.float64
            )

        data: dict[str, Any] = {
            "crowd": self.crowds,
            "premium": self.premiums,
            "cost": by_crowd(self.cell_cost),
            "clicks": by_crowd(self.cell_clicks),
            "value": by_crowd(self.cell_value),
        }
        for name in ("conversions", "revenue", "impressions"):
            values = getattr(self, f"cell_{name}")
            if values is not None:
                data[name] = by_crowd(values)
        return pd.DataFrame(data)
