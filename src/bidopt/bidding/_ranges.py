"""``PlanRanges``: what a plan promises, as ranges over the estimate's draws."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from bidopt._optional import require_pandas
from bidopt._quantiles import central_interval
from bidopt._wording import counted
from bidopt.exceptions import InvalidInputError
from bidopt.typing import FloatArray

__all__ = ["PlanRanges"]


@dataclass(frozen=True, slots=True, eq=False)
class PlanRanges:
    """Ranges of a plan's totals over the draws of the landscape estimate.

    Each draw is one plausible set of landscape parameters given the log (see
    :class:`~bidopt.landscape.LandscapeDraws`); the plan's bids, and today's bids, are
    evaluated under every draw.  The interval of a metric is the central ``level``
    (80% by default) of its totals over the draws (``bidopt._quantiles.central_interval``:
    the order statistics that hold one more draw with that probability, not the
    interpolated quantiles, which hold it less often with few draws): for a plan on a log
    that identifies the landscape, the true expected total falls inside it about that
    often.

    Attributes
    ----------
    metrics : tuple of str
        Names of the columns of ``plan`` and ``today``: ``spend``, ``clicks`` and, when
        estimated, ``conversions`` and ``revenue`` (yuan for money).
    plan : ndarray of float64, shape (n_draws, n_metrics)
        The plan's totals per period under each draw.
    today : ndarray of float64, shape (n_draws, n_metrics)
        Today's bids' totals under each draw.
    gain : ndarray of float64, shape (n_draws,)
        The plan's objective minus today's at the same spend, under each draw (today's
        bids under the plan's constraints: keywords a target, a cap or the bid limits
        rule out are paused; their objective is scaled down in proportion when they
        spend more than the budget).
    level : float
        Probability of the central intervals (0.8).
    trust_scale : float
        Width of the trust region used, as a fraction of the full one (1 the full trust
        region, 0 today's bids, lowered only to meet the budget; NaN when the plan was
        made without it, ``safe=False``).
    trust_low, trust_high : ndarray of float64, shape (n_keywords,), or None
        Each keyword's lowest and highest bid in that trust region (yuan; 0 for a
        keyword the region keeps paused), before any reach below it for the budget or a
        target (the plan's message says when it went lower); None without the region.
    """

    metrics: tuple[str, ...]
    plan: FloatArray
    today: FloatArray
    gain: FloatArray
    level: float = 0.8
    trust_scale: float = float("nan")
    trust_low: FloatArray | None = None
    trust_high: FloatArray | None = None

    def _column(self, name: str) -> int:
        if name not in self.metrics:
            raise InvalidInputError(
                f"`name` must be one of {list(self.metrics)}. Got {name!r} instead."
            )
        return self.metrics.index(name)

    @property
    def n_draws(self) -> int:
        """Number of draws."""
        return int(self.plan.shape[0])

    def interval(self, name: str, *, today: bool = False) -> tuple[float, float]:
        """The central ``level`` interval of a total over the draws (``today=True``:
        today's bids'), see :func:`central_interval`."""
        return central_interval(
            (self.today if today else self.plan)[:, self._column(name)], self.level
        )

    def mean(self, name: str, *, today: bool = False) -> float:
        """Mean of a total over the draws (what the plan was optimised for)."""
        return float((self.today if today else self.plan)[:, self._column(name)].mean())

    @property
    def probability_better(self) -> float:
        """Share of draws in which the plan's objective beats today's at the same spend."""
        return float((self.gain > 0).mean()) if self.gain.size else float("nan")

    def summary(self) -> str:
        """One line per metric: the plan's mean and range, and today's.  With fewer than
        two draws (an estimate made with ``n_draws=0`` or 1) there is no spread to show:
        the lines give the one point, and say so, not intervals of zero width."""
        if self.n_draws < 2:
            lines = [
                "No ranges: the estimate has no draws to spread (estimate_landscapes(..., "
                "n_draws=0) or 1), so the plan and today's bids are read at one point:"
            ]
            for name in self.metrics:
                lines.append(
                    f"  {name:<12} {self.mean(name):>12,.2f}   today "
                    f"{self.mean(name, today=True):,.2f}"
                )
            gain = f"{self.gain.mean():,.3g}" if self.gain.size else "-"
            lines.append(f"  objective gain vs today: {gain} at that point{self._trust_note()}")
            return "\n".join(lines)
        lines = [
            f"Ranges over {counted(self.n_draws, 'draw')} ({self.level:.0%} intervals), plan vs "
            "today's bids:"
        ]
        for name in self.metrics:
            lo, hi = self.interval(name)
            tlo, thi = self.interval(name, today=True)
            lines.append(
                f"  {name:<12} {self.mean(name):>12,.2f} [{lo:,.2f} .. {hi:,.2f}]   today "
                f"{self.mean(name, today=True):,.2f} [{tlo:,.2f} .. {thi:,.2f}]"
            )
        lines.append(
            f"  objective gain vs today: mean {self.gain.mean():,.3g}, better in "
            f"{self.probability_better:.0%} of draws{self._trust_note()}"
        )
        return "\n".join(lines)

    def _trust_note(self) -> str:
        if np.isnan(self.trust_scale):
            return ""
        return f"; trust region at {self.trust_scale:g} of its full width"

    def __repr__(self) -> str:
        return (
            f"PlanRanges(n_draws={self.n_draws}, metrics={self.metrics}, level={self.level}, "
            f"trust_scale={self.trust_scale:g})"
        )

    def to_frame(self) -> Any:
        """One row per metric: mean, lower and upper for the plan and for today's bids
        (needs pandas)."""
        pd = require_pandas("PlanRanges.to_frame()")
        rows = []
        for name in self.metrics:
            lo, hi = self.interval(name)
            tlo, thi = self.interval(name, today=True)
            rows.append(
                {
                    "metric": name,
                    "mean": self.mean(name),
                    "lower": lo,
                    "upper": hi,
                    "today_mean": self.mean(name, today=True),
                    "today_lower": tlo,
                    "today_upper": thi,
                }
            )
        return pd.DataFrame(rows)
