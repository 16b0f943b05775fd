"""What the bids ``min(pCTR / lam, max_bid)`` spend, as learnt from training data, and
a Kalman filter that learns online how far the test prices are from them (the
``"filter"`` controller of :func:`bidopt.replay.paced_replay`)."""

from __future__ import annotations

import math
from typing import cast

import numpy as np

from bidopt._validation import as_float_array, check_scalar, short_repr
from bidopt.datasets import AuctionLog, IpinyouInfo
from bidopt.exceptions import InvalidInputError
from bidopt.replay._checks import describe
from bidopt.typing import FloatArray, IntArray

__all__ = [
    "SpendFilter",
    "SpendModel",
    "bounded",
    "check_training",
    "multiplier_bounds",
    "slot_bounds",
]

#: Iterations of the bisection on ``log(lam)`` (a bracket of about 60 e-folds).
_BISECT = 64
#: SpendFilter's way out of a price level at which the model expects no spend: steps
#: of ``log(a)`` down, and how many (up to a factor e**8 below).
_RESTART_STEP, _RESTART_STEPS = 0.25, 32
#: The multiplier's range, relative to the bid cap: at ``_LAM_RANGE / max_bid`` every
#: bid ``pCTR / lam`` is at most ``1e-12 * max_bid``; at ``1 / (_LAM_RANGE * max_bid)``
#: every pCTR >= 1e-12 bids the cap (see :func:`multiplier_bounds`).
_LAM_RANGE = 1e12
#: The largest bid cap a SpendModel accepts (a histogram column per whole price unit).
MAX_MODEL_BID = 1e6
#: SpendFilter: the largest variance of ``log(a)`` (a standard deviation of 100 e-folds:
#: no reading is trusted less), and the largest ``|log(a)|``.
_MAX_VARIANCE, _MAX_LOG_SCALE = 1e4, 100.0


def multiplier_bounds(max_bid: float) -> tuple[float, float]:
    """The floor and ceiling of the multiplier ``lam`` of the bids
    ``min(pCTR / lam, max_bid)``: ``1e-12 / max_bid`` and ``1e12 / max_bid``.

    At the floor, every pCTR >= 1e-12 bids the cap ``max_bid`` (a lower ``lam`` would
    change no bid that matters); at the ceiling, every bid is at most ``1e-12 *
    max_bid``, so that only auctions priced below that (in practice the free ones) are
    won.  Every multiplier bidopt's pacing returns lies within them, so the bids are
    finite and never ``pCTR / 0``.  (Both are kept within 1e-300 and 1e300, for caps
    beyond about 1e288 or below 1e-288.)
    """
    low = min(max(1.0 / (_LAM_RANGE * max_bid), 1e-300), 1e300)
    return low, min(max(_LAM_RANGE / max_bid, low), 1e300)


def bounded(lam: float, exponent: float, low: float, high: float) -> float:
    """``lam * exp(exponent)`` clipped to ``[low, high]``, without overflow (``lam`` in
    the range; ``exponent`` may be infinite, not NaN)."""
    if exponent >= math.log(high / lam):
        return high
    if exponent <= math.log(low / lam):
        return low
    return min(max(lam * math.exp(exponent), low), high)


def check_training(training: object, *, statistics: bool = True) -> IpinyouInfo | AuctionLog:
    """``training`` if it is training data bidopt learns ``lam`` from: an
    :class:`IpinyouInfo` with impressions, clicks and a price histogram of positive
    total (unless not ``statistics``: a spend plan needs the times of a log), or an
    :class:`AuctionLog` with pCTRs, at least one of them > 0."""
    expected = "an IpinyouInfo or an AuctionLog" if statistics else "an AuctionLog"
    if isinstance(training, IpinyouInfo) and statistics:
        return _check_statistics(training)
    if isinstance(training, AuctionLog):
        if training.pctr is not None and len(training):
            if not np.any(training.pctr > 0):
                raise InvalidInputError(
                    "`training.pctr` must have at least one pCTR > 0 (no bid pCTR / lam "
                    "wins an auction of pCTR 0, so such a log says nothing of what the "
                    f"bids spend). Got {training.pctr.size} pCTRs, all 0, instead."
                )
            return training
        got = "an empty AuctionLog" if len(training) == 0 else "an AuctionLog without pCTRs"
        got += " (a training log needs `pctr` and at least one auction)"
    elif isinstance(training, IpinyouInfo):
        got = (
            "an IpinyouInfo (training statistics, which have no times of day: the spend "
            "plan reads a training log's spend over its day)"
        )
    else:
        got = describe(training)
    raise InvalidInputError(f"`training` must be {expected} with `pctr`. Got {got}.")


def _check_statistics(info: IpinyouInfo) -> IpinyouInfo:
    """``info`` if its training fields can give ``lam``: ``imp_train >= 1``, ``clk_train``
    in ``1..imp_train`` (the training CTR is every auction's pCTR: 0 bids nothing), and
    a 1-D price histogram of finite counts >= 0 with a positive total."""
    imp = int(check_scalar(info.imp_train, "training.imp_train", lower=1, integer=True))
    clk = info.clk_train
    ok = isinstance(clk, (int, np.integer)) and not isinstance(clk, bool) and 1 <= clk <= imp
    if not ok:
        raise InvalidInputError(
            f"`training.clk_train` must be an integer >= 1 and <= {imp} (`imp_train`): "
            "the training CTR is the pCTR of every auction, and no bid pCTR / lam wins at "
            "pCTR 0 (learn from a training log with pCTRs instead). "
            f"Got {short_repr(clk)} instead."
        )
    counts = as_float_array(
        info.price_counter_train, "training.price_counter_train", ndim=None, nonnegative=True
    )
    if counts.ndim != 1 or counts.size == 0 or not counts.sum() > 0:
        got = (
            f"an array of shape {counts.shape}"
            if counts.ndim != 1
            else "an empty array"
            if counts.size == 0
            else f"{counts.size} counts, all 0"
        )
        raise InvalidInputError(
            "`training.price_counter_train` must be a 1-D histogram of market prices "
            f"(counts >= 0, entry p for price p) with a positive total. Got {got} instead."
        )
    return info


def slot_bounds(edges: FloatArray, n: int) -> IntArray:
    """Auction indices of the slot boundaries ``edges`` (fractions of the day, from 0
    to 1) in a day of ``n`` auctions, the last one exactly ``n``."""
    at = np.round(edges * n).astype(np.int64)
    at[-1] = n
    return at


class SpendModel:
    """Expected spend of bids ``min(pCTR / lam, max_bid)`` under training prices.

    Prices are in whole units (as in iPinYou).  From an :class:`IpinyouInfo` (a price
    histogram and a CTR): one price distribution for every auction, and the traffic to
    come is taken to have the training CTR.  From a training :class:`AuctionLog` with
    pCTRs: one price histogram per pCTR segment (``segments`` quantile bins; prices
    rise with pCTR in real logs), and the traffic to come is the training log's pCTRs
    (``forecast_bins`` quantile bins, each at its mean pCTR).

    Parameters
    ----------
    training : IpinyouInfo or AuctionLog
    max_bid : float
        Bid cap (> 0, at most ``MAX_MODEL_BID``: the histograms have a column per whole
        price up to it): prices at or above it are never won.
    segments : int, default 10
    forecast_bins : int, default 200

    Attributes
    ----------
    level : float
        The training pCTR level: the training CTR (statistics) or the mean pCTR (a log).
    """

    def __init__(
        self,
        training: IpinyouInfo | AuctionLog,
        max_bid: float,
        *,
        segments: int = 10,
        forecast_bins: int = 200,
    ) -> None:
        if max_bid > MAX_MODEL_BID:
            raise InvalidInputError(
                f"`max_bid` must be <= {MAX_MODEL_BID:g} to learn a spend model from "
                "training data (its price histograms hold one column per whole price up "
                f"to the cap). Got {short_repr(max_bid)} instead."
            )
        self.max_bid = max_bid
        top = math.ceil(max_bid)  # prices from here on are out of reach
        training = check_training(training)
        if isinstance(training, IpinyouInfo):
            counts = training.price_counter_train.astype(np.float64)
            hist = np.zeros((1, top + 1))
            hist[0, : min(counts.size, top)] = counts[:top]
            hist[0, top] = counts[top:].sum()
            self._edges: FloatArray = np.zeros(0)
            forecast, weight = np.array([training.ctr_train]), np.ones(1)
            self._bin_of: IntArray | None = None  # no times of day in statistics
            self.level = training.ctr_train
        else:
            assert training.pctr is not None  # (checked)
            theta = training.pctr
            price = np.minimum(np.rint(training.market_price), top).astype(np.int64)
            inner = np.linspace(0.0, 1.0, segments + 1)[1:-1]
            self._edges = np.unique(np.quantile(theta, inner))
            seg = np.searchsorted(self._edges, theta)
            hist = np.zeros((self._edges.size + 1, top + 1))
            np.add.at(hist, (seg, price), 1.0)
            cuts = np.quantile(theta, np.linspace(0.0, 1.0, forecast_bins + 1)[1:-1])
            bins = np.searchsorted(cuts, theta)
            count = np.bincount(bins, minlength=forecast_bins).astype(np.float64)
            total = np.bincount(bins, weights=theta, minlength=forecast_bins)
            used = count > 0
            forecast, weight = total[used] / count[used], count[used] / count.sum()
            # each training auction's forecast bin (among the used ones), in time order
            self._bin_of = (np.cumsum(used) - 1)[bins]
            self.level = float(theta.mean())
        pmf = hist / np.maximum(hist.sum(axis=1, keepdims=True), 1.0)
        prices = np.arange(top + 1, dtype=np.float64)
        zero = np.zeros((pmf.shape[0], 1))
        # E[price; price < k] and E[price^2; price < k] per segment, k = 0 .. top + 1
        self._first = np.hstack([zero, np.cumsum(pmf * prices, axis=1)])
        self._second = np.hstack([zero, np.cumsum(pmf * prices**2, axis=1)])
        self._forecast, self._weight = forecast, weight
        self._forecast_segment = np.searchsorted(self._edges, forecast)

    def _step(self, bids: FloatArray) -> IntArray:
        # a bid wins the prices below it: whole prices 0 .. ceil(bid) - 1
        step = np.minimum(np.ceil(bids), self._first.shape[1] - 1)
        return cast(IntArray, step.astype(np.int64))

    def expected(self, pctr: FloatArray, bids: FloatArray) -> tuple[float, float]:
        """Expected total spend (price units) of ``bids`` on auctions with ``pctr``
        (arrays of one shape), and its variance (the auctions independent)."""
        mean, variance = self.moments(pctr, bids)
        return float(mean.sum()), float(variance.sum())

    def moments(self, pctr: FloatArray, bids: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Expected spend (price units) of each bid on an auction with its ``pctr``, and
        the variance of that spend (squared price units); arrays of the shape of
        ``pctr``."""
        seg, k = np.searchsorted(self._edges, pctr), self._step(bids)
        first = self._first[seg, k]
        return first, self._second[seg, k] - first * first

    def level_ratio(self, pctr: FloatArray, lam: float) -> float:
        """Expected spend of bids ``min(pCTR / lam, max_bid)`` on auctions with ``pctr``
        over that of the same auctions with their pCTRs rescaled to the training level
        (:attr:`level`): above 1 when the auctions are likelier clicks than training's
        on average, so that a constant ``lam`` spends more on them.  1 when either spend
        is nil or ``pctr`` is empty."""
        if pctr.size == 0:
            return 1.0
        mean = float(pctr.mean())
        if mean <= 0.0:
            return 1.0
        seg = np.searchsorted(self._edges, pctr)  # (the same auctions both times)
        here = float(self._first[seg, self._step(np.minimum(pctr / lam, self.max_bid))].sum())
        bids = np.minimum(pctr * (self.level / mean) / lam, self.max_bid)
        usual = float(self._first[seg, self._step(bids)].sum())
        return here / usual if here > 0.0 and usual > 0.0 else 1.0

    @property
    def n_training(self) -> int:
        """Auctions of the training log (0 when learnt from statistics)."""
        return 0 if self._bin_of is None else int(self._bin_of.size)

    def rest_of_day(self, start: float, scale: FloatArray | None = None) -> FloatArray:
        """Weights of the forecast bins in the traffic after a fraction ``start`` of the
        day, as in the training log at the same place in its day (the whole day's
        weights when the model was learnt from statistics, or no auction is left).

        ``scale``, shape ``(n_training,)``, optional, weighs each training auction's
        spend (e.g. the calibration of its time slot): the weights are then its sums
        per bin over the auctions left, and sum to their mean ``scale``.
        """
        if self._bin_of is None:
            return self._weight
        n = self._bin_of.size
        first = min(max(round(start * n), 0), n)
        if first == n:
            return self._weight
        rest = None if scale is None else scale[first:]
        count = np.bincount(self._bin_of[first:], weights=rest, minlength=self._weight.size)
        return count / (n - first)

    def rate(self, lam: float, weight: FloatArray | None = None) -> float:
        """Expected spend per auction of the traffic to come at ``lam`` (the whole
        day's traffic, or the forecast bins' ``weight``, e.g. :meth:`rest_of_day`)."""
        bids = np.minimum(self._forecast / lam, self.max_bid)
        w = self._weight if weight is None else weight
        return float(w @ self._first[self._forecast_segment, self._step(bids)])

    def multiplier(self, per_auction: float, weight: FloatArray | None = None) -> float:
        """The ``lam`` (bisection on its log) whose spend per auction of the traffic to
        come (see :meth:`rate`) is at most ``per_auction`` and as close to it as the
        price steps allow; the ``lam`` of bids at ``max_bid`` when even they spend
        less."""
        # all at max (a bin of pCTR 0 bids 0, whatever lam: only the others count)
        low = math.log(float(self._forecast[self._forecast > 0].min()) / self.max_bid) - 1.0
        high = math.log(float(self._forecast.max()) / 1e-9)  # every bid below 1e-9
        if self.rate(math.exp(low), weight) <= per_auction:
            return math.exp(low)
        for _ in range(_BISECT):
            mid = 0.5 * (low + high)
            if self.rate(math.exp(mid), weight) > per_auction:
                low = mid
            else:
                high = mid
        return math.exp(high)


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
    ratio (from :func:`bidopt.replay._plan.slot_calibration`: the spend that fell on the
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
    On synthetic days learnt from a training log whose prices swing over the hours
    (``make_auction_log(..., price_swing=0.3)``, seeds 0-7, every price scale and
    budget), the calibration lifted the filter from 99.26% to 99.69% of the pCTR LP
    ceiling in expected clicks (97.1% to 99.4% at 1/64 of the spend); without the
    swing it changed it by -0.006 points (on the tuning seeds 100-107: 99.24% to 99.70%,
    and -0.002).

    A reading's noise is the model's sampling variance plus a floor, a 5% relative
    error of the model's expected spend (``_MODEL_ERROR``).  Without it, a slot whose
    spend the model cannot produce at any price level near the current one (its
    expected spend flat in ``a``, e.g. a price histogram pooled over pCTRs, when prices
    rise with pCTR) got a huge gain: the estimate jumped (``a`` read as 420 on one
    synthetic day at 1/2 of the spend), bids went to the cap and the budget was gone
    by 60% of the day.  Learnt from statistics, the floor lifted the filter from 93.82%
    to 96.34% of the pCTR LP ceiling in expected clicks (92.19% to 98.58% at 1/2),
    and from 94.06% to 94.69% on days whose prices swing; learnt from a training log,
    it changed it by +0.01 and 0.00 points (held-out seeds 0-7, every price scale and
    budget; on the tuning seeds 100-107: statistics 94.56% to 95.89% and 92.68% to
    94.27%, a log +0.01 and -0.01 points).

    A slot that spends at a price level where the model says its bids win nothing
    (the estimate far too high) cannot be read by linearising, as the expected spend is
    flat there: the filter then steps ``log(a)`` down to the nearest level that
    explains the spend and widens its variance back to the prior's.  No slot of the
    held-out synthetic days reaches that state since the floor above.
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
