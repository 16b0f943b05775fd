"""The open-loop multiplier: the ``lam`` of the budget-optimal linear bid ``pCTR / lam``
whose expected spend under the training data meets the budget.

For click maximisation under a budget in second-price auctions whose price does not
depend on the click probability, the LP optimum bids ``pCTR / lam`` (the dual of the
budget, as in :func:`bidopt.bidding.optimize_bids`).  From a training log the threshold
is the bidding core's (:func:`bidopt.bidding.linear_threshold`); from training
statistics, the spend of a bid under the price histogram is the landscape's
(:class:`bidopt.landscape.PriceHistogram`).
"""

from __future__ import annotations

import math

from bidopt._validation import check_scalar
from bidopt.bidding import linear_threshold
from bidopt.datasets import AuctionLog, IpinyouInfo
from bidopt.landscape import PriceHistogram
from bidopt.pacing._spend_model import check_training, multiplier_bounds

__all__ = ["open_loop_multiplier"]


def _multiplier_from_info(info: IpinyouInfo, per_auction: float, max_bid: float) -> float:
    """``lam`` from a price histogram, every auction taken to have the training CTR (so
    the bid is one number): the least bid whose expected spend reaches ``per_auction``
    (``max_bid`` when none does)."""
    # the first integer k whose prices below it cost enough; the least bid that wins
    # every price below k is just above k - 1
    k = PriceHistogram(info.market_price_pmf()).spend_reached(per_auction)
    low, high = multiplier_bounds(max_bid)
    return min(max(info.ctr_train / max(min(k - 1 + 1e-6, max_bid), 1e-9), low), high)


def _multiplier_from_log(log: AuctionLog, per_auction: float, max_bid: float) -> float:
    """``lam`` from a training log with pCTRs: bids ``pCTR / lam`` win the auctions whose
    ``pCTR / price`` is above ``lam``; the least such set whose spend per auction of
    the log reaches ``per_auction`` (every winnable auction when none does): the
    bidding core's LP threshold (:func:`bidopt.bidding.linear_threshold`)."""
    assert log.pctr is not None  # (see check_training)
    price, theta = log.market_price, log.pctr
    keep = (theta > 0) & (price < max_bid)  # the auctions a bid can win
    threshold = linear_threshold(theta[keep], price[keep], per_auction, scale=len(log))
    ratio, k = threshold.ratio, threshold.n_reach  # ratio inf: a free auction
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
        (:class:`~bidopt.pacing.BudgetPacer`), never 0 or infinite.  A budget of 0 (or one whose
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
