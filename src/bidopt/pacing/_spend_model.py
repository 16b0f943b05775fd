"""What the bids ``min(pCTR / lam, max_bid)`` spend, as learnt from training data (the
model the ``"filter"`` controller and the ``"level"`` and ``"spend"`` plans read), the
multiplier's bounds, and the checks of training data."""

from __future__ import annotations

import math

import numpy as np

from bidopt._validation import as_float_array, check_scalar, short_repr
from bidopt.datasets import AuctionLog, IpinyouInfo
from bidopt.exceptions import InvalidInputError
from bidopt.landscape import PriceHistogram
from bidopt.pacing._checks import describe
from bidopt.typing import FloatArray, IntArray

__all__ = [
    "SpendModel",
    "check_training",
    "multiplier_bounds",
    "slot_bounds",
]

#: Iterations of the bisection on ``log(lam)`` (a bracket of about 60 e-folds).
_BISECT = 64
#: The multiplier's range, relative to the bid cap: at ``_LAM_RANGE / max_bid`` every
#: bid ``pCTR / lam`` is at most ``1e-12 * max_bid``; at ``1 / (_LAM_RANGE * max_bid)``
#: every pCTR >= 1e-12 bids the cap (see :func:`multiplier_bounds`).
_LAM_RANGE = 1e12
#: The largest bid cap a SpendModel accepts (a histogram column per whole price unit).
MAX_MODEL_BID = 1e6


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
    raise InvalidInputError(f"`training` must be {expected} with `pctr`. Got {got} instead.")


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
        # E[price; price < k] and E[price^2; price < k] per segment, k = 0 .. top + 1
        self._prices = PriceHistogram(pmf, second_moment=True)
        self._first = self._prices.first
        self._forecast, self._weight = forecast, weight
        self._forecast_segment = np.searchsorted(self._edges, forecast)

    def _step(self, bids: FloatArray) -> IntArray:
        # a bid wins the prices below it: whole prices 0 .. ceil(bid) - 1
        return self._prices.won_prices(bids)

    def expected(self, pctr: FloatArray, bids: FloatArray) -> tuple[float, float]:
        """Expected total spend (price units) of ``bids`` on auctions with ``pctr``
        (arrays of one shape), and its variance (the auctions independent)."""
        mean, variance = self.moments(pctr, bids)
        return float(mean.sum()), float(variance.sum())

    def moments(self, pctr: FloatArray, bids: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Expected spend (price units) of each bid on an auction with its ``pctr``, and
        the variance of that spend (squared price units); arrays of the shape of
        ``pctr``."""
        return self._prices.spend_moments(bids, np.searchsorted(self._edges, pctr))

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
