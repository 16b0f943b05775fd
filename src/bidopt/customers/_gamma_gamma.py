"""The Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV")."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special

from bidopt._validation import as_float_array
from bidopt.customers._fit import (
    FitMethod,
    ModelFit,
    check_counts,
    check_weights,
    group_rows,
    maximize,
    wdot,
)
from bidopt.exceptions import InvalidInputError
from bidopt.typing import FloatArray

__all__ = ["GammaGammaFit", "fit_gamma_gamma"]

_NAMES = ("p", "q", "gamma")


def _check_spend(
    frequency: object, monetary_value: object, *, fitting: bool
) -> tuple[FloatArray, FloatArray]:
    x = check_counts(frequency)
    z = as_float_array(monetary_value, "monetary_value", ndim=1, nonnegative=True)
    if x.size != z.size:
        raise InvalidInputError(
            "`frequency` and `monetary_value` must have the same length (one entry per "
            f"customer). Got lengths {x.size} and {z.size} instead."
        )
    bad = (x > 0) & (z <= 0)
    if bad.any():
        at = int(np.argmax(bad))
        raise InvalidInputError(
            "`monetary_value` must be > 0 for a customer with repeat purchases (the mean "
            f"value of those purchases). Got {float(z[at])!r} at index {at} instead."
        )
    if fitting and not (x > 0).any():
        raise InvalidInputError(
            "`frequency` must have at least one customer with repeat purchases (> 0) to "
            "fit the spend model. Got none instead."
        )
    return x, z


@dataclass(frozen=True, slots=True)
class GammaGammaFit(ModelFit):
    """A Gamma-Gamma spend model fitted by maximum likelihood.

    A customer's purchase values are ``Gamma(p, nu)`` (shape ``p``, rate ``nu``) around
    the customer's mean ``p / nu``, with ``nu ~ Gamma(q, gamma)`` across customers;
    ``params`` holds ``p``, ``q`` and ``gamma`` (``gamma`` in money units, yuan or the
    data's currency).  The model assumes that spend per purchase is independent of the
    purchase frequency: check it on the data (the correlation of ``frequency`` and
    ``monetary_value`` among repeat buyers should be near 0) before multiplying its
    predictions with a purchase model's.  The population mean value per purchase is
    ``p * gamma / (q - 1)`` (finite when ``q > 1``).  See
    :class:`~bidopt.customers.ModelFit` for the fields.
    """

    _title = "Gamma-Gamma"

    def expected_spend(self, frequency: object = 0, monetary_value: object = 0) -> FloatArray:
        """Expected value of each customer's future purchases (per purchase).

        ``(p * (gamma + x * zbar)) / (p * x + q - 1)``: a weighted mean of the
        population mean and the customer's own mean (Fader, Hardie & Lee 2005, "RFM and CLV").

        Parameters
        ----------
        frequency : float or array of shape (n_customers,)
            Repeat purchases (0, the default, for a customer with none: the
            population mean).
        monetary_value : float or array of shape (n_customers,)
            Mean value of those repeat purchases (money units, ignored when
            ``frequency`` is 0).

        Returns
        -------
        ndarray of float64, shape (n_customers,)
            Money units per purchase; infinite when ``q <= 1`` and ``frequency`` is 0.
        """
        xs, zs = np.broadcast_arrays(
            np.atleast_1d(np.asarray(frequency, dtype=object)),
            np.atleast_1d(np.asarray(monetary_value, dtype=object)),
        )
        x, z = _check_spend(xs, zs, fitting=False)
        p, q, gamma = (self._param(k) for k in _NAMES)
        z = np.where(x > 0, z, 0.0)
        denominator = p * x + q - 1
        with np.errstate(divide="ignore"):
            out: FloatArray = np.where(
                denominator > 0,
                p * (gamma + x * z) / np.where(denominator > 0, denominator, 1),
                np.inf,
            )
        return out


def _gamma_gamma_objective(x: FloatArray, z: FloatArray, weight: FloatArray) -> Any:
    n = float(weight.sum())
    share = weight / n
    log_x = np.log(x)
    log_z = np.log(z)

    def objective(phi: FloatArray) -> tuple[float, FloatArray]:
        p, q, gamma = np.exp(phi)
        px = p * x
        log_total = np.log(x * z + gamma)
        ll = (
            special.gammaln(px + q)
            - special.gammaln(px)
            - special.gammaln(q)
            + q * np.log(gamma)
            + (px - 1) * log_z
            + px * log_x
            - (px + q) * log_total
        )
        dig = special.digamma(px + q)
        grad_p = x * (dig - special.digamma(px) + log_z + log_x - log_total)
        grad_q = dig - special.digamma(q) + np.log(gamma) - log_total
        grad_gamma = q / gamma - (px + q) / (x * z + gamma)
        grads = np.array(
            [p * wdot(share, grad_p), q * wdot(share, grad_q), gamma * wdot(share, grad_gamma)]
        )
        return -wdot(share, ll), -grads

    return objective


def fit_gamma_gamma(
    frequency: object,
    monetary_value: object,
    *,
    weights: object = None,
    method: FitMethod = "l-bfgs-b",
    options: Mapping[str, Any] | None = None,
) -> GammaGammaFit:
    """Fit the Gamma-Gamma spend model by maximum likelihood.

    Only customers with repeat purchases (``frequency > 0``) carry information and are
    used; the others are ignored.  The likelihood of a customer's mean repeat-purchase
    value ``zbar`` over ``x`` purchases is maximised over log-parameters with the
    analytic gradient, on the distinct ``(x, zbar)`` rows.

    Parameters
    ----------
    frequency : array-like of shape (n_customers,)
        Repeat purchases in the calibration period (whole numbers >= 0).
    monetary_value : array-like of shape (n_customers,)
        Mean value of those repeat purchases (money units, > 0 where ``frequency > 0``;
        anything >= 0 elsewhere).
    weights : array-like of shape (n_customers,), optional
        Customers per row, > 0; default 1 each.
    method : {"l-bfgs-b", "nelder-mead"}, default "l-bfgs-b"
    options : mapping, optional
        ``maxiter`` (default 1000) and ``tol`` (default 1e-10).

    Returns
    -------
    GammaGammaFit
        ``params`` has ``p``, ``q``, ``gamma``; ``n_customers`` counts the repeat buyers
        used.

    Notes
    -----
    The model assumes spend per purchase independent of purchase frequency; see
    :class:`GammaGammaFit`.
    """
    x, z = _check_spend(frequency, monetary_value, fitting=True)
    w = check_weights(weights, x.size)
    keep = x > 0
    (gx, gz), gw = group_rows(x[keep], z[keep], weights=None if weights is None else w[keep])
    n = float(gw.sum())
    mean = float(gw @ gz) / n
    var = float(gw @ (gz - mean) ** 2) / n
    # start: p = 1 purchase shape; q and gamma from the spread of customer means
    q0 = 2.0 + mean**2 / max(var, 1e-12 * mean**2)
    start = np.log(np.array([1.0, min(q0, 1e4), mean * (min(q0, 1e4) - 1)]))
    sol = maximize(
        _gamma_gamma_objective(gx, gz, gw), start, _NAMES, n, method=method, options=options
    )
    fit: GammaGammaFit = GammaGammaFit._from_solution(sol, round(n), str(method))
    return fit
