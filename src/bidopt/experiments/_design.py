"""Fixed-horizon designs: sample size, minimum detectable effect or power."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy import optimize, stats

from bidopt._optional import require_pandas
from bidopt._validation import check_scalar
from bidopt.exceptions import InvalidInputError
from bidopt.experiments._compare import AC_COUNT, welch_satterthwaite

__all__ = ["FixedDesign", "fixed_design"]


@dataclass(frozen=True, slots=True)
class FixedDesign:
    """A two-arm fixed-horizon design (two-sided normal test).

    Attributes
    ----------
    baseline : float
        Control's rate (proportion) or mean.
    sd : float or None
        Per-unit standard deviation for a mean metric (the same in both arms); None for
        a proportion (``sqrt(p (1 - p))`` in each arm).
    lift : float
        Absolute difference the design detects, metric units (a fraction for rates).
    relative_lift : float
        ``lift / baseline``.
    n_control, n_treatment : float
        Units per arm (not rounded; round up to plan).
    n_total : float
    power : float
        Probability of a significant result at ``lift`` by :func:`compare`'s test (both
        tails counted, as in statsmodels' ``NormalIndPower`` and ``TTestIndPower``).
    alpha : float
        Two-sided significance level.
    ratio : float
        ``n_treatment / n_control``.
    """

    baseline: float
    sd: float | None
    lift: float
    relative_lift: float
    n_control: float
    n_treatment: float
    n_total: float
    power: float
    alpha: float
    ratio: float

    def summary(self) -> str:
        """One paragraph: what the design detects, with how many units."""
        what = f"{self.baseline:.3%}" if self.sd is None else f"{self.baseline:.4g}"
        lift = f"{100 * self.lift:+.3f} pp" if self.sd is None else f"{self.lift:+.4g}"
        return (
            f"Fixed-horizon design: from a baseline of {what}, a lift of {lift} "
            f"({self.relative_lift:+.2%}) is detected with power {self.power:.1%} at two-sided "
            f"alpha {self.alpha:g} with {math.ceil(self.n_control):,} control and "
            f"{math.ceil(self.n_treatment):,} treatment units ({math.ceil(self.n_total):,} in all)."
        )

    def to_frame(self) -> Any:
        """One row with every field (needs pandas)."""
        pd = require_pandas("FixedDesign.to_frame()")
        return pd.DataFrame([asdict(self)])


def _se(baseline: float, lift: float, sd: float | None, n: float, ratio: float) -> float:
    """Standard error of the difference of the arms' values with ``n`` control units."""
    if sd is None:
        p1 = baseline + lift
        return math.sqrt(baseline * (1 - baseline) / n + p1 * (1 - p1) / (ratio * n))
    return sd * math.sqrt(1 / n + 1 / (ratio * n))


#: The fewest units per arm of a mean design: a sample variance in each arm, as
#: :func:`compare` requires.
_MIN_MEAN_UNITS = 2.0
#: The fewest expected successes, and failures, in each arm of a rate design: below
#: that the normal approximation behind its power fails (compare's test, Agresti-Caffo
#: below :data:`~bidopt.experiments._compare.AC_COUNT` observed, falls short of it).
_MIN_RATE_COUNT = float(AC_COUNT)
#: Above this many degrees of freedom the t power is the normal one (to 1e-7).
_NORMAL_DF = 1e7


def _expected_counts(baseline: float, lift: float, n: float, ratio: float) -> list[float]:
    """Expected successes and failures of both arms of a rate design."""
    p1 = baseline + lift
    return [n * baseline, n * (1 - baseline), ratio * n * p1, ratio * n * (1 - p1)]


def _min_n(baseline: float, lift: float, sd: float | None, ratio: float) -> float:
    """The fewest control units of a design: ``_MIN_MEAN_UNITS`` in each arm of a
    mean, ``_MIN_RATE_COUNT`` expected successes and failures in each arm of a rate."""
    if sd is not None:
        return max(_MIN_MEAN_UNITS, _MIN_MEAN_UNITS / ratio)
    counts = _expected_counts(baseline, lift, 1.0, ratio)
    return _MIN_RATE_COUNT / min(counts)


def _welch_df(n: float, ratio: float) -> float:
    """Welch-Satterthwaite degrees of freedom of two arms of ``n`` and ``ratio * n``
    units with equal standard deviations (``n + ratio n - 2`` when ``ratio`` is 1)."""
    return float(welch_satterthwaite(1 / n, n - 1, 1 / (ratio * n), ratio * n - 1))


def _normal_power(drift: float, alpha: float) -> float:
    """Power of the two-sided normal test at ``alpha`` for an effect ``drift`` standard
    errors from 0 (both tails counted)."""
    z = stats.norm.isf(alpha / 2)
    return float(stats.norm.sf(z - drift) + stats.norm.cdf(-z - drift))


def _power(
    baseline: float, lift: float, sd: float | None, n: float, ratio: float, alpha: float
) -> float:
    """Power of :func:`compare`'s test: normal for a rate, Welch's t (noncentral t with
    Welch-Satterthwaite degrees of freedom) for a mean."""
    drift = abs(lift) / _se(baseline, lift, sd, n, ratio)
    df = math.inf if sd is None else _welch_df(n, ratio)
    if df > _NORMAL_DF:
        return _normal_power(drift, alpha)
    crit = stats.t.isf(alpha / 2, df)
    with np.errstate(all="ignore"):
        power = float(stats.nct.sf(crit, df, drift) + stats.nct.cdf(-crit, df, drift))
    if not math.isfinite(power):  # scipy's nct fails far in the tail (a power of ~1)
        power = _normal_power(drift, alpha)
    return power


def fixed_design(
    *,
    baseline: float,
    lift: float | None = None,
    relative_lift: float | None = None,
    n: float | None = None,
    power: float | None = None,
    sd: float | None = None,
    alpha: float = 0.05,
    ratio: float = 1.0,
) -> FixedDesign:
    """Solve a two-arm fixed-horizon design for whichever of effect, size or power is
    missing.

    Give exactly two of: the effect (``lift`` or ``relative_lift``), ``n`` (control
    units) and ``power``; the third is solved.  The test is the two-sided test of
    :func:`compare` and power counts both tails: for a rate the normal test, so a design
    equals statsmodels' ``NormalIndPower`` with the unpooled variances; for a mean
    Welch's t, so a design with ``ratio`` 1 equals statsmodels'
    ``TTestIndPower().solve_power(effect_size=lift / sd, nobs1=n, ratio=1)``.

    A design has at least 2 units per arm for a mean (a sample variance), and for a rate
    at least 10 expected successes and 10 expected failures in each arm (below that the
    normal approximation of the power fails: compare's test falls short of it).
    A design below that raises, except that an effect so large that fewer units would
    do gets the smallest design, whose ``power`` is then the higher power it has.

    Parameters
    ----------
    baseline : float
        Control's rate (a fraction in (0, 1) when ``sd`` is None) or mean.
    lift : float, optional
        Absolute effect, metric units.
    relative_lift : float, optional
        Effect as a fraction of ``baseline`` (0.05 is +5%).
    n : float, optional
        Control units; the treatment arm has ``ratio * n``.
    power : float, optional
        In (alpha, 1): the power of a vanishing effect is alpha (both tails count).
    sd : float, optional
        Per-unit standard deviation of a mean metric; None for a proportion.
    alpha : float, default 0.05
    ratio : float, default 1.0

    Returns
    -------
    FixedDesign
    """
    alpha = check_scalar(
        alpha, "alpha", lower=0, upper=1, lower_inclusive=False, upper_inclusive=False
    )
    ratio = check_scalar(ratio, "ratio", lower=0, lower_inclusive=False)
    if sd is None:
        baseline = check_scalar(
            baseline, "baseline", lower=0, upper=1, lower_inclusive=False, upper_inclusive=False
        )
    else:
        baseline = check_scalar(baseline, "baseline")
        sd = check_scalar(sd, "sd", lower=0, lower_inclusive=False)
    if lift is not None and relative_lift is not None:
        raise InvalidInputError(
            f"Give `lift` or `relative_lift`, not both. Got lift={lift!r} and "
            f"relative_lift={relative_lift!r} instead."
        )
    effect: float | None = None
    if lift is not None:
        effect = check_scalar(lift, "lift")
    elif relative_lift is not None:
        effect = check_scalar(relative_lift, "relative_lift") * baseline
    missing = [name for name, v in (("effect", effect), ("n", n), ("power", power)) if v is None]
    if len(missing) != 1:
        raise InvalidInputError(
            "Exactly one of the effect (`lift` or `relative_lift`), `n` and `power` must be "
            f"None (it is solved for). Got {len(missing)} missing ({', '.join(missing) or 'none'}) "
            "instead."
        )
    if n is not None:
        n = check_scalar(n, "n", lower=1, lower_inclusive=False)
        if sd is not None and n < _min_n(baseline, 0.0, sd, ratio) * (1 - 1e-12):
            raise InvalidInputError(
                f"`n` must give each arm at least {_MIN_MEAN_UNITS:g} units (a mean needs "
                f"a sample variance in each arm). Got n = {n:g} control and {ratio * n:g} "
                "treatment units instead."
            )
    if power is not None:
        # both tails count, so a vanishing effect already rejects with probability alpha:
        # a power <= alpha is reached by no effect and no sample size
        power = check_scalar(
            power, "power", lower=alpha, upper=1, lower_inclusive=False, upper_inclusive=False
        )
    if effect is not None:
        if effect == 0:
            raise InvalidInputError("`lift` must be nonzero. Got 0 instead.")
        if sd is None and not 0 < baseline + effect < 1:
            raise InvalidInputError(
                f"`baseline + lift` must be a rate in (0, 1). Got {baseline + effect!r} instead."
            )

    if power is None:
        assert effect is not None
        assert n is not None
        power = _power(baseline, effect, sd, n, ratio, alpha)
    elif n is None:
        assert effect is not None
        target = power
        fixed_effect = effect

        def gap_n(log_n: float) -> float:
            return _power(baseline, fixed_effect, sd, math.exp(log_n), ratio, alpha) - target

        lo = math.log(_min_n(baseline, effect, sd, ratio))
        if gap_n(lo) >= 0:
            # a large effect reaches the power with fewer units than the smallest design:
            # the smallest design, with the (higher) power it has
            n = math.exp(lo)
            power = _power(baseline, effect, sd, n, ratio, alpha)
        else:
            hi = lo + 1.0
            while gap_n(hi) < 0:
                hi = lo + 2 * (hi - lo)
                if hi > 200:  # pragma: no cover - astronomically small effects
                    raise InvalidInputError(f"`lift` {effect!r} is too small to detect.")
            n = math.exp(optimize.brentq(gap_n, lo, hi, xtol=1e-12))
    else:
        target = power
        # the effect in the direction of sign: positive lifts (a proportion near 1 could
        # only be detected downwards; then solve for a negative lift)
        upper = (1 - baseline) * (1 - 1e-12) if sd is None else 50 * sd

        def gap_d(d: float) -> float:
            return _power(baseline, d, sd, n, ratio, alpha) - target

        if gap_d(upper) < 0:
            raise InvalidInputError(
                f"`n` = {n:g} is too small for power {power:g}: no lift up to {upper:.4g} "
                "reaches it."
            )
        effect = optimize.brentq(gap_d, 1e-15, upper, xtol=1e-15, rtol=1e-12)
    assert effect is not None
    assert n is not None
    if sd is None and n < _min_n(baseline, effect, sd, ratio) * (1 - 1e-9):
        counts = _expected_counts(baseline, effect, n, ratio)
        raise InvalidInputError(
            f"A rate design must expect at least {_MIN_RATE_COUNT:g} successes and "
            f"{_MIN_RATE_COUNT:g} failures in each arm (the normal approximation of its "
            "power fails below that: compare's test falls short of it). Got "
            f"{min(counts):.3g} with baseline {baseline:g}, lift {effect:+.4g} and n = {n:g} "
            "instead; plan more units (or, solving for the lift, more power is not "
            "reachable with this n)."
        )
    return FixedDesign(
        baseline=baseline,
        sd=sd,
        lift=effect,
        relative_lift=effect / baseline if baseline != 0 else math.nan,
        n_control=n,
        n_treatment=ratio * n,
        n_total=n * (1 + ratio),
        power=power,
        alpha=alpha,
        ratio=ratio,
    )
