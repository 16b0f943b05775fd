"""Online budget pacing: the multiplier ``lam`` of bids ``min(pCTR / lam, max_bid)``,
adjusted from one time slot of the day to the next from the spend seen.

:class:`BudgetPacer` paces a live campaign: read :attr:`~BudgetPacer.multiplier`, bid
with it for a slot, report what the slot spent with :meth:`~BudgetPacer.update`.  It
books the slots and sets each slot's target from its spend plan; its controller (a
:class:`~bidopt.pacing.PacingController`) decides the next ``lam``.
:func:`bidopt.replay.paced_replay` drives the same object over a historical log.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, get_args

import numpy as np
import numpy.typing as npt

from bidopt._tables import slot_frame
from bidopt._validation import (
    as_float_array,
    check_choice,
    check_options,
    check_pctr,
    check_scalar,
)
from bidopt.datasets import AuctionLog, IpinyouInfo
from bidopt.exceptions import InvalidInputError
from bidopt.pacing._checks import check_in_bounds
from bidopt.pacing._controllers import (
    DualUpdate,
    OpenLoop,
    PacingController,
    PIDController,
    SlotOutcome,
    check_gains,
)
from bidopt.pacing._filter import FilterController
from bidopt.pacing._plan import slot_calibration, spend_plan
from bidopt.pacing._spend_model import SpendModel, check_training, multiplier_bounds, slot_bounds
from bidopt.typing import FloatArray

__all__ = ["OPTIONS", "BudgetPacer", "Controller", "Plan"]

#: the controllers by name; ``"auto"`` picks one of them for the training data given
Controller = Literal["auto", "none", "dual", "pid", "filter"]
Plan = Literal["traffic", "level", "spend"]
#: The options of :class:`BudgetPacer` and :func:`bidopt.replay.paced_replay`, with
#: their defaults: the controllers' knobs and the ``"level"`` plan's exponent.
OPTIONS: dict[str, Any] = {
    "step": 0.3,
    "gains": (0.4, 0.0, 0.0),
    "drift": 0.03,
    "level_exponent": 0.25,
}
#: The most time slots a day may have (one a tenth of a second; memory is n_slots floats).
MAX_SLOTS = 1_000_000


class BudgetPacer:
    """Pace a day's budget over time slots by the multiplier ``lam`` of the bids
    ``min(pCTR / lam, max_bid)``.

    Before each slot, bid with :attr:`multiplier`; after it, call :meth:`update` with
    what the slot spent (and the pCTRs of its auctions, which the ``"level"`` plan and
    the ``"filter"`` controller read).  The pacer aims each slot at a share of the
    budget left (see ``plan``) and its controller moves ``lam`` from the slot's spend
    against that target:

    * ``"none"``: keeps ``lam0`` (open loop; :class:`~bidopt.pacing.OpenLoop`);
    * ``"dual"``: an online (multiplicative) dual update,
      ``lam *= exp(step * clip(error, -0.95, 3))``, ``error = spent / target - 1``
      (:class:`~bidopt.pacing.DualUpdate`);
    * ``"pid"``: a PID controller on ``log(lam)`` (:class:`~bidopt.pacing.PIDController`);
    * ``"filter"``: a Kalman filter on the ratio of test to training prices
      (:class:`~bidopt.pacing.SpendFilter`; from a training log, relative to the
      training prices at the same hours), and the ``lam`` that meets the budget left per
      auction left at prices so corrected (:class:`~bidopt.pacing.FilterController`);
    * ``"auto"`` (the default): ``"filter"`` when ``training`` is a training log and
      ``n_auctions`` is known, ``"pid"`` otherwise: the controller that got the most
      expected clicks on synthetic days for that kind of training data
      (``benchmarks/tune_pacing.py``; figures in ``benchmarks/results/tune_pacing.md``).

    A :class:`~bidopt.pacing.PacingController` instance may be given instead of a name
    (one instance paces one day).

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
        Starting multiplier, e.g. :func:`bidopt.pacing.open_loop_multiplier`, within
        the bounds ``1e-12 / max_bid`` and ``1e12 / max_bid`` (see above), up to a
        relative ``4 * eps`` (a bound computed in another order, an ulp off, is
        taken as the bound itself).
    controller : {"auto", "none", "dual", "pid", "filter"} or PacingController
        Default ``"auto"``.  ``"filter"`` needs ``training`` and ``n_auctions``.
        ``"auto"`` is resolved once, here: :attr:`controller` holds the name of the
        controller used.
    n_slots : int, default 48
        Slots of equal traffic, 1 to 1,000,000; ignored when ``shares`` is given.
    shares : array-like, optional
        Expected traffic share of each slot (e.g. an hourly profile); normalised to
        sum to 1.
    training : IpinyouInfo or AuctionLog, optional
        The ``"filter"`` controller's spend model (price histograms by pCTR
        segment), and the dual and PID controllers' spend plan (see ``plan``): training
        statistics, or a training log with pCTRs, in time order.  The filter needs a
        good model: from a price histogram alone, which forgets that prices rise with
        pCTR, it misreads the price ratio, and ``"dual"`` or ``"pid"`` do better.
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
          place in its day (:func:`bidopt.pacing.spend_plan`: the spend of a constant
          bid, which follows the pCTRs and prices over the day, not just the traffic).

        Default: ``"spend"`` when ``training`` is an AuctionLog, ``"level"`` when it
        is training statistics, ``"traffic"`` without ``training``.
    max_bid : float, default 300
        Bid cap (> 0; at most 1e6 when a spend model is learnt from ``training``, for
        the ``"filter"`` controller and the ``"level"`` and ``"spend"`` plans).
    n_auctions : int, optional
        Auctions expected over the day (>= 0).  The filter needs it: it meets the budget
        left per auction left, counting the auctions seen from the ``pctr`` passed to
        :meth:`update`; once they reach ``n_auctions`` it holds its last multiplier.
    options : mapping, optional
        The knobs of the named controllers and of the ``"level"`` plan (an unknown key
        raises; each is checked whichever controller runs):

        * ``step`` (0.3): the dual update's step (>= 0);
        * ``gains`` ((0.4, 0.0, 0.0)): the PID's ``(kp, ki, kd)``, finite, >= 0, on the
          relative spend error, acting on ``log(lam)``;
        * ``drift`` (0.03): the filter's standard deviation, per slot, of the change in
          the log of the ratio of test to training prices (>= 0);
        * ``level_exponent`` (0.25): ``plan="level"``: how far a slot's target follows
          its pCTR level (>= 0; 0 is the traffic plan, 1 trusts the price model fully).

        The defaults are the best of a grid on synthetic days, not on the iPinYou log
        (``benchmarks/tune_pacing.py``; the record is in
        ``benchmarks/results/pacing_history.md``).

    Attributes
    ----------
    controller : str
        The name of the controller used (``"auto"`` resolved).
    control : PacingController
        The controller itself.
    multiplier : float
        The ``lam`` to bid with in the next slot, within :attr:`lam_bounds`: ``lam0``
        at the start, or the ceiling when ``budget`` is 0 (but ``controller="none"``).
    lam_bounds : (float, float)
        The floor and ceiling of the multiplier, ``1e-12 / max_bid`` and
        ``1e12 / max_bid``.
    left : float
        Budget not yet spent.
    slot : int
        Slots reported so far.
    n_slots : int
    stopped : bool
        Whether :meth:`stop` ended the day.
    history : list of (float, float)
        ``(lam, spend)`` of each slot reported, in order (as arrays:
        :attr:`multipliers` and :attr:`slot_spend`).

    Examples
    --------
    >>> import numpy as np
    >>> from bidopt.pacing import BudgetPacer
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
        controller: Controller | PacingController = "auto",
        n_slots: int = 48,
        shares: npt.ArrayLike | None = None,
        training: IpinyouInfo | AuctionLog | None = None,
        plan: Plan | None = None,
        max_bid: float = 300.0,
        n_auctions: int | None = None,
        options: Mapping[str, Any] | None = None,
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
        name = controller.name if isinstance(controller, PacingController) else controller
        knobs = check_options(options, OPTIONS, method=str(name))
        step = check_scalar(knobs["step"], "step", lower=0)
        gains = check_gains(knobs["gains"])
        drift = check_scalar(knobs["drift"], "drift", lower=0)
        if training is not None:
            training = check_training(training)
        self.n_auctions = (
            None
            if n_auctions is None
            else int(check_scalar(n_auctions, "n_auctions", lower=0, integer=True))
        )
        if isinstance(controller, PacingController):
            self.controller: str = controller.name
        else:
            self.controller = _resolve_controller(controller, training, self.n_auctions)
        if shares is None:
            slots = int(check_scalar(n_slots, "n_slots", lower=1, upper=MAX_SLOTS, integer=True))
            weights = np.full(slots, 1.0 / slots)
        else:
            weights = as_float_array(shares, "shares", ndim=1, nonnegative=True)
            if weights.size == 0 or weights.sum() <= 0:
                raise InvalidInputError(
                    f"`shares` must have a positive sum. Got {weights.size} values "
                    f"summing to {weights.sum():g} instead."
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
        self.plan = check_choice(plan, "plan", get_args(Plan))
        self.level_exponent = check_scalar(knobs["level_exponent"], "level_exponent", lower=0)
        self._level: SpendModel | None = None
        paced_to_plan = (
            controller.follows_plan
            if isinstance(controller, PacingController)
            else self.controller in ("dual", "pid")
        )
        if self.plan == "spend" and paced_to_plan:
            if not isinstance(training, AuctionLog):
                raise InvalidInputError(
                    "`training` must be an AuctionLog with pctr for plan='spend' (a training "
                    f"log, whose spend over the day it reads). Got {type(training).__name__} "
                    "instead."
                )
            weights = spend_plan(training, self.multiplier, self.edges, self.max_bid).shares
        elif self.plan == "level" and paced_to_plan and self.level_exponent > 0:
            if training is None:
                raise InvalidInputError(
                    "`training` must be an IpinyouInfo, or a training AuctionLog with pctr, "
                    "for plan='level' (its prices and pCTR level weigh each slot). "
                    "Got None instead."
                )
            self._level = SpendModel(training, self.max_bid)
        self.control: PacingController
        if isinstance(controller, PacingController):
            self.control = controller
        elif self.controller == "filter":
            if training is None or self.n_auctions is None:
                missing = "`training`" if training is None else "`n_auctions`"
                raise InvalidInputError(
                    f"{missing} must be given for controller='filter': an IpinyouInfo or a "
                    "training AuctionLog with pctr for its spend model, and the auctions "
                    "expected over the day for the budget left per auction left. Got None "
                    "instead."
                )
            model = SpendModel(training, self.max_bid)
            calibration = None
            if isinstance(training, AuctionLog):
                calibration = (
                    self.edges,
                    slot_calibration(training, self.multiplier, self.edges, model),
                )
            self.control = FilterController(model, drift, calibration)
        elif self.controller == "dual":
            self.control = DualUpdate(step)
        elif self.controller == "pid":
            self.control = PIDController(gains)
        else:
            self.control = OpenLoop()
        self._weights = weights
        self.n_slots = int(weights.size)
        self.left = self.budget
        # a budget of 0 is spent before the first slot: bid nothing from the start (as
        # update() does once the spend reaches the budget), not pCTR / lam0
        self._spent_out()
        self.slot = 0
        self.stopped = False
        self.history: list[tuple[float, float]] = []
        self._seen = 0

    def update(self, spend: float, pctr: npt.ArrayLike | None = None) -> float:
        """Report the slot just played and return the multiplier for the next one.

        Parameters
        ----------
        spend : float
            What the slot spent (>= 0), bidding with :attr:`multiplier`.
        pctr : array-like, shape (n_auctions_in_slot,), optional
            The pCTRs of the slot's auctions (won or not), each in [0, 1].  Needed by
            ``plan="level"`` and the ``"filter"`` controller.  An empty array (a slot
            without auctions) keeps the multiplier: the slot is booked, but says
            nothing of the prices.

        Returns
        -------
        float
            The new :attr:`multiplier`: the ceiling of :attr:`lam_bounds` (bids of at
            most ``1e-12 * max_bid``) once the spend reported reaches the budget, so
            that a live campaign stops buying (but ``controller="none"``, which keeps
            ``lam0``: open loop).
        """
        self._check_open()
        spent = check_scalar(spend, "spend", lower=0)
        theta = None if pctr is None else check_pctr(pctr)
        if theta is None and (self._level is not None or self.control.needs_pctr):
            need = "plan='level'" if self._level is not None else f"controller={self.controller!r}"
            raise InvalidInputError(
                f"`pctr` must be given for {need}: the pCTRs of the slot's auctions. "
                "Got None instead."
            )
        s, lam = self.slot, self.multiplier
        if theta is not None and theta.size == 0:
            # a slot without auctions (an outage, a gap in the traffic) says nothing of
            # the prices: it is booked and lam kept; stepping the controller on its spend
            # of 0 raised the bids 33-49% for the slots after it
            self._record(spent, 0)
            self._spent_out()
            return self.multiplier
        here = float(self._weights[s])
        if self._level is not None:
            assert theta is not None
            here *= self._level.level_ratio(theta, lam) ** self.level_exponent
        target = self.left * here / max(here + float(self._weights[s + 1 :].sum()), 1e-12)
        self._record(spent, 0 if theta is None else theta.size)
        if self._spent_out():
            return self.multiplier
        if target <= 0:
            return lam
        outcome = SlotOutcome(
            slot=s,
            multiplier=lam,
            spend=spent,
            target=target,
            pctr=theta,
            budget_left=self.left,
            auctions_seen=self._seen,
            n_auctions=self.n_auctions,
            lam_bounds=self.lam_bounds,
            max_bid=self.max_bid,
        )
        self.multiplier = self.control.next_multiplier(outcome)
        return self.multiplier

    def stop(self, spend: float, n_auctions: int = 0) -> None:
        """Report a last slot, cut short because the budget ran out, that spent
        ``spend`` over ``n_auctions`` auctions: it is booked (its multiplier and spend
        join :attr:`history`), no next multiplier is computed, and the day is over
        (:meth:`update` then raises)."""
        self._check_open()
        spent = check_scalar(spend, "spend", lower=0)
        count = int(check_scalar(n_auctions, "n_auctions", lower=0, integer=True))
        self._record(spent, count)
        self.stopped = True

    def _check_open(self) -> None:
        if self.stopped or self.slot >= self.n_slots:
            why = "stop()" if self.stopped else f"the last of the {self.n_slots} slots"
            raise InvalidInputError(
                f"`update()` and `stop()` must be called within the day ({self.n_slots} slots, "
                f"none after stop()). Got a call after {why} instead; a BudgetPacer paces one "
                "day: make a new one for the next."
            )

    def _spent_out(self) -> bool:
        """Whether the budget is spent; if so (but with ``controller="none"``, open loop)
        the multiplier goes to its ceiling: bid nothing but free auctions."""
        if self.left <= 0 and self.controller != "none":
            self.multiplier = self.lam_bounds[1]
            return True
        return False

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

    def summary(self) -> str:
        """A few lines: the controller and plan, the slots reported and the budget left."""
        return (
            f"BudgetPacer: controller {self.controller!r} ({self.control!r}), plan "
            f"{self.plan!r}\n"
            f"  slots reported: {self.slot} of {self.n_slots}"
            f"{' (stopped)' if self.stopped else ''}\n"
            f"  spent {_money(self.budget - self.left)} of {_money(self.budget)}; next multiplier "
            f"{self.multiplier:.4g}"
        )

    def to_frame(self) -> Any:
        """One row per slot reported: the multiplier, the spend and the cumulative
        spend (needs pandas)."""
        return slot_frame(self.multipliers, self.slot_spend, "BudgetPacer.to_frame()")

    def __repr__(self) -> str:
        return (
            f"BudgetPacer(controller={self.controller!r}, plan={self.plan!r}, "
            f"slot={self.slot}/{self.n_slots}, multiplier={self.multiplier:.4g}, "
            f"left={_money(self.left)} of {_money(self.budget)})"
        )


def _money(x: float) -> str:
    """An amount for a report: two decimals, or 6 significant digits from 1e15 up (a
    budget of 1e300 printed 300 digits)."""
    return f"{x:.2f}" if abs(x) < 1e15 else f"{x:.6g}"


def _resolve_controller(
    controller: object, training: IpinyouInfo | AuctionLog | None, n_auctions: int | None
) -> str:
    """``controller`` checked, and ``"auto"`` replaced by the controller best on synthetic
    days for ``training``: ``"filter"`` for a training log when ``n_auctions`` is known,
    ``"pid"`` otherwise (``benchmarks/results/tune_pacing.md`` gives the figures)."""
    chosen = check_choice(controller, "controller", get_args(Controller))
    if chosen != "auto":
        return chosen
    return "filter" if isinstance(training, AuctionLog) and n_auctions is not None else "pid"
