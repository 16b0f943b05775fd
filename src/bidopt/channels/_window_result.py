"""The result of a window split (:func:`bidopt.channels.split_window`):
:class:`WindowSplit`, and the check of its ``phases``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from bidopt._optional import require_pandas
from bidopt._quantiles import central_interval
from bidopt._validation import check_scalar, short_repr
from bidopt._wording import ljust
from bidopt.channels._result import signed_pair
from bidopt.exceptions import InvalidInputError
from bidopt.typing import FloatArray

__all__ = ["WindowSplit", "window_phases"]


@dataclass(frozen=True, slots=True, eq=False)
class WindowSplit:
    """A budget split over the phases of a campaign window.

    Attributes
    ----------
    channels, phases : tuple of str
    lengths : ndarray of int64, shape (n_phases,)
        Periods in each phase.
    spend : ndarray of float64, shape (n_channels, n_phases)
        Spend per period of each channel in each phase (yuan).
    response : float
        Expected KPI over the window and, with ``tail``, the periods after it that its
        carry-over reaches (mean over the draws).
    tail_response : float
        The part of ``response`` earned after the window.
    channel_response : ndarray of float64, shape (n_channels,)
    response_draws : ndarray of float64, shape (n_draws,)
    channel_response_median : ndarray of float64, shape (n_channels,), or None
        The median over the draws of each channel's response (``channel_response`` is
        the mean).
    tail_channels : tuple of str
        Channels whose mean response over the draws lies outside the draws' central
        80% interval: a few draws (a channel the history does not identify) dominate
        the mean, and so ``response``; the message and summary say so and
        ``split_window`` warns (:class:`~bidopt.exceptions.IdentifiabilityWarning`).
    success : bool
        The budget, phase budgets, shares and bounds hold on ``spend`` (1e-6 relative).
    status : int
        As :class:`BudgetSplit`'s.  0: SLSQP converged to a split meeting every
        constraint, proven the best (concave curves; S-shaped ones when it reaches the
        concave-envelope bound); with the safe default, the best split within the trust
        region, which holds no cell at its edge.  1: the safe default stayed at today's
        split (no move gains in enough draws).  2: the split meets every constraint but
        is not proven the best (SLSQP stopped short, or S-shaped curves with a gap to
        the bound; the message says which).  3: a constraint fails on ``spend``
        (``success`` False; the message says by how much).  4: the safe default stopped
        short of the best split: part of the way, at its edge of the trust region, or
        at today's split moved to meet the rules (the message says how far and why).
    message : str
    nit : int
    safe_step : float or None
        The safe default's step (``safe=True`` with a fit): 0 when it stayed at today's
        split, 1 when it took the best split within the trust region, between when it
        stopped part of the way; None when the safe default was not applied.
    gain_probability : float or None
        Share of the draws in which the window's response beats today's split's (with
        the safe default).
    gain_interval : (float, float) or None
        80% interval over the draws of that gain (response units).
    current_spend : ndarray of float64, shape (n_channels, n_phases), or None
        Today's split the safe default starts from (yuan per period): ``current``,
        else ``before``, else the fit's mean spend per period, in its channel mix,
        scaled to each phase's budget per period, moved just enough to meet the rules
        when it breaks them.
    current_response : float or None
        Its expected response (mean over the draws).
    current_response_draws : ndarray of float64, shape (n_draws,), or None
    current_source : str or None
        Which spend today's split is (its channel mix): "`current` as given",
        "`before=` (your spend per period before the window)" or "the fitted
        history's mean spend"; None without the safe default.
    current_moved : bool or None
        Whether ``current_spend`` is today's split moved to meet the rules (it broke a
        share rule or a bound in some phase); None without the safe default.
    """

    channels: tuple[str, ...]
    phases: tuple[str, ...]
    lengths: np.ndarray
    spend: FloatArray
    response: float
    tail_response: float
    channel_response: FloatArray
    response_draws: FloatArray
    success: bool
    status: int
    message: str
    nit: int
    channel_response_median: FloatArray | None = None
    tail_channels: tuple[str, ...] = ()
    safe_step: float | None = None
    gain_probability: float | None = None
    gain_interval: tuple[float, float] | None = None
    current_spend: FloatArray | None = None
    current_response: float | None = None
    current_response_draws: FloatArray | None = None
    current_source: str | None = None
    current_moved: bool | None = None

    @property
    def phase_spend(self) -> FloatArray:
        """Spend of each channel over each whole phase (yuan), (n_channels, n_phases)."""
        return np.asarray(self.spend * self.lengths, dtype=np.float64)

    @property
    def total_spend(self) -> float:
        return float(self.phase_spend.sum())

    def summary(self) -> str:
        """The plan per phase and channel."""
        lines = [
            f"WindowSplit: {self.message}",
            f"  spend {self.total_spend:,.0f} yuan, expected response {self.response:,.0f} "
            f"(of which {self.tail_response:,.0f} after the window)",
        ]
        head = "".join(f"{p[:12]:>14}" for p in self.phases)
        lines.append(f"  {'yuan per period':<16}{head}")
        tables = [("", self.spend)]
        if self.current_spend is not None:
            source = f", from {self.current_source}" if self.current_source else ""
            title = f"  today's split (the safe default's start){source}:"
            tables.append((title, self.current_spend))
        for title, spend in tables:
            if title:
                lines.append(title)
            for j, c in enumerate(self.channels):
                row = "".join(f"{v:>14,.0f}" for v in spend[j])
                lines.append(f"  {ljust(c, 16)}{row}")
            # each phase's total per period, and over the phase (to check against its budget)
            per_period = spend.sum(axis=0)
            row = "".join(f"{v:>14,.0f}" for v in per_period)
            lines.append(f"  {'total':<16}{row}")
            row = "".join(f"{v:>14,.0f}" for v in per_period * self.lengths)
            lines.append(f"  {'phase total':<16}{row}")
        q = central_interval(self.response_draws, 0.8)
        lines.append(
            f"  over {self.response_draws.size} draws: 80% range {q[0]:,.0f} - {q[1]:,.0f}"
        )
        if self.safe_step is not None and self.gain_interval is not None:
            assert self.current_response is not None
            start = "today's split"
            if self.current_moved:
                start = "today's split moved to meet the rules"
            moved = (
                f"stayed at {start}"
                if self.safe_step <= 0
                else f"moved {self.safe_step:.0%} of the way from {start}"
            )
            mean = self.response - self.current_response
            gain = signed_pair(mean, max(abs(mean), *map(abs, self.gain_interval)))[0]
            whose = "its" if self.current_moved else "today's split's"
            lines.append(
                f"  safe default: {moved}; {whose} expected response "
                f"{self.current_response:,.0f}, the plan's {self.response:,.0f}: expected "
                f"gain {gain} (the mean over the draws), 80% interval "
                "{} to {}, ".format(*signed_pair(*self.gain_interval))
                + f"positive in {self.gain_probability:.0%} of the draws"
            )
        if self.tail_channels:
            where = "outside" if not q[0] <= self.response <= q[1] else "inside"
            lines.append(
                f"  the expected response {self.response:,.0f} is the mean over the draws, "
                f"{where} that range: a few draws of {', '.join(self.tail_channels)} dominate "
                f"it (not identified by the history); the median is "
                f"{np.median(self.response_draws):,.0f}"
            )
        return "\n".join(lines)

    def to_frame(self) -> Any:
        """One row per channel and phase (needs pandas); with the safe default, also
        today's split per period (``current_spend_per_period``)."""
        pd = require_pandas("WindowSplit.to_frame()")
        n, f = self.spend.shape
        columns = {
            "channel": np.repeat(np.array(self.channels, dtype=object), f),
            "phase": np.tile(np.array(self.phases, dtype=object), n),
            "periods": np.tile(self.lengths, n),
            "spend_per_period": self.spend.ravel(),
            "phase_spend": self.phase_spend.ravel(),
        }
        if self.current_spend is not None:
            columns["current_spend_per_period"] = self.current_spend.ravel()
        return pd.DataFrame(columns)


def window_phases(phases: Any) -> tuple[tuple[str, ...], np.ndarray]:
    """The phase names and their lengths in periods (int64, shape (n_phases,))."""
    if not isinstance(phases, Mapping) or not phases:
        raise InvalidInputError(
            "`phases` must be a mapping of phase name -> number of periods (e.g. "
            f"{{'pre-heat': 7, 'double11': 1}}). Got {short_repr(phases)} instead."
        )
    lengths = [
        int(check_scalar(v, f"phases[{k!r}]", lower=1, integer=True)) for k, v in phases.items()
    ]
    names = tuple(map(str, phases))
    if len(set(names)) < len(names):
        raise InvalidInputError(
            "`phases` must name each phase once (names are compared as text). Got "
            f"{short_repr(list(phases))} instead."
        )
    return names, np.array(lengths, dtype=np.int64)
