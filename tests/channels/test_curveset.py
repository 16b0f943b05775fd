from __future__ import annotations

import numpy as np
import pytest

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


def test_scalar_spends_match_the_vectorised_ones() -> None:
    """The float path (ScalarSpend) and the numpy path give the same spends and slopes,
    bounds included, for the three closed-form kinds."""
    rng = np.random.default_rng(5)
    kinds = ["exponential", "log", "logistic"]
    curves = [
        ResponseCurve.from_roi(
            float(rng.uniform(1e4, 1e6)),
            float(rng.uniform(2, 9)),
            kind=kinds[i % 3],  # type: ignore[arg-type]
            elasticity=float(rng.uniform(0.2, 0.8)),
        )
        for i in range(30)
    ]
    curve_set = CurveSet(curves)
    order = curve_set.order
    lower = rng.uniform(0, 2e4, 30) * (rng.random(30) < 0.3)
    upper = np.where(rng.random(30) < 0.3, rng.uniform(3e4, 3e5, 30), np.inf)
    groups = (np.arange(30) % 4).tolist()
    spend = curve_set.scalar_group(
        list(range(30)), lower[order].tolist(), upper[order].tolist(), 0.0, groups
    )
    for t in (-3.0, 0.5, 1.5, 2.5):
        raw, slope = curve_set.spend_and_slope_log(t, kind_order=True)
        x = np.clip(raw, lower[order], upper[order])
        slope = slope * ((raw > lower[order]) & (raw < upper[order]))
        got_x, got_slope = spend.spends(t)
        np.testing.assert_allclose(got_x, x, rtol=1e-12, atol=1e-9)
        np.testing.assert_allclose(got_slope, slope, rtol=1e-12, atol=1e-9)
        g, gs = spend.by_group(t)
        np.testing.assert_allclose(g, np.bincount(groups, weights=x), rtol=1e-12)
        np.testing.assert_allclose(gs, np.bincount(groups, weights=slope), rtol=1e-12)
        total, d = spend.total(t)
        assert total == pytest.approx(x.sum(), rel=1e-12)
        assert d == pytest.approx(slope.sum(), rel=1e-12)


def test_mean_derivative_of_an_even_split() -> None:
    curves = [
        ResponseCurve(kind="log", params={"coef": 2e5, "scale": 5e4}),
        ResponseCurve(kind="exponential", params={"ceiling": 5e5, "scale": 1e5}),
        ResponseCurve(kind="hill", params={"ceiling": 3e5, "half": 8e4, "shape": 2.0}),
        ResponseCurve(kind="logistic", params={"ceiling": 4e5, "lam": 2e-5}),
    ]
    curve_set = CurveSet(curves)
    for spend in (0.0, 3e4, 4e5):
        expected = np.mean([float(c.derivative(spend)) for c in curves])
        assert curve_set.mean_derivative_at(spend) == pytest.approx(expected, rel=1e-13)
