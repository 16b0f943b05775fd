"""bidopt's own replay strategy: the budget-optimal linear bid, open loop or paced.

For click maximisation under a budget in second-price auctions whose price does not
depend on the click probability, the LP optimum bids ``pCTR / lam`` (the dual of the
budget, as in :func:`bidopt.bidding.optimize_bids`); ``lam`` is set from the training
data (a market-price histogram, or a training log with pCTRs) so that the expected
spend meets the budget.  Test prices differ from training prices, so three controllers
adjust ``lam`` from one time slot to the next:

* ``"dual"``: an online (multiplicative) dual update towards the slot's spend target;
* ``"pid"``: a PID controller on the log of ``lam`` driven by the spend-rate error;
* ``"filter"``: a Kalman filter on the ratio of test to training prices, read from the
  spend seen against the spend the training data predicts for the same bids on the
  same auctions (a price histogram per pCTR segment), and the ``lam`` that meets the
  budget left at prices so corrected, on the traffic to come (from a training log:
  the rest of its day).

The default, ``"auto"``, paces with the one best on synthetic days for the training
data given: the filter from a training log, the PID from statistics.

With a training log, the dual and PID controllers aim each slot at its share of the
starting bid's expected spend (:func:`spend_plan`); from statistics, at its share of
the traffic, weighted by the pCTR level of the slot's own auctions (``plan="level"``).

Slots are consecutive slices of the log holding equal shares of the expected traffic
(or the shares given, e.g. an hourly traffic profile).  The controllers live in
:class:`BudgetPacer`, which a live campaign can drive slot by slot; :func:`paced_replay`
drives it over a log.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from bidopt._validation import check_scalar
from bidopt.datasets import AuctionLog, IpinyouInfo
from bidopt.exceptions import InvalidInputError
from bidopt.replay._engine import ReplayResult
from bidopt.replay._pacer import BudgetPacer, Controller, PacingController, Plan, slot_frame
from bidopt.replay._spend_model import check_training, multiplier_bounds

__all__ = ["PacedResult", "open_loop_multiplier", "paced_replay"]


def _multiplier_from_info(info: IpinyouInfo, per_auction: float, max_bid: float) -> float:
    """``lam`` from a price histogram, every auction taken to have the training CTR (so
    the bid is one number): the least bid whose expected spend reaches ``per_auction``
    (``max_bid`` when none does)."""
    pmf = info.market_price_pmf()
    first = np.r_[0.0, np.cumsum(pmf * np.arange(pmf.size))]  # E[price; price < k]
    # the first integer k whose prices below it cost enough; the least bid that wins
    # every price below k is just above k - 1
    k = int(np.searchsorted(first, per_auction, side="left"))
    low, high = multiplier_bounds(max_bid)
    return min(max(info.ctr_train / max(min(k - 1 + 1e-6, max_bid), 1e-9), low), high)


def _multiplier_from_log(log: AuctionLog, per_auction: float, max_bid: float) -> float:
    """``lam`` from a training log with pCTRs: bids ``pCTR / lam`` win the auctions whose
    ``pCTR / price`` is above ``lam``; the least such set whose spend per auction of
    the log reaches ``per_auction`` (every winnable auction when none does)."""
    assert log.pctr is not None  # (see check_training)
    price, theta = log.market_price, log.pctr
    keep = (theta > 0) & (price < max_bid)  # the auctions a bid can win
    with np.errstate(divide="ignore"):
        ratio = theta[keep] / price[keep]  # inf: a free auction
    order = np.argsort(-ratio, kind="stable")  # the best value per price first
    ratio = ratio[order]
    with np.errstate(over="ignore"):  # inf beyond the float range: above any budget
        spend = np.r_[0.0, np.cumsum(price[keep][order])] / len(log)
    k = int(np.searchsorted(spend, per_auction, side="left"))
    low, high = multiplier_bounds(max_bid)
    if k < ratio.size:
        return min(max(float(ratio[k]), low), high)  # wins the first k (inf: free ones)
    smallest = float(ratio[-1]) if ratio.size else math.inf
    return min(max(0.5 * smallest, low), high)  # wins them all (inf: all free)


def open_loop_multiplier(
    training: IpinyouInfo | AuctionLog, budget: float, n_auctions: float, *, max_bid: float = 300.0
) -> float:
    """The ``lam`` whose bids ``pCTR / lam`` spend ``budget`` over ``n_auctions`` in
    expectation under the training data (training statistics only).

    Parameters
    ----------
    training : IpinyouInfo or AuctionLog
        Training statistics (a market-price histogram and a CTR: every auction is then
        taken to have the training CTR), or a training log with pCTRs (its exact
        spend at each ``lam``).
    budget : float
        Spend to reach (>= 0), in the log's price unit.  0 gives the ceiling (below).
    n_auctions : float
        Auctions to come (> 0).
    max_bid : float, default 300

    Returns
    -------
    float
        ``lam``, within the pacing bounds ``1e-12 / max_bid`` and ``1e12 / max_bid``
        (:class:`BudgetPacer`), never 0 or infinite.  A budget of 0 (or one whose
        share per auction underflows to 0) gives the ceiling, ``1e12 / max_bid``,
        exactly, whatever the training data: no bid then exceeds ``1e-12 * max_bid``,
        so it buys nothing but free auctions on any day, not just the training one.
        It is also the ceiling when every auction of the training data that a bid
        could win is free.

    Raises
    ------
    InvalidInputError
        Training data that cannot give ``lam``: statistics without impressions or
        clicks, or whose price histogram is empty, negative or all 0; a training log
        without pCTRs, or whose pCTRs are all 0.
    """
    per_auction = check_scalar(budget, "budget", lower=0) / check_scalar(
        n_auctions, "n_auctions", lower=0, lower_inclusive=False
    )
    cap = check_scalar(max_bid, "max_bid", lower=0, lower_inclusive=False)
    data = check_training(training)
    if per_auction <= 0.0:  # (the lam that buys the least on the training data may
        # still buy on another day: 0.02 on a two-auction log bid up to 62 elsewhere)
        return multiplier_bounds(cap)[1]
    if isinstance(data, IpinyouInfo):
        return _multiplier_from_info(data, per_auction, cap)
    return _multiplier_from_log(data, per_auction, cap)


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
    controller : {"none", "dual", "pid", "filter"}
        The controller that paced the day (``"auto"`` resolved).
    """

    result: ReplayResult
    multipliers: npt.NDArray[np.float64]
    slot_spend: npt.NDArray[np.float64]
    bids: npt.NDArray[np.float64]
    controller: PacingController

    def to_frame(self) -> Any:
        """One row per time slot: the multiplier, the spend and the cumulative spend
        (needs pandas); the totals are in ``result.to_frame()``."""
        return slot_frame(self.multipliers, self.slot_spend, "PacedResult.to_frame()")


def paced_replay(
    log: AuctionLog,
    budget: float,
    lam0: float,
    *,
    controller: Controller = "auto",
    n_slots: int = 48,
    shares: npt.ArrayLike | None = None,
    step: float = 0.3,
    gains: tuple[float, float, float] = (0.4, 0.0, 0.0),
    training: IpinyouInfo | AuctionLog | None = None,
    drift: float = 0.03,
    plan: Plan | None = None,
    level_exponent: float = 0.25,
    max_bid: float = 300.0,
) -> PacedResult:
    """Replay bids ``pCTR / lam`` with ``lam`` adjusted slot by slot.

    Parameters
    ----------
    log : AuctionLog
        Needs ``pctr``.
    budget : float
    lam0 : float
        Starting multiplier (e.g. :func:`open_loop_multiplier`), > 0.
    controller, n_slots, shares, step, gains, training, drift, plan, level_exponent, max_bid
        As for :class:`BudgetPacer` (the controllers, their plans and their defaults,
        tuned on synthetic days); the slots are consecutive slices of the log, their
        auctions in proportion to ``shares``.

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
    BudgetPacer : the controllers alone, stepped slot by slot (this function drives one
        over the log, each slot bidding with its multiplier on the budget left).
    """
    if not isinstance(log, AuctionLog):
        raise InvalidInputError(f"`log` must be an AuctionLog. Got {type(log).__name__}.")
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
        step=step,
        gains=gains,
        training=training,
        drift=drift,
        plan=plan,
        level_exponent=level_exponent,
        max_bid=max_bid,
        n_auctions=n,
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
            pacer._record(spend, b - a)
            stopped = a + end
            placed[stopped:b] = 0.0
            break
        pacer._update(spend, theta)
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
