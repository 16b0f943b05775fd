"""Group-sequential tests: boundaries by Lan-DeMets alpha spending (the always-valid
mSPRT is in :mod:`bidopt.experiments._always_valid`)."""

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
from bidopt.typing import FloatArray

__all__ = [
    "GroupSequentialDesign",
    "Spending",
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
            0-based index of the first look with ``|z| >= bound`` (look ``index + 1``
            as :meth:`summary` numbers them), or -1 if none crosses.
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
