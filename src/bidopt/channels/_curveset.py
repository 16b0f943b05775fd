"""Many response curves evaluated together: values, marginal ROI and its inverse."""

from __future__ import annotations

import numpy as np

from bidopt.channels._curves import ResponseCurve
from bidopt.typing import FloatArray

__all__ = ["CurveSet"]

_BISECT = 80


class CurveSet:
    """Vectorised evaluation of ``n`` curves; S-shaped curves use their concave envelope
    (the line from the origin to the tangent point, then the curve) in :meth:`envelope`
    and :meth:`spend_at`."""

    def __init__(self, curves: list[ResponseCurve]) -> None:
        self.curves = curves
        self.n = len(curves)
        self.tangent = np.array([c.tangent_point() for c in curves])
        self.s_shaped = self.tangent > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            values_at_t = np.array([float(c(t)) for c, t in zip(curves, self.tangent, strict=True)])
            self.envelope_slope = np.where(
                self.s_shaped, values_at_t / np.where(self.s_shaped, self.tangent, 1.0), 0.0
            )
        self._kinds: dict[str, tuple[np.ndarray, dict[str, FloatArray]]] = {}
        for kind in ("exponential", "hill", "log", "logistic"):
            index = np.array([i for i, c in enumerate(curves) if c.kind == kind], dtype=np.int64)
            if index.size:
                names = curves[index[0]].params.keys()
                self._kinds[kind] = (
                    index,
                    {k: np.array([curves[i].params[k] for i in index]) for k in names},
                )

    def value(self, x: FloatArray) -> FloatArray:
        """True response of each channel at spend ``x`` (shape (n,))."""
        out = np.empty(self.n)
        x = np.maximum(x, 0.0)
        for kind, (idx, p) in self._kinds.items():
            xi = x[idx]
            if kind == "exponential":
                out[idx] = p["ceiling"] * -np.expm1(-xi / p["scale"])
            elif kind == "hill":
                r = (xi / p["half"]) ** p["shape"]
                out[idx] = p["ceiling"] * r / (1.0 + r)
            elif kind == "log":
                out[idx] = p["coef"] * np.log1p(xi / p["scale"])
            else:
                out[idx] = p["ceiling"] * np.tanh(0.5 * p["lam"] * xi)
        return out

    def derivative(self, x: FloatArray) -> FloatArray:
        """True marginal response of each channel at spend ``x``."""
        out = np.empty(self.n)
        for i, c in enumerate(self.curves):
            out[i] = float(c.derivative(x[i]))
        return out

    def envelope(self, x: FloatArray) -> FloatArray:
        """Concave-envelope response (equal to :meth:`value` for concave curves)."""
        out = self.value(x)
        linear = self.s_shaped & (x < self.tangent)
        out[linear] = self.envelope_slope[linear] * x[linear]
        return out

    def spend_at(self, m: float | FloatArray) -> FloatArray:
        """Spend where each channel's (envelope) marginal response equals ``m`` (> 0).

        0 where even the first yuan returns less than ``m``; ``inf`` where the response
        never falls to ``m``.
        """
        m_arr = np.broadcast_to(np.asarray(m, dtype=np.float64), (self.n,))
        out = np.zeros(self.n)
        for kind, (idx, p) in self._kinds.items():
            mi = m_arr[idx]
            if kind == "exponential":
                top = p["ceiling"] / p["scale"]
                out[idx] = np.where(mi < top, p["scale"] * np.log(top / mi), 0.0)
            elif kind == "log":
                out[idx] = np.maximum(p["coef"] / mi - p["scale"], 0.0)
            elif kind == "logistic":
                half = 0.5 * p["lam"]
                top = p["ceiling"] * half
                ratio = np.sqrt(np.maximum(top / mi, 1.0))
                out[idx] = np.where(mi < top, np.arccosh(ratio) / half, 0.0)
            else:
                out[idx] = self._hill_spend_at(idx, mi)
        return out

    def _hill_spend_at(self, idx: np.ndarray, m: FloatArray) -> FloatArray:
        """Bisection on the decreasing branch of Hill curves' (envelope) derivative."""
        result = np.zeros(idx.size)
        start = self.tangent[idx]  # decreasing from the tangent point (0 if concave)
        slope0 = np.where(start > 0, self.envelope_slope[idx], np.inf)
        active = m < slope0
        if not active.any():
            return result
        curves = [self.curves[i] for i in idx]
        lo = np.where(start > 0, start, 0.0)
        hi = np.maximum(lo, 1.0)
        deriv = np.array([float(c.derivative(h)) for c, h in zip(curves, hi, strict=True)])
        for _ in range(200):  # grow the bracket
            grow = active & (deriv > m)
            if not grow.any():
                break
            hi = np.where(grow, hi * 4.0, hi)
            deriv = np.array([float(c.derivative(h)) for c, h in zip(curves, hi, strict=True)])
        for _ in range(_BISECT):
            mid = 0.5 * (lo + hi)
            d = np.array([float(c.derivative(v)) for c, v in zip(curves, mid, strict=True)])
            above = d > m
            lo = np.where(above, mid, lo)
            hi = np.where(above, hi, mid)
        result[active] = 0.5 * (lo + hi)[active]
        return result
