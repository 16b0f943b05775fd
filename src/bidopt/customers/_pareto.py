"""The Pareto/NBD purchase-count model (Schmittlein, Morrison & Colombo 1987), with
its likelihood in log-space."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import integrate, special

from bidopt.customers._bgnbd import PurchaseModelFit
from bidopt.customers._fit import (
    FitMethod,
    check_fit_summary,
    check_weights,
    group_rows,
    maximize,
    wdot,
)
from bidopt.typing import FloatArray

__all__ = ["ParetoNBDFit", "fit_pareto_nbd"]

_NAMES = ("r", "alpha", "s", "beta")


def _log_tail(
    r: float, alpha: float, s: float, beta: float, x: FloatArray, y: FloatArray
) -> FloatArray:
    """``log F(y)``, where ``(F(t_x) - F(T)) / (r + s + x)`` is the integral
    ``int_{t_x}^{T} (alpha + u)^-(r+x) (beta + u)^-(s+1) du`` of the likelihood.

    The textbook form ``2F1(r+s+x, s+1; r+s+x+1; z) / (alpha+y)^(r+s+x)`` overflows for
    large ``x`` and near ``z = 1``; Euler's transformation turns it into a 2F1 with first
    parameter 1, bounded and smooth, times powers taken in logs.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        if alpha >= beta:
            z = (alpha - beta) / (alpha + y)
            hyp = special.hyp2f1(1.0, r + x, r + s + x + 1, z)
            out = -(r + x) * np.log(alpha + y) - s * np.log(beta + y) + np.log(hyp)
        else:
            z = (beta - alpha) / (beta + y)
            hyp = special.hyp2f1(1.0, s + 1, r + s + x + 1, z)
            out = (1 - r - x) * np.log(alpha + y) - (1 + s) * np.log(beta + y) + np.log(hyp)
    failed = ~np.isfinite(out)
    if failed.any():  # scipy's 2F1 gives NaN for large parameters with z near 1
        out = np.array(out, dtype=np.float64)
        for i in np.flatnonzero(failed):  # rare rows (extreme parameters), one quadrature each
            out[i] = _log_tail_quad(r, alpha, s, beta, float(x[i]), float(y[i]))
    result: FloatArray = out
    return result


def _log_tail_quad(r: float, alpha: float, s: float, beta: float, x: float, y: float) -> float:
    """``log F(y)`` of :func:`_log_tail` by quadrature of ``int_y^inf (alpha + u)^-(r+x)
    (beta + u)^-(s+1) du``, scaled by its integrand at ``y`` (so the integrand starts
    at 1 and decreases): the fallback where the hypergeometric function fails."""

    def scaled(v: float) -> float:
        return math.exp(
            -(r + x) * math.log1p(v / (alpha + y)) - (s + 1) * math.log1p(v / (beta + y))
        )

    integral = integrate.quad(scaled, 0.0, math.inf, epsrel=1e-10, epsabs=0.0, limit=200)[0]
    return (
        math.log(r + s + x)
        + math.log(integral)
        - (r + x) * math.log(alpha + y)
        - (s + 1) * math.log(beta + y)
    )


def _log_likelihood(
    theta: FloatArray, x: FloatArray, t_x: FloatArray, big_t: FloatArray
) -> FloatArray:
    r, alpha, s, beta = (float(v) for v in theta)
    head = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    survive = -(r + x) * np.log(alpha + big_t) - s * np.log(beta + big_t)
    upper = _log_tail(r, alpha, s, beta, x, t_x)
    lower = _log_tail(r, alpha, s, beta, x, big_t)
    # log(F(t_x) - F(T)) with F decreasing in y; -inf when t_x == T
    with np.errstate(divide="ignore"):
        gap = upper + np.log(-np.expm1(np.minimum(lower - upper, 0.0)))
    died = np.log(s / (r + s + x)) + gap
    out: FloatArray = head + np.logaddexp(survive, died)
    return out


def _pareto_objective(x: FloatArray, t_x: FloatArray, big_t: FloatArray, weight: FloatArray) -> Any:
    share = weight / float(weight.sum())

    def value(phi: FloatArray) -> float:
        return -wdot(share, _log_likelihood(np.exp(phi), x, t_x, big_t))

    def objective(phi: FloatArray) -> tuple[float, FloatArray]:
        # central differences in log-parameters (the analytic gradient of the
        # hypergeometric terms is not worth its code at these sizes)
        grad = np.empty(phi.size)
        for j in range(phi.size):
            h = 1e-5
            up = phi.copy()
            up[j] += h
            down = phi.copy()
            down[j] -= h
            grad[j] = (value(up) - value(down)) / (2 * h)
        return value(phi), grad

    return objective


@dataclass(frozen=True, slots=True)
class ParetoNBDFit(PurchaseModelFit):
    """A Pareto/NBD model fitted by maximum likelihood.

    While active, a customer buys at rate ``lambda ~ Gamma(r, alpha)``; the lifetime is
    exponential with rate ``mu ~ Gamma(s, beta)`` (shapes ``r``, ``s``; rates ``alpha``,
    ``beta`` per time unit of the data).  ``params`` holds ``r``, ``alpha``, ``s`` and
    ``beta``.  The expected-purchase formula needs ``s != 1``.  See
    :class:`~bidopt.customers.PurchaseModelFit` for the predictions and
    :class:`~bidopt.customers.ModelFit` for the fields.
    """

    _title = "Pareto/NBD"

    def _alive(self, x: FloatArray, t_x: FloatArray, big_t: FloatArray) -> FloatArray:
        theta = np.array([self._param(k) for k in _NAMES])
        r, alpha, s, beta = theta
        survive = -(r + x) * np.log(alpha + big_t) - s * np.log(beta + big_t)
        total = _log_likelihood(theta, x, t_x, big_t)
        head = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha) + s * np.log(beta)
        out: FloatArray = np.minimum(np.exp(head + survive - total), 1.0)
        return out

    def _expected(
        self, t: FloatArray, x: FloatArray, t_x: FloatArray, big_t: FloatArray
    ) -> FloatArray:
        r, alpha, s, beta = (self._param(k) for k in _NAMES)
        if abs(s - 1.0) < 1e-6:  # the limit s -> 1: log instead of a power
            alive_mean = (r + x) * (beta + big_t) / (alpha + big_t) * np.log1p(t / (beta + big_t))
        else:
            alive_mean = (
                (r + x)
                * (beta + big_t)
                / ((alpha + big_t) * (s - 1))
                * -np.expm1((s - 1) * -np.log1p(t / (beta + big_t)))
            )
        out: FloatArray = alive_mean * self._alive(x, t_x, big_t)
        return out


def fit_pareto_nbd(
    frequency: object,
    recency: object,
    T: object,
    *,
    weights: object = None,
    method: FitMethod = "l-bfgs-b",
    options: Mapping[str, Any] | None = None,
) -> ParetoNBDFit:
    """Fit the Pareto/NBD purchase-count model by maximum likelihood.

    The likelihood is evaluated in log-space: its hypergeometric terms are rewritten by
    Euler's transformation into ``2F1(1, .; .; z)`` functions, bounded for every ``x``,
    and the difference of the two tail terms is taken as ``log(1 - exp(.))``.  Same
    arguments and conventions as :func:`fit_bgnbd`; the gradient is by central
    differences, so this fit is slower than the BG/NBD one on large data.

    Returns
    -------
    ParetoNBDFit
        ``params`` has ``r``, ``alpha``, ``s``, ``beta``.
    """
    x, t_x, big_t = check_fit_summary(frequency, recency, T)
    w = check_weights(weights, x.size)
    (gx, gt_x, gT), gw = group_rows(x, t_x, big_t, weights=None if weights is None else w)
    n = float(gw.sum())
    rate = float(gw @ gx) / float(gw @ gT)
    start = np.log(np.array([1.0, 1.0 / max(rate, 1e-6), 1.0, float(gw @ gT) / n]))
    sol = maximize(
        _pareto_objective(gx, gt_x, gT, gw),
        start,
        _NAMES,
        n,
        method=method,
        options=options,
        hessian_step=1e-3,
    )
    fit: ParetoNBDFit = ParetoNBDFit._from_solution(sol, round(n), str(method))
    return fit
