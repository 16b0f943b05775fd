"""Fitting adstock and saturation curves to a spend history (marketing-mix style)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from scipy import optimize

from bidopt._optional import require_pandas
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
from bidopt.channels._curves import (
    CURVE_PARAMS,
    EXP,
    HILL,
    LOG,
    LOGISTIC,
    SIZE_PARAM,
    ResponseCurve,
    unit_value,
)
from bidopt.exceptions import InvalidInputError, SolverError
from bidopt.typing import FloatArray, RandomState

__all__ = ["ResponseFit", "fit_response"]

Adstock = Literal["geometric", "weibull", "none"]
Saturation = Literal["logistic", "exponential", "hill", "log"]

#: The options of :func:`fit_response` and their defaults.
_OPTIONS: dict[str, Any] = {"n_starts": 8}

# nonlinear parameters per channel: (name, lower, upper, start range) in scaled spend units
_ADSTOCK_PARAMS: dict[str, list[tuple[str, float, float]]] = {
    "geometric": [("alpha", 0.0, 0.95)],
    "weibull": [("shape", 0.2, 5.0), ("wscale", 0.3, 10.0)],
    "none": [],
}
#: Names of the Weibull adstock's parameters (reported with an ``adstock_`` prefix).
_WEIBULL = frozenset(name for name, *_ in _ADSTOCK_PARAMS["weibull"])
_SAT_PARAMS: dict[str, list[tuple[str, float, float]]] = {
    "logistic": [("lam", 0.01, 50.0)],
    "exponential": [("scale", 0.02, 100.0)],
    "hill": [("half", 0.02, 100.0), ("shape", 0.3, 5.0)],
    "log": [("scale", 0.02, 100.0)],
}


@dataclass(frozen=True, slots=True, eq=False)
class ResponseFit:
    """Fitted response curves and how well they fit.

    Attributes
    ----------
    curves : dict of str to ResponseCurve
        Steady-state response per channel, in the spend's own units (yuan per period).
    adstock : dict of str to dict of str to float
        Adstock parameters per channel (``alpha`` for geometric; ``shape``, ``scale``
        in periods for Weibull).
    intercept : float
    controls : dict of str to float
        Coefficients of the control variables.
    r2, nrmse : float
        Fit quality on the fitted periods (NRMSE: RMSE over the KPI's range, as Robyn).
    params, stderr : dict of str to float
        Every parameter (``<channel>.<name>``) and its Jacobian-based standard error;
        a Weibull adstock's are ``<channel>.adstock_shape`` and ``<channel>.adstock_scale``.
    fitted, residuals : ndarray of float64, shape (n_periods,)
    success : bool
    message : str
    n_starts : int
    """

    curves: dict[str, ResponseCurve]
    adstock: dict[str, dict[str, float]]
    intercept: float
    controls: dict[str, float]
    r2: float
    nrmse: float
    params: dict[str, float]
    stderr: dict[str, float]
    fitted: FloatArray
    residuals: FloatArray
    success: bool
    message: str
    n_starts: int

    def summary(self) -> str:
        """Fit quality and parameters with standard errors."""
        lines = [f"ResponseFit: R2 {self.r2:.4f}, NRMSE {self.nrmse:.4f} ({self.message})"]
        for key, value in self.params.items():
            lines.append(f"  {key:<24} {value:12.6g}  +- {self.stderr.get(key, np.nan):.3g}")
        return "\n".join(lines)

    def to_frame(self) -> Any:
        """One row per parameter (``<channel>.<name>``, ``intercept``,
        ``control.<name>``): its value and standard error (needs pandas)."""
        pd = require_pandas("ResponseFit.to_frame()")
        names = list(self.params)
        return pd.DataFrame(
            {
                "parameter": names,
                "value": [self.params[k] for k in names],
                "stderr": [self.stderr.get(k, np.nan) for k in names],
            }
        )


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
    l_max: int = 4,
    burn_in: int = 0,
    rng: RandomState = None,
    options: Mapping[str, Any] | None = None,
) -> ResponseFit:
    """Fit per-channel adstock and saturation to a KPI by bounded least squares.

    Model: ``kpi[t] = intercept + sum_j gamma_j control_j[t] +
    sum_k beta_k * sat_k(adstock_k(spend_k)[t])``, with ``beta_k >= 0``.  The linear
    coefficients are solved exactly for each trial of the nonlinear parameters
    (variable projection, :func:`scipy.optimize.lsq_linear`); the nonlinear ones by
    :func:`scipy.optimize.least_squares` from ``n_starts`` random starts; a last joint
    fit gives the Jacobian for standard errors.

    Parameters
    ----------
    spend : mapping of str to array-like, or DataFrame
        Spend per period for each channel (n_periods,), yuan.
    kpi : array-like of shape (n_periods,)
        Revenue (or orders) per period.
    adstock : {"geometric", "weibull", "none"}, default "geometric"
    saturation : {"logistic", "exponential", "hill", "log"}, default "logistic"
    controls : mapping of str to array-like, or DataFrame, optional
        Other drivers of the KPI (trend, seasonality, promotions), entered linearly.
    l_max : int, default 4
        Longest adstock carry-over, periods.
    burn_in : int, default 0
        Leave the first periods out of the loss (their adstock depends on spend before
        the data starts).
    rng : int, Generator or None
        For the random starts.
    options : mapping, optional
        The least-squares search's knobs: ``n_starts`` (int >= 1, default 8), the
        number of random starts of the nonlinear parameters.  An unknown option raises.

    Returns
    -------
    ResponseFit
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
    gen = check_random_state(rng)
    control_names: list[str] = []
    control_matrix = np.zeros((n, 0))
    if controls is not None:
        control_names, control_matrix = _columns(controls, "controls", n)
    scale = np.array([col[col > 0].mean() if (col > 0).any() else 1.0 for col in x.T])
    xs = x / scale
    k = len(names)
    spec = _ADSTOCK_PARAMS[ad_kind] + _SAT_PARAMS[sat_kind]
    per = len(spec)
    n_ad = len(_ADSTOCK_PARAMS[ad_kind])
    lower = np.tile([s[1] for s in spec], k)
    upper = np.tile([s[2] for s in spec], k)
    base = np.column_stack([np.ones(n), control_matrix])
    n_base = base.shape[1]
    lin_lo = np.r_[np.full(n_base, -np.inf), np.zeros(k)]
    rows = slice(skip, n)

    def design(theta: FloatArray) -> FloatArray:
        media = [
            _transform(
                xs[:, j],
                ad_kind,
                theta[j * per : j * per + n_ad],
                sat_kind,
                theta[j * per + n_ad : (j + 1) * per],
                lags,
            )
            for j in range(k)
        ]
        return np.column_stack([base, *media]) if media else base

    def project(theta: FloatArray) -> tuple[FloatArray, FloatArray]:
        d = design(theta)[rows]
        sol = optimize.lsq_linear(d, y[rows], bounds=(lin_lo, np.inf), method="bvls")
        return np.asarray(sol.x), d @ sol.x - y[rows]

    def residual(theta: FloatArray) -> FloatArray:
        return project(theta)[1]

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

    # joint fit of all parameters for the Jacobian (and a last polish)
    full0 = np.r_[theta, coef]
    full_lo = np.r_[lower, lin_lo]
    full_hi = np.r_[upper, np.full(coef.size, np.inf)]
    full0 = np.clip(full0, full_lo + 1e-12, full_hi)

    def joint(p: FloatArray) -> FloatArray:
        return (design(p[: theta.size]) @ p[theta.size :] - y)[rows]

    polish = optimize.least_squares(joint, full0, bounds=(full_lo, full_hi), x_scale="jac")
    if polish.cost <= best.cost * (1 + 1e-9):
        theta, coef = polish.x[: theta.size], polish.x[theta.size :]
    resid = joint(np.r_[theta, coef])
    dof = max(resid.size - full0.size, 1)
    sigma2 = float(resid @ resid) / dof
    # covariance in parameter-scaled coordinates (parameters differ by orders of
    # magnitude); an unidentified direction gets a huge, not a truncated, variance
    scale_p = np.maximum(np.abs(np.r_[theta, coef]), 1e-8)
    jac = np.asarray(polish.jac) * scale_p
    try:
        cov_scaled = np.linalg.inv(jac.T @ jac)
        se = scale_p * np.sqrt(np.maximum(np.diag(cov_scaled) * sigma2, 0.0))
    except np.linalg.LinAlgError:
        se = np.full(scale_p.size, np.inf)

    fitted = design(theta) @ coef
    residuals = fitted - y
    y_fit = y[rows]
    ss_tot = float(((y_fit - y_fit.mean()) ** 2).sum())
    r2 = 1.0 - float((residuals[rows] ** 2).sum()) / ss_tot if ss_tot > 0 else float("nan")
    span = float(y_fit.max() - y_fit.min())
    nrmse = float(np.sqrt(np.mean(residuals[rows] ** 2)) / span) if span > 0 else float("nan")

    curves: dict[str, ResponseCurve] = {}
    adstock_out: dict[str, dict[str, float]] = {}
    params: dict[str, float] = {"intercept": float(coef[0])}
    stderr: dict[str, float] = {"intercept": float(se[theta.size])}
    for name, value, err in zip(
        control_names, coef[1:n_base], se[theta.size + 1 : theta.size + n_base], strict=True
    ):
        params[f"control.{name}"] = float(value)
        stderr[f"control.{name}"] = float(err)
    for j, name in enumerate(names):
        t = theta[j * per : (j + 1) * per]
        t_se = se[j * per : (j + 1) * per]
        beta, beta_se = float(coef[n_base + j]), float(se[theta.size + n_base + j])
        s = float(scale[j])
        ad = {spec[i][0]: float(t[i]) for i in range(n_ad)}
        if "wscale" in ad:
            ad["scale"] = ad.pop("wscale")
        adstock_out[name] = ad
        for i, (pname, *_rest) in enumerate(spec):
            value, err = float(t[i]), float(t_se[i])
            if pname in ("lam",):
                value, err = value / s, err / s
            elif pname in ("scale", "half") and i >= n_ad:
                value, err = value * s, err * s
            # Weibull adstock's shape and scale are reported as adstock_shape and
            # adstock_scale: a Hill curve's shape and an exponential/log curve's scale
            # use the plain names (they overwrote each other's entries before)
            weibull = i < n_ad and pname in _WEIBULL
            key = f"{name}.adstock_{pname.removeprefix('w')}" if weibull else f"{name}.{pname}"
            params[key] = value
            stderr[key] = err
        params[f"{name}.beta"], stderr[f"{name}.beta"] = beta, beta_se
        # the curve in spend units: the size is beta, the shape parameters as reported
        size = SIZE_PARAM[sat_kind]
        curve_params = {size: max(beta, 1e-12)}
        curve_params.update({p: params[f"{name}.{p}"] for p in CURVE_PARAMS[sat_kind] if p != size})
        curves[name] = ResponseCurve(kind=sat_kind, params=curve_params)
    return ResponseFit(
        curves=curves,
        adstock=adstock_out,
        intercept=float(coef[0]),
        controls={c: params[f"control.{c}"] for c in control_names},
        r2=r2,
        nrmse=nrmse,
        params=params,
        stderr=stderr,
        fitted=fitted,
        residuals=residuals,
        success=bool(best.success),
        message=str(best.message),
        n_starts=starts,
    )
