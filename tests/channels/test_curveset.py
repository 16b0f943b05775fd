from __future__ import annotations

import numpy as np

from bidopt.channels import ResponseCurve
from bidopt.channels._curveset import CurveSet


def test_value_and_derivative_match_the_separate_evaluations() -> None:
    curves = [
        ResponseCurve(kind="exponential", params={"ceiling": 5e5, "scale": 1e5}),
        ResponseCurve(kind="log", params={"coef": 2e5, "scale": 5e4}),
        ResponseCurve(kind="logistic", params={"ceiling": 4e5, "lam": 2e-5}),
        ResponseCurve(kind="hill", params={"ceiling": 3e5, "half": 8e4, "shape": 2.0}),
        ResponseCurve(kind="exponential", params={"ceiling": 1e5, "scale": 2e4}),
    ]
    curve_set = CurveSet(curves)
    rng = np.random.default_rng(3)
    # 2e6: the logistic curve is saturated (tanh rounds to 1), its marginal is ~1e-12
    for x in (np.zeros(5), rng.uniform(0, 3e5, 5), np.full(5, 2e6)):
        value, marginal = curve_set.value_and_derivative(x)
        np.testing.assert_allclose(value, curve_set.value(x), rtol=1e-14, atol=0)
        # relative, also where a saturated curve's marginal is tiny but not 0
        np.testing.assert_allclose(marginal, curve_set.derivative(x), rtol=1e-12, atol=0)
        expected = [float(c.derivative(xi)) for c, xi in zip(curves, x, strict=True)]
        np.testing.assert_allclose(marginal, expected, rtol=1e-12, atol=0)
