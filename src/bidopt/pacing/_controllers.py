"""The pacing controllers behind one interface: each reads what a time slot spent
against its target and returns the multiplier ``lam`` of the bids ``min(pCTR / lam,
max_bid)`` for the next slot.

:class:`BudgetPacer` books the slots, sets each slot's target and calls its
controller's :meth:`PacingController.next_multiplier`; a controller only decides the
next ``lam``.  The Kalman-filter controller lives in :mod:`bidopt.pacing._filter`.
"""

from __future__ import annotations

import math
import numbers
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

from bidopt._validation import check_scalar, short_repr
from bidopt.exceptions import InvalidInputError
from bidopt.typing import FloatArray

__all__ = [
    "DualUpdate",
    "OpenLoop",
    "PIDController",
    "PacingController",
    "SlotOutcome",
    "bounded",
    "check_gains",
]

#: Each term of the PID's step in ``log(lam)`` is clipped to +-this (and the spend error
#: to at most ``_MAX_ERROR``), far beyond the ``log`` of the multiplier's whole range
#: (about 55), so that no gain makes the step infinite or NaN.
_MAX_TERM, _MAX_ERROR = 1e6, 1e12


@dataclass(frozen=True, slots=True)
class SlotOutcome:
    """What a controller reads after a slot (handed over by :class:`BudgetPacer`).

    Attributes
    ----------
    slot : int
        Index of the slot just played.
    multiplier : float
        The ``lam`` the slot bid with.
    spend : float
        What the slot spent (>= 0), price units.
    target : float
        What it was to spend (> 0): its share of the budget left, by the pacer's plan.
    pctr : ndarray of float64, shape (n_auctions_in_slot,), or None
        The pCTRs of the slot's auctions, when reported.
    budget_left : float
        Budget not yet spent, after the slot.
    auctions_seen : int
        Auctions reported so far, the slot's included.
    n_auctions : int or None
        Auctions expected over the day, when known.
    lam_bounds : (float, float)
        The floor and ceiling of the multiplier.
    max_bid : float
        The bid cap.
    """

    slot: int
    multiplier: float
    spend: float
    target: float
    pctr: FloatArray | None
    budget_left: float
    auctions_seen: int
    n_auctions: int | None
    lam_bounds: tuple[float, float]
    max_bid: float

    @property
    def error(self) -> float:
        """The relative spend error ``spend / target - 1`` (> 0: spending too fast)."""
        return self.spend / self.target - 1.0


class PacingController(ABC):
    """The interface of a pacing controller.

    A controller is stepped once per slot by :class:`BudgetPacer` (which checks the
    inputs and books the spend) and returns the next multiplier, within
    ``outcome.lam_bounds``.  It may keep state from slot to slot; one instance paces
    one day.

    Attributes
    ----------
    name : str
        The name :class:`BudgetPacer` reports (``"none"``, ``"dual"``, ``"pid"``,
        ``"filter"``, or a custom controller's own).
    follows_plan : bool
        Whether the controller steers towards the slot targets of the pacer's spend
        plan (the pacer then builds the ``"level"`` or ``"spend"`` plan for it).
    needs_pctr : bool
        Whether :meth:`next_multiplier` reads ``outcome.pctr`` (the pacer then
        requires it in :meth:`BudgetPacer.update`).
    """

    name: ClassVar[str] = "custom"
    follows_plan: ClassVar[bool] = True
    needs_pctr: ClassVar[bool] = False

    @abstractmethod
    def next_multiplier(self, outcome: SlotOutcome) -> float:
        """The ``lam`` for the next slot, after ``outcome``."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class OpenLoop(PacingController):
    """Keeps the starting multiplier (``controller="none"``)."""

    name: ClassVar[str] = "none"
    follows_plan: ClassVar[bool] = False

    def next_multiplier(self, outcome: SlotOutcome) -> float:
        return outcome.multiplier


class DualUpdate(PacingController):
    """An online (multiplicative) dual update towards the slot's target:
    ``lam *= exp(step * clip(error, -0.95, 3))``, ``error = spend / target - 1``.

    Parameters
    ----------
    step : float, default 0.3
        Step size (>= 0; 0 keeps ``lam``).
    """

    name: ClassVar[str] = "dual"

    def __init__(self, step: float = 0.3) -> None:
        self.step = check_scalar(step, "step", lower=0)

    def next_multiplier(self, outcome: SlotOutcome) -> float:
        low, high = outcome.lam_bounds
        error = outcome.error
        return bounded(outcome.multiplier, self.step * max(min(error, 3.0), -0.95), low, high)

    def __repr__(self) -> str:
        return f"DualUpdate(step={self.step!r})"


class PIDController(PacingController):
    """A PID controller on ``log(lam)`` driven by the relative spend error
    ``spend / target - 1`` (each term of its step clipped to +-1e6, the error to at
    most 1e12, so that no gain makes the step infinite).

    Parameters
    ----------
    gains : (kp, ki, kd), default (0.4, 0.0, 0.0)
        Finite gains >= 0.
    """

    name: ClassVar[str] = "pid"

    def __init__(self, gains: tuple[float, float, float] = (0.4, 0.0, 0.0)) -> None:
        self.gains = check_gains(gains)
        self._integral = self._previous = 0.0

    def next_multiplier(self, outcome: SlotOutcome) -> float:
        low, high = outcome.lam_bounds
        kp, ki, kd = self.gains
        error = min(outcome.error, _MAX_ERROR)  # (a target of 1e-300 would make it inf)
        self._integral += error
        lam = bounded(
            outcome.multiplier,
            _clip(kp * error) + _clip(ki * self._integral) + _clip(kd * (error - self._previous)),
            low,
            high,
        )
        self._previous = error
        return lam

    def __repr__(self) -> str:
        return f"PIDController(gains={self.gains!r})"


def bounded(lam: float, exponent: float, low: float, high: float) -> float:
    """``lam * exp(exponent)`` clipped to ``[low, high]``, without overflow (``lam`` in
    the range; ``exponent`` may be infinite, not NaN)."""
    if exponent >= math.log(high / lam):
        return high
    if exponent <= math.log(low / lam):
        return low
    return min(max(lam * math.exp(exponent), low), high)


def _clip(term: float) -> float:
    """A term of the PID's step, within +-``_MAX_TERM``."""
    return min(max(term, -_MAX_TERM), _MAX_TERM)


def check_gains(gains: object) -> tuple[float, float, float]:
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
