"""Saturation (response) curves: expected return of a steady spend per period."""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, model_validator
from scipy import optimize

from bidopt._validation import check_scalar
from bidopt.exceptions import InvalidInputError
from bidopt.typing import FloatArray

__all__ = ["CURVE_PARAMS", "CurveKind", "ResponseCurve"]

CurveKind = Literal["exponential", "hill", "log", "logistic"]

#: The parameters each kind of curve takes.
CURVE_PARAMS: dict[str, tuple[str, ...]] = {
    "exponential": ("ceiling", "scale"),
    "hill": ("ceiling", "half", "shape"),
    "log": ("coef", "scale"),
    "logistic": ("ceiling", "lam"),
}


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

    @model_validator(mode="after")
    def _check(self) -> ResponseCurve:
        expected = CURVE_PARAMS[self.kind]
        if set(self.params) != set(expected):
            raise ValueError(
                f"a {self.kind!r} curve takes params {list(expected)}; got {sorted(self.params)}"
            )
        for name, value in self.params.items():
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"param {name!r} must be a finite number > 0; got {value!r}")
        return self

    # --- evaluation ---------------------------------------------------------------------

    def __call__(self, spend: npt.ArrayLike) -> FloatArray:
        x = np.maximum(np.asarray(spend, dtype=np.float64), 0.0)
        p = self.params
        if self.kind == "exponential":
            out = p["ceiling"] * -np.expm1(-x / p["scale"])
        elif self.kind == "hill":
            ratio = (x / p["half"]) ** p["shape"]
            out = p["ceiling"] * ratio / (1.0 + ratio)
        elif self.kind == "log":
            out = p["coef"] * np.log1p(x / p["scale"])
        else:
            out = p["ceiling"] * np.tanh(0.5 * p["lam"] * x)
        return np.asarray(out, dtype=np.float64)

    def derivative(self, spend: npt.ArrayLike) -> FloatArray:
        """Marginal response per yuan at ``spend`` (the marginal ROI)."""
        x = np.maximum(np.asarray(spend, dtype=np.float64), 0.0)
        p = self.params
        if self.kind == "exponential":
            out = p["ceiling"] / p["scale"] * np.exp(-x / p["scale"])
        elif self.kind == "hill":
            n, h = p["shape"], p["half"]
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                ratio = (x / h) ** n
                out = p["ceiling"] * n * ratio / (x * (1.0 + ratio) ** 2)
            limit = p["ceiling"] / h if n == 1 else (np.inf if n < 1 else 0.0)
            out = np.where(x > 0, out, limit)
        elif self.kind == "log":
            out = p["coef"] / (p["scale"] + x)
        else:
            half = 0.5 * p["lam"]
            e = np.exp(-2.0 * half * x)  # sech(y)^2 = 4 e^(-2y) / (1 + e^(-2y))^2
            out = p["ceiling"] * half * 4.0 * e / (1.0 + e) ** 2
        return np.asarray(out, dtype=np.float64)

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
        n, h = self.params["shape"], self.params["half"]
        # f(t)/t = f'(t)  <=>  1 + q = n  with q = (t/h)**n
        return float(h * (n - 1.0) ** (1.0 / n))

    def scaled(self, factor: float) -> ResponseCurve:
        """The same curve with its response multiplied by ``factor`` (> 0)."""
        f = check_scalar(factor, "factor", lower=0, lower_inclusive=False)
        key = "coef" if self.kind == "log" else "ceiling"
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

        log_u = optimize.brentq(elasticity_at, -30.0, 30.0, xtol=1e-14)
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


def _unit_curve(kind: str, u: float) -> ResponseCurve:
    """A curve of unit size whose scale puts spend 1 at ``u`` scale lengths."""
    if kind == "exponential":
        return ResponseCurve(kind="exponential", params={"ceiling": 1.0, "scale": 1.0 / u})
    if kind == "log":
        return ResponseCurve(kind="log", params={"coef": 1.0, "scale": 1.0 / u})
    if kind == "logistic":
        return ResponseCurve(kind="logistic", params={"ceiling": 1.0, "lam": u})
    raise InvalidInputError(f"Unknown curve kind {kind!r}.")
