"""The expected response over curve draws, as a :class:`CurveSet` the water-filling
solves: each channel's curve is the (weighted) mean of its draws' curves, which is
concave when every draw is, so a split over draws is still separable and exact."""

from __future__ import annotations

import copy
import math

import numpy as np

from bidopt.channels._curves import ResponseCurve
from bidopt.channels._curveset import CurveSet, ScalarSpend
from bidopt.exceptions import SolverError
from bidopt.typing import FloatArray

__all__ = ["ExpectedCurveSet"]

#: Relative precision of the inverse marginal return (spend) of a channel.
_RTOL = 1e-13


class ExpectedCurveSet(CurveSet):
    """``n`` channels, each the weighted mean of ``n_draws`` concave curves.

    Parameters
    ----------
    curves : list of ResponseCurve
        Draw-major: draw ``d``'s curve of channel ``j`` at ``d * n + j``.
    n : int
        Number of channels.
    weights : ndarray, shape (n_draws,), optional
        Weights of the draws (default equal); they are normalised to sum to 1.
    """

    def __init__(
        self, curves: list[ResponseCurve], n: int, weights: FloatArray | None = None
    ) -> None:
        inner = CurveSet(curves)
        #: Some draw is S-shaped: the expected curve may not be concave (the water-filling
        #: does not apply; the caller uses SLSQP).
        self.nonconcave = inner.any_s_shaped
        self.inner, self.n, self.n_draws = inner, n, len(curves) // n
        w = np.full(self.n_draws, 1.0) if weights is None else np.asarray(weights, float)
        self.weights = w / w.sum()
        self._sparse = bool(np.any(self.weights == 0))
        self.curves = curves[:n]
        self.order = self.inverse = np.arange(n, dtype=np.int64)
        self._sorted = True
        self.closed_form = False
        self.any_s_shaped = False
        zeros = np.zeros(n)
        self.s_shaped = np.zeros(n, dtype=bool)
        self.tangent = self.inflection = self.envelope_slope = zeros
        self._tangent_sorted = self._envelope_sorted = zeros
        # the marginal return at zero spend (a Hill curve of shape < 1: at 1e-12 of
        # its scale, as CurveSet bounds it)
        probe = np.tile(self._floor_spend(), self.n_draws)
        self._top_draws = inner.derivative(probe)
        self._top = self._mix(self._top_draws)
        self.top_marginal = float(np.max(self._top[np.isfinite(self._top)], initial=1.0))
        self._lists = None

    def reweighted(self, weights: FloatArray) -> ExpectedCurveSet:
        """The same draws with other weights (shape (n_draws,), >= 0)."""
        out = copy.copy(self)
        out.weights = np.asarray(weights, dtype=np.float64) / float(np.sum(weights))
        out._sparse = bool(np.any(out.weights == 0))
        out._top = out._mix(self._top_draws)
        out.top_marginal = float(np.max(out._top[np.isfinite(out._top)], initial=1.0))
        return out

    def _floor_spend(self) -> FloatArray:
        """A spend per channel below the resolution of a split (1e-12 of the smallest
        scale of its draws)."""
        scales = np.array(
            [c.params.get("scale", c.params.get("half", 0.0)) for c in self.inner.curves]
        )
        lam = np.array([c.params.get("lam", 0.0) for c in self.inner.curves])
        s = np.where(scales > 0, scales, np.where(lam > 0, 2.0 / np.maximum(lam, 1e-300), 1.0))
        return np.asarray(1e-12 * s.reshape(self.n_draws, self.n).min(axis=0), dtype=np.float64)

    def _mix(self, per_draw: FloatArray) -> FloatArray:
        """The weighted mean over the draws of a per-draw quantity (shape (n_draws * n,),
        draw-major) for each channel; a draw of weight 0 (a CVaR step's) counts 0 even
        where its value is infinite (a Hill curve of shape < 1 at zero spend), which
        would otherwise make the mean nan."""
        v = per_draw.reshape(self.n_draws, self.n)
        if self._sparse:
            v = np.where(self.weights[:, None] > 0, v, 0.0)
        return np.asarray(self.weights @ v, dtype=np.float64)

    def _tile(self, x: FloatArray | float) -> FloatArray:
        return np.tile(np.broadcast_to(np.asarray(x, dtype=np.float64), (self.n,)), self.n_draws)

    # --- evaluation ---------------------------------------------------------------------

    def value(self, x: FloatArray) -> FloatArray:
        """Expected response of each channel at spend ``x`` (yuan, shape (n,))."""
        return self._mix(self.inner.value(self._tile(x)))

    def channel_draws(self, x: FloatArray) -> FloatArray:
        """Each draw's response of each channel at spend ``x``: shape (n_draws, n)."""
        v = self.inner.value(self._tile(x)).reshape(self.n_draws, self.n)
        return np.asarray(v, dtype=np.float64)

    def per_draw(self, x: FloatArray) -> FloatArray:
        """Each draw's total response at spend ``x``: shape (n_draws,)."""
        return np.asarray(self.channel_draws(x).sum(axis=1), dtype=np.float64)

    def envelope_value(self, x: FloatArray) -> FloatArray:
        return self.value(x)

    def derivative(self, x: FloatArray) -> FloatArray:
        return self._mix(self.inner.derivative(self._tile(x)))

    def mean_derivative_at(self, spend: float) -> float:
        return float(self.derivative(np.full(self.n, spend)).mean())

    def value_and_derivative(self, x: FloatArray) -> tuple[FloatArray, FloatArray]:
        v, g = self.inner.value_and_derivative(self._tile(x))
        return self._mix(v), self._mix(g)

    def with_concave_part(self, mask: np.ndarray) -> CurveSet:  # pragma: no cover
        return self

    def linear_ok(self, log_m: float | FloatArray, log_m_new: float | FloatArray) -> bool:
        return False

    def scalar_group(self, *args: object, **kwargs: object) -> ScalarSpend:  # pragma: no cover
        raise SolverError("ExpectedCurveSet has no closed form (an internal error).")

    def spend_and_slope_log(
        self, log_m: float | FloatArray, *, kind_order: bool = False
    ) -> tuple[FloatArray, FloatArray]:
        """Spend where each channel's expected marginal return is ``exp(log_m)``, and
        its derivative in ``log_m``: a safeguarded secant search on ``log spend`` (the
        expected marginal return decreases in spend), to a relative 1e-13."""
        m = np.exp(np.broadcast_to(np.asarray(log_m, dtype=np.float64), (self.n,)))
        on = m < self._top
        x = np.zeros(self.n)
        slope = np.zeros(self.n)
        if not on.any():
            return x, slope
        # bracket in log spend: lo where the marginal return is above m, hi below
        lo = np.log(self._floor_spend())
        hi = lo + 5.0
        g_lo = np.log(self._top) - np.log(m)
        for _ in range(200):
            g_hi = np.log(np.maximum(self.derivative(np.exp(hi)), 1e-300)) - np.log(m)
            up = on & (g_hi > 0)
            if not up.any():
                break
            lo = np.where(up, hi, lo)
            g_lo = np.where(up, g_hi, g_lo)
            hi = np.where(up, hi + 5.0, hi)
        else:  # pragma: no cover - marginal return above m at every spend
            raise SolverError("ExpectedCurveSet: no spend reaches the marginal return asked.")
        g_lo = np.where(np.isfinite(g_lo), g_lo, 50.0)
        s = hi.copy()
        for it in range(200):
            # regula falsi (Illinois) with bisection every third step
            with np.errstate(divide="ignore", invalid="ignore"):
                secant = hi - g_hi * (hi - lo) / (g_hi - g_lo)
            t = np.where(it % 3 == 2, 0.5 * (lo + hi), secant)
            t = np.where(np.isfinite(t) & (t > lo) & (t < hi), t, 0.5 * (lo + hi))
            g_t = np.log(np.maximum(self.derivative(np.exp(t)), 1e-300)) - np.log(m)
            above = g_t > 0
            lo, g_lo = np.where(above, t, lo), np.where(above, g_t, g_lo * np.where(above, 1, 0.5))
            hi, g_hi = np.where(above, hi, t), np.where(above, g_hi * 0.5, g_t)
            s = t
            if bool(np.all(~on | (hi - lo <= _RTOL) | (np.abs(g_t) <= 1e-15))):
                break
        x = np.where(on, np.exp(s), 0.0)
        # d spend / d log m = m / f''(x): f'' by a central difference in log spend
        h = 1e-5
        up_, down = self.derivative(x * math.exp(h)), self.derivative(x * math.exp(-h))
        with np.errstate(divide="ignore", invalid="ignore"):
            d_log = (np.log(up_) - np.log(down)) / (2 * h)  # d log f' / d log x (< 0)
            slope = np.where(on & (d_log < 0), x / d_log, 0.0)
        return x, np.asarray(slope, dtype=np.float64)
