"""Many response curves evaluated together: values, marginal ROI and its inverse."""

from __future__ import annotations

import math

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
            values_at_t = np.array(
                [float(c(t)) if t > 0 else 0.0 for c, t in zip(curves, self.tangent, strict=True)]
            )
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
        # marginal response at zero spend (the largest), per kind
        self._top: dict[str, FloatArray] = {}
        for kind, (_, p) in self._kinds.items():
            if kind == "exponential":
                self._top[kind] = p["ceiling"] / p["scale"]
            elif kind == "logistic":
                self._top[kind] = p["ceiling"] * 0.5 * p["lam"]
            else:
                self._top[kind] = np.zeros(0)
        self._log_top = {k: np.log(v) if v.size else v for k, v in self._top.items()}
        #: An upper bound on every channel's marginal return (its value at zero spend,
        #: or its envelope slope for S-curves), per channel.
        self.max_marginal = np.maximum(self.derivative(np.zeros(self.n)), self.envelope_slope)
        self._inv_half = {k: 2.0 / p["lam"] for k, (_, p) in self._kinds.items() if k == "logistic"}

    def subset(self, members: np.ndarray) -> CurveSet:
        """The curves of channels ``members`` (sorted indices), sharing the parameters."""
        sub = object.__new__(CurveSet)
        sub.curves = [self.curves[i] for i in members.tolist()]
        sub.n = int(members.size)
        sub.tangent = self.tangent[members]
        sub.s_shaped = self.s_shaped[members]
        sub.envelope_slope = self.envelope_slope[members]
        sub.max_marginal = self.max_marginal[members]
        position = np.full(self.n, -1, dtype=np.int64)
        position[members] = np.arange(members.size)
        sub._kinds, sub._top, sub._log_top, sub._inv_half = {}, {}, {}, {}
        for kind, (idx, p) in self._kinds.items():
            keep = position[idx] >= 0
            if keep.any():
                sub._kinds[kind] = (position[idx[keep]], {k: v[keep] for k, v in p.items()})
                top = self._top[kind]
                sub._top[kind] = top[keep] if top.size else top
                log_top = self._log_top[kind]
                sub._log_top[kind] = log_top[keep] if log_top.size else log_top
                if kind in self._inv_half:
                    sub._inv_half[kind] = self._inv_half[kind][keep]
        return sub

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
        x = np.maximum(x, 0.0)
        for kind, (idx, p) in self._kinds.items():
            xi = x[idx]
            if kind == "exponential":
                out[idx] = p["ceiling"] / p["scale"] * np.exp(-xi / p["scale"])
            elif kind == "log":
                out[idx] = p["coef"] / (p["scale"] + xi)
            elif kind == "logistic":
                half = 0.5 * p["lam"]
                e = np.exp(-2.0 * half * xi)
                out[idx] = p["ceiling"] * half * 4.0 * e / (1.0 + e) ** 2
            else:
                out[idx] = [
                    float(self.curves[i].derivative(v)) for i, v in zip(idx, xi, strict=True)
                ]
        return out

    def envelope(self, x: FloatArray) -> FloatArray:
        """Concave-envelope response (equal to :meth:`value` for concave curves)."""
        out = self.value(x)
        linear = self.s_shaped & (x < self.tangent)
        out[linear] = self.envelope_slope[linear] * x[linear]
        return out

    def spend_at(self, m: float | FloatArray) -> FloatArray:
        """Spend where each channel's (envelope) marginal response equals ``m`` (> 0).

        ``m`` is one level for all channels or one per channel.  0 where even the first
        yuan returns less than ``m``; ``inf`` where the response never falls to ``m``.
        """
        return self.spend_and_slope(m)[0]

    def spend_and_slope(self, m: float | FloatArray) -> tuple[FloatArray, FloatArray]:
        """:meth:`spend_at` and its derivative with respect to ``log(m)`` (<= 0).

        The derivative is exact for the closed-form kinds and 0 for Hill curves (whose
        inverse is found by bisection); root finders use it only for Newton guesses.
        Written with few array operations: the root finders call it many times on
        small arrays, where each numpy call's overhead dominates.
        """
        scalar = np.ndim(m) == 0
        log_m = math.log(float(m)) if scalar else np.log(np.asarray(m, dtype=np.float64))
        out = np.zeros(self.n)
        slope = np.zeros(self.n)
        for kind, (idx, p) in self._kinds.items():
            lm = log_m if scalar else log_m[idx]  # type: ignore[index]
            if kind == "exponential":
                # x = scale * (log top - log m), linear in log m
                gap = np.maximum(self._log_top[kind] - lm, 0.0)
                out[idx] = p["scale"] * gap
                slope[idx] = -p["scale"] * (gap > 0)
            elif kind == "log":
                a = p["coef"] * np.exp(-lm)
                x = np.maximum(a - p["scale"], 0.0)
                out[idx] = x
                slope[idx] = -a * (x > 0)
            elif kind == "logistic":
                r = np.maximum(np.exp(self._log_top[kind] - lm), 1.0)
                y = np.sqrt(r)
                out[idx] = np.arccosh(y) * self._inv_half[kind]
                inside = r > 1.0
                slope[idx] = -(y / p["lam"]) * inside / np.sqrt(np.where(inside, r - 1.0, 1.0))
            else:
                m_arr = np.full(idx.size, float(m)) if scalar else np.asarray(m)[idx]
                out[idx] = self._hill_spend_at(idx, m_arr)
        return out, slope

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
