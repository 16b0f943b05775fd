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

With a training log, the dual and PID controllers aim each slot at its share of the
starting bid's expected spend (:func:`spend_plan`); from statistics, at its share of
the traffic, weighted by the pCTR level of the slot's own auctions (``plan="level"``).

Slots are consecutive slices of the log holding equal shares of the expected traffic
(or the shares given, e.g. an hourly traffic profile).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from bidopt._optional import require_pandas
from bidopt._validation import as_float_array, check_choice, check_scalar
from bidopt.datasets import AuctionLog, IpinyouInfo
from bidopt.exceptions import InvalidInputError
from bidopt.replay._engine import ReplayResult, replay, won_auctions
from bidopt.replay._spend_model import SpendFilter, SpendModel, check_training
from bidopt.typing import FloatArray, IntArray

__all__ = ["PacedResult", "open_loop_multiplier", "paced_replay", "spend_plan"]


def _multiplier_from_info(info: IpinyouInfo, per_auction: float, max_bid: float) -> float:
    """``lam`` from a price histogram, every auction taken to have the training CTR (so
    the bid is one number): the least bid whose expected spend reaches ``per_auction``
    (``max_bid`` when none does)."""
    pmf = info.market_price_pmf()
    first = np.r_[0.0, np.cumsum(pmf * np.arange(pmf.size))]  # E[price; price < k]
    # the first integer k whose prices below it cost enough; the least bid that wins
    # every price below k is just above k - 1
    k = int(np.searchsorted(first, per_auction, side="left"))
    return info.ctr_train / max(min(k - 1 + 1e-6, max_bid), 1e-9)


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
    spend = np.r_[0.0, np.cumsum(price[keep][order])] / len(log)
    k = int(np.searchsorted(spend, per_auction, side="left"))
    if k < ratio.size:
        return max(float(ratio[k]), 1e-300)  # wins the first k
    smallest = float(ratio[-1]) if ratio.size else math.inf
    return 0.5 * smallest if math.isfinite(smallest) else 1.0  # wins them all


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
        Spend to reach (>= 0), in the log's price unit.
    n_auctions : float
        Auctions to come (> 0).
    max_bid : float, default 300
    """
    per_auction = check_scalar(budget, "budget", lower=0) / check_scalar(
        n_auctions, "n_auctions", lower=0, lower_inclusive=False
    )
    cap = check_scalar(max_bid, "max_bid", lower=0, lower_inclusive=False)
    data = check_training(training)
    if isinstance(data, IpinyouInfo):
        return _multiplier_from_info(data, per_auction, cap)
    return _multiplier_from_log(data, per_auction, cap)


def spend_plan(
    training: AuctionLog,
    lam: float,
    edges: npt.ArrayLike,
    max_bid: float = 300.0,
    *,
    calibrate: bool = True,
) -> npt.NDArray[np.float64]:
    """Share of each time slot in the spend of the bids ``min(pCTR / lam, max_bid)`` on
    a training log.

    The price model (:class:`SpendModel`: one price histogram per pCTR segment,
    pooled over the day) gives each slot's expected spend, smooth even when a small
    budget wins only a few auctions per slot.  It misses what it pools away: prices
    that, at a given pCTR, are dearer at some hours than at others.  With
    ``calibrate=True`` each slot's expected spend is multiplied by its ratio of the
    spend that fell on the training log to the expected spend, shrunk towards 1 by
    empirical Bayes: the ratio's noise variance is the model's spend variance over the
    squared expected spend, the slots' true ratios are taken to vary about 1 with a
    variance estimated by moments (the ratios' mean squared departure from 1 less
    their mean noise variance, floored at 0), and each ratio keeps the share
    ``signal / (signal + noise)`` of its departure.  When the model fits every slot
    within its noise, the plan is the model's; when the hours differ, it follows them.

    Parameters
    ----------
    training : AuctionLog
        With ``pctr``, in time order.
    lam : float
        The bids' multiplier (> 0).
    edges : array-like, shape (n_slots + 1,)
        Slot boundaries as fractions of the day's auctions, from 0 to 1.
    max_bid : float, default 300
    calibrate : bool, default True
        Calibrate the model's slot spend to the spend on the training log (above);
        ``False`` gives the price model's plan alone.

    Returns
    -------
    ndarray of float64, shape (n_slots,)
        Shares summing to 1 (the traffic shares ``diff(edges)`` when the bids are
        expected to spend nothing).

    Notes
    -----
    On synthetic days whose prices swing over the day (``make_auction_log(...,
    price_swing=0.3)``), calibrating lifted the PID learning from a training log from
    99.07% to 99.59% of the pCTR LP ceiling in expected clicks (tuning seeds 100-107,
    every budget and price scale; 96.3% to 98.9% at 1/64 of the spend; on the held-out
    seeds 0-7, 99.08% to 99.58%); on days without the swing it changed it by -0.003
    points (-0.004 on seeds 0-7).
    """
    log = check_training(training)
    if not isinstance(log, AuctionLog):
        raise InvalidInputError("`training` must be an AuctionLog with pctr.")
    assert log.pctr is not None  # (checked)
    cut = as_float_array(edges, "edges", ndim=1)
    lam = check_scalar(lam, "lam", lower=0, lower_inclusive=False)
    cap = check_scalar(max_bid, "max_bid", lower=0, lower_inclusive=False)
    if cut.size < 2 or cut[0] != 0.0 or abs(cut[-1] - 1.0) > 1e-9 or np.any(np.diff(cut) < 0):
        raise InvalidInputError(
            "`edges` must rise from 0 to 1 (slot boundaries as fractions of the day); "
            f"got {cut.size} values from {cut[0]:g} to {cut[-1]:g}."
        )
    bids = np.minimum(log.pctr / lam, cap)
    mean, variance = SpendModel(log, cap).moments(log.pctr, bids)
    at = _slot_bounds(cut, len(log))
    spend = _slot_sums(mean, at)
    if spend.sum() <= 0:
        return np.diff(cut)
    if calibrate:
        won = won_auctions(log, bids, 0.0, stop="none")
        fell = _slot_sums(np.where(won, log.market_price, 0.0), at)
        spend = spend * _shrunk_ratio(fell, spend, _slot_sums(variance, at))
    return np.asarray(spend / spend.sum(), dtype=np.float64)


def _slot_bounds(edges: FloatArray, n: int) -> IntArray:
    """Auction indices of the slot boundaries ``edges`` (fractions of the day, from 0
    to 1) in a day of ``n`` auctions, the last one exactly ``n``."""
    at = np.round(edges * n).astype(np.int64)
    at[-1] = n
    return at


def _slot_sums(values: FloatArray, at: IntArray) -> FloatArray:
    """Sums of ``values`` between the boundaries ``at`` (indices, rising)."""
    return np.diff(np.r_[0.0, np.cumsum(values)][at])


def _shrunk_ratio(observed: FloatArray, expected: FloatArray, variance: FloatArray) -> FloatArray:
    """Ratios ``observed / expected`` shrunk towards 1 by empirical Bayes (see
    :func:`spend_plan`); 1 where nothing is expected."""
    ok = expected > 0
    if not ok.any():
        return np.ones_like(expected)
    safe = np.where(ok, expected, 1.0)
    ratio = np.where(ok, observed / safe, 1.0)
    noise = np.where(ok, variance / safe**2, 0.0)
    signal = max(float(np.mean((ratio[ok] - 1.0) ** 2) - np.mean(noise[ok])), 0.0)
    keep = np.where(ok & (signal + noise > 0), signal / np.maximum(signal + noise, 1e-300), 0.0)
    return np.asarray(1.0 + (ratio - 1.0) * keep, dtype=np.float64)


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
    """

    result: ReplayResult
    multipliers: npt.NDArray[np.float64]
    slot_spend: npt.NDArray[np.float64]
    bids: npt.NDArray[np.float64]

    def to_frame(self) -> Any:
        """One row per time slot: the multiplier, the spend and the cumulative spend
        (needs pandas); the totals are in ``result.to_frame()``."""
        pd = require_pandas("PacedResult.to_frame()")
        return pd.DataFrame(
            {
                "slot": np.arange(self.multipliers.size),
                "multiplier": self.multipliers,
                "spend": self.slot_spend,
                "cumulative_spend": np.cumsum(self.slot_spend),
            }
        )


def paced_replay(
    log: AuctionLog,
    budget: float,
    lam0: float,
    *,
    controller: Literal["none", "dual", "pid", "filter"] = "dual",
    n_slots: int = 48,
    shares: npt.ArrayLike | None = None,
    step: float = 0.3,
    gains: tuple[float, float, float] = (0.4, 0.0, 0.0),
    training: IpinyouInfo | AuctionLog | None = None,
    drift: float = 0.03,
    plan: Literal["traffic", "level", "spend"] | None = None,
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
    controller : {"none", "dual", "pid", "filter"}, default "dual"
        ``"none"`` keeps ``lam0`` (open loop); ``"filter"`` needs ``training``.
    n_slots : int, default 48
        Consecutive slices of the log; ignored when ``shares`` is given.
    shares : array-like, optional
        Expected traffic share of each slot (e.g. an hourly profile), summing to 1.
        The dual and PID controllers aim each slot at its share of the budget left
        (see ``plan``); the filter aims at the budget left per auction left.
    step : float, default 0.3
        Dual step: ``lam *= exp(step * (spent / target - 1))``.
    gains : (kp, ki, kd), default (0.4, 0.0, 0.0)
        PID gains on the relative spend error, acting on ``log(lam)``.
    training : IpinyouInfo or AuctionLog, optional
        The ``"filter"`` controller's spend model (price histograms by pCTR
        segment), and the dual and PID controllers' spend plan (see ``plan``): training
        statistics, or a training log with pCTRs, in time order.  The filter needs a
        good model: from a price histogram alone, which forgets that prices rise with
        pCTR, it misreads the price ratio, and ``"dual"`` or ``"pid"`` do better.
    drift : float, default 0.03
        ``"filter"``: standard deviation, per slot, of the change in the log of the
        ratio of test to training prices.  Larger follows the spend faster, and its
        noise too.
    plan : {"traffic", "level", "spend"}, optional
        What share of the budget left the dual and PID controllers aim each slot at:

        * ``"traffic"``: its share of the traffic left;
        * ``"level"``: its share of the traffic left, weighted by the pCTR level of
          its own auctions, seen as they arrive: the slot counts ``rho ** level_exponent``
          times its traffic, where ``rho`` is what the slot's bids are expected to
          spend (under ``training``'s prices) over what they would spend were the
          slot's pCTRs at the training level (:meth:`SpendModel.level_ratio`), and the
          slots to come count at their traffic.  A stretch of unlikely clicks then
          gets less money instead of dearer bids;
        * ``"spend"``: its share of what the starting bids ``pCTR / lam0`` are
          expected to spend in the slots left, read from a training log at the same
          place in its day (the spend of a constant bid, which follows the pCTRs and
          prices over the day, not just the traffic).

        Default: ``"spend"`` when ``training`` is an AuctionLog, ``"level"`` when it
        is training statistics, ``"traffic"`` without ``training``.
    level_exponent : float, default 0.25
        ``plan="level"``: how far a slot's target follows its pCTR level (>= 0; 0 is
        the traffic plan, 1 trusts the price model fully).  Partial, because the
        price model of statistics (one histogram) forgets that dear auctions have high
        pCTRs, and the slots to come are unknown.
    max_bid : float, default 300

    Returns
    -------
    PacedResult

    Notes
    -----
    The defaults of ``step``, ``gains`` and ``drift`` are the best of a grid on
    synthetic days (``benchmarks/tune_pacing.py``: 432 test days and budgets from 24
    seeds of :func:`bidopt.datasets.make_auction_log`, learnt from statistics and from a
    training log, scored in expected clicks), not on the iPinYou log the replay
    benchmark reports.  ``plan="level"`` and its exponent 0.25 were chosen on the same
    synthetic seeds, in expected clicks, over six variants of the day (prices linked to
    pCTR or not, no pCTR swing, the day reversed, a test pCTR level below training's):
    0.25 gained in all but the day with no swing (-0.06 points), 0.5 and 1 lost in
    some.  Small gains suit a multiplier that starts near the right value (from training
    data); one that starts far off is corrected slowly, by about ``exp(kp)`` per slot.
    """
    if log.pctr is None:
        raise InvalidInputError("paced_replay needs a log with `pctr`.")
    total = check_scalar(budget, "budget", lower=0)
    lam = check_scalar(lam0, "lam0", lower=0, lower_inclusive=False)
    mode = check_choice(controller, "controller", ("none", "dual", "pid", "filter"))
    cap = check_scalar(max_bid, "max_bid", lower=0, lower_inclusive=False)
    spend_filter = None
    if mode == "filter":
        if training is None:
            raise InvalidInputError(
                "controller='filter' needs `training` (an IpinyouInfo, or a training "
                "AuctionLog with pctr) for its spend model."
            )
        spend_filter = SpendFilter(SpendModel(training, cap), check_scalar(drift, "drift", lower=0))
    n = len(log)
    if shares is None:
        slots = int(check_scalar(n_slots, "n_slots", lower=1, integer=True))
        weights = np.full(slots, 1.0 / slots)
    else:
        weights = as_float_array(shares, "shares", ndim=1, nonnegative=True)
        if weights.sum() <= 0:
            raise InvalidInputError("`shares` must have a positive sum.")
        weights = weights / weights.sum()
    edges = np.r_[0.0, np.cumsum(weights)]
    bounds = _slot_bounds(edges, n)
    if plan is None:
        plan = (
            "spend"
            if isinstance(training, AuctionLog)
            else "traffic"
            if training is None
            else "level"
        )
    aim = check_choice(plan, "plan", ("traffic", "level", "spend"))
    exponent = check_scalar(level_exponent, "level_exponent", lower=0)
    level_model = None
    if aim == "spend" and mode in ("dual", "pid"):
        if not isinstance(training, AuctionLog):
            raise InvalidInputError(
                "plan='spend' needs `training` as an AuctionLog with pctr (a training "
                f"log, whose spend over the day it reads); got {type(training).__name__}."
            )
        weights = spend_plan(training, lam, edges, cap)
    elif aim == "level" and mode in ("dual", "pid") and exponent > 0:
        if training is None:
            raise InvalidInputError(
                "plan='level' needs `training` (an IpinyouInfo, or a training AuctionLog "
                "with pctr): its prices and pCTR level weigh each slot; got None."
            )
        level_model = SpendModel(training, cap)
    left = total
    clicks = impressions = 0
    conversions = expected = 0.0
    spent_all = 0.0
    stopped: int | None = None
    lams, slot_spend = [], []
    placed = np.zeros(n)
    integral = previous = 0.0
    for s in range(weights.size):
        a, b = int(bounds[s]), int(bounds[s + 1])
        part = log.take(np.arange(a, b))
        assert part.pctr is not None  # (checked)
        here = weights[s]
        if level_model is not None:
            here *= level_model.level_ratio(part.pctr, lam) ** exponent
        target = left * here / max(here + weights[s + 1 :].sum(), 1e-12)
        bids = np.minimum(part.pctr / lam, cap)
        placed[a:b] = bids
        res = replay(part, bids, left)
        lams.append(lam)
        slot_spend.append(res.spend)
        clicks += res.clicks
        impressions += res.impressions
        if not math.isnan(res.conversions):
            conversions += res.conversions
        expected += res.expected_clicks
        spent_all += res.spend
        left -= res.spend
        if res.stopped_at is not None:
            stopped = a + res.stopped_at
            placed[stopped:b] = 0.0
            break
        if target <= 0:
            continue
        error = res.spend / target - 1.0  # > 0: spending too fast, raise lam
        if mode == "dual":
            lam *= math.exp(step * max(min(error, 3.0), -0.95))
        elif mode == "pid":
            kp, ki, kd = gains
            integral += error
            lam *= math.exp(kp * error + ki * integral + kd * (error - previous))
            previous = error
        elif spend_filter is not None and b < n:
            spend_filter.update(part.pctr, bids, res.spend)
            lam = spend_filter.multiplier(left / (n - b), start=b / n)
    result = ReplayResult(
        clicks=clicks,
        impressions=impressions,
        conversions=conversions if log.conversion is not None else float("nan"),
        spend=spent_all,
        budget=total,
        n_auctions=n,
        stopped_at=stopped,
        expected_clicks=expected,
    )
    return PacedResult(result, np.array(lams), np.array(slot_spend), placed)
