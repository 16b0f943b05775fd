"""Many response curves evaluated together: values, marginal ROI and its inverse.

Every kind is written in the scaled spend ``z = x / s`` with one scale ``s`` per
channel (``scale`` for exponential and log curves, ``2 / lam`` for logistic curves,
``half`` for Hill curves), so that all channels are evaluated with a handful of
full-length array operations: the root finders of :mod:`bidopt.channels._split` call
these methods many times on arrays of 10-200 channels, where the number of numpy calls,
not the arithmetic, sets the time.
"""

from __future__ import annotations

import bisect
import math
from typing import cast

import numpy as np

from bidopt.channels._curves import (
    EXP,
    HILL,
    LOG,
    LOGISTIC,
    ResponseCurve,
    hill_tangent,
    scaled_form,
    spend_at_level,
    spend_at_level_float,
    unit_derivative,
    unit_value,
    unit_value_and_derivative,
)
from bidopt.exceptions import SolverError
from bidopt.typing import FloatArray

__all__ = ["CurveSet", "ScalarSpend"]


class CurveSet:
    """Vectorised evaluation of ``n`` curves.

    S-shaped (Hill, shape > 1) curves use their concave envelope (the line from the
    origin to the tangent point, then the curve) in :meth:`spend_and_slope_log`, except
    those marked ``concave_part``: these use the true curve from its inflection point on
    (where it is concave; a split puts them at or above that point through their lower
    bound, see :attr:`inflection`).
    Internally the channels are kept sorted by kind, so each kind is a contiguous slice
    (views, no fancy indexing in the hot loop).

    Attributes
    ----------
    n : int
        Number of channels.
    tangent : ndarray, shape (n,)
        Tangent point of S-shaped curves (yuan), 0 for concave ones.
    s_shaped : ndarray of bool, shape (n,)
    top_marginal : float
        The largest (envelope) marginal return at zero spend over the channels (at a
        spend of 1e-12 of its scale for a Hill curve of shape < 1, whose marginal return
        is unbounded at 0): an upper bound on the levels a split looks for.
    """

    def __init__(self, curves: list[ResponseCurve], concave_part: np.ndarray | None = None) -> None:
        self.curves = list(curves)
        # (built on Python lists where it can: at 10-200 channels the fixed cost of
        # each numpy call, not the arithmetic, sets the time of a split)
        forms = [scaled_form(c) for c in curves]
        n = self.n = len(forms)
        #: Internal channel order (sorted by kind, then input order) and its inverse:
        #: ``x[order]`` puts an array in that order, ``y[inverse]`` takes it back.
        order = sorted(range(n), key=lambda i: forms[i][0])
        inverse = [0] * n
        for position, i in enumerate(order):
            inverse[i] = position
        self.order = np.array(order, dtype=np.int64)
        self.inverse = np.array(inverse, dtype=np.int64)
        self._sorted = order == list(range(n))
        codes = [forms[i][0] for i in order]
        size = np.array([forms[i][1] for i in order], dtype=np.float64)
        scale = np.array([forms[i][2] for i in order], dtype=np.float64)
        shape = np.array([forms[i][3] for i in order], dtype=np.float64)
        self._size, self._scale, self._shape = size, scale, shape
        self._lists: tuple[list[int], list[float], list[float]] | None = None
        # kind boundaries in the sorted order
        bounds = [bisect.bisect_left(codes, k) for k in (EXP, LOG, LOGISTIC, HILL)] + [n]
        self._parts: list[tuple[int, slice, FloatArray]] = []
        for k in (EXP, LOG, LOGISTIC, HILL):
            sl = slice(bounds[k], bounds[k + 1])
            if sl.stop > sl.start:
                self._parts.append((k, sl, scale[sl]))
        hill = self._hill = slice(bounds[HILL], n)
        self._needs_exp = bounds[LOG] < bounds[HILL]  # log or logistic curves present
        #: Whether every curve has a closed-form inverse marginal (no Hill curves): then
        #: :meth:`spend_and_slope_log` also takes a column of levels, shape (k, 1),
        #: and returns (k, n) arrays.
        self.closed_form = hill.start == n
        # the marginal return at zero spend: size / scale, except for Hill curves
        top = size / scale
        self._unit = top.copy()  # d curve / dx = size / scale * unit_derivative(x / scale)
        s_shaped = np.zeros(n, dtype=bool)
        tangent = np.zeros(n)
        envelope_slope = np.zeros(n)
        if self.closed_form:
            self._log_top = np.log(top)
        else:
            h_shape = shape[hill]
            top[hill] = np.where(h_shape == 1, top[hill], np.where(h_shape < 1, np.inf, 0.0))
            self._log_top = np.zeros(n)  # Hill curves' entries are unused (bisection)
            self._log_top[: hill.start] = np.log(top[: hill.start])
            # f(t)/t = f'(t)  <=>  z**n = n - 1 for an S-shaped Hill curve
            s_shaped[hill] = h_shape > 1
            inflection = np.zeros(n)
            if s_shaped.any():
                s = s_shaped
                tz = hill_tangent(shape[s])
                tangent[s] = tz * scale[s]
                envelope_slope[s] = size[s] * unit_value(HILL, tz, shape[s]) / tangent[s]
                # f'' = 0 at z**n = (n - 1) / (n + 1)
                inflection[s] = scale[s] * ((shape[s] - 1) / (shape[s] + 1)) ** (1 / shape[s])
            if concave_part is not None and s_shaped.any():
                # from the inflection point on, the curve itself: spends start there, at
                # the curve's largest marginal return
                part = np.asarray(concave_part, dtype=bool)[order] & s_shaped
                zp = inflection[part] / scale[part]
                tangent[part] = inflection[part]
                envelope_slope[part] = (
                    size[part] / scale[part] * unit_derivative(HILL, zp, shape[part])
                )
                s_shaped &= ~part
            top = np.maximum(top, envelope_slope)
        #: Whether any curve is S-shaped (on its envelope: not ``concave_part``).
        self.any_s_shaped = bool(s_shaped.any())
        #: Inflection point of S-shaped curves (yuan, input order; 0 for the others).
        self.inflection = np.zeros(n) if self.closed_form else inflection[self.inverse]
        self._tangent_sorted, self._envelope_sorted = tangent, envelope_slope
        if not self.closed_form:
            # a Hill curve of shape < 1 has no largest marginal return: bound it by the
            # marginal return at a spend of 1e-12 of its scale (smaller spends are below
            # the resolution of a split; the root finders' levels stop there)
            below = hill.start + np.flatnonzero(shape[hill] < 1)
            if below.size:
                z_min = np.full(below.size, 1e-12)
                top[below] = self._unit[below] * unit_derivative(HILL, z_min, shape[below])
        finite = top if self.closed_form else top[np.isfinite(top)]
        self.top_marginal = float(finite.max()) if finite.size else 1.0
        #: Slope of each S-shaped curve's envelope line (input order; 0 for others).
        self.envelope_slope = np.where(s_shaped, envelope_slope, 0.0)[self.inverse]
        if self.any_s_shaped:
            self.s_shaped, self.tangent = s_shaped[self.inverse], tangent[self.inverse]
        else:  # all zeros: no permutation needed
            self.s_shaped, self.tangent = s_shaped, tangent

    # --- evaluation ---------------------------------------------------------------------

    def _in(self, x: FloatArray) -> FloatArray:
        return x if self._sorted else x[self.order]

    def _out(self, y: FloatArray) -> FloatArray:
        return y if self._sorted else y[self.inverse]

    def value(self, x: FloatArray) -> FloatArray:
        """True response of each channel at spend ``x`` (yuan, shape (n,))."""
        z = np.maximum(self._in(x), 0.0) / self._scale
        out = np.empty(self.n)
        for k, sl, _ in self._parts:
            out[sl] = unit_value(k, z[sl], self._shape[sl])
        return self._out(self._size * out)

    def objective(self, x: FloatArray, offset: float) -> float:
        """The split's objective at spend ``x``: the true response less ``offset`` per
        yuan spent (``offset`` 1 for profit, 0 for revenue)."""
        return float(self.value(x).sum() - offset * x.sum())

    def envelope_value(self, x: FloatArray) -> FloatArray:
        """Response of each channel on the curve this set optimises: an S-shaped curve's
        concave envelope (the line to its tangent point), the curve itself elsewhere.
        An upper bound on :meth:`value`."""
        y = self.value(x)
        if self.any_s_shaped:
            slope = self._envelope_sorted[self.inverse]
            line = self.s_shaped & (x < self.tangent)
            y = np.where(line, np.maximum(x, 0.0) * slope, y)
        return y

    def with_concave_part(self, mask: np.ndarray) -> CurveSet:
        """The same curves, the S-shaped ones in boolean ``mask`` (input order) taken on
        their concave part (see the class notes)."""
        return CurveSet(self.curves, concave_part=mask)

    def _unit_derivative(self, x: FloatArray | float) -> FloatArray:
        """Each unit curve's derivative at the scaled spend of ``x`` yuan (the internal
        kind order): ``derivative = _unit * _unit_derivative``."""
        z = np.maximum(x, 0.0) / self._scale
        out = np.empty(self.n)
        for k, sl, _ in self._parts:
            out[sl] = unit_derivative(k, z[sl], self._shape[sl])
        return out

    def derivative(self, x: FloatArray) -> FloatArray:
        """True marginal response of each channel at spend ``x`` (per yuan)."""
        return self._out(self._unit * self._unit_derivative(self._in(x)))

    def mean_derivative_at(self, spend: float) -> float:
        """Mean marginal response (per yuan) of the channels, each spending ``spend``
        yuan: :meth:`derivative` of an even split, without its permutations."""
        return float(self._unit @ self._unit_derivative(spend)) / self.n

    def value_and_derivative(self, x: FloatArray) -> tuple[FloatArray, FloatArray]:
        """:meth:`value` and :meth:`derivative` at once (one pass, shared exponentials)."""
        z = np.maximum(self._in(x), 0.0) / self._scale
        value, slope = np.empty(self.n), np.empty(self.n)
        for k, sl, _ in self._parts:
            value[sl], slope[sl] = unit_value_and_derivative(k, z[sl], self._shape[sl])
        return self._out(self._size * value), self._out(self._unit * slope)

    def spend_and_slope_log(
        self, log_m: float | FloatArray, *, kind_order: bool = False
    ) -> tuple[FloatArray, FloatArray]:
        """Spend where each channel's (envelope) marginal return equals ``m = exp(log_m)``,
        and its derivative with respect to ``log_m`` (<= 0).  The root finders work on
        ``log(m)``, which saves a logarithm (and its exponential) per call.

        ``log_m`` is one level for all channels, one per channel, or (closed-form curves
        only) a column of levels of shape (k, 1) giving (k, n) results.  The spend is 0
        where even the first yuan returns less than ``m``.  The derivative is exact for
        the closed-form kinds and for Hill curves (whose inverse itself is found by
        bisection).  With ``kind_order=True`` the channels (of an array ``log_m`` and of
        the results) are in the internal order sorted by kind (see :attr:`order`), which
        saves two permutations per call in root finders that work in that order.

        With ``u = log(top / m)`` (``top`` the marginal return at zero spend), the
        scaled spend is ``u`` for exponential curves, ``e^u - 1`` for log curves and
        ``arccosh(e^(u/2))`` for logistic curves (0 where ``u <= 0``).
        """
        scalar = not (isinstance(log_m, np.ndarray) and log_m.ndim > 0)
        if not scalar and not kind_order:
            log_m = self._in(cast(FloatArray, log_m))
        u = self._log_top - log_m
        pos = u > 0
        up = np.maximum(u, 0.0)
        out = np.empty(np.shape(u))
        slope = np.empty(np.shape(u))
        e = np.exp(up) if self._needs_exp else up
        for k, sl, scale in self._parts:
            if k != HILL:
                out[..., sl], slope[..., sl] = spend_at_level(
                    k, scale, up[..., sl], e[..., sl], pos[..., sl]
                )
            else:
                if scalar:
                    m_h = np.full(sl.stop - sl.start, math.exp(cast(float, log_m)))
                else:
                    m_h = np.exp(cast(FloatArray, log_m)[sl])
                x_h = self._hill_spend_at(m_h)
                out[..., sl] = x_h
                slope[..., sl] = self._hill_slope(x_h)
        if kind_order:
            return out, slope
        return self._out(out), self._out(slope)

    def linear_ok(self, log_m: float | FloatArray, log_m_new: float | FloatArray) -> bool:
        """Whether every channel's spend at ``log_m_new`` is, to second order, its spend at
        ``log_m`` moved along its slope (arrays in the internal kind order).

        Not so with Hill curves (their slope is not computed), nor when a channel's
        threshold (the level where it starts to spend) lies near or between the two
        levels: a channel may turn on, and a logistic curve's spend grows like a square
        root just past its threshold."""
        if self._hill.start < self.n:
            return False
        step = np.abs(np.subtract(log_m_new, log_m))
        return not bool(np.any(np.abs(self._log_top - log_m_new) <= 101.0 * step))

    def scalar_group(
        self,
        members: list[int],
        lower: list[float],
        upper: list[float],
        offset: float,
        groups: list[int] | None = None,
    ) -> ScalarSpend:
        """The spend of a few closed-form channels at one log level, on Python floats.

        For a handful of channels a loop over floats costs less than the fixed cost of
        a dozen numpy calls.  ``members`` are ascending positions in the internal kind
        order (:meth:`ScalarSpend.spends` keeps that order);
        ``lower`` and ``upper`` their bounds (yuan); ``groups`` their group codes, for
        :meth:`ScalarSpend.by_group`.  The level ``t`` is a log level: the marginal
        return is ``e^t + offset``."""
        if not self.closed_form:
            raise SolverError(
                "`CurveSet.scalar_group` must be called on closed-form curves (no Hill "
                "curves). Got a curve set with Hill curves instead (an internal error)."
            )
        if self._lists is None:  # (computed once per curve set)
            sizes = [sl.stop - sl.start for _, sl, _ in self._parts]
            kinds = np.repeat([k for k, _, _ in self._parts], sizes).tolist()
            self._lists = (kinds, self._scale.tolist(), self._log_top.tolist())
        codes, scale, log_top = self._lists
        by_kind: tuple[list[Channel], ...] = ([], [], [])
        group_of = groups or [0] * len(members)
        for i, lo, hi, k in zip(members, lower, upper, group_of, strict=True):
            by_kind[codes[i]].append((scale[i], log_top[i], lo, hi, k))
        return ScalarSpend(by_kind, offset, max(group_of, default=-1) + 1)

    def _hill_slope(self, x: FloatArray) -> FloatArray:
        """Derivative in ``log m`` of the Hill channels' spend ``x`` at marginal return
        ``m`` (on the decreasing branch of f'; 0 where ``x`` is 0):
        ``d log f' / d log z = (n - 1) - 2 n r / (1 + r)`` with ``r = z**n``."""
        h = self._hill
        z = x / self._scale[h]
        n = self._shape[h]
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            r = z**n
            elasticity = (n - 1.0) - 2.0 * n * r / (1.0 + r)
            out = np.where((x > 0) & (elasticity < 0), x / elasticity, 0.0)
        return np.asarray(out, dtype=np.float64)

    def _hill_spend_at(self, m: FloatArray) -> FloatArray:
        """Inverse of Hill curves' (envelope) marginal return on its decreasing branch:
        safeguarded Newton steps on ``log f'`` against ``u = log z``, where
        ``log f'(z) = log(size n / scale) + (n - 1) u - 2 log(1 + z**n)`` and its slope
        is ``(n - 1) - 2 n r / (1 + r)`` (``r = z**n``)."""
        h = self._hill
        size, scale, shape = self._size[h], self._scale[h], self._shape[h]
        result = np.zeros(m.size)
        start = self._tangent_sorted[h]  # decreasing from the tangent point (0 if concave)
        # the largest (envelope) marginal return: at the start, or at 0 for a concave
        # curve (size / scale for shape 1, unbounded below 1)
        at_zero = np.where(shape == 1.0, size / scale, np.inf)
        slope0 = np.where(start > 0, self._envelope_sorted[h], at_zero)
        active = m < slope0
        if not active.any():
            return result
        size, scale, shape, start, m = (v[active] for v in (size, scale, shape, start, m))
        log_m = np.log(m)
        base = np.log(size * shape / scale)
        # f'(z) <= size / scale * shape * z**(-shape - 1): past that z, f' <= m
        b = (base - log_m) / (shape + 1.0)
        a = np.where(start > 0, np.log(np.where(start > 0, start, 1.0) / scale), b - 700.0)
        b = np.maximum(a, b)
        u = b.copy()
        for _ in range(100):
            nu = shape * u
            g = base + (shape - 1.0) * u - 2.0 * np.logaddexp(0.0, nu) - log_m
            slope = (shape - 1.0) - 2.0 * shape / (1.0 + np.exp(-nu))
            a = np.where(g > 0, u, a)
            b = np.where(g > 0, b, u)
            with np.errstate(divide="ignore", invalid="ignore"):
                step = u - g / slope
            # converged: the Newton step below rounding of u (or g at its own rounding,
            # about 1e-16 of the terms summed), or the bracket collapsed
            noise = 4e-16 * (1.0 + np.abs(base) + np.abs(log_m) + 2.0 * np.abs(nu))
            done = (
                (np.abs(g) <= noise)
                | (np.abs(step - u) <= 1e-15 * (1.0 + np.abs(u)))
                | (b - a <= 1e-15 * (1.0 + np.abs(u)))
            )
            if bool(done.all()):
                break
            ok = (step > a) & (step < b)
            u = np.where(done, u, np.where(ok, step, 0.5 * (a + b)))
        x = np.exp(u) * scale
        # no root above the start (a concave curve whose first yuan returns less): 0
        result[active] = np.where(
            (start > 0) | (base + (shape - 1.0) * a - 2.0 * np.logaddexp(0.0, shape * a) > log_m),
            x,
            0.0,
        )
        return result


#: A closed-form channel in :class:`ScalarSpend`: (scale, log_top, lower, upper, group).
Channel = tuple[float, float, float, float, int]


class ScalarSpend:
    """Spends of a few closed-form channels at a log level ``t`` (see
    :meth:`CurveSet.scalar_group`), each within its bounds, on Python floats.

    ``by_kind`` holds the channels of each closed-form kind (exponential, log,
    logistic); :meth:`spends` returns them in that order."""

    def __init__(self, by_kind: tuple[list[Channel], ...], offset: float, n_groups: int) -> None:
        self._kinds, self.offset, self.n_groups = by_kind, offset, n_groups
        self._log_offset = math.log(offset) if offset > 0 else 0.0

    def _log_level(self, t: float) -> tuple[float, float]:
        """``log(e^t + offset)`` and its derivative in ``t``."""
        if self.offset > 0:
            lo_off = self._log_offset
            log_m = max(t, lo_off) + math.log1p(math.exp(-abs(t - lo_off)))
            return log_m, math.exp(t - log_m)
        return t, 1.0

    def by_group(self, t: float) -> tuple[list[float], list[float]]:
        """Spend (yuan) and its derivative in ``t`` per group code (the derivative is 0
        for a channel at a bound)."""
        log_m, factor = self._log_level(t)
        g, gs = [0.0] * self.n_groups, [0.0] * self.n_groups
        for kind, channels in enumerate(self._kinds):
            for scale, log_top, lo, hi, k in channels:
                u = log_top - log_m
                raw, d = spend_at_level_float(kind, scale, u) if u > 0.0 else (0.0, 0.0)
                if raw <= lo:
                    g[k] += lo
                elif raw >= hi:
                    g[k] += hi
                else:
                    g[k] += raw
                    gs[k] -= d * factor
        return g, gs

    def total(self, t: float) -> tuple[float, float]:
        """Total spend (yuan) and its derivative in ``t``."""
        g, gs = self.by_group(t)
        return sum(g), sum(gs)

    def spends(self, t: float) -> tuple[list[float], list[float]]:
        """Each channel's spend (yuan) and its derivative in ``t`` (0 at a bound), by
        kind, in the order given."""
        log_m, factor = self._log_level(t)
        x: list[float] = []
        slope: list[float] = []
        for kind, channels in enumerate(self._kinds):
            for scale, log_top, lo, hi, _ in channels:
                u = log_top - log_m
                raw, d = spend_at_level_float(kind, scale, u) if u > 0.0 else (0.0, 0.0)
                if raw <= lo:
                    x.append(lo)
                    slope.append(0.0)
                elif raw >= hi:
                    x.append(hi)
                    slope.append(0.0)
                else:
                    x.append(raw)
                    slope.append(-d * factor)
        return x, slope
