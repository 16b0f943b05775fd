"""Fitting adstock and saturation curves to a spend history (marketing-mix style)."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from scipy import optimize

from bidopt._progress import logged
from bidopt._validation import (
    as_float_array,
    check_choice,
    check_options,
    check_random_state,
    check_scalar,
    short_repr,
)
from bidopt.channels._adstock import geometric_adstock, weibull_adstock
from bidopt.channels._calendar import calendar_controls, check_lift_tests
from bidopt.channels._curves import (
    EXP,
    HILL,
    LOG,
    LOGISTIC,
    unit_value,
)
from bidopt.channels._fit_controls import check_periods, dependent_controls, warn_flat_channels
from bidopt.channels._fit_report import fit_draws, fit_report, within_kpi
from bidopt.channels._fit_result import ResponseFit
from bidopt.channels._uncertainty import (
    laplace_draws,
)
from bidopt.exceptions import IdentifiabilityWarning, InvalidInputError, SolverError
from bidopt.typing import FloatArray, RandomState

__all__ = ["ResponseFit", "fit_response"]

Adstock = Literal["geometric", "weibull", "none"]
Saturation = Literal["logistic", "exponential", "hill", "log"]

#: The options of :func:`fit_response` and their defaults.
_OPTIONS: dict[str, Any] = {
    "n_starts": 8,
    "n_draws": 200,
    "prior_sd": 1.5,
    "intercept_sign": "non_negative",
}

#: Values of the ``intercept_sign`` option (Robyn's names).
_INTERCEPT_SIGNS = ("non_negative", "unconstrained")

#: Saturation parameters with a log-normal prior centred at 1 in scaled spend (spend
#: over the channel's mean spend): the curve bends around the spend seen.
_PRIOR_PARAMS = frozenset({"lam", "scale", "half", "shape"})

# nonlinear parameters per channel: (name, lower, upper, start range) in scaled spend units
_ADSTOCK_PARAMS: dict[str, list[tuple[str, float, float]]] = {
    "geometric": [("alpha", 0.0, 0.95)],
    "weibull": [("shape", 0.2, 5.0), ("wscale", 0.3, 10.0)],
    "none": [],
}
_SAT_PARAMS: dict[str, list[tuple[str, float, float]]] = {
    "logistic": [("lam", 0.01, 50.0)],
    "exponential": [("scale", 0.02, 100.0)],
    "hill": [("half", 0.02, 100.0), ("shape", 0.3, 5.0)],
    "log": [("scale", 0.02, 100.0)],
}


def _columns(data: Any, name: str, n: int | None) -> tuple[list[str], FloatArray]:
    if isinstance(data, Mapping) or (hasattr(data, "columns") and hasattr(data, "__getitem__")):
        keys = list(data) if isinstance(data, Mapping) else list(data.columns)
        if not keys:
            raise InvalidInputError(
                f"`{name}` must have at least one channel. Got {short_repr(data)} instead."
            )
        names = [str(k) for k in keys]
        cols = [as_float_array(np.asarray(data[k]), f"{name}[{k!r}]", ndim=1) for k in keys]
        sizes = {str(k): c.size for k, c in zip(keys, cols, strict=True)}
        if len(set(sizes.values())) > 1:
            raise InvalidInputError(
                f"`{name}` must have the same number of periods in every column. "
                f"Got {short_repr(sizes, 200)} instead."
            )
        matrix = np.column_stack(cols)
    else:
        raise InvalidInputError(
            f"`{name}` must be a mapping of column -> array or a DataFrame. Got "
            f"{type(data).__name__} instead."
        )
    if n is not None and matrix.shape[0] != n:
        raise InvalidInputError(
            f"`{name}` must have {n} periods, like `spend`. Got {matrix.shape[0]} instead."
        )
    return names, matrix


def _transform(
    x: FloatArray, adstock: str, ad: FloatArray, sat: str, sp: FloatArray, l_max: int
) -> FloatArray:
    if adstock == "geometric":
        a = geometric_adstock(x, float(ad[0]), l_max=l_max)
    elif adstock == "weibull":
        a = weibull_adstock(x, float(ad[0]), float(ad[1]), l_max=l_max)
    else:
        a = x
    # the kind's unit curve (:func:`unit_value`) at the scaled spend of the fit's own
    # parameters: ``lam`` (logistic: z = lam a / 2), else a scale (z = a / scale)
    if sat == "logistic":
        return unit_value(LOGISTIC, 0.5 * sp[0] * a, 1.0)
    if sat == "exponential":
        return unit_value(EXP, a / sp[0], 1.0)
    if sat == "hill":
        return unit_value(HILL, np.maximum(a, 0) / sp[0], sp[1])
    return unit_value(LOG, a / sp[0], 1.0)


@logged("fit_response")
def fit_response(
    spend: Any,
    kpi: npt.ArrayLike,
    *,
    adstock: Adstock = "geometric",
    saturation: Saturation = "logistic",
    controls: Any = None,
    trend: bool = False,
    seasonality: int = 0,
    periods_per_year: float = 52.0,
    events: Any = None,
    lift_tests: Any = None,
    l_max: int = 4,
    burn_in: int = 0,
    rng: RandomState = None,
    options: Mapping[str, Any] | None = None,
) -> ResponseFit:
    """Fit per-channel adstock and saturation to a KPI by bounded least squares, with
    weakly informative priors, lift tests as evidence, and draws of the curves.

    Model: ``kpi[t] = intercept + sum_j gamma_j control_j[t] +
    sum_k beta_k * sat_k(adstock_k(spend_k)[t])``, with ``beta_k >= 0`` and, by
    default, a baseline (intercept and controls at their mean) >= 0.  The linear
    coefficients are solved exactly for each trial of the nonlinear parameters
    (variable projection, :func:`scipy.optimize.lsq_linear`); the nonlinear ones by
    :func:`scipy.optimize.least_squares` from ``n_starts`` random starts; a last joint
    fit gives the Jacobian for standard errors and for the draws (a Laplace
    approximation: the normal at the optimum, the penalised loss's inverse Hessian as
    covariance, clipped to the bounds; see ``ResponseFit.draws`` for one more bound).

    The penalised loss adds, in the KPI's noise units, a log-normal prior (median 1,
    log-sd ``prior_sd``) on each saturation parameter in scaled spend (spend over the
    channel's mean spend): curves are pulled towards bending around the spends seen,
    which keeps a channel whose history is nearly straight from promising an unbounded
    return.  Each lift test adds one observation: the steady-state KPI change of moving
    the channel's spend from ``spend_from`` to ``spend_to``, weighted by ``lift_se``.

    Parameters
    ----------
    spend : mapping of str to array-like, or DataFrame
        Spend per period for each channel (n_periods,), yuan.
    kpi : array-like of shape (n_periods,)
        Revenue (or orders) per period.
    adstock : {"geometric", "weibull", "none"}, default "geometric"
    saturation : {"logistic", "exponential", "hill", "log"}, default "logistic"
    controls : mapping of str to array-like, or DataFrame, optional
        Other drivers of the KPI (price, competitors, promotions), entered linearly.
        A control (or calendar column) that is a linear combination of the constant
        and the other controls over the fitted periods (all zero, constant, or a
        duplicate) is left out: coefficient 0, standard error nan, and an
        :class:`~bidopt.exceptions.IdentifiabilityWarning` naming it.
    trend : bool, default False
        Add a linear trend control (``trend``: 0 at the first period, 1 at the last).
    seasonality : int, default 0
        Number ``K`` of yearly Fourier pairs (``sin1, cos1, ..., sinK, cosK``; K
        cycles a year at most), below ``periods_per_year / 2``.
    periods_per_year : float, default 52.0
        Periods in a year (52 for weekly data, 365.25 for daily data).
    events : mapping of str to array-like, or DataFrame, optional
        Event name -> a column of ``n_periods`` numbers (1 in the event's periods, e.g.
        Double-11 or 618) or a list of the event's period indices; each enters as a
        control named ``event.<name>``.
    lift_tests : DataFrame, mapping of column -> values, or list of row mappings, optional
        Experiments with columns ``channel``, ``spend_from`` and ``spend_to`` (steady
        spend per period before and during the test, yuan), ``lift`` (the measured
        steady-state KPI change per period) and ``lift_se`` (its standard error, > 0);
        or the table of :func:`bidopt.experiments.lift_tests_table` (rows of
        :func:`~bidopt.experiments.lift_test_result`) as it is, read as ``spend_from =
        spend``, ``spend_to = spend + spend_change`` and ``lift_se = se``.
    l_max : int, default 4
        Longest adstock carry-over, periods.
    burn_in : int, default 0
        Leave the first periods out of the loss (their adstock depends on spend before
        the data starts).
    rng : int, Generator or None
        For the random starts and the draws.
    options : mapping, optional
        ``n_starts`` (int >= 1, default 8): random starts of the nonlinear parameters;
        ``n_draws`` (int >= 0, default 200): draws of the curves (0: none);
        ``prior_sd`` (float > 0, default 1.5; ``inf`` for none): log-sd of the
        saturation priors;
        ``intercept_sign`` (``"non_negative"``, the default, or ``"unconstrained"``;
        Robyn's names): whether the baseline, the KPI without media at the controls'
        mean over the fitted periods (``intercept + sum_j gamma_j mean(control_j)``),
        must be >= 0.  Without it a channel fitted on the flat part of its curve can
        take a near-constant contribution far above the KPI, cancelled by an intercept
        far below zero, and its marginal ROI is then unreliable.  Pass
        ``"unconstrained"`` when a baseline below zero is plausible (a KPI that is a
        change, or controls that explain more than the KPI).  An unknown option raises.

    Returns
    -------
    ResponseFit
        With ``draws`` (for :meth:`ResponseFit.intervals` and for
        :func:`split_budget`, which splits over them).
    """
    names, x = _columns(spend, "spend", None)
    if (x < 0).any():
        raise InvalidInputError(
            f"`spend` must be >= 0 in every period. Got a minimum of {float(x.min())!r} instead."
        )
    n = x.shape[0]
    y = as_float_array(kpi, "kpi", ndim=1)
    if y.size != n:
        raise InvalidInputError(f"`kpi` must have {n} periods, like `spend`. Got {y.size} instead.")
    ad_kind = check_choice(adstock, "adstock", tuple(_ADSTOCK_PARAMS))
    sat_kind = check_choice(saturation, "saturation", tuple(_SAT_PARAMS))
    lags = int(check_scalar(l_max, "l_max", lower=1, integer=True))
    if n < 3:
        raise InvalidInputError(
            f"`spend` must have at least 3 periods (after `burn_in`). Got {n} instead."
        )
    skip = int(check_scalar(burn_in, "burn_in", lower=0, integer=True))
    if n - skip < 3:
        raise InvalidInputError(
            f"`burn_in` must be an integer >= 0 and <= {n - 3} (3 periods must remain). "
            f"Got {skip} instead."
        )
    opts = check_options(options, _OPTIONS, method="fit_response")
    starts = int(check_scalar(opts["n_starts"], "options['n_starts']", lower=1, integer=True))
    n_draws = int(check_scalar(opts["n_draws"], "options['n_draws']", lower=0, integer=True))
    if n_draws == 1:
        raise InvalidInputError("`options['n_draws']` must be 0 or >= 2. Got 1 instead.")
    intercept_sign = check_choice(
        opts["intercept_sign"], "options['intercept_sign']", _INTERCEPT_SIGNS
    )
    prior_sd = opts["prior_sd"]
    if prior_sd != float("inf"):
        prior_sd = check_scalar(prior_sd, "options['prior_sd']", lower=0, lower_inclusive=False)
    gen = check_random_state(rng)
    control_names: list[str] = []
    control_matrix = np.zeros((n, 0))
    if controls is not None:
        control_names, control_matrix = _columns(controls, "controls", n)
    cal_names, cal_matrix = calendar_controls(n, trend, seasonality, periods_per_year, events)
    clash = sorted(set(cal_names) & set(control_names))
    if clash:
        raise InvalidInputError(
            f"`controls` must not repeat the calendar's columns. Got {clash} in both instead."
        )
    control_names = control_names + cal_names
    control_matrix = np.column_stack([control_matrix, cal_matrix])
    tests = check_lift_tests(lift_tests, names)
    scale = np.array([col[col > 0].mean() if (col > 0).any() else 1.0 for col in x.T])
    xs = x / scale
    k = len(names)
    spec = _ADSTOCK_PARAMS[ad_kind] + _SAT_PARAMS[sat_kind]
    per = len(spec)
    n_ad = len(_ADSTOCK_PARAMS[ad_kind])
    lower = np.tile([s[1] for s in spec], k)
    upper = np.tile([s[2] for s in spec], k)
    prior_at = np.tile([i >= n_ad and s[0] in _PRIOR_PARAMS for i, s in enumerate(spec)], k)
    rows = slice(skip, n)
    warn_flat_channels(x[rows], names, None if tests is None else tests.channel)
    # a control that is a linear combination of the constant and the other controls
    # over the fitted periods (an all-zero or constant one too) is left out of the
    # solve: its coefficient is reported as 0 with an unknown (nan) standard error
    all_controls = control_names
    dropped, why = dependent_controls(control_matrix[rows], control_names)
    kept = [i for i in range(len(all_controls)) if i not in set(dropped)]
    if dropped:
        warnings.warn("; ".join(why) + ".", IdentifiabilityWarning, stacklevel=3)
        control_names = [all_controls[i] for i in kept]
        control_matrix = control_matrix[:, kept]
    # the controls enter centred on their mean over the fitted periods, so the fitted
    # constant is the KPI without media at the controls' mean (the baseline): that is
    # what ``intercept_sign="non_negative"`` keeps >= 0; the reported intercept is
    # taken back to the controls' zero
    centre = control_matrix[rows].mean(axis=0) if control_matrix.shape[1] else np.zeros(0)
    base = np.column_stack([np.ones(n), control_matrix - centre])
    n_base = base.shape[1]
    check_periods(n - skip, 0 if tests is None else tests.n, per + 1, k, n_base)
    base_lo = 0.0 if intercept_sign == "non_negative" else -np.inf
    kpi_mean = float(y[rows].mean())
    if intercept_sign == "non_negative" and kpi_mean < 0:
        # every fit then has a mean of at least 0 (a baseline >= 0, media >= 0, the
        # controls centred): it could only be wrong, and was, silently (R2 -4,588)
        raise InvalidInputError(
            "`kpi` must have a mean >= 0 over the fitted periods for "
            "options['intercept_sign']='non_negative' (the default: a baseline >= 0 and "
            f"media effects >= 0 cannot fit a KPI below zero). Got a mean of {kpi_mean:.6g} "
            "instead: for a KPI that is a change or a loss, pass "
            "options={'intercept_sign': 'unconstrained'}."
        )
    lin_lo = np.r_[base_lo, np.full(n_base - 1, -np.inf), np.zeros(k)]
    # the noise level that weights priors and lift tests against the history: from a
    # linear fit first, then from the best nonlinear fit
    ols = np.linalg.lstsq(np.column_stack([base, xs])[rows], y[rows], rcond=None)[0]
    ols_resid = np.column_stack([base, xs])[rows] @ ols - y[rows]
    sigma = [max(float(np.sqrt(ols_resid @ ols_resid / max(n - skip - n_base - k, 1))), 1e-12)]

    def sat_params(theta: FloatArray, j: int) -> FloatArray:
        return theta[j * per + n_ad : (j + 1) * per]

    def design(theta: FloatArray) -> FloatArray:
        media = [
            _transform(
                xs[:, j],
                ad_kind,
                theta[j * per : j * per + n_ad],
                sat_kind,
                sat_params(theta, j),
                lags,
            )
            for j in range(k)
        ]
        return np.column_stack([base, *media]) if media else base

    def lift_rows(theta: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Each lift test as a weighted row of the linear problem (and its target)."""
        assert tests is not None
        d = np.zeros((tests.n, n_base + k))
        w = sigma[0] / tests.lift_se
        for i in range(tests.n):
            j = int(tests.channel[i])
            pair = np.array([tests.spend_from[i], tests.spend_to[i]]) / scale[j]
            u = _transform(pair, "none", theta[:0], sat_kind, sat_params(theta, j), 1)
            d[i, n_base + j] = w[i] * (u[1] - u[0])
        return d, w * tests.lift

    def prior_rows(theta: FloatArray) -> FloatArray:
        if not np.isfinite(prior_sd):
            return np.zeros(0)
        return np.asarray(sigma[0] * np.log(theta[prior_at]) / prior_sd, dtype=np.float64)

    def full_design(theta: FloatArray) -> tuple[FloatArray, FloatArray]:
        d, target = design(theta)[rows], y[rows]
        if tests is not None:
            dl, tl = lift_rows(theta)
            d, target = np.vstack([d, dl]), np.r_[target, tl]
        return d, target

    def project(theta: FloatArray) -> tuple[FloatArray, FloatArray]:
        d, target = full_design(theta)
        sol = optimize.lsq_linear(d, target, bounds=(lin_lo, np.inf), method="bvls")
        return np.asarray(sol.x), d @ sol.x - target

    def residual(theta: FloatArray) -> FloatArray:
        return np.concatenate([project(theta)[1], prior_rows(theta)])

    best = None
    for _ in range(starts):
        theta0 = np.exp(gen.uniform(np.log(np.maximum(lower, 1e-3)), np.log(upper)))
        theta0 = np.clip(theta0, lower + 1e-9, upper - 1e-9)
        try:
            res = optimize.least_squares(residual, theta0, bounds=(lower, upper), x_scale="jac")
        except (ValueError, np.linalg.LinAlgError):  # pragma: no cover - defensive
            continue
        if best is None or res.cost < best.cost:
            best = res
    if best is None:
        raise SolverError(
            "fit_response: every start of the least-squares search failed; check the "
            "data for constant or non-finite columns."
        )
    theta = np.asarray(best.x)
    coef, _ = project(theta)
    data_resid = (design(theta) @ coef - y)[rows]
    dof = max(data_resid.size - theta.size - coef.size, 1)
    sigma[0] = max(float(np.sqrt(data_resid @ data_resid / dof)), 1e-12)
    best_cost = float(residual(theta) @ residual(theta)) / 2

    # joint fit of all parameters for the Jacobian (and a last polish)
    full0 = np.r_[theta, coef]
    full_lo = np.r_[lower, lin_lo]
    full_hi = np.r_[upper, np.full(coef.size, np.inf)]
    full0 = np.clip(full0, full_lo + 1e-12, full_hi)

    def joint(p: FloatArray) -> FloatArray:
        th, c = p[: theta.size], p[theta.size :]
        d, target = full_design(th)
        return np.concatenate([d @ c - target, prior_rows(th)])

    polish = optimize.least_squares(joint, full0, bounds=(full_lo, full_hi), x_scale="jac")
    if polish.cost <= best_cost * (1 + 1e-9):
        theta, coef = polish.x[: theta.size], polish.x[theta.size :]
    data_resid = (design(theta) @ coef - y)[rows]
    sigma2 = float(data_resid @ data_resid) / dof
    message = str(best.message)
    if tests is not None:
        dl, _ = lift_rows(theta)  # rows weighted by sigma / lift_se
        note = tests.mismatch(dl @ coef * tests.lift_se / sigma[0], names)
        if note:
            warnings.warn(note, UserWarning, stacklevel=3)  # 3: past @logged
            message += " " + note
    # covariance in parameter-scaled coordinates (parameters differ by orders of
    # magnitude); an unidentified direction gets a huge, not a truncated, variance
    p_hat = np.r_[theta, coef]
    # (floors: a coefficient at its bound 0 is scaled like the channel's others)
    floor = np.r_[
        np.full(theta.size, 1e-3),
        np.full(n_base, 1e-8),
        np.full(k, 1e-3 * max(float(np.abs(coef[n_base:]).max(initial=0.0)), 1e-8)),
    ]
    scale_p = np.maximum(np.abs(p_hat), floor)
    jac = np.asarray(polish.jac) * scale_p
    try:
        # (a tiny ridge: a direction the data cannot see, e.g. the shape of a curve
        # whose coefficient is 0, gets a huge variance, not a singular matrix)
        info = jac.T @ jac
        ridge = 1e-12 * float(np.max(np.diag(info), initial=1.0)) * np.eye(info.shape[0])
        cov_scaled = np.linalg.inv(info + ridge) * sigma2
        se = scale_p * np.sqrt(np.maximum(np.diag(cov_scaled), 0.0))
    except np.linalg.LinAlgError:
        cov_scaled = np.full((p_hat.size, p_hat.size), np.inf)
        se = np.full(scale_p.size, np.inf)

    at_bound = coef[0] <= 1e-6 * float(np.abs(y[rows]).max())
    if intercept_sign == "non_negative" and at_bound and (y[rows] < 0).any():
        warnings.warn(
            "The fitted baseline (KPI without media at the controls' mean) sits at its "
            "bound 0 (options['intercept_sign']='non_negative', the default) and the KPI "
            f"is below 0 in {int((y[rows] < 0).sum())} of {n - skip} fitted periods: the "
            "bound may be what shapes this fit. If the KPI is a change or can be "
            "negative, pass options={'intercept_sign': 'unconstrained'}.",
            IdentifiabilityWarning,
            stacklevel=2,
        )
    fitted = design(theta) @ coef
    residuals = fitted - y
    y_fit = y[rows]
    ss_tot = float(((y_fit - y_fit.mean()) ** 2).sum())
    r2 = 1.0 - float((residuals[rows] ** 2).sum()) / ss_tot if ss_tot > 0 else float("nan")
    span = float(y_fit.max() - y_fit.min())
    nrmse = float(np.sqrt(np.mean(residuals[rows] ** 2)) / span) if span > 0 else float("nan")

    # the intercept at the controls' zero: baseline - centre . gamma (and its error)
    at_zero = np.zeros(p_hat.size)
    at_zero[theta.size] = 1.0
    at_zero[theta.size + 1 : theta.size + n_base] = -centre
    coef_out = coef.copy()
    coef_out[0] = float(at_zero @ p_hat)
    if np.isfinite(cov_scaled).all():
        w = at_zero * scale_p
        se[theta.size] = float(np.sqrt(max(float(w @ cov_scaled @ w), 0.0)))
    # the report's layout has every control: the dropped ones at 0 (stderr nan)
    n_all = 1 + len(all_controls)
    at = np.r_[0, 1 + np.asarray(kept, dtype=np.int64), n_all + np.arange(k)]
    coef_all = np.zeros(n_all + k)
    coef_all[at] = coef_out
    se_all = np.r_[se[: theta.size], np.full(n_all + k, np.nan)]
    se_all[theta.size + at] = se[theta.size :]
    params, stderr, curves, adstock_out = fit_report(
        names, all_controls, spec, n_ad, sat_kind, scale, theta, coef_all, se_all, n_all
    )
    draws = None
    if n_draws:
        at = (p_hat, cov_scaled, scale_p, np.r_[lower >= 0, lin_lo >= 0], full_lo, full_hi)
        sample, held = laplace_draws(*at, n_draws, gen)
        owner = np.r_[np.repeat(np.arange(k), per), np.full(n_base, -1), np.arange(k)]
        unknown = tuple(names[j] for j in sorted(set(owner[held].tolist()) - {-1}))
        head = (names, spec, n_ad, sat_kind, scale)
        tail = (theta.size, n_base, unknown, lags, ad_kind)
        cap = kpi_mean if base_lo == 0 else 0.0  # (a baseline below 0: no such bound)
        sample = within_kpi(sample, at, gen, (lambda t: design(t)[rows, n_base:], theta.size), cap)
        draws = fit_draws(*head, sample, *tail)
    mean_spend = {c: float(x[rows, j].mean()) for j, c in enumerate(names)}
    max_spend = {c: float(x[rows, j].max()) for j, c in enumerate(names)}
    return ResponseFit(
        curves=curves,
        adstock=adstock_out,
        intercept=float(coef_out[0]),
        controls={c: params[f"control.{c}"] for c in all_controls},
        r2=r2,
        nrmse=nrmse,
        params=params,
        stderr=stderr,
        fitted=fitted,
        residuals=residuals,
        success=bool(best.success),
        message=message,
        n_starts=starts,
        draws=draws,
        mean_spend=mean_spend,
        max_spend=max_spend,
        min_spend={c: float(x[rows, j].min()) for j, c in enumerate(names)},
        n_lift_tests=0 if tests is None else tests.n,
    )
