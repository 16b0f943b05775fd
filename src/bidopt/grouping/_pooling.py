"""Pooled rates (CTR, CVR) through a hierarchy, by empirical Bayes beta-binomial models."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from scipy import optimize, special, stats

from bidopt._optional import require_pandas
from bidopt._validation import as_float_array, check_choice, check_scalar, missing_mask
from bidopt.exceptions import InvalidInputError
from bidopt.typing import FloatArray

__all__ = ["PooledRates", "pool_rates"]


@dataclass(frozen=True, slots=True, eq=False)
class PooledRates:
    """Posterior rates of each unit (keyword) after pooling.

    Attributes
    ----------
    mean : ndarray of float64, shape (n_units,)
        Posterior mean rate.
    alpha, beta : ndarray of float64, shape (n_units,)
        The Beta posterior of each unit.
    prior_strength : list of float
        The fitted prior strength (pseudo-trials) of each level, coarsest first, then
        the units' own.  The priors used are widened for the uncertainty of each
        parent's rate (so never more certain than the parent: see :func:`pool_rates`)
        and never U-shaped (each pseudo-count at least 1, or the parent's if smaller).
    level : float
        Probability of the intervals :attr:`lower` and :attr:`upper`.  Every Beta is
        unimodal, so for ``level`` >= 0.3 each interval contains its mean.
    """

    mean: FloatArray
    alpha: FloatArray
    beta: FloatArray
    prior_strength: list[float]
    level: float

    @property
    def lower(self) -> FloatArray:
        """Lower end of each unit's equal-tailed posterior interval (computed on access)."""
        tail = (1 - self.level) / 2
        return np.asarray(stats.beta.ppf(tail, self.alpha, self.beta), dtype=np.float64)

    @property
    def upper(self) -> FloatArray:
        """Upper end of each unit's equal-tailed posterior interval (computed on access)."""
        tail = (1 - self.level) / 2
        return np.asarray(stats.beta.ppf(1 - tail, self.alpha, self.beta), dtype=np.float64)

    def to_frame(self) -> Any:
        """One row per unit (needs pandas)."""
        pd = require_pandas("PooledRates.to_frame()")
        return pd.DataFrame({"mean": self.mean, "lower": self.lower, "upper": self.upper})

    def summary(self) -> str:
        """A short text report: units, prior strengths, and the spread of the rates and
        of their intervals."""
        n = self.mean.size
        lines = [
            f"PooledRates: {n:,} units, {self.level:.0%} intervals",
            "  prior strength per level (pseudo-trials, coarsest first): "
            + ", ".join(f"{s:.4g}" for s in self.prior_strength),
        ]
        if n:
            width = self.upper - self.lower
            lines.append(
                f"  mean rate: min {self.mean.min():.4g}, median {np.median(self.mean):.4g}, "
                f"max {self.mean.max():.4g}; interval width median {np.median(width):.4g}"
            )
        return "\n".join(lines)


def _fit_strength(successes: FloatArray, trials: FloatArray, prior_mean: FloatArray) -> float:
    """Beta-binomial prior strength ``s`` (Beta(s m, s (1 - m))) by marginal likelihood."""
    used = trials > 0
    if used.sum() < 2:
        return 1e6
    x, n = successes[used], trials[used]
    if x.sum() == 0 or x.sum() == n.sum():
        # no success (or no failure) anywhere: the likelihood only grows as the prior
        # piles its mass at 0 (or 1), so the spread between units is not identified;
        # as with too few units, the parent's uncertainty alone sets the prior
        return 1e6
    m = np.clip(prior_mean[used], 1e-9, 1 - 1e-9)

    def negative_log_likelihood(log_s: float) -> float:
        s = np.exp(log_s)
        a, b = s * m, s * (1 - m)
        return -float(np.sum(special.betaln(x + a, n - x + b) - special.betaln(a, b)))

    res = optimize.minimize_scalar(
        negative_log_likelihood,
        bounds=(np.log(1e-2), np.log(1e7)),
        method="bounded",
        options={"xatol": 1e-6},
    )
    return float(np.exp(res.x))


def _check_nested(codes: list[npt.NDArray[np.intp]], levels: Sequence[Any]) -> None:
    """Each group of a level must lie inside one group of the next (coarser) level."""
    for k in range(len(codes) - 1):
        fine, coarse = codes[k], codes[k + 1]
        if fine.size == 0:
            continue
        parent = np.full(int(fine.max()) + 1, -1, dtype=np.int64)
        parent[fine] = coarse
        split = parent[fine] != coarse
        if split.any():
            unit = int(np.argmax(split))
            label = np.asarray(levels[k])[unit]
            raise InvalidInputError(
                f"`levels` must be nested, finest first: levels[{k}] group "
                f"{str(label)!r} spans several groups of levels[{k + 1}] (unit {unit} is in "
                f"{str(np.asarray(levels[k + 1])[unit])!r}, another unit of the group is not) "
                "instead."
            )


def _widened(strength: float, parent: FloatArray, mean: FloatArray) -> FloatArray:
    """Concentration of a Beta(strength m, strength (1 - m)) prior whose mean m is itself
    uncertain with concentration ``parent`` (moment-matched: equal variance), never
    U-shaped.

    The fitted strength can be tiny (a level whose few groups look as different as
    can be sits on the fit's lower bound), and a prior Beta(s m, s (1 - m)) with
    ``s m < 1`` piles its mass at 0 (or 1): a unit with no trials then got an interval
    such as [2e-308, 3e-11] that missed its own mean.  So each pseudo-count of the
    prior is at least 1, or the parent's own if smaller (the parent's Beta has
    concentration ``parent`` and mean ``m``).  By induction from the account's uniform
    prior (both pseudo-counts >= 1) every Beta is then unimodal, and its equal-tailed
    interval (for ``level`` >= 0.3) contains its mean.
    """
    widened = parent * strength / (parent + strength + 1.0)
    smaller = np.minimum(mean, 1.0 - mean)
    with np.errstate(divide="ignore"):
        floor = np.minimum(parent, 1.0 / smaller)
    return np.asarray(np.maximum(widened, floor), dtype=np.float64)


def pool_rates(
    successes: npt.ArrayLike,
    trials: npt.ArrayLike,
    levels: Sequence[npt.ArrayLike] = (),
    *,
    method: Literal["beta-binomial"] = "beta-binomial",
    level: float = 0.9,
) -> PooledRates:
    """Pool sparse rates (clicks / impressions, orders / clicks) through nested levels.

    Each level's groups are shrunk towards their parent's pooled rate (the account at the
    top) with a beta-binomial prior whose strength is fitted per level by marginal
    likelihood; the units (keywords) then get Beta posteriors around their group's rate.

    Parameters
    ----------
    successes, trials : array-like of shape (n_units,)
        For example clicks and impressions per keyword.  Zero trials are allowed (the
        unit gets its group's rate, and an interval at least as wide as the group's
        own); ``successes <= trials``.
    levels : sequence of array-like of shape (n_units,)
        Group labels from the finest to the coarsest (ad group, then campaign); nested.
    method : {"beta-binomial"}
    level : float, default 0.9
        Probability of the posterior interval.

    Returns
    -------
    PooledRates

    Raises
    ------
    InvalidInputError
        For negative counts, ``successes > trials``, or mismatched lengths.
    """
    check_choice(method, "method", ("beta-binomial",))
    x = as_float_array(successes, "successes", ndim=1, nonnegative=True)
    n = as_float_array(trials, "trials", ndim=1, nonnegative=True)
    if x.shape != n.shape:
        raise InvalidInputError(
            f"`successes` and `trials` must have the same shape. Got {x.shape} and {n.shape} "
            "instead."
        )
    over = x > n
    if over.any():
        i = int(np.flatnonzero(over)[0])
        raise InvalidInputError(
            f"`successes` must be <= `trials` for every unit. Got {x[i]:g} successes in "
            f"{n[i]:g} trials for unit {i} instead."
        )
    prob = check_scalar(
        level, "level", lower=0, upper=1, lower_inclusive=False, upper_inclusive=False
    )
    codes = []
    for k, labels in enumerate(levels):
        arr = np.asarray(labels)
        if arr.dtype.kind not in "iub":  # labels of any kind; integer codes as they are
            arr = np.asarray(labels, dtype=object)  # (before str: a NaN stays a NaN)
            missing = missing_mask(arr).ravel()
            if missing.any():
                unit = int(np.argmax(missing))
                raise InvalidInputError(
                    f"`levels[{k}]` must give every unit a group label. Got "
                    f"{arr.ravel()[unit]!r} for unit {unit} instead ({int(missing.sum())} "
                    "missing)."
                )
            arr = arr.astype(str)
        if arr.shape != x.shape:
            raise InvalidInputError(
                f"`levels[{k}]` must have shape {x.shape}, one label per unit. Got {arr.shape} "
                "instead."
            )
        codes.append(np.unique(arr, return_inverse=True)[1].ravel())
    _check_nested(codes, levels)
    if x.size == 0:
        empty = np.zeros(0)
        return PooledRates(empty, empty, empty, [], prob)
    total = n.sum()
    # the account's rate under a uniform prior: never exactly 0 or 1 (a unit of an
    # account that clicked every time is not certain to click)
    prior = np.full(x.size, (x.sum() + 1.0) / (total + 2.0))
    # How sure each unit's parent is of its rate, as a Beta concentration (pseudo
    # trials): the account knows its rate from its own trials (a uniform prior's
    # n + 2).  A child's prior Beta(s m, s (1 - m)) around an uncertain parent rate m is
    # widened to the moment-matched Beta of concentration c s / (c + s + 1) (the
    # variance of the mixture over the parent's Beta of concentration c): so a unit
    # without trials gets the interval of its pooled parent, never a near-certain one
    # when the fitted strength is large (a level where fewer than two units have
    # trials, or under-dispersed data) - which used to hand it the interval of the
    # neighbour whose trials set the parent's rate.
    parent_conc = np.full(x.size, total + 2.0)
    strengths: list[float] = []
    for code in reversed(codes):
        size = int(code.max()) + 1
        gx = np.bincount(code, weights=x, minlength=size).astype(np.float64)
        gn = np.bincount(code, weights=n, minlength=size).astype(np.float64)
        gm = np.zeros(size)
        gm[code] = prior
        gc = np.zeros(size)
        gc[code] = parent_conc
        s = _fit_strength(gx, gn, gm)
        strengths.append(s)
        s_eff = _widened(s, gc, gm)
        prior = ((gx + s_eff * gm) / (gn + s_eff))[code]
        parent_conc = (gn + s_eff)[code]
    s = _fit_strength(x, n, prior)
    strengths.append(s)
    m = np.clip(prior, 1e-12, 1 - 1e-12)
    s_unit = _widened(s, parent_conc, m)
    a, b = x + s_unit * m, n - x + s_unit * (1 - m)
    return PooledRates(
        mean=a / (a + b),
        alpha=a,
        beta=b,
        prior_strength=strengths,
        level=prob,
    )
