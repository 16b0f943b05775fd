"""The budget-optimal linear bid: the knapsack LP's threshold on items (auctions) whose
value and cost are known, as :func:`bidopt.bidding.optimize_bids` takes hull increments.

Over items of value ``v`` and cost ``c`` under a budget, the LP relaxation buys the
items in decreasing ``v / c`` order until the budget runs out, the last one in part; its
dual ``lam`` is the ``v / c`` of that marginal item.  In a second-price auction whose
price does not depend on the click probability, bidding ``pCTR / lam`` buys exactly the
auctions of ``pCTR / price > lam``: the LP's plan, as a bid.  The order is the bidding
core's (:mod:`bidopt.bidding._select`: decreasing ratio, ties by increasing cost).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from bidopt._optional import require_pandas
from bidopt._validation import as_float_array, check_scalar
from bidopt.bidding._select import _order
from bidopt.exceptions import InvalidInputError
from bidopt.typing import FloatArray, IntArray

__all__ = ["LinearThreshold", "linear_threshold"]


@dataclass(frozen=True, slots=True)
class LinearThreshold:
    """The LP threshold of :func:`linear_threshold`.

    Attributes
    ----------
    order : ndarray of int64, shape (n_items,)
        The items, best value per cost first (ties: the cheaper first).
    ratio : ndarray of float64, shape (n_items,)
        ``value / cost`` in that order (``inf`` for a free item of positive value, 0
        for an item of value 0).
    cumulative_cost : ndarray of float64, shape (n_items + 1,)
        Cost of the first ``k`` items of ``order``, ``k = 0 .. n_items``, divided by
        ``scale``.
    budget : float
        In the unit of ``cumulative_cost``.
    n_whole : int
        Items the LP buys whole: the most first items whose cost fits the budget.
    n_reach : int
        The fewest first items whose cost reaches the budget (``n_items + 1`` when
        all of them together cost less): the items the bid ``value / ratio[n_reach]``
        buys when it is to spend the budget rather than stay within it.
    multiplier : float
        The LP's dual ``lam``: the ratio of the marginal item, ``ratio[n_whole]``; 0
        when every item fits.
    """

    order: IntArray
    ratio: FloatArray
    cumulative_cost: FloatArray
    budget: float
    n_whole: int
    n_reach: int
    multiplier: float

    @property
    def spend(self) -> float:
        """Cost of the items bought whole (in the unit of ``cumulative_cost``)."""
        return float(self.cumulative_cost[self.n_whole])

    def summary(self) -> str:
        """A few lines: the items, the budget, the items bought whole and ``lam``."""
        return (
            f"LinearThreshold: {self.order.size} items, budget {self.budget:.6g}\n"
            f"  bought whole: {self.n_whole} items for {self.spend:.6g}\n"
            f"  reach the budget: {self.n_reach} items\n"
            f"  multiplier (value per cost at the margin): {self.multiplier:.6g}"
        )

    def to_frame(self) -> Any:
        """One row per item, best value per cost first: its index, ratio, cumulative
        cost and whether the LP buys it whole (needs pandas)."""
        pd = require_pandas("LinearThreshold.to_frame()")
        return pd.DataFrame(
            {
                "item": self.order,
                "ratio": self.ratio,
                "cumulative_cost": self.cumulative_cost[1:],
                "bought": np.arange(self.order.size) < self.n_whole,
            }
        )


def linear_threshold(
    value: npt.ArrayLike, cost: npt.ArrayLike, budget: float, *, scale: float = 1.0
) -> LinearThreshold:
    """The budget-optimal linear bid's threshold over items of known value and cost.

    Parameters
    ----------
    value : array-like of shape (n_items,)
        Value of each item (e.g. its pCTR), >= 0.
    cost : array-like of shape (n_items,)
        Cost of each item (e.g. its market price), >= 0, in the budget's unit times
        ``scale``.
    budget : float
        >= 0.
    scale : float, default 1.0
        The cumulative cost is divided by this before it is compared with the budget
        (> 0; e.g. the number of auctions, for a budget per auction).

    Returns
    -------
    LinearThreshold

    Examples
    --------
    >>> import numpy as np
    >>> from bidopt.bidding import linear_threshold
    >>> t = linear_threshold([0.02, 0.01, 0.03], [10.0, 10.0, 10.0], 20.0)
    >>> t.order.tolist(), t.n_whole, t.multiplier
    ([2, 0, 1], 2, 0.001)
    """
    v = as_float_array(value, "value", ndim=1, nonnegative=True)
    c = as_float_array(cost, "cost", ndim=1, nonnegative=True)
    if v.shape != c.shape:
        raise InvalidInputError(
            f"`cost` must have the shape of `value` {v.shape}. Got {c.shape} instead."
        )
    limit = check_scalar(budget, "budget", lower=0)
    per = check_scalar(scale, "scale", lower=0, lower_inclusive=False)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(v > 0, v / c, 0.0)  # inf: a free item of value
    order = _order(ratio, c).astype(np.int64)
    ratio = ratio[order]
    with np.errstate(over="ignore"):  # inf beyond the float range: above any budget
        cumulative = np.r_[0.0, np.cumsum(c[order])] / per
    n_whole = int(np.searchsorted(cumulative[1:], limit, side="right"))
    n_reach = int(np.searchsorted(cumulative, limit, side="left"))
    lam = float(ratio[n_whole]) if n_whole < ratio.size else 0.0
    return LinearThreshold(order, ratio, cumulative, limit, n_whole, n_reach, lam)
