"""The spend plan of the pacing controllers: what share of the day's spend each time
slot should take (:func:`spend_plan`, a :class:`SpendPlan`), and the calibration of the
spend model to a training log's hours that the ``"filter"`` controller shares."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from bidopt._optional import require_pandas
from bidopt._validation import as_float_array, check_bool, check_scalar
from bidopt.datasets import AuctionLog
from bidopt.exceptions import InvalidInputError
from bidopt.pacing._spend_model import SpendModel, check_training, slot_bounds
from bidopt.typing import FloatArray, IntArray

__all__ = ["SpendPlan", "slot_calibration", "spend_plan"]


@dataclass(frozen=True, slots=True)
class SpendPlan:
    """What share of the day's spend each time slot should take (:func:`spend_plan`).

    Attributes
    ----------
    shares : ndarray of float64, shape (n_slots,)
        Each slot's share, summing to 1.
    edges : ndarray of float64, shape (n_slots + 1,)
        Slot boundaries as fractions of the day's auctions, from 0 to 1.
    multiplier : float
        The ``lam`` of the bids ``min(pCTR / lam, max_bid)`` whose spend is planned.
    max_bid : float
    calibrated : bool
        Whether the price model's slot spend was calibrated to the training log.
    """

    shares: npt.NDArray[np.float64]
    edges: npt.NDArray[np.float64]
    multiplier: float
    max_bid: float
    calibrated: bool

    @property
    def n_slots(self) -> int:
        """Slots of the plan."""
        return int(self.shares.size)

    def summary(self) -> str:
        """A few lines: the slots, the bids planned and the range of the shares."""
        traffic = np.diff(self.edges)
        ratio = np.divide(self.shares, traffic, out=np.ones_like(traffic), where=traffic > 0)
        return (
            f"SpendPlan: {self.n_slots} slots, bids min(pCTR / {self.multiplier:.4g}, "
            f"{self.max_bid:g}){', calibrated' if self.calibrated else ''}\n"
            f"  shares from {self.shares.min():.4g} to {self.shares.max():.4g}; "
            f"share over traffic share from {ratio.min():.3g} to {ratio.max():.3g}"
        )

    def to_frame(self) -> Any:
        """One row per slot: where it starts and ends (fractions of the day's auctions)
        and its share of the spend (needs pandas)."""
        pd = require_pandas("SpendPlan.to_frame()")
        return pd.DataFrame(
            {
                "slot": np.arange(self.n_slots),
                "start": self.edges[:-1],
                "end": self.edges[1:],
                "share": self.shares,
            }
        )


def spend_plan(
    training: AuctionLog,
    lam: float,
    edges: npt.ArrayLike,
    max_bid: float = 300.0,
    *,
    calibrate: bool = True,
) -> SpendPlan:
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
        A bool (numpy's too; anything else is refused).  Calibrate the model's slot
        spend to the spend on the training log (above); ``False`` gives the price
        model's plan alone.

    Returns
    -------
    SpendPlan
        ``shares`` sum to 1 (the traffic shares ``diff(edges)`` when the bids are
        expected to spend nothing).

    Notes
    -----
    What calibrating changed on synthetic days whose prices swing over the hours is
    recorded in ``benchmarks/results/pacing_history.md``.
    """
    log = check_training(training, statistics=False)
    assert isinstance(log, AuctionLog)  # (checked)
    assert log.pctr is not None
    calibrate = bool(check_bool(calibrate, "calibrate"))
    cut = as_float_array(edges, "edges", ndim=1)
    lam = check_scalar(lam, "lam", lower=0, lower_inclusive=False)
    cap = check_scalar(max_bid, "max_bid", lower=0, lower_inclusive=False)
    if cut.size < 2 or cut[0] != 0.0 or abs(cut[-1] - 1.0) > 1e-9 or np.any(np.diff(cut) < 0):
        got = f"{cut.size} values from {cut[0]:g} to {cut[-1]:g}" if cut.size else "[]"
        raise InvalidInputError(
            "`edges` must rise from 0 to 1 (slot boundaries as fractions of the day). "
            f"Got {got} instead."
        )
    spend, ratio = _slot_spend(log, lam, cut, cap, SpendModel(log, cap), calibrate=calibrate)
    if spend.sum() <= 0:
        shares = np.diff(cut)
    else:
        spend = spend * ratio
        shares = np.asarray(spend / spend.sum(), dtype=np.float64)
    return SpendPlan(shares, cut, lam, cap, calibrate)


def slot_calibration(
    training: AuctionLog, lam: float, edges: FloatArray, model: SpendModel
) -> FloatArray:
    """The calibration of :func:`spend_plan`: each slot's ratio of the spend of the
    bids ``min(pCTR / lam, model.max_bid)`` that fell on the ``training`` log to the
    spend ``model`` expects of them, shrunk towards 1 by empirical Bayes; shape
    ``(n_slots,)`` (arguments as checked by the caller)."""
    return _slot_spend(training, lam, edges, model.max_bid, model)[1]


def _slot_spend(
    log: AuctionLog,
    lam: float,
    edges: FloatArray,
    cap: float,
    model: SpendModel,
    *,
    calibrate: bool = True,
) -> tuple[FloatArray, FloatArray]:
    """Each slot's spend of the bids ``min(pCTR / lam, cap)`` on ``log`` as ``model``
    expects it, and its shrunk ratio of the spend that fell to that (:func:`spend_plan`;
    ones, without replaying the log, when not ``calibrate``)."""
    assert log.pctr is not None  # (checked by the callers)
    with np.errstate(over="ignore"):  # (a lam near 0: inf, then the cap)
        bids = np.minimum(log.pctr / lam, cap)
    mean, variance = model.moments(log.pctr, bids)
    at = slot_bounds(edges, len(log))
    spend = _slot_sums(mean, at)
    if not calibrate:
        return spend, np.ones_like(spend)
    won = bids > log.market_price  # (the replay rule: ties lose; no budget)
    fell = _slot_sums(np.where(won, log.market_price, 0.0), at)
    return spend, _shrunk_ratio(fell, spend, _slot_sums(variance, at))


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
