"""bidopt's own replay strategy: the budget-optimal linear bid, open loop or paced.

For click maximisation under a budget in second-price auctions whose price does not
depend on the click probability, the LP optimum bids ``pCTR / lam`` (the dual of the
budget, as in :func:`bidopt.bidding.optimize_bids`); ``lam`` is set from the training
market-price histogram so that the expected spend meets the budget.  Test prices differ
from training prices, so two controllers adjust ``lam`` from one time slot to the next:

* ``"dual"``: an online (multiplicative) dual update towards the slot's spend target;
* ``"pid"``: a PID controller on the log of ``lam`` driven by the spend-rate error.

Slots are consecutive slices of the log holding equal shares of the expected traffic
(or the shares given, e.g. an hourly traffic profile).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from scipy import optimize

from bidopt._optional import require_pandas
from bidopt._validation import as_float_array, check_choice, check_scalar
from bidopt.datasets import AuctionLog, IpinyouInfo
from bidopt.exceptions import InvalidInputError
from bidopt.replay._engine import ReplayResult, replay

__all__ = ["PacedResult", "open_loop_multiplier", "paced_replay"]


def open_loop_multiplier(
    info: IpinyouInfo, budget: float, n_auctions: float, *, max_bid: float = 300.0
) -> float:
    """The ``lam`` whose bids ``pCTR / lam`` spend ``budget`` over ``n_auctions`` in
    expectation under the training price histogram, taking each auction's pCTR to be the
    training CTR (training statistics only)."""
    pmf = info.market_price_pmf()
    prices = np.arange(pmf.size, dtype=np.float64)
    spend_cdf = np.r_[0.0, np.cumsum(pmf * prices)]  # E[price; price < k]
    per_auction = check_scalar(budget, "budget", lower=0) / check_scalar(
        n_auctions, "n_auctions", lower=0, lower_inclusive=False
    )

    def spend(bid: float) -> float:
        k = min(math.ceil(bid), pmf.size)
        return float(spend_cdf[k])

    if spend(max_bid) <= per_auction:
        bid = max_bid
    else:
        bid = optimize.brentq(lambda b: spend(b) - per_auction, 0.0, max_bid, xtol=1e-6)
        bid = max(bid, 1e-9)
    return info.ctr_train / bid


@dataclass(frozen=True, slots=True)
class PacedResult:
    """A paced replay: the result and the multiplier path.

    Attributes
    ----------
    result : ReplayResult
    multipliers : ndarray of float64, shape (n_slots,)
        ``lam`` used in each slot.
    slot_spend : ndarray of float64, shape (n_slots,)
    """

    result: ReplayResult
    multipliers: npt.NDArray[np.float64]
    slot_spend: npt.NDArray[np.float64]

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
    controller: Literal["none", "dual", "pid"] = "dual",
    n_slots: int = 48,
    shares: npt.ArrayLike | None = None,
    step: float = 0.5,
    gains: tuple[float, float, float] = (0.6, 0.05, 0.1),
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
    controller : {"none", "dual", "pid"}, default "dual"
        ``"none"`` keeps ``lam0`` (open loop).
    n_slots : int, default 48
        Consecutive slices of the log; ignored when ``shares`` is given.
    shares : array-like, optional
        Expected traffic share of each slot (e.g. an hourly profile), summing to 1.
    step : float, default 0.5
        Dual step: ``lam *= exp(step * (spent / target - 1))``.
    gains : (kp, ki, kd), default (0.6, 0.05, 0.1)
        PID gains on the relative spend error, acting on ``log(lam)``.
    max_bid : float, default 300

    Returns
    -------
    PacedResult
    """
    if log.pctr is None:
        raise InvalidInputError("paced_replay needs a log with `pctr`.")
    total = check_scalar(budget, "budget", lower=0)
    lam = check_scalar(lam0, "lam0", lower=0, lower_inclusive=False)
    mode = check_choice(controller, "controller", ("none", "dual", "pid"))
    n = len(log)
    if shares is None:
        slots = int(check_scalar(n_slots, "n_slots", lower=1, integer=True))
        weights = np.full(slots, 1.0 / slots)
    else:
        weights = as_float_array(shares, "shares", ndim=1, nonnegative=True)
        if weights.sum() <= 0:
            raise InvalidInputError("`shares` must have a positive sum.")
        weights = weights / weights.sum()
    bounds = np.round(np.r_[0.0, np.cumsum(weights)] * n).astype(np.int64)
    bounds[-1] = n
    left = total
    clicks = impressions = 0
    conversions = 0.0
    spent_all = 0.0
    stopped: int | None = None
    lams, slot_spend = [], []
    integral = previous = 0.0
    for s in range(weights.size):
        a, b = int(bounds[s]), int(bounds[s + 1])
        part = log.take(np.arange(a, b))
        target = left * weights[s] / max(weights[s:].sum(), 1e-12)
        bids = np.minimum(part.pctr / lam, max_bid)  # type: ignore[operator]
        res = replay(part, bids, left)
        lams.append(lam)
        slot_spend.append(res.spend)
        clicks += res.clicks
        impressions += res.impressions
        if not math.isnan(res.conversions):
            conversions += res.conversions
        spent_all += res.spend
        left -= res.spend
        if res.stopped_at is not None:
            stopped = a + res.stopped_at
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
    result = ReplayResult(
        clicks=clicks,
        impressions=impressions,
        conversions=conversions if log.conversion is not None else float("nan"),
        spend=spent_all,
        budget=total,
        n_auctions=n,
        stopped_at=stopped,
    )
    return PacedResult(result, np.array(lams), np.array(slot_spend))
