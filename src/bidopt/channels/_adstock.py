"""Adstock: the carry-over of advertising from one period into the next ones."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy import signal

from bidopt._validation import as_float_array, check_scalar
from bidopt.exceptions import InvalidInputError
from bidopt.typing import FloatArray

__all__ = ["geometric_adstock", "weibull_adstock"]


def _apply(x: FloatArray, weights: FloatArray) -> FloatArray:
    """Causal convolution of each column of ``x`` (periods first) with ``weights``."""
    out = signal.lfilter(weights, [1.0], x, axis=0)
    return np.asarray(out, dtype=np.float64)


def geometric_adstock(
    spend: npt.ArrayLike, alpha: float, *, l_max: int = 4, normalize: bool = True
) -> FloatArray:
    """Geometric adstock: ``a[t] = sum_{i < l_max} w_i x[t - i]``, ``w_i = alpha**i``.

    Parameters
    ----------
    spend : array-like of shape (n_periods,) or (n_periods, n_channels)
        Spend (or exposure) per period, yuan.  Periods before the first count as 0.
    alpha : float
        Retention per period, in [0, 1).
    l_max : int, default 4
        Longest carry-over, in periods.
    normalize : bool, default True
        Divide the weights by their sum, so a steady spend ``x`` gives adstock ``x``
        (PyMC-Marketing's convention).
    """
    x = as_float_array(spend, "spend", ndim=None, nonnegative=True)
    if x.ndim not in (1, 2):
        raise InvalidInputError(
            f"`spend` must be a 1- or 2-dimensional array (periods first). Got shape "
            f"{x.shape} instead."
        )
    a = check_scalar(alpha, "alpha", lower=0, upper=1, upper_inclusive=False)
    lags = int(check_scalar(l_max, "l_max", lower=1, integer=True))
    weights = a ** np.arange(lags, dtype=np.float64)
    if normalize:
        weights = weights / weights.sum()
    return _apply(x, weights)


def weibull_adstock(
    spend: npt.ArrayLike,
    shape: float,
    scale: float,
    *,
    l_max: int = 12,
    normalize: bool = True,
) -> FloatArray:
    """Delayed (Weibull PDF) adstock, Robyn's ``weibull_pdf`` form.

    Weights are the Weibull density at lags ``1..l_max`` with the given ``shape`` and
    ``scale`` (in periods); shapes above 1 peak after a delay.
    """
    x = as_float_array(spend, "spend", ndim=None, nonnegative=True)
    if x.ndim not in (1, 2):
        raise InvalidInputError(
            f"`spend` must be a 1- or 2-dimensional array (periods first). Got shape "
            f"{x.shape} instead."
        )
    k = check_scalar(shape, "shape", lower=0, lower_inclusive=False)
    lam = check_scalar(scale, "scale", lower=0, lower_inclusive=False)
    lags = int(check_scalar(l_max, "l_max", lower=1, integer=True))
    t = np.arange(1, lags + 1, dtype=np.float64) / lam
    weights = (k / lam) * t ** (k - 1) * np.exp(-(t**k))
    total = weights.sum()
    if normalize and total > 0:
        weights = weights / total
    return _apply(x, weights)
