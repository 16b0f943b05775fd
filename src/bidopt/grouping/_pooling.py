"""Pooled rates (CTR, CVR) through a hierarchy, by empirical Bayes beta-binomial models."""

from __future__ import annotations

from collections.abc import Callable, Sequence
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
        The Beta of each unit's rate that the intervals (and draws made from it) use:
        mean :attr:`mean`, and the variance of the unit's posterior with the
        uncertainty of the hyper-parameters added (see :func:`pool_rates`).
    prior_strength : list of float
        The fitted prior strength (pseudo-trials) of each level, coarsest first, then
        the units' own.  The priors used are widened for the uncertainty of each
        parent's rate (so never more certain than the parent: see :func:`pool_rates`),
        each pseudo-count at least 1 in a group's prior and 0.05 in the prior of a unit
        with trials (or the parent's if smaller).
    level : float
        Probability of the intervals :attr:`lower` and :attr:`upper` (each tail
        ``(1 - level) / 2`` of the interval's Beta; a J-shaped Beta's interval runs from
        0, or to 1: see :func:`pool_rates`).  For ``level`` >= 0.3 each interval
        contains its mean (the interval's Beta has no pseudo-count so small that its
        mass piles up at 0 or 1 past its mean).
    """

    mean: FloatArray
    alpha: FloatArray
    beta: FloatArray
    prior_strength: list[float]
    level: float

    @property
    def lower(self) -> FloatArray:
        """Lower end of each unit's posterior interval, shape (n_units,) (computed on
        access): the Beta's ``(1 - level) / 2`` quantile, or 0 where the Beta is
        J-shaped at 0 (``alpha < 1``, see :func:`pool_rates`)."""
        tail = (1 - self.level) / 2
        end = stats.beta.ppf(tail, self.alpha, self.beta)
        return np.asarray(np.where(self.alpha < 1.0, 0.0, end), dtype=np.float64)

    @property
    def upper(self) -> FloatArray:
        """Upper end of each unit's posterior interval, shape (n_units,) (computed on
        access): the Beta's ``(1 + level) / 2`` quantile, or 1 where the Beta is
        J-shaped at 1 (``beta < 1``, see :func:`pool_rates`)."""
        tail = (1 - self.level) / 2
        end = stats.beta.ppf(1 - tail, self.alpha, self.beta)
        return np.asarray(np.where(self.beta < 1.0, 1.0, end), dtype=np.float64)

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


def _fit_strength(
    successes: FloatArray, trials: FloatArray, prior_mean: FloatArray, prior_conc: FloatArray
) -> tuple[float, FloatArray, FloatArray]:
    """Beta-binomial prior strength ``s`` (Beta(s m, s (1 - m))) by marginal likelihood,
    and its posterior on a grid (values of ``s`` and their probabilities); where ``s``
    is not identified, ``1e6`` alone.

    ``prior_mean`` and ``prior_conc`` (shape (n_units,) each) are the pooled rate of
    each unit's parent and its concentration (pseudo-trials), the unit's own trials
    included.  Each unit's likelihood uses its parent's rate without the unit's own
    successes and trials (leave one out), and the prior around that rate widened for
    its error as :func:`_widened` does: fitted to data that include the unit's own, the
    parent's rate sits closer to each unit than the true one, which made the spread
    between units look smaller and the fitted ``s`` too large (too much shrinkage and
    too narrow intervals) when groups have few units."""
    used = trials > 0
    if used.sum() < 2:
        return 1e6, np.array([1e6]), np.ones(1)
    x, n = successes[used], trials[used]
    if x.sum() == 0 or x.sum() == n.sum():
        # no success (or no failure) anywhere: the likelihood only grows as the prior
        # piles its mass at 0 (or 1), so the spread between units is not identified;
        # as with too few units, the parent's uncertainty alone sets the prior
        return 1e6, np.array([1e6]), np.ones(1)
    # the parent without the unit (its concentration keeps the parent's prior
    # pseudo-trials, so it stays > 0)
    c = prior_conc[used] - n
    m = np.clip((prior_mean[used] * prior_conc[used] - x) / c, 1e-9, 1 - 1e-9)
    # units alike in (successes, trials, parent) counted once, the rest in a
    # canonical order: the likelihood's sums (and so the fitted strength) do not depend
    # on the units' (or groups') order, which moved every pooled rate by up to ~1e-5
    order = np.lexsort((c, m, n, x))
    x, n, m, c = x[order], n[order], m[order], c[order]
    new = np.r_[True, (x[1:] != x[:-1]) | (n[1:] != n[:-1]) | (m[1:] != m[:-1]) | (c[1:] != c[:-1])]
    first = np.flatnonzero(new)
    count = np.diff(np.r_[first, x.size]).astype(np.float64)
    x, n, m, c = x[first], n[first], m[first], c[first]

    def negative_log_likelihood(log_s: float) -> float:
        s = np.exp(log_s)
        s_eff = c * s / (c + s + 1.0)  # _widened without its floor
        a, b = s_eff * m, s_eff * (1 - m)
        return -float(count @ (special.betaln(x + a, n - x + b) - special.betaln(a, b)))

    low, high = np.log(1e-2), np.log(1e7)
    res = optimize.minimize_scalar(
        negative_log_likelihood, bounds=(low, high), method="bounded", options={"xatol": 1e-6}
    )
    log_s, step = float(res.x), 0.1
    if low + step < log_s < high - step:
        curvature = (
            negative_log_likelihood(log_s + step)
            - 2.0 * float(res.fun)
            + negative_log_likelihood(log_s - step)
        ) / step**2
        if curvature * _SHARP**2 > 1.0:
            return float(np.exp(log_s)), np.exp([log_s]), np.ones(1)  # known well enough
    # the posterior of log s on a grid over the whole range and a finer one around the
    # fit, under a uniform prior on the intra-class correlation 1 / (s + 1) (density
    # s / (s + 1) ** 2 on log s): proper towards large s, where a likelihood that cannot
    # tell the units apart stays flat (chosen over Gelman et al.'s s ** -1.5, which
    # leaves more weight on large s, by simulated coverage on tuning seeds)
    grid = np.unique(
        np.concatenate([np.linspace(low, high, _GRID_POINTS), np.clip(res.x + _LOCAL, low, high)])
    )
    log_prior = grid - 2.0 * np.logaddexp(grid, 0.0)
    log_post = np.array([-negative_log_likelihood(g) for g in grid]) + log_prior
    width = np.gradient(grid)  # trapezoid-like cell widths of the uneven grid
    weight = np.exp(log_post - log_post.max()) * width
    # the strength returned (the prior's, for every point estimate) is the posterior's
    # geometric mean: the maximum of a likelihood that barely identifies ``s`` (a few
    # units with a few trials) often sits at an extreme (near 0: every unit its own raw
    # rate)
    weight = weight / weight.sum()
    return float(np.exp(weight @ grid)), np.exp(grid), weight


#: A strength whose posterior standard deviation in ``log s`` (from the curvature of the
#: marginal likelihood) is below this is taken as known: its spread moves no interval.
_SHARP = 0.05
#: The smallest pseudo-count of the prior of a unit with trials (or its parent's, if
#: smaller): such priors may be J-shaped (a unit's rate near 0 when its group's is);
#: groups' priors and units without trials keep 1.
_MIN_PSEUDO = 0.05
#: Grid points of the strength's posterior with less than this share of the largest
#: weight are left out of the mixture.
_MIN_WEIGHT = 1e-4
#: Offsets in ``log s`` of the fine grid around the fitted strength.
_LOCAL = np.linspace(-2.5, 2.5, 11)
#: Points of the coarse grid over ``log s`` (from 1e-2 to 1e7) on which the prior
#: strength's uncertainty is integrated (beside the fine one, :data:`_LOCAL`).
_GRID_POINTS = 10


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


def _widened(
    strength: float, parent: FloatArray, mean: FloatArray, least: float | FloatArray = 1.0
) -> FloatArray:
    """Concentration of a Beta(strength m, strength (1 - m)) prior whose mean m is itself
    uncertain with concentration ``parent`` (moment-matched: equal variance), shape
    (n,) like ``parent`` and ``mean``.

    The fitted strength can be tiny (a level whose few groups look as different as
    can be sits on the fit's lower bound), and a prior Beta(s m, s (1 - m)) with
    ``s m`` near 0 piles its mass at 0 (or 1): a unit with no trials then got an
    interval such as [2e-308, 3e-11] that missed its own mean.  So each pseudo-count of
    the prior is at least ``least``, or the parent's own if smaller (the
    parent's Beta has concentration ``parent`` and mean ``m``).  Below 1 the prior is
    J-shaped, as the rates of units in a group whose rate is near 0 are: a floor of 1
    (never J-shaped) put a quarter of such true rates below their intervals.  ``least``
    (a scalar, or shape (n,)) is that floor; groups' priors keep 1.  The interval's
    Beta has its own floor (:func:`_interval_floor`).
    """
    widened = parent * strength / (parent + strength + 1.0)
    smaller = np.minimum(mean, 1.0 - mean)
    with np.errstate(divide="ignore"):
        floor = np.minimum(parent, least / smaller)
    return np.asarray(np.maximum(widened, floor), dtype=np.float64)


def _interval_floor(level: float) -> float:
    """The smallest pseudo-count of an interval's Beta for which its equal-tailed
    ``level`` interval contains its mean: ``a`` with ``Q(a, a) = (1 - level) / 2``
    (``Q`` the regularized upper incomplete gamma function: the chance that a
    Beta(a, b) rate exceeds its mean, which falls with ``b`` towards ``Q(a, a)``), 1 for
    a ``level`` below 0.27 (where no ``a`` <= 1 will do), and never below
    :data:`_MIN_PSEUDO`.  With a 1% margin."""
    tail = (1.0 - level) / 2.0
    if tail >= float(special.gammaincc(1.0, 1.0)):
        return 1.0
    root = optimize.brentq(lambda a: float(special.gammaincc(a, a)) - tail, 1e-12, 1.0)
    return float(min(max(1.01 * root, _MIN_PSEUDO), 1.0))


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

    Notes
    -----
    The point estimate of a unit is its posterior mean given the fitted prior (its
    parent's pooled rate ``m`` and the level's strength ``s``, the geometric mean of
    its posterior unless the data pin it down).  Each level's ``s`` is fitted with every
    member's likelihood taken around its parent's rate without the member's own
    trials (leave one out), so that a parent of a few members, whose rate is fitted to
    their trials, does not make them look alike.  The prior of a unit with trials may
    be J-shaped (pseudo-counts down to 0.05; a group's, or a unit's without trials,
    down to 1), as the rates of units in a group whose rate is near 0 are.  Its interval is the
    equal-tailed interval of a Beta with that mean and the variance of the unit's rate
    with the hyper-parameters' uncertainty integrated out, not held known: the
    posterior of ``s`` (marginal likelihood on a grid, uniform prior on the
    intra-class correlation ``1 / (s + 1)``; a strength the data pin down is taken as
    fitted) and the error of ``m`` as an estimate of its members' mean rate, which is
    large when one member holds most of the parent's trials (``m`` is then mostly that
    member's own rate).  Where that Beta is J-shaped (``alpha < 1``: a unit without
    successes whose parent's rate is near 0) the interval starts at 0, and where
    ``beta < 1`` it ends at 1: the mixture over the hyper-parameters that the Beta
    stands in for piles its lower tail at 0 (a parent's rate that may lie far below the
    fitted one gives rates that are 0 for any purpose), which the Beta's own lower
    quantile, tiny but above 0, left out.  Averaged over units whose rates are drawn
    from the pooled prior, about ``level`` of the intervals hold the true rate; a
    single unit's interval is a Bayesian one, not a frequentist guarantee.  Simulated coverage per
    design is in ``benchmarks/results/pooling_coverage.md``.

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
    # the units in a canonical order (by group, then counts), so that every sum below
    # adds the same numbers in the same order whatever the rows' order: the same rates
    # bit for bit for a shuffled input (an estimate's draws stay put when its log's rows
    # move or another keyword is renamed); undone on return
    order = np.lexsort((n, x, *codes))
    x, n, codes = x[order], n[order], [code[order] for code in codes]
    pooled = _pool_sorted(x, n, codes, prob)
    back = np.empty_like(order)
    back[order] = np.arange(order.size)
    return PooledRates(
        mean=pooled.mean[back],
        alpha=pooled.alpha[back],
        beta=pooled.beta[back],
        prior_strength=pooled.prior_strength,
        level=prob,
    )


def _pool_sorted(
    x: FloatArray, n: FloatArray, codes: list[npt.NDArray[np.intp]], prob: float
) -> PooledRates:
    """:func:`pool_rates` on validated units (shape (n_units,) each, ``codes`` the group
    of each unit per level, finest first), in the order given."""
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
    # per level (coarsest first): the unit -> group codes, each group's trials and its
    # shrinkage weight on them (the rest is on its parent's rate), and the spread
    # between its groups, 1 / (s + 1), averaged over the posterior of s
    fitted: list[tuple[npt.NDArray[np.intp], FloatArray, FloatArray, float]] = []
    for code in reversed(codes):
        size = int(code.max()) + 1
        gx = np.bincount(code, weights=x, minlength=size).astype(np.float64)
        gn = np.bincount(code, weights=n, minlength=size).astype(np.float64)
        gm = np.zeros(size)
        gm[code] = prior
        gc = np.zeros(size)
        gc[code] = parent_conc
        s, grid, weight = _fit_strength(gx, gn, gm, gc)
        strengths.append(s)
        s_eff = _widened(s, gc, gm)
        fitted.append((code, gn, gn / (gn + s_eff), float(weight @ (1.0 / (grid + 1.0)))))
        prior = ((gx + s_eff * gm) / (gn + s_eff))[code]
        parent_conc = (gn + s_eff)[code]
    s, grid, weight = _fit_strength(x, n, prior, parent_conc)
    strengths.append(s)
    m = np.clip(prior, 1e-12, 1 - 1e-12)
    # J-shaped priors for units with trials; a unit without trials keeps an interval
    # whose pseudo-counts are at least 1 (or its parent's)
    least = np.where(n > 0, _MIN_PSEUDO, 1.0)
    s_unit = _widened(s, parent_conc, m, least)
    mean = (x + s_unit * m) / (n + s_unit)
    # the interval's Beta: the same mean, the hyper-parameters' uncertainty added (the
    # mixture over the posterior of the units' strength s; the parent's rate's error
    # beyond what parent_conc allowed for)
    prior_error = _prior_error(n, strengths[:-1], fitted)
    variance = np.zeros(x.size)
    kept = weight >= _MIN_WEIGHT * weight.max()
    share = weight[kept] / weight[kept].sum()
    for s_j, w_j in zip(grid[kept].tolist(), share.tolist(), strict=True):
        s_unit_j = _widened(s_j, parent_conc, m, least)
        mean_j = (x + s_unit_j * m) / (n + s_unit_j)
        error = np.maximum(prior_error(s_j) - 1.0 / (parent_conc + 1.0), 0.0)
        shrink = s_unit_j / (n + s_unit_j)
        variance += w_j * (
            mean_j * (1 - mean_j) / (n + s_unit_j + 1)
            + shrink**2 * error * m * (1 - m)
            + (mean_j - mean) ** 2
        )
    # never more certain than the unit's posterior given the fitted prior, and no
    # pseudo-count below the floor that keeps the mean inside the interval (nor, for a
    # unit without trials, below its prior's)
    smaller = np.minimum(mean, 1.0 - mean)
    conc = n + s_unit
    floor = _interval_floor(prob) / smaller
    with np.errstate(divide="ignore"):
        floor = np.where(n > 0, floor, np.maximum(floor, np.minimum(conc, least / smaller)))
    conc = np.maximum(np.minimum(mean * (1 - mean) / variance - 1.0, conc), floor)
    return PooledRates(
        mean=mean,
        alpha=mean * conc,
        beta=(1 - mean) * conc,
        prior_strength=strengths,
        level=prob,
    )


def _design_variance(
    trials: FloatArray,
    strength: float,
    code: npt.NDArray[np.intp] | None = None,
    size: int = 1,
) -> FloatArray:
    """Per group, the variance of its raw rate (successes / trials) around the mean rate
    of its members, in units of ``mu (1 - mu)``: members (shape (n_members,), ``code``
    their group, or all one group) with ``trials`` each and rates spread as a Beta of
    concentration ``strength``, so beta-binomial counts.  ``1 / trials`` when the
    members share one rate; up to ``1 / (strength + 1)`` when one member holds every
    trial; infinite without trials.  Shape (size,)."""
    spread = trials * (strength + trials) / (strength + 1.0)
    if code is None:
        total, spread_sum = np.array([trials.sum()]), np.array([spread.sum()])
    else:
        total = np.bincount(code, weights=trials, minlength=size)
        spread_sum = np.bincount(code, weights=spread, minlength=size)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = spread_sum / total**2
    return np.asarray(np.where(total > 0, out, np.inf), dtype=np.float64)


def _prior_error(
    n: FloatArray,
    strengths: list[float],
    fitted: list[tuple[npt.NDArray[np.intp], FloatArray, FloatArray, float]],
) -> Callable[[float], FloatArray]:
    """The error variance of each unit's prior mean (its parent's pooled rate) as an
    estimate of the mean rate of the parent's members, in units of ``mu (1 - mu)``,
    shape (n_units,), as a function of the units' prior strength.

    Down from the account (its rate under a uniform prior): each group's pooled rate
    puts weight ``w`` on its own trials, whose raw rate errs as
    :func:`_design_variance` says (its members spread as the next level's fitted
    strength, or the units' strength), and ``1 - w`` on its parent's rate, which errs
    by the parent's error plus the spread between groups.  With one member holding
    most of a parent's trials, the parent knows its members' mean only as well as
    that member's rate tells it."""

    def account(design: float) -> float:
        return 1.0 / (1.0 / design + 3.0)  # the uniform prior's 2 pseudo-trials

    if not fitted:
        return lambda unit: np.full(n.size, account(float(_design_variance(n, unit)[0])))
    error = np.full(1, account(float(_design_variance(fitted[0][1], strengths[0])[0])))
    parent_code = np.zeros(fitted[0][1].size, dtype=np.intp)
    for k, (code, gn, w, between) in enumerate(fitted[:-1]):
        child_code, child_trials = fitted[k + 1][0], fitted[k + 1][1]
        of = np.zeros(child_trials.size, dtype=np.intp)
        of[child_code] = code
        design = _design_variance(child_trials, strengths[k + 1], of, gn.size)
        error = _pooled_error(error[parent_code], gn, w, between, design)
        parent_code = of
    code, gn, w, between = fitted[-1]
    upper = error[parent_code]

    def units(unit: float) -> FloatArray:
        design = _design_variance(n, unit, code, gn.size)
        return np.asarray(_pooled_error(upper, gn, w, between, design)[code], dtype=np.float64)

    return units


def _pooled_error(
    parent: FloatArray, trials: FloatArray, w: FloatArray, between: float, design: FloatArray
) -> FloatArray:
    """Error variance of groups' pooled rates (``w`` on their own raw rates, whose error
    is ``design``; ``1 - w`` on their parent's, whose error is ``parent``, plus the
    spread ``between`` the groups), each of shape (n_groups,)."""
    own = w**2 * np.minimum(design, 1e300)
    return np.asarray(
        np.where(trials > 0, own + (1 - w) ** 2 * (parent + between), parent + between),
        dtype=np.float64,
    )
