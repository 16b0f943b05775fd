"""Always-valid tests: mSPRT p-values and confidence sequences (Johari et al., KDD 2017),
valid however often the experiment is looked at."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from bidopt._optional import require_pandas
from bidopt._validation import as_float_array, check_scalar, short_repr
from bidopt.exceptions import InvalidInputError
from bidopt.typing import BoolArray, FloatArray

__all__ = ["AlwaysValidTest", "always_valid"]


@dataclass(frozen=True, slots=True, eq=False)
class AlwaysValidTest:
    """mSPRT always-valid p-values and confidence sequences (Johari et al., KDD 2017).

    With a normal mixing distribution ``N(0, tau^2)`` over the effect and an estimate
    ``lift`` of variance ``se^2``, the mixture likelihood ratio is
    ``sqrt(se^2 / (se^2 + tau^2)) exp(tau^2 lift^2 / (2 se^2 (se^2 + tau^2)))``.  The
    p-value is the running minimum of its inverse and the interval the running
    intersection of ``lift +- sqrt(se^2 (se^2 + tau^2) / tau^2 (2 log(1/alpha) +
    log((se^2 + tau^2) / se^2)))``: both may be checked after every unit and stay valid
    (type-I error <= alpha however often one peeks).

    Attributes
    ----------
    lift, se : ndarray of float64, shape (..., n_looks)
        The estimates and standard errors given.
    tau : float
    alpha : float
    likelihood_ratio : ndarray of float64, shape (..., n_looks)
    p_value : ndarray of float64, shape (..., n_looks)
        Always-valid p-value (non-increasing along the looks).
    ci_low, ci_high : ndarray of float64, shape (..., n_looks)
        Confidence sequence at level ``1 - alpha``.
    reject : ndarray of bool, shape (..., n_looks)
        ``p_value <= alpha`` (once true, true at every later look).
    """

    lift: FloatArray
    se: FloatArray
    tau: float
    alpha: float
    likelihood_ratio: FloatArray
    p_value: FloatArray
    ci_low: FloatArray
    ci_high: FloatArray
    reject: BoolArray

    def first_rejection(self) -> npt.NDArray[np.int64]:
        """Index of the first look that rejects, -1 if none, shape (...)."""
        first = np.argmax(self.reject, axis=-1)
        return np.where(self.reject.any(axis=-1), first, -1).astype(np.int64)

    def summary(self) -> str:
        """The last look's estimate, interval and p-value (one line per sequence)."""
        lifts = np.atleast_2d(self.lift)
        lows = np.atleast_2d(self.ci_low)
        highs = np.atleast_2d(self.ci_high)
        ps = np.atleast_2d(self.p_value)
        lines = [f"Always-valid test (mSPRT, tau = {self.tau:.4g}, alpha = {self.alpha:g}):"]
        for i in range(min(lifts.shape[0], 20)):
            lines.append(
                f"  lift {lifts[i, -1]:+.4g} [{lows[i, -1]:+.4g}, {highs[i, -1]:+.4g}], "
                f"always-valid p = {ps[i, -1]:.3g}"
                f"{'  (rejected)' if ps[i, -1] <= self.alpha else ''}"
            )
        return "\n".join(lines)

    def to_frame(self) -> Any:
        """One row per look (and sequence): lift, se, interval, p-value, rejected
        (needs pandas)."""
        pd = require_pandas("AlwaysValidTest.to_frame()")
        lift = np.atleast_2d(self.lift)
        n_seq, n_looks = lift.shape
        return pd.DataFrame(
            {
                "sequence": np.repeat(np.arange(n_seq), n_looks),
                "look": np.tile(np.arange(1, n_looks + 1), n_seq),
                "lift": lift.ravel(),
                "se": np.broadcast_to(np.atleast_2d(self.se), lift.shape).ravel(),
                "ci_low": np.atleast_2d(self.ci_low).ravel(),
                "ci_high": np.atleast_2d(self.ci_high).ravel(),
                "p_value": np.atleast_2d(self.p_value).ravel(),
                "reject": np.atleast_2d(self.reject).ravel(),
            }
        )


def always_valid(
    lift: npt.ArrayLike, se: npt.ArrayLike, *, tau: float, alpha: float = 0.05
) -> AlwaysValidTest:
    """Always-valid p-values and confidence sequences by the normal-mixture mSPRT.

    Parameters
    ----------
    lift : array-like of shape (..., n_looks)
        The effect estimate (difference of the arms' values) at each look, cumulative
        over the data so far.
    se : array-like of shape (..., n_looks), or broadcastable to ``lift``'s
        Its standard error at each look (> 0; NaN or inf for a look with too little
        data, which then neither rejects nor narrows the interval).
    tau : float
        Standard deviation of the normal mixing distribution, metric units: the size
        of effects the test should be most sensitive to (for example the minimum
        detectable effect of the design).
    alpha : float, default 0.05

    Returns
    -------
    AlwaysValidTest
    """
    d = as_float_array(lift, "lift", ndim=None, allow_nan=True)
    try:
        s = np.asarray(se, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidInputError(
            f"`se` must be an array of numbers. Got {short_repr(se)} instead."
        ) from None
    try:
        d, s = (np.array(a) for a in np.broadcast_arrays(d, s))
    except ValueError:
        d = s = np.zeros(0)
    if d.ndim == 0 or d.size == 0:
        raise InvalidInputError(
            "`lift` and `se` must be arrays of the same (or broadcastable) shape "
            f"(..., n_looks). Got shapes {np.shape(lift)} and {np.shape(se)} instead."
        )
    if (s <= 0).any():
        raise InvalidInputError(
            f"`se` must be > 0 (or NaN/inf for a look without data). Got {float(s[s <= 0][0])!r} "
            "instead."
        )
    tau = check_scalar(tau, "tau", lower=0, lower_inclusive=False)
    alpha = check_scalar(
        alpha, "alpha", lower=0, upper=1, lower_inclusive=False, upper_inclusive=False
    )
    ok = np.isfinite(d) & np.isfinite(s)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore", under="ignore"):
        # in the scale-free terms z = lift / se and log(tau / se) (with v = se^2 and
        # t2 = tau^2: log((v + t2) / v) = log(1 + (tau / se)^2) and t2 / (v + t2) =
        # 1 / (1 + (se / tau)^2)), so that no square under- or overflows: se and tau of
        # 1e-300 gave v = 0 and a NaN p-value and interval
        log_ratio = np.log(tau) - np.log(s)
        widen = np.logaddexp(0.0, 2 * log_ratio)  # log((v + t2) / v)
        rel_var = np.exp(-2 * log_ratio)  # v / t2
        z = d / s
        log_lr = -0.5 * widen + 0.5 * z**2 / (1 + rel_var)
        log_lr = np.where(ok, log_lr, -np.inf)
        p_now = np.minimum(np.exp(-log_lr), 1.0)
        half = s * np.sqrt((1 + rel_var) * (2 * math.log(1 / alpha) + widen))
        low = np.where(ok, d - half, -np.inf)
        high = np.where(ok, d + half, np.inf)
        likelihood_ratio = np.exp(log_lr)
    p_value = np.minimum.accumulate(p_now, axis=-1)
    return AlwaysValidTest(
        lift=d,
        se=s,
        tau=tau,
        alpha=alpha,
        likelihood_ratio=likelihood_ratio,
        p_value=p_value,
        ci_low=np.maximum.accumulate(low, axis=-1),
        ci_high=np.minimum.accumulate(high, axis=-1),
        reject=p_value <= alpha,
    )
