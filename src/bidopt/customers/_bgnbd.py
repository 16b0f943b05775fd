"""The BG/NBD purchase-count model (Fader, Hardie & Lee 2005) and the base class of the
purchase-count models' fitted results."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special

from bidopt._validation import check_scalar
from bidopt.customers._fit import (
    FitMethod,
    ModelFit,
    check_fit_summary,
    check_horizon,
    check_weights,
    group_rows,
    maximize,
    prediction_inputs,
    wdot,
)
from bidopt.exceptions import InvalidInputError
from bidopt.typing import FloatArray

__all__ = ["BGNBDFit", "PurchaseModelFit", "fit_bgnbd"]

_NAMES = ("r", "alpha", "a", "b")


@dataclass(frozen=True, slots=True)
class PurchaseModelFit(ModelFit):
    """A fitted purchase-count model (BG/NBD or Pareto/NBD): what every such model
    predicts.  See :class:`BGNBDFit` and :class:`ParetoNBDFit`, and :class:`ModelFit` for
    the fields."""

    def expected_purchases(
        self, t: object, frequency: object = 0, recency: object = 0, T: object = 0
    ) -> FloatArray:
        """Expected purchases in the next ``t`` time units, given each customer's history.

        Parameters
        ----------
        t : float or array of shape (n_customers,)
            Horizon length, in the time unit of the fit (for example weeks).
        frequency, recency, T : float or array of shape (n_customers,)
            Repeat purchases, time of the last purchase and age at the end of the
            calibration period (same unit).  The defaults (0, 0, 0) describe a customer
            acquired just now, whose expectation is the model's unconditional one.

        Returns
        -------
        ndarray of float64, shape (n_customers,)
            Expected number of purchases in ``(T, T + t]``.
        """
        x, t_x, big_t = prediction_inputs(frequency, recency, T)
        horizon = check_horizon(t)
        if horizon.size not in (1, x.size):
            if x.size != 1:
                raise InvalidInputError(
                    f"`t` must be a number or an array with one entry per customer ({x.size}). "
                    f"Got {horizon.size} entries instead."
                )
            x, t_x, big_t = (np.full(horizon.size, v[0]) for v in (x, t_x, big_t))
        return self._expected(horizon, x, t_x, big_t)

    def probability_alive(self, frequency: object, recency: object, T: object) -> FloatArray:
        """Probability that each customer is still active at the end of the calibration
        period.

        Parameters
        ----------
        frequency, recency, T : float or array of shape (n_customers,)
            The customer's calibration summary, in the time unit of the fit.

        Returns
        -------
        ndarray of float64, shape (n_customers,), in [0, 1]
        """
        x, t_x, big_t = prediction_inputs(frequency, recency, T)
        return self._alive(x, t_x, big_t)

    def discounted_purchases(
        self,
        horizon: float,
        frequency: object = 0,
        recency: object = 0,
        T: object = 0,
        *,
        discount_rate: float = 0.0,
        step: float = 1.0,
    ) -> FloatArray:
        """Expected purchases over ``horizon``, each discounted to today.

        The horizon is cut into steps of ``step`` time units; the purchases expected in
        step ``k`` (ending at ``t_k``) are discounted by ``(1 + discount_rate) ** -t_k``
        (end-of-step convention).

        Parameters
        ----------
        horizon : float
            Length of the horizon, in the time unit of the fit (> 0).
        frequency, recency, T : float or array of shape (n_customers,)
            The customer's calibration summary (defaults: a customer acquired now).
        discount_rate : float, default 0.0
            Discount rate per time unit (a weekly rate when the fit is in weeks), >= 0.
        step : float, default 1.0
            Grid step in time units (> 0); the last step may be shorter.

        Returns
        -------
        ndarray of float64, shape (n_customers,)
        """
        length = check_scalar(horizon, "horizon", lower=0, lower_inclusive=False)
        rate = check_scalar(discount_rate, "discount_rate", lower=0)
        dt = check_scalar(step, "step", lower=0, lower_inclusive=False)
        x, t_x, big_t = prediction_inputs(frequency, recency, T)
        n_steps = int(np.ceil(length / dt - 1e-9))
        grid = np.minimum(dt * np.arange(1, n_steps + 1), length)
        total = np.zeros(x.size)
        previous = np.zeros(x.size)
        for t_k in grid:  # a loop over time steps, vectorised over customers
            current = self._expected(np.full(x.size, t_k), x, t_x, big_t)
            total += (current - previous) * (1.0 + rate) ** (-t_k)
            previous = current
        return total

    def _expected(
        self, t: FloatArray, x: FloatArray, t_x: FloatArray, big_t: FloatArray
    ) -> FloatArray:
        raise NotImplementedError  # pragma: no cover

    def _alive(self, x: FloatArray, t_x: FloatArray, big_t: FloatArray) -> FloatArray:
        raise NotImplementedError  # pragma: no cover


def _bgnbd_objective(x: FloatArray, t_x: FloatArray, big_t: FloatArray, weight: FloatArray) -> Any:
    """Mean negative BG/NBD log-likelihood per customer and its gradient in
    log-parameters, on grouped rows (``weight`` customers per row).

    Customers without repeat purchases contribute ``r log(alpha) - r log(alpha + T)``
    only, so they are handled apart (one log per row); the terms that depend on ``x``
    alone are computed once per distinct ``x``.
    """
    n = float(weight.sum())
    none = x == 0
    w0 = weight[none] / n
    t0 = big_t[none]
    some = ~none
    w1 = weight[some] / n
    x1, tx1, t1 = x[some], t_x[some], big_t[some]
    ux, inv = np.unique(x1, return_inverse=True)
    count_x = np.bincount(inv, weights=w1, minlength=ux.size)
    share_all = float(weight.sum()) / n

    def objective(phi: FloatArray) -> tuple[float, FloatArray]:
        r, alpha, a, b = np.exp(phi)
        log_alpha = np.log(alpha)
        # customers without repeat purchases
        l0 = np.log(alpha + t0)
        sum_l0 = wdot(w0, l0)
        ll = share_all * r * log_alpha - r * sum_l0
        g_r = share_all * log_alpha - sum_l0
        g_alpha = share_all * r / alpha - r * wdot(w0, 1.0 / (alpha + t0))
        g_a = 0.0
        g_b = 0.0
        if ux.size:
            # terms in x only, once per distinct x, weighted by the customers with that x
            gam = (
                special.gammaln(r + ux)
                - special.gammaln(r)
                + special.gammaln(a + b)
                + special.gammaln(b + ux)
                - special.gammaln(b)
                - special.gammaln(a + b + ux)
            )
            dig_ab = special.digamma(a + b) - special.digamma(a + b + ux)
            ll += float(count_x @ gam)
            g_r += float(count_x @ (special.digamma(r + ux) - special.digamma(r)))
            g_a += float(count_x @ dig_ab)
            g_b += float(count_x @ (dig_ab + special.digamma(b + ux) - special.digamma(b)))
            rx = r + x1
            l_big = np.log(alpha + t1)
            l_small = np.log(alpha + tx1)
            log_bx = np.log(b + x1 - 1)
            # log(e^A3 + e^A4), A3 = -(r+x) log(alpha+T), A4 = log a - log(b+x-1) - (r+x)
            # log(alpha+t_x); w4 = e^A4 / (e^A3 + e^A4) = expit(A4 - A3)
            diff = np.log(a) - log_bx + rx * (l_big - l_small)
            tail = np.exp(-np.abs(diff))
            w4 = np.where(diff >= 0, 1.0, tail) / (1.0 + tail)
            mix = -rx * l_big + np.maximum(diff, 0.0) + np.log1p(tail)
            ll += wdot(w1, mix)
            g_r -= wdot(w1, l_big + w4 * (l_small - l_big))
            g_alpha -= wdot(w1, rx * ((1 - w4) / (alpha + t1) + w4 / (alpha + tx1)))
            g_a += wdot(w1, w4) / a
            g_b -= wdot(w1, w4 / (b + x1 - 1))
        grads = np.array([r * g_r, alpha * g_alpha, a * g_a, b * g_b])
        return -ll, -grads

    return objective


def _bgnbd_start(x: FloatArray, big_t: FloatArray, weight: FloatArray) -> FloatArray:
    """Starting log-parameters: r = 1, alpha from the mean purchase rate, a = b = 1."""
    rate = wdot(weight, x) / wdot(weight, big_t)
    alpha = 1.0 / max(rate, 1e-6)
    out: FloatArray = np.log(np.array([1.0, alpha, 1.0, 1.0]))
    return out


@dataclass(frozen=True, slots=True)
class BGNBDFit(PurchaseModelFit):
    """A BG/NBD model fitted by maximum likelihood (Fader, Hardie & Lee 2005).

    While active, a customer buys at rate ``lambda ~ Gamma(r, alpha)`` (shape ``r``,
    rate ``alpha``, per time unit of the data); after each repeat purchase the customer
    drops out for good with probability ``p ~ Beta(a, b)``.  ``params`` holds ``r``,
    ``alpha``, ``a`` and ``b``; ``alpha`` carries the data's time unit (weeks in, weekly
    ``alpha`` out).  See :class:`~bidopt.customers.PurchaseModelFit` for the predictions
    and :class:`~bidopt.customers.ModelFit` for the fields.
    """

    _title = "BG/NBD"

    def _expected(
        self, t: FloatArray, x: FloatArray, t_x: FloatArray, big_t: FloatArray
    ) -> FloatArray:
        r, alpha, a, b = (self._param(k) for k in _NAMES)
        return _bgnbd_expected(r, alpha, a, b, t, x, big_t) * self._alive(x, t_x, big_t)

    def _alive(self, x: FloatArray, t_x: FloatArray, big_t: FloatArray) -> FloatArray:
        r, alpha, a, b = (self._param(k) for k in _NAMES)
        repeat = x > 0
        log_odds = (
            np.log(a)
            - np.log(np.where(repeat, b + x - 1, 1.0))
            + (r + x) * (np.log(alpha + big_t) - np.log(alpha + t_x))
        )
        return np.where(repeat, special.expit(-log_odds), 1.0)


def _bgnbd_expected(
    r: float,
    alpha: float,
    a: float,
    b: float,
    t: FloatArray,
    x: FloatArray,
    big_t: FloatArray,
) -> FloatArray:
    """Expected purchases in ``(T, T + t]`` for a customer known to be alive at ``T``.

    FHL's closed form ``(a+b+x-1)/(a-1) [1 - ((alpha+T)/(alpha+T+t))^(r+x)
    2F1(r+x, b+x; a+b+x-1; z)]``, ``z = t/(alpha+T+t)``, rewritten by Euler's
    transformation as ``(a+b+x-1)/(a-1) [1 - (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z)]``,
    whose hypergeometric term stays near 1 for large ``x`` instead of overflowing.  At
    ``a == 1`` (0/0) the value is the mean of ``a = 1 +- 1e-4`` (used for ``|a - 1| < 1e-5``).
    """
    if abs(a - 1.0) < 1e-5:
        return 0.5 * (
            _bgnbd_expected(r, alpha, 1.0 + 1e-4, b, t, x, big_t)
            + _bgnbd_expected(r, alpha, 1.0 - 1e-4, b, t, x, big_t)
        )
    z = t / (alpha + big_t + t)
    c = a + b + x - 1
    hyp = special.hyp2f1(a + b - 1 - r, a - 1, c, z)
    bracket = -np.expm1((a - 1) * np.log1p(-z)) * hyp - (hyp - 1.0)
    out: FloatArray = c / (a - 1) * bracket
    return out


def fit_bgnbd(
    frequency: object,
    recency: object,
    T: object,
    *,
    weights: object = None,
    method: FitMethod = "l-bfgs-b",
    options: Mapping[str, Any] | None = None,
) -> BGNBDFit:
    """Fit the BG/NBD purchase-count model by maximum likelihood.

    The likelihood (Fader, Hardie & Lee 2005) is evaluated in log-space on the distinct
    ``(frequency, recency, T)`` rows, each weighted by how many customers share it, and
    maximised over the log-parameters (each in ``[e^-12, e^12]``) with the analytic
    gradient.  Deterministic: same data, same answer.

    Parameters
    ----------
    frequency : array-like of shape (n_customers,)
        Repeat purchases in the calibration period (whole numbers >= 0); see
        :func:`rfm_table` for the conventions.
    recency : array-like of shape (n_customers,)
        Time from the first to the last purchase (0 without repeat purchases).
    T : array-like of shape (n_customers,)
        Time from the first purchase to the end of the calibration period (>= 0, at
        least one > 0), in the same unit as ``recency``.  A customer with ``T == 0``
        (first purchase on the period's last day) adds nothing to the likelihood.
    weights : array-like of shape (n_customers,), optional
        Customers per row (for a summary already grouped), > 0; default 1 each.
    method : {"l-bfgs-b", "nelder-mead"}, default "l-bfgs-b"
        ``"l-bfgs-b"`` uses the analytic gradient; ``"nelder-mead"`` is the
        gradient-free reference.
    options : mapping, optional
        ``maxiter`` (default 1000) and ``tol`` (relative change of the mean
        log-likelihood, default 1e-10).

    Returns
    -------
    BGNBDFit
        ``params`` has ``r``, ``alpha``, ``a``, ``b``.

    Raises
    ------
    InvalidInputError
        For a summary that breaks the contract above.
    SolverError
        When the likelihood is not finite at the optimiser's answer.
    """
    x, t_x, big_t = check_fit_summary(frequency, recency, T)
    w = check_weights(weights, x.size)
    (gx, gt_x, gT), gw = group_rows(x, t_x, big_t, weights=None if weights is None else w)
    objective = _bgnbd_objective(gx, gt_x, gT, gw)
    n = float(gw.sum())
    sol = maximize(objective, _bgnbd_start(gx, gT, gw), _NAMES, n, method=method, options=options)
    fit: BGNBDFit = BGNBDFit._from_solution(sol, round(n), str(method))
    return fit
