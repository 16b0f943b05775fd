"""Review of fit_response and its intervals on a channel the history never moves."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from bidopt.channels import fit_response, split_budget
from bidopt.exceptions import IdentifiabilityWarning


def _history(flat: float) -> tuple[dict[str, np.ndarray], np.ndarray]:
    rng = np.random.default_rng(3)
    weeks = 40
    a = 1000.0 * np.exp(rng.normal(0, 0.4, weeks))
    kpi = 5000.0 + 3000.0 * np.tanh(a / 2000.0) + rng.normal(0, 50.0, weeks)
    return {"a": a, "b": np.full(weeks, flat)}, kpi


@pytest.mark.parametrize("flat", [0.0, 800.0])
def test_a_channel_with_the_same_spend_every_period_is_warned_about(flat: float) -> None:
    # a channel never spending (or spending the same every period) cannot be told from
    # the baseline: the fit went through without a word
    spend, kpi = _history(flat)
    with pytest.warns(IdentifiabilityWarning, match=r"Channel b spends the same"):
        fit_response(spend, kpi, rng=0, options={"n_starts": 2, "n_draws": 20})
    tests = {"channel": ["b"], "spend_from": [800.0], "spend_to": [1200.0]}
    tests |= {"lift": [300.0], "lift_se": [50.0]}
    with warnings.catch_warnings():
        warnings.filterwarnings("error", "Channel", IdentifiabilityWarning)
        fit_response(spend, kpi, rng=0, lift_tests=tests, options={"n_starts": 2, "n_draws": 20})


def test_a_never_spent_channel_gives_no_numpy_warnings() -> None:
    # its intervals at its mean spend 0 divided 0 by 0, and the guard's cap of 0 went
    # through inf * 0 / an overflow in split_budget: RuntimeWarnings leaked to the user
    spend, kpi = _history(0.0)
    with pytest.warns(IdentifiabilityWarning):
        fit = fit_response(spend, kpi, rng=0, options={"n_starts": 2, "n_draws": 20})
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        iv = fit.intervals()
        split = split_budget(fit, 1e6, bounds={"b": (500.0, None)})
    assert np.isnan(iv.roi[1]) and not iv.identified[1]
    assert split.success and split.spend[1] == pytest.approx(500.0)


def test_a_fit_with_no_residual_degrees_of_freedom_is_refused() -> None:
    # 8 weeks, 2 channels, trend, one Fourier pair and an event: 11 parameters. The fit
    # matched every week (R2 1.0), the noise level fell to its floor and the draws
    # collapsed: intervals of width 0, every channel "identified", and the safe default
    # moved spend by up to exp(2) = 7.4x on the strength of 8 numbers
    from bidopt.exceptions import InvalidInputError

    rng = np.random.default_rng(0)
    spend = {"a": rng.uniform(500, 1500, 8), "b": rng.uniform(1000, 3000, 8)}
    kpi = 5000 + 2 * spend["a"] + rng.normal(0, 10, 8)
    kw = {"trend": True, "seasonality": 1, "events": {"e": [1]}, "rng": 0}
    with pytest.raises(
        InvalidInputError, match=r"more fitted periods than the fit has parameters \(11"
    ):
        fit_response(spend, kpi, **kw)  # type: ignore[arg-type]
    # lift tests count as observations
    tests = {"channel": ["a", "b", "a", "b"], "spend_from": [1000.0, 2000.0] * 2}
    tests |= {"spend_to": [1500.0, 2500.0, 500.0, 1500.0], "lift": [900.0, 10.0, -1000.0, -10.0]}
    tests |= {"lift_se": [100.0] * 4}
    fit = fit_response(spend, kpi, lift_tests=tests, options={"n_starts": 2}, **kw)  # type: ignore[arg-type]
    assert fit.n_lift_tests == 4
