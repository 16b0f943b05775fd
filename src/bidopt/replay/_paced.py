"""bidopt's own replay strategy: the budget-optimal linear bid ``pCTR / lam``, paced
slot by slot over a historical log (:func:`paced_replay`).

The multiplier's starting value comes from :func:`bidopt.pacing.open_loop_multiplier`;
a :class:`bidopt.pacing.BudgetPacer` moves it from one time slot to the next, driven
here through its public methods only, as a live campaign would drive it.  Slots are
consecutive slices of the log holding equal shares of the expected traffic (or the
shares given, e.g. an hourly traffic profile).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from bidopt._progress import logged
from bidopt._tables import slot_frame
from bidopt.datasets import AuctionLog, IpinyouInfo
from bidopt.exceptions import InvalidInputError
from bidopt.pacing import BudgetPacer, Controller, PacingController, Plan
from bidopt.replay._engine import ReplayResult

__all__ = ["PacedResult", "paced_replay"]


@dataclass(frozen=True, slots=True)
class PacedResult:
    """A paced replay: the result and the multiplier path.

    Attributes
    ----------
    result : ReplayResult
    multipliers : ndarray of float64, shape (n_slots,)
        ``lam`` used in each slot.
    slot_spend : ndarray of float64, shape (n_slots,)
    bids : ndarray of float64, shape (n_auctions,)
        The bid placed in each auction (0 from the auction that the budget could not
        pay for on): ``won_auctions(log, bids, budget)`` are the auctions bought.
    controller : str
        The name of the controller that paced the day (``"auto"`` resolved).
    """

    result: ReplayResult
    multipliers: npt.NDArray[np.float64]
    slot_spend: npt.NDArray[np.float64]
    bids: npt.NDArray[np.float64]
    controller: str

    def summary(self) -> str:
        """The replay's summary, with the controller and the range of the multiplier."""
        lams = self.multipliers
        path = (
            f"multiplier from {lams.min():.4g} to {lams.max():.4g} over {lams.size} slots"
            if lams.size
            else "no slot played"
        )
        return f"Paced by {self.controller!r}: {path}\n{self.result.summary()}"

    def to_frame(self) -> Any:
        """One row per time slot: the multiplier, the spend and the cumulative spend
        (needs pandas); the totals are in ``result.to_frame()``."""
        return slot_frame(self.multipliers, self.slot_spend, "PacedResult.to_frame()")


@logged("paced_replay")
def paced_replay(
    log: AuctionLog,
    budget: float,
    lam0: float,
    *,
    controller: Controller | PacingController = "auto",
    n_slots: int = 48,
    shares: npt.ArrayLike | None = None,
    training: IpinyouInfo | AuctionLog | None = None,
    plan: Plan | None = None,
    max_bid: float = 300.0,
    options: Mapping[str, Any] | None = None,
) -> PacedResult:
    """Replay bids ``pCTR / lam`` with ``lam`` adjusted slot by slot.

    Parameters
    ----------
    log : AuctionLog
        Needs ``pctr``.
    budget : float
    lam0 : float
        Starting multiplier (e.g. :func:`bidopt.pacing.open_loop_multiplier`), > 0.
    controller, n_slots, shares, training, plan, max_bid, options
        As for :class:`bidopt.pacing.BudgetPacer` (the controllers, their plans, their
        options ``step``, ``gains``, ``drift`` and ``level_exponent``, and their
        defaults, tuned on synthetic days); the slots are consecutive slices of the
        log, their auctions in proportion to ``shares``.

    Returns
    -------
    PacedResult
        ``result.spend <= budget`` always, exactly: bidding stops at the first won
        auction that would take the running total of the prices paid (summed in
        auction order, as :func:`replay` does) over the budget, whichever slot it
        falls in, so no auction is bought over budget (the last one included).
        ``replay(log, bids, budget)`` on the bids placed buys the same auctions for the
        same spend.

    See Also
    --------
    bidopt.pacing.BudgetPacer : the pacer alone, stepped slot by slot (this function
        drives one over the log through :meth:`~bidopt.pacing.BudgetPacer.update` and
        :meth:`~bidopt.pacing.BudgetPacer.stop`, each slot bidding with its multiplier
        on the budget left).
    """
    if not isinstance(log, AuctionLog):
        raise InvalidInputError(f"`log` must be an AuctionLog. Got {type(log).__name__} instead.")
    if log.pctr is None:
        raise InvalidInputError(
            "`log` must be an AuctionLog with `pctr` (paced_replay bids pCTR / lam). "
            f"Got an AuctionLog of {len(log)} auctions without pCTRs instead."
        )
    pctr = log.pctr
    n = len(log)
    pacer = BudgetPacer(
        budget,
        lam0,
        controller=controller,
        n_slots=n_slots,
        shares=shares,
        training=training,
        plan=plan,
        max_bid=max_bid,
        n_auctions=n,
        options=options,
    )
    bounds = pacer.slot_auctions(n)
    clicks = impressions = 0
    conversions = expected = spent_all = 0.0
    stopped: int | None = None
    placed = np.zeros(n)
    for s in range(pacer.n_slots):
        a, b = int(bounds[s]), int(bounds[s + 1])
        price, theta = log.market_price[a:b], pctr[a:b]
        bids = np.minimum(theta / pacer.multiplier, pacer.max_bid)
        placed[a:b] = bids
        win = bids > price
        # the running total of the day's spend, in auction order (as replay sums it;
        # inf beyond the float range, which is above the budget)
        with np.errstate(over="ignore"):
            total = np.cumsum(np.r_[spent_all, np.where(win, price, 0.0)])[1:]
        end = b - a
        if end and total[-1] > pacer.budget:
            end = int(np.searchsorted(total, pacer.budget, side="right"))
        won = win[:end]
        spend = float(price[:end][won].sum())  # what the pacer is told the slot spent
        clicks += int(log.click[a : a + end][won].sum())
        impressions += int(won.sum())
        if log.conversion is not None:
            conversions += float(log.conversion[a : a + end][won].sum())
        expected += float(theta[:end][won].sum())
        if end:
            spent_all = float(total[end - 1])
        if end < b - a:
            pacer.stop(spend, b - a)
            stopped = a + end
            placed[stopped:b] = 0.0
            break
        pacer.update(spend, theta)
    result = ReplayResult(
        clicks=clicks,
        impressions=impressions,
        conversions=conversions if log.conversion is not None else float("nan"),
        spend=spent_all,
        budget=pacer.budget,
        n_auctions=n,
        stopped_at=stopped,
        expected_clicks=expected,
    )
    return PacedResult(result, pacer.multipliers, pacer.slot_spend, placed, pacer.controller)
