"""The ``"filter"`` controller: an extended Kalman filter on the ratio of test to
training prices (:class:`SpendFilter`), and the controller that bids the ``lam`` meeting
the budget left per auction left at prices so corrected (:class:`FilterController`)."""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np

from bidopt._validation import check_scalar
from bidopt.pacing._controllers import PacingController, SlotOutcome
from bidopt.pacing._spend_model import SpendModel, slot_bounds
from bidopt.typing import FloatArray

__all__ = ["FilterController", "SpendFilter"]

#: SpendFilter's way out of a price level at which the model expects no spend: steps
#: of ``log(a)`` down, and how many (up to a factor e**8 below).
_RESTART_STEP, _RESTART_STEPS = 0.25, 32
#: SpendFilter: the largest variance of ``log(a)`` (a standard deviation of 100 e-folds:
#: no reading is trusted less), and the largest ``|log(a)|``.
_MAX_VARIANCE, _MAX_LOG_SCALE = 1e4, 100.0


class SpendFilter:
    """An extended Kalman filter on ``log(a)``, where the test prices are taken to be
    the training prices times ``a`` (so bids ``b`` spend ``a`` times what bids
    ``b / a`` spend under the :class:`SpendModel`).

    Each time slot is one noisy reading: the spend seen against the spend expected
    for that slot's own bids and pCTRs (so a stretch of low-pCTR traffic, which wins
    less, does not read as cheaper prices).  Its noise is the variance the model gives
    for the slot's spend, so a slot with few wins (a small budget) moves the estimate
    little.  ``log(a)`` starts at 0 with a standard deviation of 1 (test prices within
    a factor of e of the training prices) and may drift by ``drift`` per slot.  The
    next ``lam`` makes the expected spend of the traffic to come, at prices times
    ``a``, meet the budget left per auction left (certainty equivalence).

    The model pools the prices of the day, so hours whose prices are dear (at a given
    pCTR) would read as a rise of ``a``, and the forecast of the traffic to come would
    miss them.  With ``calibration``, each slot's expected spend is multiplied by its
    ratio (from :func:`bidopt.pacing.spend_plan`'s calibration: the spend that fell on the
    training log over the model's, shrunk by empirical Bayes), in the readings and in
    the forecast alike, so that ``a`` is the price level relative to the training day
    at the same hours.

    Parameters
    ----------
    model : SpendModel
    drift : float
        Standard deviation of the change in ``log(a)`` per slot (>= 0).
    calibration : (edges, ratio), optional
        Slot boundaries as fractions of the day, shape ``(n_slots + 1,)``, and each
        slot's spend ratio, shape ``(n_slots,)``.  Ignored for a model learnt from
        statistics, which has no hours.

    Notes
    -----
    A reading's noise is the model's sampling variance plus a floor, a relative
    error of the model's expected spend (``_MODEL_ERROR``), so that a slot whose spend
    the model cannot produce at any price level near the current one (its expected
    spend flat in ``a``, e.g. a price histogram pooled over pCTRs when prices rise with
    pCTR) cannot get a huge gain and throw the estimate far off.

    A slot that spends at a price level where the model says its bids win nothing
    (the estimate far too high) cannot be read by linearising, as the expected spend is
    flat there: the filter then steps ``log(a)`` down to the nearest level that
    explains the spend and widens its variance back to the prior's.

    What the calibration and the noise floor changed on synthetic days is recorded in
    ``benchmarks/results/pacing_history.md``.
    """

    #: Step in ``log(a)`` of the central difference for the reading's slope.
    _DELTA = 0.05
    #: Relative error of the model's expected spend of a slot, beyond the sampling noise
    #: it gives (its pooled prices are not the test day's): a floor under each
    #: reading's noise, in log units.
    _MODEL_ERROR = 0.05

    def __init__(
        self,
        model: SpendModel,
        drift: float,
        calibration: tuple[FloatArray, FloatArray] | None = None,
    ) -> None:
        self.model, self.drift = model, drift
        self.log_scale, self.variance = 0.0, 1.0
        self._ratio: FloatArray | None = None
        self._auction_ratio: FloatArray | None = None
        if calibration is not None and model.n_training:
            edges, ratio = calibration
            self._ratio = ratio
            at = slot_bounds(edges, model.n_training)
            self._auction_ratio = np.repeat(ratio, np.diff(at))

    def _expected(
        self, log_scale: float, pctr: FloatArray, bids: FloatArray, ratio: float = 1.0
    ) -> tuple[float, float]:
        scale = math.exp(log_scale)
        mean, variance = self.model.expected(pctr, bids / scale)
        return ratio * scale * mean, (ratio * scale) ** 2 * variance

    def update(
        self, pctr: FloatArray, bids: FloatArray, spend: float, slot: int | None = None
    ) -> None:
        """Take in a slot whose ``bids`` on auctions with ``pctr`` spent ``spend``
        (``slot``: its index, which picks its calibration, if any)."""
        # (a drift beyond 1e150 would overflow its square: the variance is capped anyway)
        spread_2 = self.drift**2 if self.drift < 1e150 else math.inf
        self.variance = min(self.variance + spread_2, _MAX_VARIANCE)
        ratio = 1.0 if self._ratio is None or slot is None else float(self._ratio[slot])
        expected, variance = self._expected(self.log_scale, pctr, bids, ratio)
        spread = math.sqrt(max(variance, 0.0))
        # one auction's worth of spread keeps a slot that won nothing finite
        pad = spread + math.sqrt(max(variance, 0.0) / max(pctr.size, 1))
        if pad <= 0.0:  # the model says the slot could win nothing
            if spend > 0.0:  # ... but it did: prices are lower than the estimate
                self._restart_below(pctr, bids, spend, ratio)
            return
        up = self._expected(self.log_scale + self._DELTA, pctr, bids, ratio)[0]
        down = self._expected(self.log_scale - self._DELTA, pctr, bids, ratio)[0]
        slope = (math.log(up + pad) - math.log(down + pad)) / (2 * self._DELTA)
        reading = math.log((spend + pad) / (expected + pad))
        noise = (spread / (expected + pad)) ** 2 + self._MODEL_ERROR**2
        total = slope * slope * self.variance + noise
        if total <= 0.0:
            return
        gain = self.variance * slope / total
        self.log_scale += gain * reading
        self.log_scale = min(max(self.log_scale, -_MAX_LOG_SCALE), _MAX_LOG_SCALE)
        self.variance *= 1.0 - gain * slope

    def _restart_below(
        self, pctr: FloatArray, bids: FloatArray, spend: float, ratio: float
    ) -> None:
        """Leave a price level at which the model says the slot's bids win nothing,
        although the slot spent ``spend``: no reading can be linearised there (the
        expected spend is flat at 0), so ``log(a)`` steps down by quarters, up to 8, to
        the highest level at which the model expects at least ``spend`` (the smallest
        move that explains it; or, if none does, to the level where the model expects
        the most), and its variance returns to the prior's, so that the readings to come
        settle it."""
        steps = self.log_scale - _RESTART_STEP * np.arange(1, _RESTART_STEPS + 1)
        expected = np.array([self._expected(float(s), pctr, bids, ratio)[0] for s in steps])
        if expected.max() <= 0.0:
            return
        enough = np.flatnonzero(expected >= spend)
        self.log_scale = float(steps[enough[0] if enough.size else np.argmax(expected)])
        self.variance = max(self.variance, 1.0)

    def multiplier(self, per_auction: float, start: float | None = None) -> float:
        """The ``lam`` for the traffic to come (after a fraction ``start`` of the day:
        :meth:`SpendModel.rest_of_day`; the whole day's if None), to spend
        ``per_auction`` per auction."""
        scale = math.exp(self.log_scale)
        weight = None if start is None else self.model.rest_of_day(start, self._auction_ratio)
        return self.model.multiplier(per_auction / scale, weight) / scale


class FilterController(PacingController):
    """The ``"filter"`` controller: after each slot, its :class:`SpendFilter` reads the
    slot's spend against what the model expects of its bids on its pCTRs, and the next
    ``lam`` meets the budget left per auction left at prices so corrected, on the
    traffic to come (certainty equivalence).  Once the auctions reported reach
    ``n_auctions`` it holds its last multiplier.

    Parameters
    ----------
    model : SpendModel
        The training prices.
    drift : float, default 0.03
        Standard deviation, per slot, of the change in the log of the ratio of test to
        training prices (>= 0).  Larger follows the spend faster, and its noise too.
    calibration : (edges, ratio), optional
        As for :class:`SpendFilter`.
    """

    name: ClassVar[str] = "filter"
    follows_plan: ClassVar[bool] = False
    needs_pctr: ClassVar[bool] = True

    def __init__(
        self,
        model: SpendModel,
        drift: float = 0.03,
        calibration: tuple[FloatArray, FloatArray] | None = None,
    ) -> None:
        self.filter = SpendFilter(model, check_scalar(drift, "drift", lower=0), calibration)

    def next_multiplier(self, outcome: SlotOutcome) -> float:
        lam, n, seen = outcome.multiplier, outcome.n_auctions, outcome.auctions_seen
        if n is None or outcome.pctr is None or seen >= n:
            return lam
        pctr = outcome.pctr
        self.filter.update(
            pctr, np.minimum(pctr / lam, outcome.max_bid), outcome.spend, outcome.slot
        )
        lam = self.filter.multiplier(outcome.budget_left / (n - seen), start=seen / n)
        low, high = outcome.lam_bounds
        return min(max(lam, low), high)

    def __repr__(self) -> str:
        return f"FilterController(drift={self.filter.drift!r})"
