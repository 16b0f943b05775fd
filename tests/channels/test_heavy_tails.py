"""A channel the history does not identify: its curve draws are kept within what the
KPI allows, and where a few draws still dominate the mean over the draws, the split and
window results say so, give the medians and warn."""

from __future__ import annotations

import warnings
from dataclasses import replace

import numpy as np
import pytest

from bidopt.channels import fit_response, split_budget, split_window
from bidopt.channels._curves import SIZE_PARAM
from bidopt.channels._tails import tail_mask
from bidopt.exceptions import IdentifiabilityWarning

N = 60


def _history() -> tuple[dict[str, np.ndarray], np.ndarray]:
    # b spends the same every period: its curve is the priors' guess (relative se ~5)
    rng = np.random.default_rng(0)
    a = rng.uniform(500, 1500, N)
    kpi = 3000 + 5 * a**0.8 + rng.normal(0, 30, N)
    return {"a": a, "b": np.full(N, 700.0)}, kpi


@pytest.fixture(scope="module")
def fit():  # type: ignore[no-untyped-def]
    spend, kpi = _history()
    with pytest.warns(IdentifiabilityWarning):
        return fit_response(spend, kpi, rng=1)


@pytest.fixture(scope="module")
def heavy(fit):  # type: ignore[no-untyped-def]
    """The fit with b's curve sizes multiplied by a log-normal of log-sd 5 (draw 0, the
    optimum, kept): the draws the Laplace approximation gave before they were bounded."""
    return heavy_tailed(fit)


def heavy_tailed(fit):  # type: ignore[no-untyped-def]
    """``fit`` with its second channel's curve sizes multiplied by a log-normal of log-sd
    5 over the draws (draw 0 kept): a few draws dominate the mean."""
    draws = fit.draws
    size = SIZE_PARAM[draws.kind]
    factor = np.random.default_rng(2).lognormal(0.0, 5.0, draws.n_draws)
    factor[0] = 1.0
    params = dict(draws.params)
    params[size] = params[size].copy()
    params[size][:, 1] *= factor
    return replace(fit, draws=replace(draws, params=params))


def test_tail_mask_flags_a_mean_outside_the_central_interval() -> None:
    rng = np.random.default_rng(3)
    light = rng.lognormal(0.0, 0.3, 200)
    heavy = rng.lognormal(0.0, 5.0, 200)
    assert tail_mask(np.column_stack([light, heavy])).tolist() == [False, True]


def test_no_draw_earns_more_than_the_kpi_at_the_mean_spend(fit) -> None:  # type: ignore[no-untyped-def]
    # the walkthrough: 'b 700 yuan response 41,900 ROI 59.86' and a total 43,506 outside
    # the printed 80% range 1,578 - 15,662 (median 1,676): log-normal draws of b's
    # size with log-sd 5.4 let one draw earn hundreds of times the KPI
    spend, kpi = _history()
    at_mean = np.array([spend["a"].mean(), 700.0])
    value, _ = fit.draws.value_and_derivative(at_mean)
    assert value.max() <= kpi.mean() * (1 + 1e-9)
    with warnings.catch_warnings():
        warnings.simplefilter("error", IdentifiabilityWarning)
        split = split_budget(fit, 2200.0, current={"a": 1500.0, "b": 700.0})
    assert split.response_draws is not None
    lo, hi = np.quantile(split.response_draws, [0.1, 0.9])
    assert lo <= split.response <= hi
    assert split.tail_channels == ()
    assert "dominated" not in split.summary()


def test_split_names_the_channel_whose_tail_dominates_the_mean(heavy) -> None:  # type: ignore[no-untyped-def]
    with pytest.warns(IdentifiabilityWarning, match=r"dominate the expected response of b \("):
        split = split_budget(heavy, 2200.0, current={"a": 1500.0, "b": 700.0})
    assert split.tail_channels == ("b",)
    assert split.response_draws is not None and split.channel_response_median is not None
    lo, hi = np.quantile(split.response_draws, [0.1, 0.9])
    assert not lo <= split.response <= hi  # the case the result must flag
    j = split.channels.index("b")
    assert split.channel_response_median[j] < 0.01 * split.channel_response[j]
    assert "lift test" in split.message
    text = split.summary()
    assert f"median {np.median(split.response_draws):,.0f})" in text
    assert "mean dominated by a few draws; median" in text
    assert "lies outside that range: a few draws of b dominate it" in text
    assert "; means over the draws, median gain 0.00" in text  # it stays at today's
    frame = split.to_frame()
    assert frame["response_median"].tolist() == pytest.approx(
        split.channel_response_median.tolist()
    )


def test_identified_channels_are_not_flagged(heavy) -> None:  # type: ignore[no-untyped-def]
    with warnings.catch_warnings():
        warnings.simplefilter("error", IdentifiabilityWarning)
        split = split_budget(heavy, 1500.0, bounds={"b": (0.0, 0.0)})
    assert split.tail_channels == ()
    assert "dominated" not in split.summary()


def test_window_names_the_channel_whose_tail_dominates_the_mean(heavy) -> None:  # type: ignore[no-untyped-def]
    with pytest.warns(IdentifiabilityWarning, match="dominate the expected response of b"):
        split = split_window(
            heavy, 4 * 2200.0, phases={"weeks": 4}, before={"a": 1000.0, "b": 700.0}
        )
    assert split.tail_channels == ("b",)
    assert "a few draws of b dominate" in split.summary()


def _one_channel_draws(rounds: int):  # type: ignore[no-untyped-def]
    from bidopt.channels._fit import _ADSTOCK_PARAMS, _SAT_PARAMS
    from bidopt.channels._fit_report import fit_draws, within_kpi
    from bidopt.channels._uncertainty import laplace_draws

    spec = _ADSTOCK_PARAMS["geometric"] + _SAT_PARAMS["logistic"]
    p_hat = np.array([0.3, 1.0, 1000.0, 100.0])  # alpha, lam, baseline, size
    cov = np.diag([1e-4, 1e-4, 1e-4, 25.0])  # the size's relative sd 5
    lo, hi = np.array([0.0, 0.01, 0.0, 0.0]), np.array([0.95, 50.0, np.inf, np.inf])
    at = (p_hat, cov, np.abs(p_hat), np.ones(4, dtype=bool), lo, hi)
    head = (["b"], spec, 1, "logistic", np.array([700.0]))
    tail = (2, 1, (), 4, "geometric")
    rng = np.random.default_rng(0)
    sample = laplace_draws(*at, 200, rng)[0]
    spend = np.array([700.0])

    def design(theta: np.ndarray) -> np.ndarray:  # a steady 700 a period: the curve at 700
        p = np.r_[theta, 0.0, 1.0][None, :]
        return fit_draws(*head, p, *tail).value_and_derivative(spend)[0]

    out = within_kpi(sample, at, rng, (design, 2), 1000.0, rounds=rounds)
    before = fit_draws(*head, sample, *tail).value_and_derivative(spend)[0][:, 0]
    after = fit_draws(*head, out, *tail).value_and_derivative(spend)[0][:, 0]
    return before, after


@pytest.mark.parametrize("rounds", [0, 20])
def test_within_kpi_replaces_or_scales_the_draws_above_the_kpi(rounds: int) -> None:
    before, after = _one_channel_draws(rounds)
    over = before > 1000.0
    assert over.sum() > 20  # the log-normal tail: many draws above the mean KPI
    assert after.max() <= 1000.0 * (1 + 1e-9)
    assert after[~over] == pytest.approx(before[~over], rel=1e-12)  # the others kept
    if rounds == 0:  # no new draws: those above are scaled down to the cap
        assert after[over] == pytest.approx(np.full(int(over.sum()), 1000.0), rel=1e-9)
    else:  # replaced by new draws within it
        assert np.unique(np.round(after[over], 6)).size > 0.9 * over.sum()


def test_the_bound_is_the_mean_contribution_not_the_curve_at_the_mean_spend() -> None:
    # a spends in bursts (30% of the weeks) on a saturating curve and earns most of
    # the KPI: its curve at its mean spend (true 10,935) is above the KPI's mean (6,729)
    # though its mean contribution (true 4,132) is well below.  Bounding the curve at
    # the mean spend put 99% of the draws exactly at the bound, below the optimum: ROI
    # interval [2.79, 2.79] beside the fit's own 3.20
    rng = np.random.default_rng(0)
    n = 104
    a = np.where(rng.random(n) < 0.3, rng.uniform(8000, 12000, n), 0.0)
    b = rng.uniform(500, 1500, n)
    kpi = 500 + 20000 * (a / 2000) / (1 + a / 2000) + 2 * b + rng.normal(0, 300, n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = fit_response({"a": a, "b": b}, kpi, rng=1)
    at_mean = np.array([a.mean(), b.mean()])
    value = fit.draws.value_and_derivative(at_mean)[0][:, 0]
    assert value[0] > kpi.mean()  # the optimum itself is above the old bound
    ci = fit.intervals()
    roi0 = value[0] / a.mean()
    assert ci.roi_low[0] < roi0 < ci.roi_high[0]
    assert np.mean(np.isclose(value, kpi.mean(), rtol=1e-9)) < 0.05
