"""Fixed-horizon comparison of arms: lifts, intervals, multiplicity, SRM and CUPED.

One module although over 500 lines: the public entry point, its input reading (rows or
counts) and the result share the per-arm sufficient statistics and one result type.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from scipy import stats

from bidopt._optional import require_pandas
from bidopt._validation import as_float_array, check_choice, check_scalar, short_repr
from bidopt._wording import display_width, ljust
from bidopt.exceptions import InvalidInputError
from bidopt.experiments._stats import ArmStatistics, summarize
from bidopt.typing import BoolArray, FloatArray, ObjectArray

__all__ = [
    "AC_COUNT",
    "Comparison",
    "SampleRatioCheck",
    "agresti_caffo_rows",
    "compare",
    "srm_check",
    "welch_satterthwaite",
]

Correction = Literal["holm", "bonferroni", "none"]


@dataclass(frozen=True, slots=True, eq=False)
class SampleRatioCheck:
    """Sample-ratio-mismatch check: are the arm sizes what the design's split says?

    Attributes
    ----------
    arms : ndarray of str, shape (n_arms,)
    observed : ndarray of float64, shape (n_arms,)
        Units per arm.
    expected : ndarray of float64, shape (n_arms,)
        Units per arm the design's split predicts for the same total.
    statistic : float
        Pearson's chi-square statistic, ``n_arms - 1`` degrees of freedom.
    p_value : float
    alpha : float
        Threshold: the check fails when ``p_value < alpha`` (a strict threshold such as
        0.001 is customary, since a mismatch invalidates the whole experiment).
    passed : bool
    """

    arms: ObjectArray
    observed: FloatArray
    expected: FloatArray
    statistic: float
    p_value: float
    alpha: float
    passed: bool

    def summary(self) -> str:
        """One line: passed or not, with the chi-square test."""
        verdict = "passed" if self.passed else "FAILED: the arms are not the designed sizes"
        shares = ", ".join(
            f"{a} {o / self.observed.sum():.2%} (expected {e / self.expected.sum():.2%})"
            for a, o, e in zip(self.arms, self.observed, self.expected, strict=True)
        )
        return (
            f"sample-ratio check {verdict}: chi2 = {self.statistic:.3f}, "
            f"p = {self.p_value:.3g} (threshold {self.alpha:g}); {shares}"
        )

    def to_frame(self) -> Any:
        """One row per arm: observed and expected units (needs pandas)."""
        pd = require_pandas("SampleRatioCheck.to_frame()")
        return pd.DataFrame(
            {"arm": self.arms, "observed": self.observed, "expected": self.expected}
        )


def srm_check(
    counts: npt.ArrayLike,
    expected_split: npt.ArrayLike | None = None,
    *,
    arms: Sequence[str] | None = None,
    alpha: float = 0.001,
) -> SampleRatioCheck:
    """Chi-square goodness-of-fit test of the arm sizes against the design's split.

    Parameters
    ----------
    counts : array-like of shape (n_arms,)
        Units per arm.
    expected_split : array-like of shape (n_arms,), optional
        The design's share of each arm (normalised to sum to 1); equal shares if None.
    arms : sequence of str, optional
        Labels for the report.
    alpha : float, default 0.001

    Returns
    -------
    SampleRatioCheck
    """
    observed = as_float_array(counts, "counts", nonnegative=True)
    if observed.size < 2 or not observed.sum() > 0:
        raise InvalidInputError(
            "`counts` must have at least 2 arms and some units. Got "
            f"{short_repr(observed.tolist())} instead."
        )
    alpha = check_scalar(alpha, "alpha", lower=0, upper=1, lower_inclusive=False)
    if expected_split is None:
        share = np.full(observed.size, 1.0 / observed.size)
    else:
        share = as_float_array(expected_split, "expected_split", nonnegative=True)
        if share.shape != observed.shape or not share.sum() > 0 or (share == 0).any():
            raise InvalidInputError(
                f"`expected_split` must have one share > 0 per arm ({observed.size}). Got "
                f"{short_repr(share.tolist())} instead."
            )
        share = share / share.sum()
    expected = share * observed.sum()
    statistic, p_value = stats.chisquare(observed, expected)
    labels = np.asarray(
        [str(a) for a in (arms if arms is not None else range(observed.size))], dtype=object
    )
    return SampleRatioCheck(
        arms=labels,
        observed=observed,
        expected=expected,
        statistic=float(statistic),
        p_value=float(p_value),
        alpha=alpha,
        passed=bool(p_value >= alpha),
    )


@dataclass(frozen=True, slots=True, eq=False)
class Comparison:
    """Every arm compared with the control on one metric.

    Intervals and tests are on the difference of the arms' values: for a proportion
    large-sample normal (Wald) ones with the variance ``p (1 - p) / n`` per arm; for a
    mean Welch's t with the sample variance (``ddof=1``) over ``n`` and
    Welch-Satterthwaite degrees of freedom (also for the relative lift, and with CUPED
    from the adjusted variances); for a ratio metric the delta method's variance with
    the same Welch t.
    The relative lift ``value / control - 1`` uses the delta method too (NaN when the
    control's value is 0).  A proportion comparison in which either arm has fewer than
    10 successes or 10 failures (a rate of 0 or 1 has a Wald variance of 0, and the Wald
    test rejects too often with few) uses the Agresti-Caffo interval and test instead
    (one success and one failure added to each arm; ``lift`` stays the raw difference,
    ``lift_se`` is the adjusted one); proportion intervals are clipped to [-1, 1].  With several
    treatment arms, ``p_adjusted`` is Holm's (or Bonferroni's) adjustment over the
    ``m = n_arms - 1`` comparisons with the control, and every interval is a Bonferroni
    interval at level ``1 - alpha / m``: simultaneous coverage, and an interval that
    excludes 0 always has ``p_adjusted < alpha`` (Holm can also reject where it does
    not).  With ``correction="none"`` intervals are at ``1 - alpha``.

    Attributes
    ----------
    metric : str
    kind : {"proportion", "mean", "ratio"}
    arms : ndarray of str, shape (n_arms,)
    control : str
    n : ndarray of float64, shape (n_arms,)
        Units per arm.
    value : ndarray of float64, shape (n_arms,)
        Rate, mean or ratio per arm (CUPED-adjusted if covariates were given).
    std_error : ndarray of float64, shape (n_arms,)
        Standard error of ``value``.
    lift, lift_se, ci_low, ci_high : ndarray of float64, shape (n_arms,)
        Absolute lift over the control (metric units), its standard error and
        interval; NaN in the control's row.
    relative_lift, relative_se, relative_low, relative_high : ndarray of float64
        Relative lift (a fraction: 0.72 is +72%), its standard error and interval.
    p_value, p_adjusted : ndarray of float64, shape (n_arms,)
        Two-sided p-value of "no difference with the control", raw and adjusted.
    significant : ndarray of bool, shape (n_arms,)
        ``p_adjusted < alpha``.
    alpha : float
    correction : {"holm", "bonferroni", "none"}
    confidence : float
        Level of each interval (``1 - alpha / m``, or ``1 - alpha``).
    srm : SampleRatioCheck
    covariates : tuple of str
        Covariates of the CUPED adjustment, or ().
    theta : ndarray of float64, shape (n_covariates,) or None
        CUPED coefficients (pooled within-arm regression of the metric on the covariates).
    variance_reduction : ndarray of float64, shape (n_arms,) or None
        ``1 - var(adjusted) / var(unadjusted)`` of each arm's value under CUPED.
    unadjusted : Comparison or None
        The same comparison without covariates, when covariates were given.
    """

    metric: str
    kind: str
    arms: ObjectArray
    control: str
    n: FloatArray
    value: FloatArray
    std_error: FloatArray
    lift: FloatArray
    lift_se: FloatArray
    ci_low: FloatArray
    ci_high: FloatArray
    relative_lift: FloatArray
    relative_se: FloatArray
    relative_low: FloatArray
    relative_high: FloatArray
    p_value: FloatArray
    p_adjusted: FloatArray
    significant: BoolArray
    alpha: float
    correction: str
    confidence: float
    srm: SampleRatioCheck
    covariates: tuple[str, ...] = ()
    theta: FloatArray | None = None
    variance_reduction: FloatArray | None = None
    unadjusted: Comparison | None = None

    @property
    def value_name(self) -> str:
        """``"rate"``, ``"mean"`` or ``"ratio"``: the name of the value column."""
        return {"proportion": "rate", "mean": "mean", "ratio": "ratio"}[self.kind]

    def winner(self) -> str | None:
        """The significant arm with the largest lift over the control (or the control,
        if every significant arm is worse), or None when no arm differs significantly."""
        sig = self.significant
        if not sig.any():
            return None
        lifts = np.where(sig, self.lift, -np.inf)
        best = int(np.argmax(lifts))
        return str(self.arms[best]) if lifts[best] > 0 else self.control

    def summary(self) -> str:
        """A readable verdict: each arm against the control, then the checks."""
        unit = "{:.3%}" if self.kind == "proportion" else "{:.4g}"

        def lift_text(x: float) -> str:
            if self.kind != "proportion":
                return f"{x:+.4g}"
            # three decimals, or three significant digits for a lift under 0.0005 pp
            # (a significant lift of 1e-4 pp printed as +0.000 [+0.000, +0.000])
            return f"{100 * x:+.3f} pp" if x == 0 or abs(x) >= 5e-6 else f"{100 * x:+.3g} pp"

        def percent(x: float) -> str:
            return f"{x:+.1%}" if x == 0 or abs(x) >= 5e-4 else f"{100 * x:+.3g}%"

        adjusted = " CUPED-adjusted" if self.covariates else ""
        m = self.arms.size - 1
        multiplicity = (
            f"{self.correction.capitalize()}-adjusted p-values over {m} comparisons, "
            f"Bonferroni intervals at {self.confidence:.2%}"
            if self.correction != "none" and m > 1
            else f"intervals at {self.confidence:.0%}"
        )
        lines = [
            f"{self.metric} ({self.kind}{adjusted}), control {self.control!r}; {multiplicity}:"
        ]
        width = max(display_width(str(a)) for a in self.arms)
        c = int(np.flatnonzero(self.arms == self.control)[0])
        for i in [c, *(j for j in range(self.arms.size) if j != c)]:
            a = self.arms[i]
            value = unit.format(self.value[i])
            head = f"  {ljust(str(a), width)}  n={self.n[i]:>9,.0f}  {self.value_name} {value}"
            if a == self.control:
                lines.append(head + "  (control)")
                continue
            verdict = "significant" if self.significant[i] else "not significant"
            lines.append(
                f"{head}  lift {lift_text(self.lift[i])} "
                f"[{lift_text(self.ci_low[i])}, {lift_text(self.ci_high[i])}]"
                + (
                    f" = {percent(self.relative_lift[i])} [{percent(self.relative_low[i])}, "
                    f"{percent(self.relative_high[i])}]"
                    if np.isfinite(self.relative_lift[i])
                    else " (no relative lift: the control is 0)"
                )
                + f"  p = {self.p_adjusted[i]:.3g}  {verdict}"
            )
        winner = self.winner()
        if not self.srm.passed:
            lines.append(
                "WARNING: the sample-ratio check failed (below): assignment or logging is "
                "broken, so the lifts and the verdict may be biased; do not act on them."
            )
        if winner is None:
            lines.append(
                f"Verdict: no arm differs from {self.control!r} at alpha = {self.alpha:g}."
            )
        elif winner == self.control:
            lines.append(f"Verdict: keep {self.control!r}; the arms that differ are worse.")
        else:
            others = (
                " (the largest lift among the arms that beat it; arms are not tested against "
                "each other)"
                if int(self.significant.sum()) > 1
                else ""
            )
            lines.append(
                f"Verdict: {winner!r} beats {self.control!r} (alpha = {self.alpha:g}){others}."
            )
        lines.append(self.srm.summary())
        if self.variance_reduction is not None:
            lines.append(
                "CUPED on "
                + ", ".join(self.covariates)
                + ": variance of the arm values reduced by "
                + ", ".join(
                    f"{v:.2%} ({a})"
                    for a, v in zip(self.arms, self.variance_reduction, strict=True)
                )
            )
        return "\n".join(lines)

    def to_frame(self) -> Any:
        """One row per arm (needs pandas): ``arm``, ``n``, ``rate`` (or ``mean`` /
        ``ratio``), ``std_error``, ``lift``, ``ci_low``, ``ci_high``, ``relative_lift``,
        ``relative_low``, ``relative_high``, ``p_value``, ``p_adjusted``,
        ``significant``."""
        pd = require_pandas("Comparison.to_frame()")
        return pd.DataFrame(
            {
                "arm": self.arms.tolist(),
                "n": self.n,
                self.value_name: self.value,
                "std_error": self.std_error,
                "lift": self.lift,
                "ci_low": self.ci_low,
                "ci_high": self.ci_high,
                "relative_lift": self.relative_lift,
                "relative_low": self.relative_low,
                "relative_high": self.relative_high,
                "p_value": self.p_value,
                "p_adjusted": self.p_adjusted,
                "significant": self.significant,
            }
        )

    def __repr__(self) -> str:
        return (
            f"Comparison(metric={self.metric!r}, kind={self.kind!r}, control={self.control!r}, "
            f"arms={self.arms.tolist()!r}, winner={self.winner()!r})"
        )


def adjust_pvalues(p: FloatArray, correction: str) -> FloatArray:
    """Holm or Bonferroni adjusted p-values (NaN entries are left out and kept NaN)."""
    out = np.full_like(p, np.nan)
    ok = ~np.isnan(p)
    q = p[ok]
    m = q.size
    if correction == "none" or m == 0:
        out[ok] = q
        return out
    if correction == "bonferroni":
        out[ok] = np.minimum(q * m, 1.0)
        return out
    order = np.argsort(q, kind="stable")
    stepped = np.maximum.accumulate(q[order] * (m - np.arange(m)))
    adjusted = np.empty(m)
    adjusted[order] = np.minimum(stepped, 1.0)
    out[ok] = adjusted
    return out


def _cuped(s: ArmStatistics) -> tuple[FloatArray, FloatArray, FloatArray]:
    """CUPED-adjusted values, their variances, and theta."""
    assert s.cov_total is not None
    assert s.cov_cross is not None
    assert s.cov_metric is not None
    n = s.n
    zbar = s.cov_total / n[:, None]  # (arms, k)
    # centred within-arm moments
    czz = s.cov_cross - np.einsum("aj,ak->ajk", s.cov_total, zbar)
    czy = s.cov_metric - s.cov_total * (s.total / n)[:, None]
    cyy = s.total_sq - s.total**2 / n
    pooled_zz = czz.sum(axis=0)
    try:
        theta = np.linalg.solve(pooled_zz, czy.sum(axis=0))
    except np.linalg.LinAlgError:
        raise InvalidInputError(
            f"`covariates` {list(s.covariates)} must not be constant or collinear within "
            "arms (their covariance matrix is singular)."
        ) from None
    grand = s.cov_total.sum(axis=0) / n.sum()
    value = s.total / n - (zbar - grand) @ theta
    resid = cyy - 2 * czy @ theta + np.einsum("j,ajk,k->a", theta, czz, theta)
    # the same divisor as the unadjusted variance: n for a proportion's p (1 - p) / n,
    # n - 1 for a mean's sample variance
    dof = n if s.kind == "proportion" else n - 1
    variance = np.maximum(resid, 0.0) / dof / n
    return value, variance, theta


#: A proportion comparison whose arm or control has fewer successes, or failures, than
#: this uses Agresti-Caffo: the Wald test's type-I error, 8.8% at 10 units per arm and
#: a rate of 50% (exact, alpha 0.05), is at most 6.0% at any size and rate with it.
AC_COUNT = 10


def agresti_caffo_rows(successes: FloatArray, n: FloatArray, control: int) -> BoolArray:
    """Which arms' comparisons with the ``control`` (an index) use Agresti-Caffo: the
    arm or the control has fewer than :data:`AC_COUNT` successes or failures, shape
    (n_arms,), False for the control."""
    few = np.minimum(successes, n - successes) < AC_COUNT
    out: BoolArray = (np.arange(n.size) != control) & (few | few[control])
    return out


def welch_satterthwaite(
    var_a: FloatArray | float,
    dof_a: FloatArray | float,
    var_b: FloatArray | float,
    dof_b: FloatArray | float,
) -> FloatArray:
    """Welch-Satterthwaite degrees of freedom of a difference of two estimates whose
    variances ``var_a`` and ``var_b`` are each estimated on ``dof_a`` and ``dof_b``
    degrees of freedom (broadcast together)."""
    return np.asarray((var_a + var_b) ** 2 / (var_a**2 / dof_a + var_b**2 / dof_b))


def _welch_df(s: ArmStatistics, variance: FloatArray, c: int) -> FloatArray:
    """Degrees of freedom of each arm's comparison with the control, shape (n_arms,):
    Welch-Satterthwaite's for a mean or a ratio (each arm's variance of its value on
    ``n - 1`` degrees of freedom: the sample variance of the values, or of the delta
    method's linearised ``y - R x``), inf (the normal test) for proportions and where
    both variances are 0."""
    if s.kind == "proportion":
        return np.full(s.arms.size, np.inf)
    dof = s.n - 1
    with np.errstate(divide="ignore", invalid="ignore"):
        df = welch_satterthwaite(variance, dof, variance[c], dof[c])
    return np.asarray(np.where(np.isfinite(df) & (df > 0), df, np.inf), dtype=np.float64)


def _from_stats(
    s: ArmStatistics,
    *,
    control: str | None,
    alpha: float,
    correction: str,
    expected_split: npt.ArrayLike | None,
    srm_alpha: float,
    use_covariates: bool,
) -> Comparison:
    arms = s.arms
    if control is None:
        c = 0
    else:
        hits = np.flatnonzero(arms == str(control))
        if hits.size == 0:
            raise InvalidInputError(
                f"`control` must be one of the arms {arms.tolist()}. Got {control!r} instead."
            )
        c = int(hits[0])
    unadjusted: Comparison | None = None
    theta: FloatArray | None = None
    reduction: FloatArray | None = None
    if use_covariates and s.cov_total is not None:
        value, variance, theta = _cuped(s)
        unadjusted = _from_stats(
            s,
            control=str(arms[c]),
            alpha=alpha,
            correction=correction,
            expected_split=expected_split,
            srm_alpha=srm_alpha,
            use_covariates=False,
        )
        plain = unadjusted.std_error**2
        with np.errstate(divide="ignore", invalid="ignore"):
            reduction = np.where(plain > 0, 1 - variance / plain, 0.0)
    else:
        value = s.value
        variance = s.variance_of_value()
    m = arms.size - 1
    treated = np.arange(arms.size) != c
    lift = np.where(treated, value - value[c], np.nan)
    lift_se = np.where(treated, np.sqrt(variance + variance[c]), np.nan)
    # the centre of the interval and test: the lift, except at a boundary (below)
    centre = lift.copy()
    if s.kind == "proportion" and theta is None:
        # a rate of 0% or 100% has a Wald variance of 0, which made 0/2 against 2/2
        # "significant" with p = 0 and an interval of zero width, and with few successes
        # or failures the Wald test rejects too often: such a comparison uses
        # Agresti-Caffo (one success and one failure added to each arm)
        ac = agresti_caffo_rows(s.total, s.n, c)
        if ac.any():
            pt = (s.total + 1) / (s.n + 2)
            vt = pt * (1 - pt) / (s.n + 2)
            centre = np.where(ac, pt - pt[c], centre)
            lift_se = np.where(ac, np.sqrt(vt + vt[c]), lift_se)
    df = _welch_df(s, variance, c)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = centre / lift_se
        p = np.where(treated, 2 * stats.t.sf(np.abs(z), df), np.nan)
        p = np.where(treated & (lift_se == 0), np.where(centre == 0, 1.0, 0.0), p)
        mc = value[c]
        # no relative lift over a control of 0 (NaN, not inf)
        relative = np.where(treated & (mc != 0), value / mc - 1, np.nan)
        relative_se = np.where(
            treated & (mc != 0),
            np.sqrt(variance / mc**2 + value**2 * variance[c] / mc**4),
            np.nan,
        )
    level_alpha = alpha / m if correction != "none" else alpha
    q = stats.t.isf(level_alpha / 2, df)
    ci_low = centre - q * lift_se
    ci_high = centre + q * lift_se
    if s.kind == "proportion":  # a difference of rates lies in [-1, 1]
        ci_low = np.maximum(ci_low, -1.0)
        ci_high = np.minimum(ci_high, 1.0)
    p_adj = adjust_pvalues(p, correction)
    srm = srm_check(s.n, expected_split, arms=arms.tolist(), alpha=srm_alpha)
    return Comparison(
        metric=s.metric,
        kind=s.kind,
        arms=arms,
        control=str(arms[c]),
        n=s.n,
        value=value,
        std_error=np.sqrt(variance),
        lift=lift,
        lift_se=lift_se,
        ci_low=ci_low,
        ci_high=ci_high,
        relative_lift=relative,
        relative_se=relative_se,
        relative_low=relative - q * relative_se,
        relative_high=relative + q * relative_se,
        p_value=p,
        p_adjusted=p_adj,
        significant=np.where(treated, p_adj < alpha, False),
        alpha=alpha,
        correction=correction,
        confidence=1 - level_alpha,
        srm=srm,
        covariates=s.covariates if theta is not None else (),
        theta=theta,
        variance_reduction=reduction,
        unadjusted=unadjusted,
    )


def compare(
    data: Mapping[str, Any] | ArmStatistics | Any,
    *,
    arm: str | None = None,
    metric: str | None = None,
    control: str | None = None,
    kind: Literal["auto", "proportion", "mean", "ratio"] = "auto",
    denominator: str | None = None,
    covariates: Sequence[str] | None = None,
    alpha: float = 0.05,
    correction: Correction = "holm",
    expected_split: npt.ArrayLike | None = None,
    srm_alpha: float = 0.001,
) -> Comparison:
    """Compare every arm of an experiment with the control on one metric.

    Parameters
    ----------
    data : mapping of str to array-like, DataFrame, or ArmStatistics
        Raw rows (one per unit, with ``arm`` and ``metric`` columns), or the sufficient
        statistics per arm (:class:`ArmStatistics`; then ``arm``, ``metric``, ``kind``,
        ``denominator`` and ``covariates`` are taken from it and must be None/"auto").
    arm : str
        Column of arm labels.
    metric : str
        Column of the outcome (a ratio's numerator).
    control : str, optional
        Label of the control arm; default the first arm in the data.
    kind : {"auto", "proportion", "mean", "ratio"}, default "auto"
        See :func:`summarize`.
    denominator : str, optional
        Column of a ratio metric's denominator (impressions, cost).
    covariates : sequence of str, optional
        Pre-period columns for CUPED: each arm's value is adjusted by
        ``theta' (zbar_arm - zbar_all)`` with ``theta`` the pooled within-arm regression
        of the metric on the covariates (proportion and mean metrics).
    alpha : float, default 0.05
        Two-sided significance level of the family of comparisons.
    correction : {"holm", "bonferroni", "none"}, default "holm"
        Multiplicity correction of the p-values over the comparisons with the control;
        intervals are Bonferroni ones unless "none" (see :class:`Comparison`).
    expected_split : array-like of shape (n_arms,), optional
        The design's share of traffic per arm, in the arms' order; equal if None.
    srm_alpha : float, default 0.001
        Threshold of the sample-ratio-mismatch check.

    Returns
    -------
    Comparison

    Raises
    ------
    InvalidInputError
        For an unknown control, a column missing or of the wrong type, an arm of fewer
        than 2 units.
    """
    check_choice(correction, "correction", ("holm", "bonferroni", "none"))
    alpha = check_scalar(
        alpha, "alpha", lower=0, upper=1, lower_inclusive=False, upper_inclusive=False
    )
    srm_alpha = check_scalar(srm_alpha, "srm_alpha", lower=0, upper=1, lower_inclusive=False)
    if isinstance(data, ArmStatistics):
        extra = {
            "arm": arm,
            "metric": metric,
            "denominator": denominator,
            "covariates": covariates,
        }
        given = [k for k, v in extra.items() if v is not None]
        if given or kind != "auto":
            raise InvalidInputError(
                f"`{(given or ['kind'])[0]}` must be None (or kind 'auto') when `data` is an "
                "ArmStatistics: the statistics already fix the arms, metric and covariates."
            )
        s = data
    else:
        if arm is None or metric is None:
            raise InvalidInputError(
                "`arm` and `metric` must name columns of `data` (raw rows). Got "
                f"arm={arm!r}, metric={metric!r} instead."
            )
        s = summarize(
            data,
            arm=arm,
            metric=metric,
            kind=kind,
            denominator=denominator,
            covariates=covariates,
        )
    return _from_stats(
        s,
        control=control,
        alpha=alpha,
        correction=correction,
        expected_split=expected_split,
        srm_alpha=srm_alpha,
        use_covariates=True,
    )
