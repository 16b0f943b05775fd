"""Online budget pacing: the multiplier ``lam`` of bids ``min(pCTR / lam, max_bid)``,
adjusted from one time slot of the day to the next from the spend seen.

:class:`BudgetPacer` is the controller alone, for a live campaign: read
:attr:`~BudgetPacer.multiplier`, bid with it for a slot, report what the slot spent with
:meth:`~BudgetPacer.update`.  :func:`bidopt.replay.paced_replay` drives the same object
over a historical log.
"""

from __future__ import annotations

import math
import numbers
from typing import Any, Literal, cast, get_args

import numpy as np
import numpy.typing as npt

from bidopt._optional import require_pandas
from bidopt._validation import as_float_array, check_choice, check_scalar, short_repr
from bidopt.datasets import AuctionLog, IpinyouInfo
from bidopt.exceptions import InvalidInputError
from bidopt.replay._checks import check_in_bounds, check_pctr
from bidopt.replay._plan import slot_calibration, spend_plan
from bidopt.replay._spend_model import (
    SpendFilter,
    SpendModel,
    bounded,
    check_training,
    multiplier_bounds,
    slot_bounds,
)
from bidopt.typing import FloatArray

__all__ = ["BudgetPacer", "slot_frame"]

#: the controllers that pace; ``"auto"`` picks one of them for the training data given
PacingController = Literal["none", "dual", "pid", "filter"]
Controller = Literal["auto", "none", "dual", "pid", "filter"]
Plan = Literal["traffic", "level", "spend"]
#: The most time slots a day may have (one a tenth of a second; memory is n_slots floats).
MAX_SLOTS = 1_000_000
#: Each term of the PID's step in ``log(lam)`` is clipped to +-this (and the spend error
#: to at most ``_MAX_ERROR``), far beyond the ``log`` of the multiplier's whole range
#: (about 55), so that no gain makes the step infinite or NaN.
_MAX_TERM, _MAX_ERROR = 1e6, 1e12


class BudgetPacer:
    """Pace a day's budget over time slots by the multiplier ``lam`` of the bids
    ``min(pCTR / lam, max_bid)``.

    Before each slot, bid with :attr:`multiplier`; after it, call :meth:`update` with
    what the slot spent (and the pCTRs of its auctions, which the ``"level"`` plan and
    the ``"filter"`` controller read).  The pacer aims each slot at a share of the
    budget left (see ``plan``) and moves ``lam`` by the slot's relative spend error
    ``spent / target - 1``:

    * ``"none"``: keeps ``lam0`` (open loop);
    * ``"dual"``: an online (multiplicative) dual update,
      ``lam *= exp(step * clip(error, -0.95, 3))``;
    * ``"pid"``: a PID controller on ``log(lam)``;
    * ``"filter"``: a Kalman filter on the ratio of test to training prices
      (:class:`SpendFilter`; from a training log, relative to the training prices at
      the same hours), and the ``lam`` that meets the budget left per auction left at
      prices so corrected;
    * ``"auto"`` (the default): the controller best on synthetic days for the data
      given, ``"filter"`` when ``training`` is a training log and ``n_auctions`` is
      known, ``"pid"`` otherwise (see Notes).

    Whatever the controller, its gains and the spend reported, the multiplier stays
    within a floor and a ceiling, ``1e-12 / max_bid`` and ``1e12 / max_bid``
    (:attr:`lam_bounds`): never 0 or infinite, so the bids are finite.  At the floor
    every pCTR >= 1e-12 bids the cap; at the ceiling no bid exceeds ``1e-12 * max_bid``
    (only free auctions are won), which is where a slot that spent far more than its
    share sends it.

    Parameters
    ----------
    budget : float
        The day's budget (>= 0), in the price unit of the spend reported (e.g. yuan).
    lam0 : float
        Starting multiplier, e.g. :func:`bidopt.replay.open_loop_multiplier`, within
        the bounds ``1e-12 / max_bid`` and ``1e12 / max_bid`` (see above), up to a
        relative ``4 * eps`` (a bound computed in another order, an ulp off, is
        taken as the bound itself).
    controller : {"auto", "none", "dual", "pid", "filter"}, default "auto"
        ``"filter"`` needs ``training`` and ``n_auctions``.  ``"auto"`` is resolved
        once, here: :attr:`controller` holds the controller used.
    n_slots : int, default 48
        Slots of equal traffic, 1 to 1,000,000; ignored when ``shares`` is given.
    shares : array-like, optional
        Expected traffic share of each slot (e.g. an hourly profile); normalised to
        sum to 1.
    step : float, default 0.3
        Dual step (>= 0): ``lam *= exp(step * error)``, the error clipped as above.
    gains : (kp, ki, kd), default (0.4, 0.0, 0.0)
        PID gains (finite, >= 0) on the relative spend error, acting on ``log(lam)``.
    training : IpinyouInfo or AuctionLog, optional
        The ``"filter"`` controller's spend model (price histograms by pCTR
        segment), and the dual and PID controllers' spend plan (see ``plan``): training
        statistics, or a training log with pCTRs, in time order.  The filter needs a
        good model: from a price histogram alone, which forgets that prices rise with
        pCTR, it misreads the price ratio, and ``"dual"`` or ``"pid"`` do better.
    drift : float, default 0.03
        ``"filter"``: standard deviation, per slot, of the change in the log of the
        ratio of test to training prices (>= 0).  Larger follows the spend faster, and
        its noise too.
    plan : {"traffic", "level", "spend"}, optional
        What share of the budget left the dual and PID controllers aim each slot at:

        * ``"traffic"``: its share of the traffic left;
        * ``"level"``: its share of the traffic left, weighted by the pCTR level of
          its own auctions, seen as they arrive (the ``pctr`` passed to
          :meth:`update`): the slot counts ``rho ** level_exponent`` times its
          traffic, where ``rho`` is what the slot's bids are expected to spend (under
          ``training``'s prices) over what they would spend were the slot's pCTRs at
          the training level (:meth:`SpendModel.level_ratio`), and the slots to come
          count at their traffic.  A stretch of unlikely clicks then gets less money
          instead of dearer bids;
        * ``"spend"``: its share of what the starting bids ``pCTR / lam0`` are
          expected to spend in the slots left, read from a training log at the same
          place in its day (:func:`bidopt.replay.spend_plan`: the spend of a constant
          bid, which follows the pCTRs and prices over the day, not just the traffic).

        Default: ``"spend"`` when ``training`` is an AuctionLog, ``"level"`` when it
        is training statistics, ``"traffic"`` without ``training``.
    level_exponent : float, default 0.25
        ``plan="level"``: how far a slot's target follows its pCTR level (>= 0; 0 is
        the traffic plan, 1 trusts the price model fully).  Partial, because the
        price model of statistics (one histogram) forgets that dear auctions have high
        pCTRs, and the slots to come are unknown.
    max_bid : float, default 300
        Bid cap (> 0; at most 1e6 when a spend model is learnt from ``training``, for
        the ``"filter"`` controller and the ``"level"`` and ``"spend"`` plans).
    n_auctions : int, optional
        Auctions expected over the day (>= 0).  The filter needs it: it meets the budget
        left per auction left, counting the auctions seen from the ``pctr`` passed to
        :meth:`update`; once they reach ``n_auctions`` it holds its last multiplier.

    Attributes
    ----------
    controller : {"none", "dual", "pid", "filter"}
        The controller used (``"auto"`` resolved).
    multiplier : float
        The ``lam`` to bid with in the next slot, within :attr:`lam_bounds`.
    lam_bounds : (float, float)
        The floor and ceiling of the multiplier, ``1e-12 / max_bid`` and
        ``1e12 / max_bid``.
    left : float
        Budget not yet spent.
    slot : int
        Slots reported so far.
    n_slots : int
    history : list of (float, float)
        ``(lam, spend)`` of each slot reported, in order (as arrays:
        :attr:`multipliers` and :attr:`slot_spend`).

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

    ``"auto"`` picks, for each kind of training data, the controller that gets the most
    expected clicks with it on the same synthetic days, each at its defaults, compared
    day by day.  From a training log, the filter beat the PID on 87% of the 432 tuning
    days and budgets, by +0.054 points of the hindsight ceiling's expected clicks
    (standard error 0.003; 99.82% against 99.77%), and on 89% of the 288 held-out days
    of ``benchmarks/replay_synthetic.py`` (+0.079 ± 0.007, with and without an hourly
    price swing).  From training statistics, a single price histogram, the filter
    misreads the price ratio (96.17% against the PID's 98.58%), and the PID edges the
    dual update (+0.040 ± 0.004 points, better on 60% of the days), so ``"auto"`` paces
    with the PID, as it does without training data, where the filter cannot run.

    Examples
    --------
    >>> import numpy as np
    >>> from bidopt.replay import BudgetPacer
    >>> pacer = BudgetPacer(1000.0, lam0=1e-4, controller="pid", n_slots=4)
    >>> for spent in (400.0, 250.0, 200.0, 150.0):   # what each slot spent, yuan
    ...     lam = pacer.multiplier                    # bid min(pCTR / lam, 300) now
    ...     _ = pacer.update(spent)
    >>> round(pacer.left, 1)
    0.0
    """

    def __init__(
        self,
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
        n_auctions: int | None = None,
    ) -> None:
        self.budget = check_scalar(budget, "budget", lower=0)
        self.max_bid = check_scalar(max_bid, "max_bid", lower=0, lower_inclusive=False)
        self.lam_bounds: tuple[float, float] = multiplier_bounds(self.max_bid)
        low, high = self.lam_bounds
        self.multiplier = check_in_bounds(
            lam0,
            "lam0",
            low,
            high,
            "1e-12 / max_bid and 1e12 / max_bid, to a few ulps: at the floor every pCTR "
            ">= 1e-12 bids the cap, at the ceiling no bid exceeds 1e-12 x max_bid; "
            "open_loop_multiplier gives one",
        )
        self.step = check_scalar(step, "step", lower=0)
        self.gains = _check_gains(gains)
        drift = check_scalar(drift, "drift", lower=0)
        if training is not None:
            training = check_training(training)
        self.n_auctions = (
            None
            if n_auctions is None
            else int(check_scalar(n_auctions, "n_auctions", lower=0, integer=True))
        )
        self.controller = _resolve_controller(controller, training, self.n_auctions)
        if shares is None:
            slots = int(check_scalar(n_slots, "n_slots", lower=1, upper=MAX_SLOTS, integer=True))
            weights = np.full(slots, 1.0 / slots)
        else:
            weights = as_float_array(shares, "shares", ndim=1, nonnegative=True)
            if weights.size == 0 or weights.sum() <= 0:
                raise InvalidInputError(
                    f"`shares` must have a positive sum. Got {weights.size} values "
                    f"summing to {weights.sum():g}."
                )
            weights = weights / weights.sum()
        #: slot boundaries as fractions of the day's traffic, shape (n_slots + 1,)
        self.edges: FloatArray = np.r_[0.0, np.cumsum(weights)]
        if plan is None:
            plan = (
                "spend"
                if isinstance(training, AuctionLog)
                else "traffic"
                if training is None
                else "level"
            )
        self.plan = check_choice(plan, "plan", ("traffic", "level", "spend"))
        self.level_exponent = check_scalar(level_exponent, "level_exponent", lower=0)
        self._level: SpendModel | None = None
        paced_to_plan = self.controller in ("dual", "pid")
        if self.plan == "spend" and paced_to_plan:
            if not isinstance(training, AuctionLog):
                raise InvalidInputError(
                    "plan='spend' needs `training` as an AuctionLog with pctr (a training "
                    f"log, whose spend over the day it reads); got {type(training).__name__}."
                )
            weights = spend_plan(training, self.multiplier, self.edges, self.max_bid)
        elif self.plan == "level" and paced_to_plan and self.level_exponent > 0:
            if training is None:
                raise InvalidInputError(
                    "plan='level' needs `training` (an IpinyouInfo, or a training "
                    "AuctionLog with pctr): its prices and pCTR level weigh each slot; "
                    "got None."
                )
            self._level = SpendModel(training, self.max_bid)
        self._filter = None
        if self.controller == "filter":
            if training is None or self.n_auctions is None:
                missing = "`training`" if training is None else "`n_auctions`"
                raise InvalidInputError(
                    f"controller='filter' needs {missing}: an IpinyouInfo or a training "
                    "AuctionLog with pctr for its spend model, and the auctions expected "
                    "over the day for the budget left per auction left; got None."
                )
            model = SpendModel(training, self.max_bid)
            calibration = None
            if isinstance(training, AuctionLog):
                calibration = (
                    self.edges,
                    slot_calibration(training, self.multiplier, self.edges, model),
                )
            self._filter = SpendFilter(model, drift, calibration)
        self._weights = weights
        self.n_slots = int(weights.size)
        self.left = self.budget
        self.slot = 0
        self.history: list[tuple[float, float]] = []
        self._seen = 0
        self._integral = self._previous = 0.0

    def update(self, spend: float, pctr: npt.ArrayLike | None = None) -> float:
        """Report the slot just played and return the multiplier for the next one.

        Parameters
        ----------
        spend : float
            What the slot spent (>= 0), bidding with :attr:`multiplier`.
        pctr : array-like, shape (n_auctions_in_slot,), optional
            The pCTRs of the slot's auctions (won or not), each in [0, 1].  Needed by
            ``plan="level"`` and the ``"filter"`` controller.

        Returns
        -------
        float
            The new :attr:`multiplier`: the ceiling of :attr:`lam_bounds` (bids of at
            most ``1e-12 * max_bid``) once the spend reported reaches the budget, so
            that a live campaign stops buying (but ``controller="none"``, which keeps
            ``lam0``: open loop).
        """
        if self.slot >= self.n_slots:
            raise InvalidInputError(
                f"update() called after the last of the {self.n_slots} slots; a "
                "BudgetPacer paces one day: make a new one for the next."
            )
        spent = check_scalar(spend, "spend", lower=0)
        theta = None if pctr is None else check_pctr(pctr)
        if theta is None and (self._level is not None or self._filter is not None):
            need = "plan='level'" if self._level is not None else "controller='filter'"
            raise InvalidInputError(
                f"{need} needs `pctr`, the pCTRs of the slot's auctions; got None."
            )
        return self._update(spent, theta)

    def _update(self, spend: float, pctr: FloatArray | None) -> float:
        """:meth:`update` without the checks (``pctr`` present when needed)."""
        s, lam = self.slot, self.multiplier
        here = float(self._weights[s])
        if self._level is not None:
            assert pctr is not None
            here *= self._level.level_ratio(pctr, lam) ** self.level_exponent
        target = self.left * here / max(here + float(self._weights[s + 1 :].sum()), 1e-12)
        self._record(spend, 0 if pctr is None else pctr.size)
        if self.left <= 0 and self.controller != "none":  # spent: bid nothing (but free auctions)
            self.multiplier = self.lam_bounds[1]
            return self.multiplier
        if target <= 0:
            return lam
        error = spend / target - 1.0  # > 0: spending too fast, raise lam
        low, high = self.lam_bounds
        if self.controller == "dual":
            lam = bounded(lam, self.step * max(min(error, 3.0), -0.95), low, high)
        elif self.controller == "pid":
            kp, ki, kd = self.gains
            error = min(error, _MAX_ERROR)  # (a target of 1e-300 would make it inf)
            self._integral += error
            lam = bounded(
                lam,
                _clip(kp * error)
                + _clip(ki * self._integral)
                + _clip(kd * (error - self._previous)),
                low,
                high,
            )
            self._previous = error
        elif self._filter is not None and self.n_auctions is not None:
            assert pctr is not None
            if self._seen < self.n_auctions:
                self._filter.update(pctr, np.minimum(pctr / lam, self.max_bid), spend, s)
                lam = self._filter.multiplier(
                    self.left / (self.n_auctions - self._seen), start=self._seen / self.n_auctions
                )
                lam = min(max(lam, low), high)
        self.multiplier = lam
        return lam

    def _record(self, spend: float, n_auctions: int) -> None:
        """Book a slot of ``n_auctions`` auctions that spent ``spend`` at :attr:`multiplier`."""
        self.history.append((self.multiplier, spend))
        self.slot += 1
        self.left -= spend
        self._seen += n_auctions

    def slot_auctions(self, n_auctions: int) -> npt.NDArray[np.int64]:
        """Auction indices of the slot boundaries in a day of ``n_auctions`` auctions,
        shape ``(n_slots + 1,)``, from 0 to ``n_auctions``."""
        n = int(check_scalar(n_auctions, "n_auctions", lower=0, integer=True))
        return slot_bounds(self.edges, n)

    @property
    def multipliers(self) -> npt.NDArray[np.float64]:
        """The ``lam`` of each slot reported, shape ``(slot,)``."""
        return np.array([lam for lam, _ in self.history], dtype=np.float64)

    @property
    def slot_spend(self) -> npt.NDArray[np.float64]:
        """The spend of each slot reported, shape ``(slot,)``."""
        return np.array([spend for _, spend in self.history], dtype=np.float64)

    def to_frame(self) -> Any:
        """One row per slot reported: the multiplier, the spend and the cumulative
        spend (needs pandas)."""
        return slot_frame(self.multipliers, self.slot_spend, "BudgetPacer.to_frame()")

    def __repr__(self) -> str:
        return (
            f"BudgetPacer(controller={self.controller!r}, plan={self.plan!r}, "
            f"slot={self.slot}/{self.n_slots}, multiplier={self.multiplier:.4g}, "
            f"left={self.left:.2f} of {self.budget:.2f})"
        )


def _resolve_controller(
    controller: str, training: IpinyouInfo | AuctionLog | None, n_auctions: int | None
) -> PacingController:
    """``controller`` checked, and ``"auto"`` replaced by the controller best on synthetic
    days for ``training``: ``"filter"`` for a training log when ``n_auctions`` is known,
    ``"pid"`` otherwise (:class:`BudgetPacer`'s Notes give the figures)."""
    chosen = check_choice(controller, "controller", get_args(Controller))
    if chosen != "auto":
        return cast(PacingController, chosen)
    return "filter" if isinstance(training, AuctionLog) and n_auctions is not None else "pid"


def slot_frame(multipliers: FloatArray, spend: FloatArray, caller: str) -> Any:
    """One row per time slot: the multiplier, the spend and the cumulative spend (a
    pandas DataFrame; ``caller`` names what needs pandas when it is missing)."""
    pd = require_pandas(caller)
    return pd.DataFrame(
        {
            "slot": np.arange(multipliers.size),
            "multiplier": multipliers,
            "spend": spend,
            "cumulative_spend": np.cumsum(spend),
        }
    )


def _clip(term: float) -> float:
    """A term of the PID's step, within +-``_MAX_TERM``."""
    return min(max(term, -_MAX_TERM), _MAX_TERM)


def _check_gains(gains: object) -> tuple[float, float, float]:
    """``gains`` as three finite floats ``(kp, ki, kd)``, each >= 0 (a negative gain
    moves ``lam`` the wrong way: down, bids up, when the slot spent too much)."""
    try:
        items = list(gains)  # type: ignore[call-overload]
    except TypeError:
        items = []
    numeric = all(isinstance(g, numbers.Real) and not isinstance(g, bool) for g in items)
    values = tuple(float(g) for g in items) if numeric else ()
    if len(values) != 3 or not all(math.isfinite(v) and v >= 0 for v in values):
        raise InvalidInputError(
            "`gains` must be three finite numbers >= 0 (kp, ki, kd). "
            f"Got {short_repr(gains)} instead."
        )
    return values[0], values[1], values[2]
