"""Certificates: every constraint of a returned plan, checked on the plan itself.

A solver's own bookkeeping is not proof that its answer is feasible.  Every solver in
bidopt builds a :class:`Certificate` from the plan it is about to return (the bids, the
spend, the allocation), with one :class:`ConstraintCheck` per constraint it was given,
and sets ``success=True`` only when every check holds.  The tolerance is relative:
a check ``value <= limit`` holds when ``value <= limit + rtol * scale``, where ``scale``
is the larger of ``|limit|`` and the magnitude of the quantities the constraint adds up
(so a target CPA of 25 yuan on a plan spending 10,000 yuan is checked to about 1e-5
yuan of spend, never to an absolute tolerance of its own).

Build one with :func:`upper`, :func:`lower`, :func:`equal` (one number each) and
:func:`upper_each` / :func:`lower_each` (one check summarising an array of per-item
constraints, such as per-keyword bid bounds), then :class:`Certificate`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from bidopt._optional import require_pandas
from bidopt._wording import counted
from bidopt.exceptions import MissingColumnError

__all__ = [
    "RTOL",
    "Certificate",
    "ConstraintCheck",
    "cpa_check",
    "cpc_each",
    "ctr_check",
    "equal",
    "lower",
    "lower_each",
    "roas_check",
    "upper",
    "upper_each",
]

#: Default relative tolerance of every certificate check.
RTOL = 1e-9

Sense = Literal["<=", ">=", "=="]


@dataclass(frozen=True, slots=True)
class ConstraintCheck:
    """One constraint checked on a returned plan.

    Attributes
    ----------
    name : str
        The constraint, as the user gave it (``"budget"``, ``"target_cpa"``,
        ``"group_shares['core']"``, ``"max_bid"``).
    sense : {"<=", ">=", "=="}
        ``value <= limit``, ``value >= limit`` or ``value == limit``.
    value : float
        What the plan achieves (for an array check, the worst item's value).
    limit : float
        The bound (for an array check, the worst item's bound).
    slack : float
        How far inside the bound the plan is, in the constraint's unit: ``limit - value``
        for ``<=``, ``value - limit`` for ``>=``, ``-|value - limit|`` for ``==``.
        Negative means violated (before the tolerance).
    tolerance : float
        Absolute tolerance applied: ``rtol * scale``.
    holds : bool
        ``slack >= -tolerance`` (and every number finite).
    unit : str
        Unit of value and limit (``"yuan"``, ``"yuan/order"``, ``"share"``, ...).
    detail : str
        For an array check, how many items were checked and how many fail; else "".
    """

    name: str
    sense: Sense
    value: float
    limit: float
    slack: float
    tolerance: float
    holds: bool
    unit: str = ""
    detail: str = ""

    def line(self) -> str:
        """One readable line: name, value, bound, slack and verdict."""
        verdict = "holds" if self.holds else "VIOLATED"
        unit = f" {self.unit}" if self.unit else ""
        text = (
            f"{self.name}: {self.value:.10g}{unit} {self.sense} {self.limit:.10g}{unit}"
            f" (slack {self.slack:.3g}, tol {self.tolerance:.2g}) {verdict}"
        )
        return text + (f"; {self.detail}" if self.detail else "")


def _check(
    name: str,
    sense: Sense,
    value: float,
    limit: float,
    *,
    scale: float,
    rtol: float,
    unit: str,
    detail: str = "",
) -> ConstraintCheck:
    value, limit = float(value), float(limit)
    if sense == "<=":
        slack = limit - value
    elif sense == ">=":
        slack = value - limit
    else:
        slack = -abs(value - limit)
    if math.isinf(limit) and not math.isnan(value) and value != limit:
        # an infinite bound in the right direction always holds
        ok_inf = (sense == "<=" and limit > 0) or (sense == ">=" and limit < 0)
        return ConstraintCheck(
            name, sense, value, limit, math.inf, 0.0, ok_inf and math.isfinite(value), unit, detail
        )
    size = max(abs(limit), abs(float(scale))) if math.isfinite(scale) else abs(limit)
    tolerance = rtol * size
    finite = math.isfinite(value) and math.isfinite(limit) and math.isfinite(slack)
    holds = finite and slack >= -tolerance
    return ConstraintCheck(name, sense, value, limit, slack, tolerance, holds, unit, detail)


def upper(
    name: str, value: float, limit: float, *, scale: float = 0.0, rtol: float = RTOL, unit: str = ""
) -> ConstraintCheck:
    """Check ``value <= limit`` to ``rtol * max(|limit|, scale)``."""
    return _check(name, "<=", value, limit, scale=scale, rtol=rtol, unit=unit)


def lower(
    name: str, value: float, limit: float, *, scale: float = 0.0, rtol: float = RTOL, unit: str = ""
) -> ConstraintCheck:
    """Check ``value >= limit`` to ``rtol * max(|limit|, scale)``."""
    return _check(name, ">=", value, limit, scale=scale, rtol=rtol, unit=unit)


def equal(
    name: str, value: float, limit: float, *, scale: float = 0.0, rtol: float = RTOL, unit: str = ""
) -> ConstraintCheck:
    """Check ``value == limit`` to ``rtol * max(|limit|, scale)``."""
    return _check(name, "==", value, limit, scale=scale, rtol=rtol, unit=unit)


def _each(
    name: str,
    sense: Sense,
    values: npt.ArrayLike,
    limits: npt.ArrayLike,
    *,
    rtol: float,
    unit: str,
    item: str,
) -> ConstraintCheck:
    v = np.asarray(values, dtype=np.float64).ravel()
    lim = np.asarray(limits, dtype=np.float64)
    if v.size == 0:
        return ConstraintCheck(name, sense, 0.0, 0.0, math.inf, 0.0, True, unit, f"0 {item}s")
    if lim.ndim:  # one bound per item; a single bound is used as a scalar (no per-item copy)
        lim = np.broadcast_to(lim, v.shape).ravel()
    with np.errstate(invalid="ignore"):
        slack = lim - v if sense == "<=" else v - lim
        tol = rtol * np.abs(lim)
        infinite = np.isinf(lim)
        if infinite.any():  # an infinite bound in the right direction always holds
            slack = np.where(infinite & np.isfinite(v), np.inf, slack)
        fails = ~(slack >= -tol)  # NaN fails
        n_fail = int(np.count_nonzero(fails))
        worst = int(np.argmax(fails)) if n_fail else int(np.argmin(slack - (-tol)))
    at = worst if lim.ndim else ()
    detail = f"{counted(v.size, item)}, {n_fail} violate{'s' if n_fail == 1 else ''}" + (
        f" (first: {item} {worst})" if n_fail else ""
    )
    return ConstraintCheck(
        name,
        sense,
        float(v[worst]),
        float(lim[at]),
        float(slack[worst]),
        float(tol[at]),
        n_fail == 0,
        unit,
        detail,
    )


def upper_each(
    name: str,
    values: npt.ArrayLike,
    limits: npt.ArrayLike,
    *,
    rtol: float = RTOL,
    unit: str = "",
    item: str = "item",
) -> ConstraintCheck:
    """Check ``values[i] <= limits[i]`` for every item (``limits`` broadcasts).

    The returned check reports the first violating item, or the tightest one when all
    hold; ``detail`` counts the items and the violations.
    """
    return _each(name, "<=", values, limits, rtol=rtol, unit=unit, item=item)


def lower_each(
    name: str,
    values: npt.ArrayLike,
    limits: npt.ArrayLike,
    *,
    rtol: float = RTOL,
    unit: str = "",
    item: str = "item",
) -> ConstraintCheck:
    """Check ``values[i] >= limits[i]`` for every item (``limits`` broadcasts)."""
    return _each(name, ">=", values, limits, rtol=rtol, unit=unit, item=item)


def cpc_each(
    name: str,
    cost: npt.ArrayLike,
    clicks: npt.ArrayLike,
    cap: float,
    *,
    rtol: float = RTOL,
    item: str = "item",
) -> ConstraintCheck:
    """Check every paid item's cost per click against a CPC cap, in the cap's unit
    (yuan/click): ``cost[i] / clicks[i] <= cap`` where ``cost[i] > 0``; money for no
    clicks is an infinite CPC (it fails).  ``cost`` and ``clicks`` have one shape,
    (n_items,); items without spend are not counted."""
    spend = np.asarray(cost, dtype=np.float64).ravel()
    paid = spend > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        # (+ 0.0 makes a -0.0 click count +0.0, so money for no clicks is +inf)
        cpc = spend[paid] / (np.asarray(clicks, dtype=np.float64).ravel()[paid] + 0.0)
    return upper_each(name, cpc, cap, rtol=rtol, unit="yuan/click", item=item)


def cpa_check(
    spend: float, conversions: float, target: float, *, rtol: float = RTOL
) -> ConstraintCheck:
    """``target_cpa``: the plan's cost per order (``spend / conversions``, yuan/order)
    ``<= target``, in the target's unit; money for no orders is an infinite CPA (it
    fails), the empty plan's CPA is 0."""
    cpa = spend / conversions if conversions > 0 else (math.inf if spend > 0 else 0.0)
    return upper("target_cpa", cpa, target, rtol=rtol, unit="yuan/order")


def roas_check(value: float, spend: float, target: float, *, rtol: float = RTOL) -> ConstraintCheck:
    """``target_roas``: the plan's value (revenue, yuan) per yuan of spend ``>= target``;
    the empty plan (no spend) meets it (``target x 0 <= value``)."""
    roas = value / spend if spend > 0 else target
    return lower("target_roas", roas, target, rtol=rtol)


def ctr_check(
    clicks: float, impressions: float, floor: float, *, rtol: float = RTOL
) -> ConstraintCheck:
    """``min_ctr``: the plan's click-through rate (``clicks / impressions``, a fraction)
    ``>= floor``; a plan without impressions meets it (``floor x 0 <= clicks``)."""
    ctr = clicks / impressions if impressions > 0 else floor
    return lower("min_ctr", ctr, floor, rtol=rtol)


@dataclass(frozen=True, slots=True)
class Certificate:
    """Every constraint of a returned plan, checked on the plan itself.

    Attributes
    ----------
    checks : tuple of ConstraintCheck
        One per constraint the solver was given.
    """

    checks: tuple[ConstraintCheck, ...]

    @classmethod
    def of(cls, checks: Iterable[ConstraintCheck]) -> Certificate:
        """A certificate of the given checks."""
        return cls(tuple(checks))

    @property
    def holds(self) -> bool:
        """True when every check holds."""
        return all(c.holds for c in self.checks)

    @property
    def violated(self) -> tuple[ConstraintCheck, ...]:
        """The checks that fail."""
        return tuple(c for c in self.checks if not c.holds)

    def __getitem__(self, name: str) -> ConstraintCheck:
        for c in self.checks:
            if isinstance(name, str) and c.name == name:
                return c
        raise MissingColumnError(
            f"`name` must be one of the certificate's checks {[c.name for c in self.checks]}. "
            f"Got {name!r} instead."
        )

    def __contains__(self, name: object) -> bool:
        return any(c.name == name for c in self.checks)

    def message(self) -> str:
        """What fails and by how much, in one sentence ("" when everything holds)."""
        bad = self.violated
        if not bad:
            return ""
        parts = [
            f"{c.name} ({c.value:.6g} {c.sense} {c.limit:.6g} fails by {-c.slack:.3g}"
            + (f" {c.unit}" if c.unit else "")
            + ")"
            for c in bad
        ]
        return "The returned plan breaks " + "; ".join(parts) + "."

    def summary(self) -> str:
        """Every check on its own line."""
        head = "Certificate: every constraint holds" if self.holds else "Certificate: VIOLATED"
        return "\n".join([head, *("  " + c.line() for c in self.checks)])

    def __repr__(self) -> str:
        names = ", ".join(f"{c.name}{'' if c.holds else ' (violated)'}" for c in self.checks)
        return f"Certificate(holds={self.holds}, checks=[{names}])"

    def to_frame(self) -> Any:
        """One row per check (needs pandas)."""
        pd = require_pandas("Certificate.to_frame()")
        return pd.DataFrame(
            {
                "constraint": [c.name for c in self.checks],
                "sense": [c.sense for c in self.checks],
                "value": [c.value for c in self.checks],
                "limit": [c.limit for c in self.checks],
                "slack": [c.slack for c in self.checks],
                "tolerance": [c.tolerance for c in self.checks],
                "holds": [c.holds for c in self.checks],
                "unit": [c.unit for c in self.checks],
                "detail": [c.detail for c in self.checks],
            }
        )
