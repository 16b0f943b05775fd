"""The result of a budget split: :class:`BudgetSplit`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from bidopt._certificate import Certificate
from bidopt._optional import require_pandas
from bidopt._quantiles import central_interval
from bidopt._wording import display_width, ljust
from bidopt.typing import FloatArray

__all__ = ["BudgetSplit", "signed_pair"]


@dataclass(frozen=True, slots=True, eq=False)
class BudgetSplit:
    """A budget split across channels.

    Attributes
    ----------
    channels : tuple of str
    spend : ndarray of float64, shape (n_channels,)
        Yuan per period for each channel.
    channel_response : ndarray of float64, shape (n_channels,)
        Expected response (revenue) of each channel at its spend.
    marginal_roi : ndarray of float64, shape (n_channels,)
        Response per extra yuan at each channel's spend.
    total_budget : float
    objective : str
    group_names : tuple of str
    group_spend : ndarray of float64
        Spend per group (ungrouped channels appear as ``<channel>``).
    shadow_prices : dict of str to float
        Objective per extra yuan of each binding constraint (``budget``,
        ``group:<name>`` for a group share, ``bound:<channel>`` for a channel bound).
    current_spend : ndarray of float64, shape (n_channels,), or None
        The split this one is compared with (yuan per period): ``current`` as given;
        with the safe default of a split over a fit's draws, today's split scaled to
        the budget (the fit's mean spend when ``current`` is not given), so that the
        gain is at equal spend (the message says so when it scaled it).
    current_response : float or None
        Response of ``current_spend``, if any.
    unconstrained_response : float or None
        Response of the best split without the group rules (same budget and bounds);
        of a split over a fit's draws, of the same split (safe default, ``risk``,
        guard) made without them.
    success, status, message, method, nit
        Solver status in scipy's fields.  ``success``: the certificate holds.
        ``status`` 0: the KKT conditions were checked to hold on the split; 1: the
        ``current`` spend is returned (the optimiser did not beat it); 2: the split meets
        every constraint but the KKT conditions do not hold on it (the best split found,
        not a proven optimum; the message says which condition fails); 3: the
        certificate fails (``success`` False; the message says what and by how much);
        4: the safe default of a split over a fit's draws stopped short of the best
        split (it moved only as far as the draws support; the message says how far
        and why).
    certificate : Certificate
        Every constraint (budget, channel bounds, group shares, revenue and ROI
        targets) checked on the returned spend itself, relative tolerance 1e-9; printed
        by :meth:`summary`.
    response_draws : ndarray of float64, shape (n_draws,), or None
        Total response of the split under each curve draw (a split of a
        :class:`ResponseFit`); ``channel_response`` is then the mean over the draws.
    current_response_draws : ndarray of float64, shape (n_draws,), or None
        The same for the ``current`` spend.
    guarded : tuple of str
        Channels held at the extrapolation guard's bound (a multiple of their largest
        observed spend; see :func:`split_budget`).
    risk : str
        What the split maximises over draws: ``"mean"``, or ``"cvar<a>"`` (the mean
        response of the worst fraction ``a`` of the draws).
    gain_probability : float or None
        Share of the curve draws in which the split beats the current spend (in the
        objective: revenue, or profit); None without draws or a current spend.
    gain_interval : (float, float) or None
        The central 80% interval of that gain over the draws (the draws at ranks
        (n + 1) x 0.1 and (n + 1) x 0.9, as every interval over draws in bidopt), yuan
        per period.
    safe_step : float or None
        With the safe default (``split_budget(fit, ..., safe=True)``): how far the split
        moved from today's split towards the best split over the draws within the
        trust region (0: it stayed at today's split; 1: all the way); None when the
        safe default was off or not applied.
    channel_response_median : ndarray of float64, shape (n_channels,), or None
        The median over the curve draws of each channel's response at its spend (a
        split of a :class:`ResponseFit`); beside ``channel_response``, the mean.
    tail_channels : tuple of str
        Channels whose mean response over the draws lies outside the draws' central
        80% interval: a few draws (a channel the history does not identify) dominate
        the mean, and so ``channel_response``, ``response`` and ``roi``; the message
        and the summary say so and give the medians, and ``split_budget`` warns
        (:class:`~bidopt.exceptions.IdentifiabilityWarning`).
    """

    channels: tuple[str, ...]
    spend: FloatArray
    channel_response: FloatArray
    marginal_roi: FloatArray
    total_budget: float
    objective: str
    group_names: tuple[str, ...]
    group_spend: FloatArray
    shadow_prices: dict[str, float]
    current_spend: FloatArray | None
    current_response: float | None
    unconstrained_response: float | None
    success: bool
    status: int
    message: str
    method: str
    nit: int
    certificate: Certificate | None = None
    response_draws: FloatArray | None = None
    current_response_draws: FloatArray | None = None
    guarded: tuple[str, ...] = ()
    risk: str = "mean"
    gain_probability: float | None = None
    gain_interval: tuple[float, float] | None = None
    safe_step: float | None = None
    channel_response_median: FloatArray | None = None
    tail_channels: tuple[str, ...] = ()

    @property
    def allocation(self) -> dict[str, float]:
        """Channel -> yuan."""
        return {c: float(x) for c, x in zip(self.channels, self.spend, strict=True)}

    @property
    def response(self) -> float:
        """Total expected response (revenue), per period."""
        return float(self.channel_response.sum())

    @property
    def total_spend(self) -> float:
        """Yuan spent in all."""
        return float(self.spend.sum())

    @property
    def roi(self) -> float:
        """Response per yuan spent."""
        return self.response / self.total_spend if self.total_spend > 0 else float("nan")

    @property
    def rule_cost(self) -> float | None:
        """Response given up to the group rules: ``unconstrained_response`` minus this
        split's.  Below 0 only for a split over a fit's draws: the rules moved it
        further than the safe default (its start moved to meet them) or the
        extrapolation guard (which gives way to them) let the split without them move."""
        if self.unconstrained_response is None:
            return None
        return self.unconstrained_response - self.response

    @property
    def uplift(self) -> float | None:
        """Response gained over the current spend."""
        return None if self.current_response is None else self.response - self.current_response

    def summary(self) -> str:
        """A readable account of the split."""
        tail = bool(self.tail_channels) and self.response_draws is not None
        total = f"response {self.response:,.0f}"
        if tail and self.response_draws is not None:
            total += f" (mean over the draws; median {np.median(self.response_draws):,.0f})"
        lines = [
            f"BudgetSplit ({self.method}, objective={self.objective}): {self.message}",
            f"  budget {self.total_budget:,.0f} yuan, spent {self.total_spend:,.0f}, "
            f"{total}, ROI {self.roi:.3f}",
        ]
        width = max(display_width(c) for c in self.channels)
        for j, (c, x, r, m) in enumerate(
            zip(self.channels, self.spend, self.channel_response, self.marginal_roi, strict=True)
        ):
            lines.append(
                f"  {ljust(c, width)}  {x:>14,.0f} yuan  response {r:>14,.0f}  "
                + (f"ROI {r / x:6.2f}" if x > 0 else f"ROI {'-':>6}")
                + f"  marginal {m:6.3f}"
            )
            if c in self.tail_channels and self.channel_response_median is not None:
                med = float(self.channel_response_median[j])
                lines[-1] += f"  (mean dominated by a few draws; median {med:,.0f}" + (
                    f", ROI {med / x:.2f})" if x > 0 else ")"
                )
        if self.current_response is not None and self.uplift is not None:
            up, now = signed_pair(self.uplift, self.current_response)
            at = "" if self.current_spend is None else f"{self.current_spend.sum():,.0f} yuan, "
            lines.append(f"  vs current: {up} (current split: {at}response {now.lstrip('+')})")
            if tail and self.current_response_draws is not None and self.response_draws is not None:
                gain = float(np.median(self.response_draws - self.current_response_draws))
                lines[-1] += f"; means over the draws, median gain {signed_pair(gain, gain)[0]}"
        if self.rule_cost is not None and self.unconstrained_response is not None:
            against = (
                "unconstrained optimum"
                if self.response_draws is None
                else "same split without them"
            )
            if self.response_draws is not None and self.rule_cost < -1e-9 * max(
                1.0, abs(self.response)
            ):
                # only over a fit's draws: the rules moved the split past where the
                # safe default (its start) or the extrapolation guard (it gives way to
                # them) let the split without them go
                held = (
                    "extrapolation guard kept it within the spends seen"
                    if self.safe_step is None
                    else "safe default stopped nearer today's split, or whose extrapolation "
                    "guard kept it within the spends seen"
                )
                lines.append(
                    f"  the group rules cost nothing: this split's response is "
                    f"{-self.rule_cost:,.0f} above the {against} "
                    f"({self.unconstrained_response:,.0f}), whose {held}"
                )
            else:
                lines.append(
                    f"  the group rules cost {self.rule_cost:,.0f} against the "
                    f"{against} ({self.unconstrained_response:,.0f})"
                )
        if self.shadow_prices:
            lines.append(
                "  shadow prices: "
                + ", ".join(f"{k} {v:.4g}" for k, v in self.shadow_prices.items())
            )
        if self.response_draws is not None:
            lo, hi = central_interval(self.response_draws, 0.8)
            q = (lo, float(np.median(self.response_draws)), hi)
            lines.append(
                f"  over {self.response_draws.size} curve draws ({self.risk}): response median "
                f"{q[1]:,.0f}, 80% range {q[0]:,.0f} - {q[2]:,.0f}"
            )
            if tail:
                where = "outside" if not q[0] <= self.response <= q[2] else "inside"
                lines.append(
                    f"  the mean response {self.response:,.0f} lies {where} that range: a few "
                    f"draws of {', '.join(self.tail_channels)} dominate it (not identified by "
                    "the history); read the median"
                )
            if self.gain_probability is not None and self.gain_interval is not None:
                low, high = signed_pair(*self.gain_interval)
                lines.append(
                    f"  beats the current spend in {self.gain_probability:.0%} of the draws; "
                    f"gain 80% interval {low} to {high}"
                )
            if self.safe_step is not None:
                lines.append(
                    f"  safe default: moved {self.safe_step:.0%} of the way from its start "
                    "towards the best split over the draws within the trust region"
                )
        if self.guarded:
            lines.append(
                f"  held at the extrapolation guard (a multiple of the largest spend seen): "
                f"{', '.join(self.guarded)}"
            )
        if self.certificate is not None:
            lines.extend("  " + line for line in self.certificate.summary().splitlines())
        return "\n".join(lines)

    def to_frame(self) -> Any:
        """One row per channel (needs pandas)."""
        pd = require_pandas("BudgetSplit.to_frame()")
        data: dict[str, Any] = {
            "channel": list(self.channels),
            "spend": self.spend,
            "response": self.channel_response,
            "marginal_roi": self.marginal_roi,
        }
        if self.channel_response_median is not None:
            data["response_median"] = self.channel_response_median
        if self.current_spend is not None:
            data["current_spend"] = self.current_spend
        return pd.DataFrame(data)

    def __repr__(self) -> str:
        return (
            f"BudgetSplit(method={self.method!r}, response={self.response:.6g}, "
            f"spend={self.total_spend:.6g}, success={self.success})"
        )


def signed_pair(lo: float, hi: float) -> tuple[str, str]:
    """Two amounts with a sign, whole numbers when either reaches 100 (yuan), else two
    decimals (a KPI counted in orders); never an exponent.  An amount that rounds to
    zero prints without a sign ('0', '0.00'), never '-0'."""
    digits = 0 if max(abs(lo), abs(hi)) >= 100 else 2

    def signed(v: float) -> str:
        return f"{0.0:,.{digits}f}" if round(v, digits) == 0 else f"{v:+,.{digits}f}"

    return signed(lo), signed(hi)
