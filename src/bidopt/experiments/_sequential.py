"""Sequential tests: group-sequential boundaries by alpha spending, and always-valid
mSPRT p-values and confidence sequences."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from scipy import optimize, stats

from bidopt._optional import require_pandas
from bidopt._validation import as_float_array, check_choice, check_scalar, short_repr
from bidopt.exceptions import InvalidInputError
from bidopt.typing import BoolArray, FloatArray

__all__ = [
    "AlwaysValidTest",
    "GroupSequentialDesign",
    "Spending",
    "always_valid",
    "group_sequential",
    "spending_function",
]

Spending = Literal["obrien_fleming", "pocock"]
_SPENDINGS = ("obrien_fleming", "pocock")
#: Grid points per standard deviation of one look's increment (Simpson's rule).
_POINTS_PER_SD = 12
#: Densities are integrated over the mean +- this many standard deviations.
_SPAN_SD = 12.0


def spending_function(
    t: npt.ArrayLike, alpha: float = 0.05, spending: Spending = "obrien_fleming"
) -> FloatArray:
    """Lan-DeMets alpha spent by information fraction ``t`` (two-sided).

    ``"obrien_fleming"``: ``4 - 4 Phi(z_{alpha/4} / sqrt(t))``, the Lan-DeMets
    O'Brien-Fleming-type function ``2 - 2 Phi(z_{a/2} / sqrt(t))`` of each one-sided
    level ``a = alpha / 2`` (the bounds of gsDesign, rpact and Jennison and Turnbull);
    ``"pocock"``: ``alpha log(1 + (e - 1) t)``.

    Parameters
    ----------
    t : array-like of float in [0, 1]
    alpha : float, default 0.05
    spending : {"obrien_fleming", "pocock"}

    Returns
    -------
    ndarray of float64, the shape of ``t``
    """
    check_choice(spending, "spending", _SPENDINGS)
    alpha = check_scalar(
        alpha, "alpha", lower=0, upper=1, lower_inclusive=False, upper_inclusive=False
    )
    frac = as_float_array(t, "t", ndim=None)
    outside = (frac < 0) | (frac > 1)
    if outside.any():
        raise InvalidInputError(
            f"`t` must be information fractions in [0, 1]. Got {frac[outside].flat[0]!r} instead."
        )
    if spending == "obrien_fleming":
        with np.errstate(divide="ignore"):
            out = 4 * stats.norm.sf(stats.norm.isf(alpha / 4) / np.sqrt(frac))
        return np.asarray(np.where(frac > 0, out, 0.0), dtype=np.float64)
    return np.asarray(alpha * np.log1p((math.e - 1) * frac), dtype=np.float64)


def _simpson(lo: float, hi: float, width_sd: float) -> tuple[FloatArray, FloatArray]:
    """Grid and Simpson weights on [lo, hi] with ``_POINTS_PER_SD`` points per ``width_sd``."""
    intervals = max(math.ceil((hi - lo) / width_sd * _POINTS_PER_SD), 8)
    intervals += intervals % 2
    x = np.linspace(lo, hi, intervals + 1)
    w = np.ones(intervals + 1)
    w[1:-1:2] = 4
    w[2:-1:2] = 2
    return x, w * (hi - lo) / (3 * intervals)


class _Recursion:
    """Armitage-McPherson-Rowe recursion on the score scale ``S_k = Z_k sqrt(t_k)``, a
    Brownian motion with drift ``drift`` per unit of information fraction.

    After look k it holds the sub-density of S_k on the continuation region
    (``|S_k| < b_k``) on a Simpson grid."""

    def __init__(self, drift: float) -> None:
        self.drift = drift
        self.t = 0.0
        self.x: FloatArray | None = None  # grid of the current look
        self.f: FloatArray | None = None  # weights x density on the grid

    def exit(self, t: float, b: float) -> float:
        """P(not stopped before, |S| >= b at information t)."""
        delta = t - self.t
        mu = self.drift * delta
        sd = math.sqrt(delta)
        if self.x is None:
            return float(stats.norm.cdf((-b - mu) / sd) + stats.norm.sf((b - mu) / sd))
        assert self.f is not None
        low = stats.norm.cdf((-b - self.x - mu) / sd)
        high = stats.norm.sf((b - self.x - mu) / sd)
        return float(self.f @ (low + high))

    def advance(self, t: float, b: float) -> None:
        """Move to look ``t`` with continuation region ``|S| < b``."""
        delta = t - self.t
        mu = self.drift * delta
        sd = math.sqrt(delta)
        centre = self.drift * t
        lo = max(-b, centre - _SPAN_SD * math.sqrt(t))
        hi = min(b, centre + _SPAN_SD * math.sqrt(t))
        if not hi > lo:  # the walk has (numerically) surely left the region
            self.x = np.zeros(1)
            self.f = np.zeros(1)
            self.t = t
            return
        x, w = _simpson(lo, hi, sd)
        if self.x is None:
            density = stats.norm.pdf((x - mu) / sd) / sd
        else:
            assert self.f is not None
            kernel = stats.norm.pdf((x[:, None] - self.x[None, :] - mu) / sd) / sd
            density = kernel @ self.f
        self.x = x
        self.f = w * density
        self.t = t


@dataclass(frozen=True, slots=True, eq=False)
class GroupSequentialDesign:
    """A two-sided group-sequential test with Lan-DeMets alpha spending.

    Boundaries are computed by the recursive numerical integration of Armitage,
    McPherson and Rowe (Jennison and Turnbull 2000, ch. 19) on Simpson grids of
    ``_POINTS_PER_SD`` points per standard deviation of each increment, with each bound
    solved by Brent's method so that the probability of first crossing at look k under
    no effect equals the alpha spent between looks k - 1 and k.

    Attributes
    ----------
    information : ndarray of float64, shape (n_looks,)
        Information fractions of the looks (a look with a fraction of the planned
        maximum sample size, for a fixed variance), increasing in (0, 1].
    alpha : float
        Two-sided level.
    spending : {"obrien_fleming", "pocock"}
    bounds : ndarray of float64, shape (n_looks,)
        Stop for efficacy at look k when ``|Z_k| >= bounds[k]`` (inf: no stopping).
    alpha_spent : ndarray of float64, shape (n_looks,)
        Cumulative type-I error spent by each look.
    power : float or None
        Target power the design was sized for, if any.
    drift : float or None
        ``E[Z]`` at the maximum information under the design effect (sized for
        ``power``).
    inflation : float or None
        Maximum sample size over the fixed-horizon sample size of the same power.
    """

    information: FloatArray
    alpha: float
    spending: str
    bounds: FloatArray
    alpha_spent: FloatArray
    power: float | None = None
    drift: float | None = None
    inflation: float | None = None

    @property
    def nominal_p(self) -> FloatArray:
        """Two-sided nominal p-value threshold of each look, shape (n_looks,)."""
        return np.asarray(2 * stats.norm.sf(self.bounds), dtype=np.float64)

    def exit_probabilities(self, drift: float) -> FloatArray:
        """Probability of stopping for efficacy first at each look, shape (n_looks,).

        Parameters
        ----------
        drift : float
            ``E[Z]`` at the maximum information (``effect / se`` at the last look).
        """
        rec = _Recursion(float(drift))
        out = np.empty(self.information.size)
        for k, (t, c) in enumerate(zip(self.information, self.bounds, strict=True)):
            b = c * math.sqrt(t)
            out[k] = rec.exit(float(t), b) if math.isfinite(b) else 0.0
            rec.advance(float(t), b if math.isfinite(b) else _SPAN_SD * 10)
        return out

    def rejection_probability(self, drift: float) -> float:
        """Probability of rejecting "no effect" at some look (power, or type-I error at
        drift 0)."""
        return float(self.exit_probabilities(drift).sum())

    def expected_information(self, drift: float) -> float:
        """Expected information fraction at stopping (the average sample size as a
        fraction of the maximum, for a fixed variance)."""
        exits = self.exit_probabilities(drift)
        t = self.information
        return float(exits[:-1] @ t[:-1] + (1 - exits[:-1].sum()) * t[-1])

    def expected_sample_ratio(self, drift_ratio: float = 1.0) -> float:
        """Average sample size over the fixed-horizon sample size of the same power, at
        ``drift_ratio`` times the design effect (needs a design sized with ``power``)."""
        if self.drift is None or self.inflation is None:
            raise InvalidInputError(
                "`power` must be given to group_sequential() to compare with a fixed horizon."
            )
        return self.inflation * self.expected_information(drift_ratio * self.drift)

    def stopped_at(self, z: npt.ArrayLike) -> npt.NDArray[np.int64]:
        """The first look at which each sequence of z-statistics crosses its bound.

        Parameters
        ----------
        z : array-like of shape (..., n_looks)
            z-statistics at the design's looks.

        Returns
        -------
        ndarray of int64, shape (...)
            Index of the first look with ``|z| >= bound``, or -1 if none crosses.
        """
        zs = as_float_array(z, "z", ndim=None, allow_nan=True)
        if zs.shape[-1:] != self.bounds.shape:
            raise InvalidInputError(
                f"`z` must have {self.bounds.size} looks on its last axis. Got shape "
                f"{zs.shape} instead."
            )
        cross = np.abs(zs) >= self.bounds
        first = np.argmax(cross, axis=-1)
        return np.where(cross.any(axis=-1), first, -1).astype(np.int64)

    def summary(self) -> str:
        """The boundaries, look by look."""
        lines = [
            f"Group-sequential design, {self.spending.replace('_', '-')}-type alpha spending, "
            f"two-sided alpha {self.alpha:g}, {self.information.size} looks:"
        ]
        if self.inflation is not None and self.power is not None:
            lines.append(
                f"  sized for power {self.power:.0%}: maximum sample {self.inflation:.4f} x the "
                f"fixed horizon; average {self.expected_sample_ratio(1.0):.1%} of it at the "
                f"design effect, {self.expected_sample_ratio(2.0):.1%} at twice it, "
                f"{self.expected_sample_ratio(0.0):.1%} with no effect"
            )
        lines.append("  look  information  |z| bound  nominal p  alpha spent")
        for k in range(self.information.size):
            lines.append(
                f"  {k + 1:>4}  {self.information[k]:>11.4f}  {self.bounds[k]:>9.4f}  "
                f"{self.nominal_p[k]:>9.3g}  {self.alpha_spent[k]:>11.4g}"
            )
        return "\n".join(lines)

    def to_frame(self) -> Any:
        """One row per look: information fraction, bound, nominal p and alpha spent
        (needs pandas)."""
        pd = require_pandas("GroupSequentialDesign.to_frame()")
        return pd.DataFrame(
            {
                "look": np.arange(1, self.information.size + 1),
                "information": self.information,
                "bound": self.bounds,
                "nominal_p": self.nominal_p,
                "alpha_spent": self.alpha_spent,
            }
        )


def group_sequential(
    information: int | npt.ArrayLike,
    *,
    alpha: float = 0.05,
    spending: Spending = "obrien_fleming",
    power: float | None = None,
) -> GroupSequentialDesign:
    """Two-sided group-sequential boundaries with Lan-DeMets alpha spending.

    Parameters
    ----------
    information : int or array-like of float
        Number of equally spaced looks, or the information fractions of the looks
        (increasing, in (0, 1]; the looks actually taken can be passed again to redo the
        boundaries at the fractions observed).  The last look spends
        ``spending_function(information[-1])``, all of alpha when it is 1.
    alpha : float, default 0.05
        Two-sided type-I error.
    spending : {"obrien_fleming", "pocock"}, default "obrien_fleming"
        Lan-DeMets O'Brien-Fleming-type (little alpha early) or Pocock-type spending.
    power : float, optional
        Size the design for this power: :attr:`GroupSequentialDesign.inflation` is then
        the maximum sample size as a multiple of the fixed-horizon size of equal power.

    Returns
    -------
    GroupSequentialDesign
    """
    alpha = check_scalar(
        alpha, "alpha", lower=0, upper=1, lower_inclusive=False, upper_inclusive=False
    )
    check_choice(spending, "spending", _SPENDINGS)
    if np.ndim(information) == 0:  # a number of looks (5.0 or True: the integer check says so)
        k = check_scalar(information, "information", lower=1, upper=1000, integer=True)
        t = np.arange(1, int(k) + 1, dtype=np.float64) / k
    else:
        t = as_float_array(information, "information")
        if t.size == 0 or t.size > 1000 or not (t[0] > 0 and t[-1] <= 1 and np.all(np.diff(t) > 0)):
            raise InvalidInputError(
                "`information` must be a number of looks (1 to 1000) or increasing "
                f"information fractions in (0, 1]. Got {short_repr(information)} instead."
            )
    spent = spending_function(t, alpha, spending)
    rec = _Recursion(0.0)
    bounds = np.empty(t.size)
    previous = 0.0
    for k in range(t.size):
        target = float(spent[k] - previous)
        tk = float(t[k])
        root = math.sqrt(tk)
        if target <= 1e-300:
            bounds[k] = math.inf
        else:

            def gap(c: float, tk: float = tk, root: float = root, target: float = target) -> float:
                return math.log(max(rec.exit(tk, c * root), 1e-320)) - math.log(target)

            lo, hi = 1e-6, 40.0
            if gap(lo) < 0:  # cannot spend that much: stop whenever
                bounds[k] = 0.0
            else:
                bounds[k] = optimize.brentq(gap, lo, hi, xtol=1e-10, rtol=1e-12)
        previous = float(spent[k])
        b = bounds[k] * root
        rec.advance(tk, b if math.isfinite(b) else _SPAN_SD * 10)
    design = GroupSequentialDesign(
        information=t, alpha=alpha, spending=spending, bounds=bounds, alpha_spent=spent
    )
    if power is None:
        return design
    power = check_scalar(
        power, "power", lower=alpha, upper=1, lower_inclusive=False, upper_inclusive=False
    )
    z = stats.norm.isf(alpha / 2)

    def fixed_gap(eta: float) -> float:
        return float(stats.norm.sf(z - eta) + stats.norm.cdf(-z - eta)) - power

    eta_fixed = optimize.brentq(fixed_gap, 0.0, 40.0, xtol=1e-12)
    if spent[-1] < alpha * (1 - 1e-12):
        raise InvalidInputError(
            "`information` must end at 1 to size a design for `power`. Got a last look at "
            f"{t[-1]:g} instead."
        )
    eta = optimize.brentq(
        lambda e: design.rejection_probability(e) - power,
        eta_fixed * 0.9,
        eta_fixed * 2,
        xtol=1e-10,
    )
    return GroupSequentialDesign(
        information=t,
        alpha=alpha,
        spending=spending,
        bounds=bounds,
        alpha_spent=spent,
        power=power,
        drift=eta,
        inflation=(eta / eta_fixed) ** 2,
    )


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
    v = s**2
    t2 = tau**2
    ok = np.isfinite(d) & np.isfinite(v)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        log_lr = 0.5 * np.log(v / (v + t2)) + t2 * d**2 / (2 * v * (v + t2))
        log_lr = np.where(ok, log_lr, -np.inf)
        p_now = np.minimum(np.exp(-log_lr), 1.0)
        half = np.sqrt(v * (v + t2) / t2 * (2 * math.log(1 / alpha) + np.log((v + t2) / v)))
        low = np.where(ok, d - half, -np.inf)
        high = np.where(ok, d + half, np.inf)
    p_value = np.minimum.accumulate(p_now, axis=-1)
    return AlwaysValidTest(
        lift=d,
        se=s,
        tau=tau,
        alpha=alpha,
        likelihood_ratio=np.exp(log_lr),
        p_value=p_value,
        ci_low=np.maximum.accumulate(low, axis=-1),
        ci_high=np.minimum.accumulate(high, axis=-1),
        reject=p_value <= alpha,
    )
