"""The response of a campaign window's spend (:func:`bidopt.channels.split_window`):
adstock as a linear map from phase spends to period adstocks, then each draw's
saturation curve."""

from __future__ import annotations

import copy
from collections.abc import Mapping

import numpy as np

from bidopt._validation import check_scalar, short_repr
from bidopt.channels._adstock import geometric_adstock, weibull_adstock
from bidopt.channels._curves import (
    HILL,
    ResponseCurve,
    hill_tangent,
    scaled_form,
    unit_derivative,
    unit_value,
)
from bidopt.channels._problem import as_mapping
from bidopt.channels._uncertainty import CurveDraws
from bidopt.exceptions import InvalidInputError
from bidopt.typing import FloatArray

__all__ = ["WindowModel"]


def _weights(draws: CurveDraws) -> FloatArray:
    """Adstock weights per draw and channel, shape (n_draws, n_channels, l_max)."""
    d, n, lags = draws.n_draws, len(draws.channels), draws.l_max
    impulse = np.zeros(lags)
    impulse[0] = 1.0
    out = np.zeros((d, n, lags))
    for i in range(d):
        for j in range(n):
            if draws.adstock_kind == "geometric":
                a = float(draws.adstock["alpha"][i, j])
                out[i, j] = geometric_adstock(impulse, min(a, 1 - 1e-12), l_max=lags)
            elif draws.adstock_kind == "weibull":
                k, lam = draws.adstock["shape"][i, j], draws.adstock["scale"][i, j]
                out[i, j] = weibull_adstock(impulse, float(k), float(lam), l_max=lags)
            else:
                out[i, j] = impulse
    return out


class WindowModel:
    """Response of a window's spend over draws: adstock as a linear map from phase
    spends to period adstocks, then each draw's saturation curve."""

    def __init__(
        self, draws: CurveDraws, lengths: np.ndarray, before: Mapping[str, float] | None, tail: bool
    ) -> None:
        w = _weights(draws)  # (d, n, L)
        d, n, lags = w.shape
        f = lengths.size
        pre = lags - 1
        window = int(lengths.sum())
        out = window + (pre if tail else 0)
        self.window = window
        # phase -> period indicator over [pre-window, window, tail]
        m = np.zeros((pre + out, f))
        start = pre
        for p, length in enumerate(lengths.tolist()):
            m[start : start + length, p] = 1.0
            start += length
        # a[t] = sum_i w_i s[t - i] for t in the output periods
        b = np.zeros((d, n, out, f))
        for i in range(lags):
            b += w[:, :, i, None, None] * m[pre - i : pre - i + out][None, None]
        self.b = b
        s0 = np.zeros((n, pre + out))
        before = as_mapping(before, "before")
        if before is not None and not isinstance(before, Mapping):
            raise InvalidInputError(
                "`before` must be a mapping of channel -> steady spend per period before "
                f"the window (yuan). Got {short_repr(before)} instead."
            )
        for c, v in (before or {}).items():
            if c not in draws.channels:
                raise InvalidInputError(
                    f"`before` must name channels of the curves ({list(draws.channels)}). "
                    f"Got {c!r} instead."
                )
            s0[draws.channels.index(c), :pre] = check_scalar(v, f"before[{c!r}]", lower=0)
        missing = [c for c in draws.channels if before is not None and c not in before]
        if missing:  # a channel left out would carry nothing into the window, unsaid
            raise InvalidInputError(
                "`before` must give a spend for every channel of the curves (0 for one that "
                f"spent nothing). Got none for {missing} instead."
            )
        a0 = np.zeros((d, n, out))
        for i in range(lags):
            a0 += w[:, :, i, None] * s0[None, :, pre - i : pre - i + out]
        self.a0 = a0
        forms = [scaled_form(c) for c in _curves(draws)]
        self.code = forms[0][0]
        self.size = np.array([x[1] for x in forms]).reshape(d, n, 1)
        self.scale = np.array([x[2] for x in forms]).reshape(d, n, 1)
        self.shape = np.array([x[3] for x in forms]).reshape(d, n, 1)
        # S-shaped (Hill, shape > 1) draws: their scaled tangent point and the slope of
        # the line from the origin to it, the concave envelope's straight part
        s_shaped = (self.code == HILL) & (self.shape > 1)
        self.tangent = np.where(s_shaped, hill_tangent(np.maximum(self.shape, 1.0)), 0.0)
        safe = np.where(s_shaped, self.tangent, 1.0)
        self.line = np.where(s_shaped, unit_value(self.code, safe, self.shape) / safe, 0.0)
        self.s_shaped = bool(s_shaped.any())
        # spend per period whose steady adstock reaches the tangent point (mean over
        # the draws; 0 for concave curves): an S-shaped channel's spend "on its curve"
        steady = w.sum(axis=2)[:, :, None]
        self.on_spend = np.asarray((self.tangent * self.scale / steady).mean(axis=0)[:, 0])
        #: Evaluate on each curve's concave envelope instead of the curve (see
        #: :meth:`envelope`).
        self.relaxed = False

    def envelope(self) -> WindowModel:
        """The same window on each draw's concave envelope (the line from the origin to
        an S-curve's tangent point, then the curve): a concave objective (a sum of
        concave functions of the linear adstock), at least the true one everywhere, so
        its maximum bounds the true maximum from above."""
        out = copy.copy(self)
        out.relaxed = True
        return out

    def _z(self, x: FloatArray) -> FloatArray:
        a = np.einsum("dntf,nf->dnt", self.b, x) + self.a0
        return np.asarray(np.maximum(a, 0.0) / self.scale, dtype=np.float64)

    def _unit(self, z: FloatArray) -> FloatArray:
        v = unit_value(self.code, z, self.shape)
        if self.relaxed:
            v = np.where(z < self.tangent, self.line * z, v)
        return np.asarray(v, dtype=np.float64)

    def per_draw(self, x: FloatArray, tail_only: bool = False) -> FloatArray:
        v = self.size * self._unit(self._z(x))
        if tail_only:
            v = v[:, :, self.window :]
        return np.asarray(v.sum(axis=(1, 2)), dtype=np.float64)

    def channel_draws(self, x: FloatArray) -> FloatArray:
        """Each draw's response of each channel over the periods: (n_draws, n)."""
        v = self.size * self._unit(self._z(x))
        return np.asarray(v.sum(axis=2), dtype=np.float64)

    def channel_value(self, x: FloatArray) -> FloatArray:
        return np.asarray(self.channel_draws(x).mean(axis=0), dtype=np.float64)

    def value(self, x: FloatArray) -> float:
        return float(self.per_draw(x).mean())

    def gradient(self, x: FloatArray) -> FloatArray:
        z = self._z(x)
        # a Hill curve of shape < 1 has an infinite slope at 0 adstock: taken at 1e-12
        # of its scale, as CurveSet takes it (else a period no spend reaches, such as a
        # tail period of a channel without carry-over, gives inf x 0 = NaN)
        concave_hill = (self.code == HILL) & (self.shape < 1)
        slope = unit_derivative(
            self.code, np.where(concave_hill, np.maximum(z, 1e-12), z), self.shape
        )
        if self.relaxed:
            slope = np.where(z < self.tangent, self.line, slope)
        g = self.size / self.scale * slope
        return np.asarray(np.einsum("dnt,dntf->nf", g, self.b) / self.b.shape[0], dtype=np.float64)


def _curves(draws: CurveDraws) -> list[ResponseCurve]:
    return draws.curve_list()
