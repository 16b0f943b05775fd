"""Fixed-horizon designs: sample size, minimum detectable effect or power."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from scipy import optimize, stats

from bidopt._optional import require_pandas
from bidopt._validation import check_scalar
from bidopt.exceptions import InvalidInputError

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
        Probability of a significant result at ``lift`` (both tails counted, as in
        statsmodels' ``NormalIndPower``).
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


def _power(
    baseline: float, lift: float, sd: float | None, n: float, ratio: float, alpha: float
) -> float:
    z = stats.norm.isf(alpha / 2)
    drift = abs(lift) / _se(baseline, lift, sd, n, ratio)
    return float(stats.norm.sf(z - drift) + stats.norm.cdf(-z - drift))


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
    units) and ``power``; the third is solved.  The test is the two-sided normal test
    of :func:`compare`; power counts both tails, so a mean design equals statsmodels'
    ``NormalIndPower().solve_power(effect_size=lift / sd, nobs1=n, ratio=ratio)``.

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

        hi = 1.0
        while gap_n(hi) < 0:
            hi *= 2
            if hi > 200:  # pragma: no cover - astronomically small effects
                raise InvalidInputError(f"`lift` {effect!r} is too small to detect.")
        # a large effect can need less than one unit per arm: the bracket starts far below
        n = math.exp(optimize.brentq(gap_n, -30.0, hi, xtol=1e-12))
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
