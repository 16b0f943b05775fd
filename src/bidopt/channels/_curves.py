"""Saturation (response) curves: expected return of a steady spend per period."""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any, Literal, cast

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator
from scipy import optimize

from bidopt._optional import require_pandas
from bidopt._validation import check_choice, check_scalar, short_repr
from bidopt.exceptions import InvalidInputError
from bidopt.typing import FloatArray

__all__ = [
    "CURVE_PARAMS",
    "EXP",
    "HILL",
    "LOG",
    "LOGISTIC",
    "SIZE_PARAM",
    "CurveKind",
    "ResponseCurve",
    "hill_tangent",
    "scaled_form",
    "spend_at_level",
    "spend_at_level_float",
    "unit_derivative",
    "unit_value",
    "unit_value_and_derivative",
]

CurveKind = Literal["exponential", "hill", "log", "logistic"]

#: The parameters each kind of curve takes.
CURVE_PARAMS: dict[str, tuple[str, ...]] = {
    "exponential": ("ceiling", "scale"),
    "hill": ("ceiling", "half", "shape"),
    "log": ("coef", "scale"),
    "logistic": ("ceiling", "lam"),
}

#: The parameter of each kind that scales its response (the others shape it).
SIZE_PARAM: dict[str, str] = {
    "exponential": "ceiling",
    "hill": "ceiling",
    "log": "coef",
    "logistic": "ceiling",
}


#: Codes of the kinds in the scaled-spend form (see :func:`scaled_form`).
EXP, LOG, LOGISTIC, HILL = 0, 1, 2, 3


def scaled_form(curve: ResponseCurve) -> tuple[int, float, float, float]:
    """``(code, size, scale, shape)`` with ``curve(x) == size * unit_value(code, x / scale,
    shape)``: one scale per curve (``scale`` for exponential and log curves, ``2 / lam``
    for logistic curves, ``half`` for Hill curves; ``shape`` is 1 but for Hill curves)."""
    p = curve.params
    if curve.kind == "exponential":
        return EXP, p["ceiling"], p["scale"], 1.0
    if curve.kind == "log":
        return LOG, p["coef"], p["scale"], 1.0
    if curve.kind == "logistic":
        return LOGISTIC, p["ceiling"], 2.0 / p["lam"], 1.0
    return HILL, p["ceiling"], p["half"], p["shape"]


def unit_value(code: int, z: FloatArray, shape: FloatArray | float) -> FloatArray:
    """The unit-size curve of a kind at scaled spend ``z >= 0``."""
    if code == EXP:
        return np.asarray(-np.expm1(-z), dtype=np.float64)
    if code == LOG:
        return np.asarray(np.log1p(z), dtype=np.float64)
    if code == LOGISTIC:
        return np.asarray(np.tanh(z), dtype=np.float64)
    r = z**shape
    return np.asarray(r / (1.0 + r), dtype=np.float64)


def unit_derivative(code: int, z: FloatArray, shape: FloatArray | float) -> FloatArray:
    """Derivative in ``z`` of :func:`unit_value` (at ``z = 0`` a Hill curve's is 1, inf
    or 0 for shape 1, below 1 and above 1)."""
    if code == EXP:
        return np.asarray(np.exp(-z), dtype=np.float64)
    if code == LOG:
        return np.asarray(1.0 / (1.0 + z), dtype=np.float64)
    if code == LOGISTIC:
        e = np.exp(-2.0 * z)  # sech(z)^2 = 4 e^(-2z) / (1 + e^(-2z))^2
        return np.asarray(4.0 * e / (1.0 + e) ** 2, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        r = z**shape
        out = shape * r / (z * (1.0 + r) ** 2)
    at_zero = np.where(shape == 1, 1.0, np.where(np.less(shape, 1), np.inf, 0.0))
    return np.asarray(np.where(z > 0, out, at_zero), dtype=np.float64)


def unit_value_and_derivative(
    code: int, z: FloatArray, shape: FloatArray | float
) -> tuple[FloatArray, FloatArray]:
    """:func:`unit_value` and :func:`unit_derivative` together (``sech^2`` from one
    ``e^(-2z)``); equal to them up to rounding.  The values come from ``expm1`` and
    ``tanh``, not ``1 - e^(-z)``, which loses every digit of a tiny spend's response
    (relative error ``1e-16 / z``)."""
    if code == EXP:
        return -np.expm1(-z), np.exp(-z)
    if code == LOG:
        return np.log1p(z), 1.0 / (1.0 + z)
    if code == LOGISTIC:
        e = np.exp(-2.0 * z)
        one_e = 1.0 + e
        return np.tanh(z), 4.0 * e / (one_e * one_e)
    return unit_value(code, z, shape), unit_derivative(code, z, shape)


def spend_at_level(
    code: int, scale: FloatArray, u: FloatArray, e: FloatArray, on: npt.NDArray[np.bool_]
) -> tuple[FloatArray, FloatArray]:
    """Inverse of a closed-form kind's marginal return: the spend (yuan) at which it
    is ``e^-u`` times its value at zero spend, and the spend's derivative in ``log m``
    (``-d/du``).

    ``u`` is clipped at 0 (``u <= 0``: the first yuan already returns less; spend 0),
    ``e = exp(u)`` (needed by the log and logistic kinds), ``on`` is 1 where ``u > 0``
    (else 0).  The scaled spend is ``u`` for exponential curves, ``e^u - 1`` for log
    curves and ``arccosh(e^(u/2))`` for logistic curves.  (Hill curves have no closed
    form: see :meth:`CurveSet.spend_and_slope_log`.)
    """
    neg_scale = -scale
    if code == EXP:
        return scale * u, neg_scale * on
    if code == LOG:
        return scale * (e - 1.0), neg_scale * e * on
    # d/du arccosh(e^(u/2)) = sqrt(e^u / (e^u - 1)) / 2
    ratio = np.sqrt(e / np.maximum(e - 1.0, 1e-300))
    return scale * np.arccosh(np.sqrt(e)), 0.5 * neg_scale * on * ratio


def spend_at_level_float(code: int, scale: float, u: float) -> tuple[float, float]:
    """:func:`spend_at_level` of one channel on Python floats (``u > 0``): its spend
    and the spend's derivative in ``u``.  For a few channels a loop over floats costs
    less than the fixed cost of numpy calls."""
    if code == EXP:
        return scale * u, scale
    e = math.exp(u)
    if code == LOG:
        return scale * (e - 1.0), scale * e
    r = math.sqrt(e)
    return scale * math.acosh(r), 0.5 * scale * r / math.sqrt(max(e - 1.0, 1e-300))


def hill_tangent(shape: FloatArray | float) -> FloatArray:
    """Scaled tangent point of S-shaped Hill curves (shape > 1): ``f(t)/t = f'(t)`` at
    ``z = (shape - 1) ** (1 / shape)``."""
    return np.asarray(np.subtract(shape, 1.0) ** np.divide(1.0, shape), dtype=np.float64)


class ResponseCurve(BaseModel):
    """A channel's expected response (revenue or orders) to a steady spend per period.

    * ``exponential``: ``ceiling * (1 - exp(-x / scale))``
    * ``hill``: ``ceiling * x**shape / (x**shape + half**shape)`` (S-shaped if shape > 1)
    * ``log``: ``coef * log(1 + x / scale)``
    * ``logistic``: ``ceiling * (1 - exp(-lam x)) / (1 + exp(-lam x))`` (PyMC-Marketing's
      logistic saturation, i.e. ``ceiling * tanh(lam x / 2)``)

    Spend ``x`` is in yuan per period; the curve is callable on arrays and has
    :meth:`derivative` (the marginal ROI).

    Examples
    --------
    >>> curve = ResponseCurve(kind="exponential", params={"ceiling": 1000.0, "scale": 200.0})
    >>> round(float(curve(200.0)), 2), round(float(curve.derivative(0.0)), 2)
    (632.12, 5.0)
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: CurveKind
    params: dict[str, float]

    def __init__(self, **data: Any) -> None:
        _check_curve_spec(data)
        try:
            super().__init__(**data)
        except ValidationError as exc:  # pragma: no cover - the checks above come first
            raise InvalidInputError(
                "`ResponseCurve` must be given `kind` and `params` (a mapping of parameter "
                f"name -> finite number > 0). Got {short_repr(data)} instead ({exc})."
            ) from None

    @model_validator(mode="after")
    def _check(self) -> ResponseCurve:
        expected = CURVE_PARAMS[self.kind]
        if set(self.params) != set(expected):
            raise ValueError(
                f"`params` of a {self.kind!r} curve must be a mapping with keys "
                f"{list(expected)}. Got {sorted(self.params)} instead."
            )
        for name, value in self.params.items():
            if not (math.isfinite(value) and value > 0):
                raise ValueError(
                    f"`params[{name!r}]` must be a finite number > 0. Got {value!r} instead."
                )
        return self

    # --- evaluation ---------------------------------------------------------------------

    def __call__(self, spend: npt.ArrayLike) -> FloatArray:
        code, size, scale, shape = scaled_form(self)
        z = np.maximum(np.asarray(spend, dtype=np.float64), 0.0) / scale
        return np.asarray(size * unit_value(code, z, shape), dtype=np.float64)

    def derivative(self, spend: npt.ArrayLike) -> FloatArray:
        """Marginal response per yuan at ``spend`` (the marginal ROI)."""
        code, size, scale, shape = scaled_form(self)
        z = np.maximum(np.asarray(spend, dtype=np.float64), 0.0) / scale
        return np.asarray(size / scale * unit_derivative(code, z, shape), dtype=np.float64)

    @property
    def is_concave(self) -> bool:
        """True unless the curve is an S-shaped Hill curve (shape > 1)."""
        return not (self.kind == "hill" and self.params["shape"] > 1)

    def tangent_point(self) -> float:
        """For an S-shaped curve, the spend ``t`` where the line from the origin touches
        the curve (``f(t) / t == f'(t)``): its concave envelope is that line up to ``t``
        and the curve after.  0 for concave curves."""
        if self.is_concave:
            return 0.0
        return float(self.params["half"] * hill_tangent(self.params["shape"]))

    def scaled(self, factor: float) -> ResponseCurve:
        """The same curve with its response multiplied by ``factor`` (> 0)."""
        f = check_scalar(factor, "factor", lower=0, lower_inclusive=False)
        key = SIZE_PARAM[self.kind]
        return ResponseCurve(kind=self.kind, params={**self.params, key: self.params[key] * f})

    # --- construction without history ---------------------------------------------------

    @classmethod
    def from_roi(
        cls,
        spend: float,
        roi: float,
        *,
        kind: CurveKind = "exponential",
        elasticity: float = 0.5,
        shape: float = 1.0,
    ) -> ResponseCurve:
        """A curve through a channel's current spend and ROI, for channels with no history.

        Parameters
        ----------
        spend : float
            Current spend per period, yuan (> 0).
        roi : float
            Current return per yuan (revenue / spend), e.g. 4 on-site, 8 off-site.
        kind : {"exponential", "hill", "log", "logistic"}, default "exponential"
        elasticity : float, default 0.5
            Assumed elasticity at the current spend, ``x f'(x) / f(x)``: the percentage
            gain in response per percent more spend.  In (0, 1) for concave curves (0.5
            means the marginal ROI is half the average ROI); for Hill curves below
            ``shape``.
        shape : float, default 1.0
            Hill shape (only for ``kind="hill"``).

        Returns
        -------
        ResponseCurve
            With ``curve(spend) == roi * spend`` and the assumed elasticity at ``spend``.
        """
        x0 = check_scalar(spend, "spend", lower=0, lower_inclusive=False)
        r = check_scalar(roi, "roi", lower=0, lower_inclusive=False)
        kind = cast(CurveKind, check_choice(kind, "kind", tuple(CURVE_PARAMS)))
        if kind == "hill":
            shape = check_scalar(shape, "shape", lower=0, lower_inclusive=False)
        top = shape if kind == "hill" else 1.0
        e = check_scalar(
            elasticity,
            "elasticity",
            lower=0,
            upper=top,
            lower_inclusive=False,
            upper_inclusive=False,
        )
        if kind == "hill":
            q = shape / e - 1.0
            half = x0 / q ** (1.0 / shape)
            ceiling = r * x0 * (1.0 + q) / q
            return cls(kind="hill", params={"ceiling": ceiling, "half": half, "shape": shape})

        def elasticity_at(log_u: float) -> float:
            probe = _unit_curve(kind, math.exp(log_u))
            value = float(probe(1.0))
            return float(probe.derivative(1.0)) / value - e

        # the elasticities a curve of this kind can take at its own scale e^-30 .. e^60
        ends = (elasticity_at(_LOG_U[1]) + e, elasticity_at(_LOG_U[0]) + e)
        if not ends[0] < e < ends[1]:
            raise InvalidInputError(
                f"`elasticity` of a {kind!r} curve must be a finite number > {ends[0]:.3g} "
                f"and < {ends[1]:.10g} (the range its curves reach). Got {e!r} instead."
            )
        log_u = optimize.brentq(elasticity_at, *_LOG_U, xtol=1e-14)
        unit = _unit_curve(kind, math.exp(log_u))  # response of spend 1 with scale 1/u
        factor = r * x0 / float(unit(1.0))
        scale = x0 / math.exp(log_u)
        if kind == "exponential":
            return cls(kind=kind, params={"ceiling": factor, "scale": scale})
        if kind == "log":
            return cls(kind=kind, params={"coef": factor, "scale": scale})
        return cls(kind="logistic", params={"ceiling": factor, "lam": 1.0 / scale})

    def describe(self) -> str:
        """A one-line formula."""
        p = self.params
        if self.kind == "exponential":
            return f"{p['ceiling']:.6g} * (1 - exp(-x / {p['scale']:.6g}))"
        if self.kind == "hill":
            return (
                f"{p['ceiling']:.6g} * x^{p['shape']:.4g} / (x^{p['shape']:.4g} + "
                f"{p['half']:.6g}^{p['shape']:.4g})"
            )
        if self.kind == "log":
            return f"{p['coef']:.6g} * log(1 + x / {p['scale']:.6g})"
        return f"{p['ceiling']:.6g} * tanh({p['lam']:.6g} * x / 2)"

    def summary(self) -> str:
        """The curve's kind, formula and parameters (and its tangent point if S-shaped)."""
        lines = [f"ResponseCurve ({self.kind}): {self.describe()}"]
        lines.extend(f"  {name:<8} {value:14.6g}" for name, value in self.params.items())
        if not self.is_concave:
            lines.append(
                f"  S-shaped: concave envelope is a line up to {self.tangent_point():,.6g}"
            )
        return "\n".join(lines)

    def to_frame(self, spend: npt.ArrayLike | None = None) -> Any:
        """One row per spend: response, marginal ROI and ROI (needs pandas).

        Parameters
        ----------
        spend : array-like of float, optional
            Spends per period, yuan (>= 0).  Default: 11 points from 0 to 4 times the
            curve's scale (``scale``, ``half`` or ``2 / lam``).
        """
        pd = require_pandas("ResponseCurve.to_frame()")
        if spend is None:
            x = np.linspace(0.0, 4.0 * scaled_form(self)[2], 11)
        else:
            x = np.atleast_1d(np.asarray(spend, dtype=np.float64))
            if x.ndim != 1 or not np.all(np.isfinite(x)) or np.any(x < 0):
                raise InvalidInputError(
                    "`spend` must be a 1-d array of finite numbers >= 0 (yuan). "
                    f"Got {short_repr(spend)} instead."
                )
        response = self(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            roi = np.where(x > 0, response / np.where(x > 0, x, 1.0), np.nan)
        return pd.DataFrame(
            {"spend": x, "response": response, "marginal_roi": self.derivative(x), "roi": roi}
        )


def _check_curve_spec(data: Mapping[str, Any]) -> None:
    """The fields of a :class:`ResponseCurve`, checked with messages that name the
    parameter, the contract and the value."""
    unknown = sorted(set(data) - {"kind", "params"})
    if unknown:
        raise InvalidInputError(
            f"`ResponseCurve` takes only `kind` and `params`. Got {unknown} instead."
        )
    kind = data.get("kind")
    if kind not in CURVE_PARAMS:
        expected = ", ".join(repr(k) for k in CURVE_PARAMS)
        raise InvalidInputError(
            f"`kind` must be one of {expected}. Got {short_repr(kind)} instead."
        )
    expected_params = CURVE_PARAMS[kind]
    params = data.get("params")
    if not isinstance(params, Mapping) or set(params) != set(expected_params):
        shown = sorted(map(str, params)) if isinstance(params, Mapping) else short_repr(params)
        raise InvalidInputError(
            f"`params` of a {kind!r} curve must be a mapping with keys "
            f"{list(expected_params)}. Got {shown} instead."
        )
    for name, value in params.items():
        ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
        if not (ok and math.isfinite(float(value)) and float(value) > 0):
            raise InvalidInputError(
                f"`params[{name!r}]` must be a finite number > 0. Got {short_repr(value)} instead."
            )


#: Range of ``log(spend / scale)`` searched by :meth:`ResponseCurve.from_roi`.
_LOG_U = (-30.0, 60.0)


def _unit_curve(kind: str, u: float) -> ResponseCurve:
    """A curve of unit size whose scale puts spend 1 at ``u`` scale lengths."""
    if kind == "exponential":
        return ResponseCurve(kind="exponential", params={"ceiling": 1.0, "scale": 1.0 / u})
    if kind == "log":
        return ResponseCurve(kind="log", params={"coef": 1.0, "scale": 1.0 / u})
    if kind == "logistic":
        return ResponseCurve(kind="logistic", params={"ceiling": 1.0, "lam": u})
    raise InvalidInputError(
        f"`kind` must be 'exponential', 'log' or 'logistic'. Got {kind!r} instead."
    )
