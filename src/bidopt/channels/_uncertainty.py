"""Parameter uncertainty of fitted response curves: draws from the Laplace approximation
at the fit's optimum, and intervals of each channel's ROI and marginal ROI."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from bidopt._optional import require_pandas
from bidopt._quantiles import central_band, central_interval
from bidopt._validation import check_scalar, short_repr
from bidopt._wording import amount, ljust
from bidopt.channels._curves import ResponseCurve
from bidopt.channels._curveset import CurveSet
from bidopt.exceptions import InvalidInputError
from bidopt.typing import FloatArray

__all__ = ["ChannelIntervals", "CurveDraws", "channel_intervals", "laplace_draws"]

#: An 80% interval of marginal ROI wider than this times its median: not identified.
UNIDENTIFIED_WIDTH = 1.0


@dataclass(frozen=True, slots=True, eq=False)
class CurveDraws:
    """Draws of every channel's steady-state response curve (and adstock).

    Attributes
    ----------
    channels : tuple of str
    kind : str
        The saturation kind of every curve (see :data:`CURVE_PARAMS`).
    params : dict of str to ndarray of float64, shape (n_draws, n_channels)
        Each curve parameter per draw and channel, in spend units (yuan per period).
    adstock : dict of str to ndarray of float64, shape (n_draws, n_channels)
        Adstock parameters per draw (``alpha``; or ``shape``, ``scale`` in periods).
    l_max : int
        Longest adstock carry-over, periods (as fitted).
    adstock_kind : {"geometric", "weibull", "none"}
    held : tuple of str
        Channels with a parameter the data and priors leave unbounded (infinite or
        huge variance): it is held at the fit's value in every draw, so their draws
        understate the uncertainty; they are flagged as not identified.
    """

    channels: tuple[str, ...]
    kind: str
    params: dict[str, FloatArray]
    adstock: dict[str, FloatArray]
    l_max: int = 4
    adstock_kind: str = "geometric"
    held: tuple[str, ...] = ()

    @property
    def n_draws(self) -> int:
        return int(next(iter(self.params.values())).shape[0])

    def curves(self, draw: int) -> dict[str, ResponseCurve]:
        """The curves of one draw, channel -> ResponseCurve."""
        return {
            c: ResponseCurve(
                kind=self.kind, params={p: float(v[draw, j]) for p, v in self.params.items()}
            )
            for j, c in enumerate(self.channels)
        }

    def curve_list(self) -> list[ResponseCurve]:
        """Every draw's curves, draw-major (``n_draws * n_channels`` curves)."""
        out: list[ResponseCurve] = []
        for d in range(self.n_draws):
            out.extend(self.curves(d).values())
        return out

    def channel_values(self, channel: str, spend: FloatArray) -> FloatArray:
        """One channel's response of every draw at each of the spends ``spend`` (yuan
        per period, shape (m,)): shape (n_draws, m)."""
        j = self.channels.index(channel)
        curves = CurveSet(
            [
                ResponseCurve(
                    kind=self.kind, params={p: float(v[d, j]) for p, v in self.params.items()}
                )
                for d in range(self.n_draws)
            ]
        )
        x = np.asarray(spend, dtype=np.float64)
        return np.column_stack([curves.value(np.full(self.n_draws, xi)) for xi in x.tolist()])

    def value_and_derivative(self, spend: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Response and marginal ROI of every draw at ``spend`` (yuan per period, shape
        (n_channels,)): two arrays of shape (n_draws, n_channels)."""
        cs = CurveSet(self.curve_list())
        x = np.tile(np.asarray(spend, dtype=np.float64), self.n_draws)
        v, g = cs.value_and_derivative(x)
        shape = (self.n_draws, len(self.channels))
        return v.reshape(shape), g.reshape(shape)

    def summary(self) -> str:
        """Median and 80% range of each parameter."""
        lines = [f"CurveDraws: {self.n_draws} draws of {len(self.channels)} {self.kind} curves"]
        for name, v in {
            **self.params,
            **{f"adstock_{k}": a for k, a in self.adstock.items()},
        }.items():
            for j, c in enumerate(self.channels):
                lo, hi = central_interval(v[:, j], 0.8)
                q = (lo, float(np.median(v[:, j])), hi)
                lines.append(
                    f"  {ljust(c + '.' + name, 28)} {q[1]:12.6g}  [{q[0]:.4g}, {q[2]:.4g}]"
                )
        return "\n".join(lines)

    def to_frame(self) -> Any:
        """One row per draw and channel, a column per parameter (needs pandas)."""
        pd = require_pandas("CurveDraws.to_frame()")
        n, k = self.n_draws, len(self.channels)
        data: dict[str, Any] = {
            "draw": np.repeat(np.arange(n), k),
            "channel": np.tile(np.array(self.channels, dtype=object), n),
        }
        for name, v in self.params.items():
            data[name] = v.ravel()
        for name, v in self.adstock.items():
            data[f"adstock_{name}"] = v.ravel()
        return pd.DataFrame(data)


def laplace_draws(
    p_hat: FloatArray,
    cov_scaled: FloatArray,
    scale: FloatArray,
    positive: np.ndarray,
    lower: FloatArray,
    upper: FloatArray,
    n_draws: int,
    rng: np.random.Generator,
) -> tuple[FloatArray, np.ndarray]:
    """``n_draws`` draws of the fit's parameters from the normal approximation at the
    optimum ``p_hat``, with covariance ``cov_scaled`` in relative coordinates
    (``dp / scale``): log-normal for the ``positive`` parameters (their relative
    change is a change of log), normal for the others; clipped to the bounds.  The
    first draw is ``p_hat`` itself.  A parameter with infinite (or a relative variance
    above 1e6) is held at its optimum; the second result marks those parameters."""
    ok = np.isfinite(cov_scaled).all(axis=0) & (np.abs(np.diag(cov_scaled)) < 1e6)
    z = rng.standard_normal((n_draws, p_hat.size))
    rel = np.zeros((n_draws, p_hat.size))
    if ok.any():
        block = cov_scaled[np.ix_(ok, ok)]
        try:
            vals, vecs = np.linalg.eigh(0.5 * (block + block.T))
        except np.linalg.LinAlgError:  # pragma: no cover - defensive
            vals, vecs = np.zeros(int(ok.sum())), np.eye(int(ok.sum()))
        rel[:, ok] = (z[:, ok] * np.sqrt(np.maximum(vals, 0.0))) @ vecs.T
    rel[0] = 0.0
    log_normal = positive & (p_hat >= scale)
    out = np.where(log_normal, p_hat * np.exp(np.clip(rel, -50.0, 50.0)), p_hat + scale * rel)
    return np.asarray(np.clip(out, lower, upper), dtype=np.float64), ~ok


@dataclass(frozen=True, slots=True, eq=False)
class ChannelIntervals:
    """Intervals of each channel's ROI and marginal ROI at a spend, from curve draws.

    Attributes
    ----------
    channels : tuple of str
    spend : ndarray of float64, shape (n_channels,)
        The spend per period the intervals are at (yuan).
    level : float
        The intervals' probability (e.g. 0.8: from the draw at rank (n + 1) x 0.1 to
        the one at (n + 1) x 0.9).
    roi, roi_low, roi_high : ndarray of float64, shape (n_channels,)
        Median and interval of response / spend (nan for a channel at spend 0: the
        default spend of a channel with no spend in the fitted history).
    marginal_roi, marginal_low, marginal_high : ndarray of float64, shape (n_channels,)
        Median and interval of the response's derivative (per yuan).
    identified : ndarray of bool, shape (n_channels,)
        False where the marginal-ROI interval is wider than its median: the history
        does not pin that channel's return down (run a lift test on it).
    """

    channels: tuple[str, ...]
    spend: FloatArray
    level: float
    roi: FloatArray
    roi_low: FloatArray
    roi_high: FloatArray
    marginal_roi: FloatArray
    marginal_low: FloatArray
    marginal_high: FloatArray
    identified: np.ndarray

    def summary(self) -> str:
        """One line per channel."""
        pct = f"{self.level:.0%}"
        lines = [f"ROI and marginal ROI with {pct} intervals at the spends given:"]
        for j, c in enumerate(self.channels):
            flag = "" if self.identified[j] else "  NOT IDENTIFIED by the data"
            lines.append(
                f"  {ljust(c, 16)} spend {amount(float(self.spend[j])):>12}  ROI {self.roi[j]:.3g} "
                f"[{self.roi_low[j]:.3g}, {self.roi_high[j]:.3g}]  marginal "
                f"{self.marginal_roi[j]:.3g} [{self.marginal_low[j]:.3g}, "
                f"{self.marginal_high[j]:.3g}]{flag}"
            )
        return "\n".join(lines)

    def to_frame(self) -> Any:
        """One row per channel (needs pandas)."""
        pd = require_pandas("ChannelIntervals.to_frame()")
        return pd.DataFrame(
            {
                "channel": list(self.channels),
                "spend": self.spend,
                "roi": self.roi,
                "roi_low": self.roi_low,
                "roi_high": self.roi_high,
                "marginal_roi": self.marginal_roi,
                "marginal_low": self.marginal_low,
                "marginal_high": self.marginal_high,
                "identified": self.identified,
            }
        )


def channel_intervals(
    draws: CurveDraws, spend: Any, default: FloatArray, level: float
) -> ChannelIntervals:
    """:class:`ChannelIntervals` of ``draws`` at ``spend`` (a mapping channel -> yuan,
    or None for ``default``)."""
    lvl = check_scalar(
        level, "level", lower=0, upper=1, lower_inclusive=False, upper_inclusive=False
    )
    if spend is None:
        x = np.asarray(default, dtype=np.float64)
    else:
        if not isinstance(spend, Mapping) and not hasattr(spend, "to_dict"):
            raise InvalidInputError(
                f"`spend` must be a mapping of channel -> yuan per period. Got "
                f"{short_repr(spend)} instead."
            )
        spend = dict(spend) if isinstance(spend, Mapping) else spend.to_dict()
        missing = [c for c in draws.channels if c not in spend]
        if missing:
            raise InvalidInputError(
                f"`spend` must give every channel's spend. Got none for {missing} instead."
            )
        x = np.array(
            [
                check_scalar(spend[c], f"spend[{c!r}]", lower=0, lower_inclusive=False)
                for c in draws.channels
            ]
        )
    value, slope = draws.value_and_derivative(x)
    with np.errstate(divide="ignore", invalid="ignore"):  # a default spend of 0: nan
        roi = _low_mid_high(np.where(x > 0, value / np.where(x > 0, x, 1.0), np.nan), lvl)
    mroi = _low_mid_high(slope, lvl)
    with np.errstate(divide="ignore", invalid="ignore"):
        width = (mroi[2] - mroi[0]) / np.abs(mroi[1])
    return ChannelIntervals(
        channels=draws.channels,
        spend=x,
        level=lvl,
        roi=roi[1],
        roi_low=roi[0],
        roi_high=roi[2],
        marginal_roi=mroi[1],
        marginal_low=mroi[0],
        marginal_high=mroi[2],
        identified=np.asarray(
            np.isfinite(width)
            & (width <= UNIDENTIFIED_WIDTH)
            & ~np.isin(np.array(draws.channels), np.array(draws.held, dtype=str))
        ),
    )


def _low_mid_high(values: FloatArray, level: float) -> FloatArray:
    """Lower end, median and upper end of the central ``level`` interval of draws
    ``values`` (shape (n_draws, n_channels)), stacked (shape (3, n_channels))."""
    lo, hi = central_band(values, level)
    return np.stack([lo, np.median(values, axis=0), hi])
