"""The parameters, curves and curve draws of a fit (:func:`bidopt.channels.fit_response`)
in spend units, from its parameters in scaled spend."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from bidopt.channels._curves import CURVE_PARAMS, SIZE_PARAM, ResponseCurve
from bidopt.channels._uncertainty import CurveDraws, laplace_draws
from bidopt.typing import FloatArray

__all__ = ["fit_draws", "fit_report", "within_kpi"]

#: Names of the Weibull adstock's parameters (reported with an ``adstock_`` prefix).
_WEIBULL = frozenset({"shape", "wscale"})


def _spend_units(pname: str, i: int, n_ad: int, s: float) -> float:
    """Factor taking a fitted parameter from scaled spend to yuan."""
    if pname == "lam":
        return 1.0 / s
    if pname in ("scale", "half") and i >= n_ad:
        return s
    return 1.0


def fit_report(
    names: list[str],
    control_names: list[str],
    spec: list[tuple[str, float, float]],
    n_ad: int,
    sat_kind: str,
    scale: FloatArray,
    theta: FloatArray,
    coef: FloatArray,
    se: FloatArray,
    n_base: int,
) -> tuple[
    dict[str, float], dict[str, float], dict[str, ResponseCurve], dict[str, dict[str, float]]
]:
    """Parameters (in spend units), standard errors, curves and adstocks of a fit."""
    per = len(spec)
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
        ad = {spec[i][0]: float(t[i]) for i in range(n_ad)}
        if "wscale" in ad:
            ad["scale"] = ad.pop("wscale")
        adstock_out[name] = ad
        for i, (pname, *_rest) in enumerate(spec):
            f = _spend_units(pname, i, n_ad, float(scale[j]))
            value, err = float(t[i]) * f, float(t_se[i]) * f
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
    return params, stderr, curves, adstock_out


def fit_draws(
    names: list[str],
    spec: list[tuple[str, float, float]],
    n_ad: int,
    sat_kind: str,
    scale: FloatArray,
    sample: FloatArray,
    n_theta: int,
    n_base: int,
    held: tuple[str, ...] = (),
    l_max: int = 4,
    adstock_kind: str = "geometric",
) -> CurveDraws:
    """The sampled joint parameters (n_draws, n_params) as curve and adstock draws in
    spend units."""
    per = len(spec)
    k = len(names)
    size = SIZE_PARAM[sat_kind]
    curve_params: dict[str, FloatArray] = {size: np.maximum(sample[:, n_theta + n_base :], 1e-12)}
    adstock: dict[str, FloatArray] = {}
    for i, (pname, *_rest) in enumerate(spec):
        cols = sample[:, [j * per + i for j in range(k)]]
        factor = np.array([_spend_units(pname, i, n_ad, float(s)) for s in scale])
        if i < n_ad:
            adstock[pname.removeprefix("w")] = cols.copy()
        else:
            curve_params[pname] = cols * factor
    ordered = {p: curve_params[p] for p in CURVE_PARAMS[sat_kind]}
    return CurveDraws(
        channels=tuple(names),
        kind=sat_kind,
        params=ordered,
        adstock=adstock,
        l_max=l_max,
        adstock_kind=adstock_kind,
        held=held,
    )


def within_kpi(
    sample: FloatArray,
    at: tuple[FloatArray, FloatArray, FloatArray, np.ndarray, FloatArray, FloatArray],
    rng: np.random.Generator,
    media: tuple[Callable[[FloatArray], FloatArray], int],
    cap: float,
    rounds: int = 20,
) -> FloatArray:
    """The draws ``sample`` (shape (n_draws, n_params), from :func:`laplace_draws` with
    the arguments ``at``) without the draws in which a channel's contribution,
    averaged over the fitted periods, is above ``cap`` (the KPI's mean per
    period; 0: no bound, with a baseline that may be below 0): with the controls
    centred, a baseline >= 0 and media effects >= 0, the channels' mean contributions
    add to at most the mean fitted KPI, but the normal approximation in log
    coordinates puts no bound on a parameter the data barely see (a few draws would
    dominate every mean over them).  The contribution over the history, not the curve
    at the mean spend: for a concave curve and a channel that spends in bursts the
    latter is well above the former (Jensen), so the optimum itself could break it.
    Each such draw is replaced by a new one from ``rng``, up to ``rounds`` times; a
    draw still outside then has the size parameters of the channels above ``cap``
    scaled down to it.  ``media`` is ``(design, n_theta)``: ``design(theta)`` the
    saturated adstocked spend of the fitted periods (shape (n_fitted, n_channels)) at
    the nonlinear parameters ``theta`` (a draw's first ``n_theta`` columns); a
    contribution is its column mean times the channel's size (the last n_channels
    columns).  The first draw (the optimum) is kept; with no draw outside, ``sample``
    is returned and ``rng`` not used."""
    if not cap > 0:
        return sample
    design, n_theta = media

    def value(s: FloatArray) -> FloatArray:
        cols = np.array([design(p[:n_theta]).mean(axis=0) for p in s], dtype=np.float64)
        k = cols.shape[1]
        return np.asarray(cols * s[:, -k:], dtype=np.float64)

    out: FloatArray = np.array(sample, dtype=np.float64)
    bad = np.asarray((value(out) > cap).any(axis=1), dtype=bool)
    bad[0] = False
    for _ in range(rounds):
        if not bad.any():
            return out
        extra = laplace_draws(*at, max(2 * int(bad.sum()), 16), rng)[0][1:]
        fresh = extra[~(value(extra) > cap).any(axis=1)]
        idx = np.flatnonzero(bad)[: fresh.shape[0]]
        out[idx] = fresh[: idx.size]
        bad[idx] = False
    if bad.any():
        v = value(out)
        k = v.shape[1]
        with np.errstate(divide="ignore"):
            factor = np.where(v > cap, cap / v, 1.0)
        out[bad, -k:] *= factor[bad]
    return out
