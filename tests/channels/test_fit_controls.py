"""fit_response with controls the fitted periods cannot identify (collinear, zero, constant)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

from bidopt.channels import fit_response
from bidopt.exceptions import IdentifiabilityWarning

_OPTS = {"n_starts": 3, "n_draws": 0}


def _history(seed: int, weeks: int = 60) -> tuple[dict[str, Any], Any]:
    rng = np.random.default_rng(seed)
    spend = {"a": rng.uniform(500, 3000, weeks), "b": rng.uniform(200, 1500, weeks)}
    kpi = 5000 + 2.0 * spend["a"] ** 0.8 + 1.5 * spend["b"] ** 0.85 + rng.normal(0, 200, weeks)
    return spend, kpi


def _ceilings(fit: Any) -> np.ndarray:
    return np.array([c.params["ceiling"] for c in fit.curves.values()])


def test_collinear_controls_fix_the_duplicate_at_zero() -> None:
    # d = 2c + 1: collinear with c once centred; before, the intercept came back -4.2e16
    # and the control coefficients +-8e16 (ceilings 2,265 / 2,389 against 1,703 / 1,475)
    spend, kpi = _history(4)
    z = np.random.default_rng(0).normal(size=60)
    with pytest.warns(
        IdentifiabilityWarning,
        match=r"control 'd' is a linear combination "
        r"of the intercept and 'c'.*fixed at 0",
    ):
        fit = fit_response(
            spend, kpi, controls={"c": z, "d": 2 * z + 1}, rng=0, options={**_OPTS, "n_draws": 20}
        )
    alone = fit_response(spend, kpi, controls={"c": z}, rng=0, options=_OPTS)
    assert abs(fit.intercept) < 2 * float(np.abs(kpi).max())
    assert fit.controls == {"c": pytest.approx(alone.controls["c"], rel=1e-3), "d": 0.0}
    assert np.isnan(fit.stderr["control.d"])
    assert np.isfinite(fit.stderr["control.c"])
    np.testing.assert_allclose(_ceilings(fit), _ceilings(alone), rtol=1e-3)
    assert fit.r2 == pytest.approx(alone.r2, abs=1e-6)
    assert fit.draws is not None and np.isfinite(fit.draws.params["ceiling"]).all()


def test_all_zero_control_gets_zero_and_a_warning() -> None:
    # before: an arbitrary coefficient (-36,625) and no word
    spend, kpi = _history(5)
    with pytest.warns(IdentifiabilityWarning, match=r"control 'c' is zero in every fitted"):
        fit = fit_response(spend, kpi, controls={"c": np.zeros(60)}, rng=0, options=_OPTS)
    plain = fit_response(spend, kpi, rng=0, options=_OPTS)
    assert fit.controls == {"c": 0.0}
    assert fit.params["control.c"] == 0.0
    assert np.isnan(fit.stderr["control.c"])
    assert fit.intercept == pytest.approx(plain.intercept, rel=1e-6)
    np.testing.assert_allclose(_ceilings(fit), _ceilings(plain), rtol=1e-6)


def test_constant_control_and_identified_controls() -> None:
    spend, kpi = _history(3)
    with pytest.warns(IdentifiabilityWarning, match=r"control 'k' is constant"):
        fit = fit_response(spend, kpi, controls={"k": np.full(60, 7.0)}, rng=0, options=_OPTS)
    assert fit.controls == {"k": 0.0}
    # independent controls: no warning, every coefficient estimated
    rng = np.random.default_rng(1)
    ctl = {"p": rng.normal(size=60), "q": rng.normal(size=60)}
    with warnings.catch_warnings():
        warnings.simplefilter("error", IdentifiabilityWarning)
        fit = fit_response(spend, kpi, controls=ctl, rng=0, options=_OPTS)
    assert all(np.isfinite(fit.stderr[f"control.{c}"]) for c in ctl)
