"""The safe default of a split over a fit's draws: from today's split only as far as the
draws support (``split_budget(fit, ..., safe=True)``)."""

from __future__ import annotations

import numpy as np
import pytest

from bidopt._quantiles import central_interval
from bidopt.channels import CurveDraws, ResponseFit, split_budget
from bidopt.channels._split_safe import CONFIDENCE, GAIN_QUANTILE, TRUST_MIN
from bidopt.exceptions import InfeasibleError, InvalidInputError

TODAY = {"a": 1000.0, "b": 3000.0}


def _fit(ceiling_a: np.ndarray, ceiling_b: np.ndarray) -> ResponseFit:
    """A fit by hand: logistic curves whose ceilings are the draws given (lam fixed)."""
    lam = np.array([1.0 / 1000, 0.6 / 3000])
    ceiling = np.column_stack([ceiling_a, ceiling_b])
    n = ceiling.shape[0]
    draws = CurveDraws(
        channels=("a", "b"),
        kind="logistic",
        params={"ceiling": ceiling, "lam": np.tile(lam, (n, 1))},
        adstock={"alpha": np.zeros((n, 2))},
    )
    return fit_of(draws)


def fit_of(draws: CurveDraws) -> ResponseFit:
    """A fit by hand around curve draws of channels a and b (no adstock): today's and
    the observed spends are TODAY and a, b's ranges 400-2,000 and 1,500-6,000."""
    curves = draws.curves(0)
    return ResponseFit(
        curves=curves,
        adstock={c: {"alpha": 0.0} for c in curves},
        intercept=0.0,
        controls={},
        r2=1.0,
        nrmse=0.0,
        params={},
        stderr={},
        fitted=np.zeros(3),
        residuals=np.zeros(3),
        success=True,
        message="by hand",
        n_starts=1,
        draws=draws,
        mean_spend=dict(TODAY),
        max_spend={"a": 2000.0, "b": 6000.0},
        min_spend={"a": 400.0, "b": 1500.0},
    )


def _gain(split: object) -> np.ndarray:
    return np.asarray(split.response_draws - split.current_response_draws)  # type: ignore[attr-defined]


def test_disagreeing_draws_keep_todays_split() -> None:
    # half the draws favour channel a, half channel b: no move gains in 90% of them
    rng = np.random.default_rng(0)
    up = rng.random(200) < 0.5
    fit = _fit(np.where(up, 9000.0, 2500.0), np.where(up, 6000.0, 14000.0))
    split = split_budget(fit, 4000.0, current=TODAY)
    assert split.success and split.status == 1 and split.safe_step == 0.0
    np.testing.assert_allclose(split.spend, [1000.0, 3000.0])
    assert "stayed at today's split" in split.message
    assert split.gain_probability == 0.0 and split.gain_interval == (0.0, 0.0)
    free = split_budget(fit, 4000.0, current=TODAY, safe=False)
    assert free.safe_step is None and np.abs(free.spend - split.spend).max() > 100
    assert free.gain_probability is not None and free.gain_probability < CONFIDENCE


def test_safe_step_is_the_best_supported_point_on_the_path() -> None:
    rng = np.random.default_rng(1)
    fit = _fit(5000.0 * np.exp(rng.normal(0, 0.5, 200)), 9000.0 * np.exp(rng.normal(0, 0.5, 200)))
    split = split_budget(fit, 4000.0, current=TODAY)
    assert split.success and split.certificate is not None and split.certificate.holds
    step = split.safe_step
    assert step is not None and 0 < step <= 1
    gain = _gain(split)
    assert np.mean(gain > 0) >= CONFIDENCE and np.quantile(gain, GAIN_QUANTILE) > 0
    assert split.gain_probability == pytest.approx(np.mean(gain > 0))
    assert split.gain_interval == pytest.approx(central_interval(gain, 0.8))
    # the draws' 80% interval of marginal ROI is wider than its median (TRUST_SCALE /
    # TRUST_MIN = 1): the trust region is today x exp(+-TRUST_MIN), its optimum on the edge
    x0 = np.array([1000.0, 3000.0])
    target = x0 + (split.spend - x0) / step
    assert np.abs(np.log(target / x0)).max() == pytest.approx(TRUST_MIN, rel=1e-6)
    assert np.all(np.abs(np.log(split.spend / x0)) <= TRUST_MIN + 1e-9)
    # no other step on the same path has a larger supported 20% quantile
    draws = fit.draws
    assert draws is not None
    base = np.array(
        [sum(c(x0[j]) for j, c in enumerate(draws.curves(d).values())) for d in range(200)]
    )
    for t in np.linspace(0.05, 1.0, 20):
        x = x0 + t * (target - x0)
        other = np.array(
            [sum(c(x[j]) for j, c in enumerate(draws.curves(d).values())) for d in range(200)]
        )
        g = other - base
        if np.mean(g > 0) >= CONFIDENCE:
            assert np.quantile(g, GAIN_QUANTILE) <= np.quantile(gain, GAIN_QUANTILE) + 1e-6


def test_pinned_curves_reach_the_expected_optimum() -> None:
    # every draw the same curve: the region is as wide as TRUST_MAX allows (exp(2))
    fit = _fit(np.full(50, 5000.0), np.full(50, 9000.0))
    safe = split_budget(fit, 4000.0, current=TODAY)
    free = split_budget(fit, 4000.0, current=TODAY, safe=False)
    assert safe.status == 0 and safe.safe_step == 1.0
    np.testing.assert_allclose(safe.spend, free.spend, rtol=1e-9)


def test_safe_default_starts_from_the_mean_spend_or_a_feasible_today() -> None:
    fit = _fit(np.full(20, 5000.0), np.full(20, 9000.0))
    # no current: the fit's mean spend, scaled to the budget
    split = split_budget(fit, 8000.0)
    np.testing.assert_allclose(split.current_spend, [2000.0, 6000.0])
    assert split.safe_step is not None
    # today's split breaks the group rule: the start is today's split moved to meet it
    rule = split_budget(
        fit, 4000.0, current=TODAY, groups={"g": ["a"]}, group_shares={"g": (0.5, 0.6)}
    )
    assert rule.success and rule.safe_step is not None
    assert "changed only as far as the bounds and group rules require" in rule.message
    np.testing.assert_allclose(rule.current_spend, [1000.0, 3000.0])
    assert 0.5 * 4000 * (1 - 1e-9) <= rule.spend[0] <= 0.6 * 4000 * (1 + 1e-9)
    with pytest.raises(InvalidInputError, match="`safe` must be True or False"):
        split_budget(fit, 4000.0, safe="yes")  # type: ignore[arg-type]


def test_group_rule_beyond_the_extrapolation_guard_is_met() -> None:
    """A 60/40 group rule whose small group needs 6,000 yuan, with no bounds given: the
    default guard (1.5 x the largest spend seen, 3,000 yuan for channel a) cannot hold
    it, so the guard gives way to the rule (and says so); the user's own bounds that
    break the rule raise their own error, the guard not named."""
    fit = _fit(np.full(8, 9000.0), np.full(8, 14000.0))
    rule = {"groups": {"small": ["a"], "big": ["b"]}, "group_shares": {"small": 0.6, "big": 0.4}}
    split = split_budget(fit, 10000.0, **rule)  # type: ignore[arg-type]
    assert split.success
    np.testing.assert_allclose(split.spend, [6000.0, 4000.0], rtol=1e-6)
    assert "group 'small' add to less than its share rule needs: its upper guard gives way" in (
        split.message
    )
    with pytest.raises(InfeasibleError, match="add to 1,000.00 yuan instead.$"):
        split_budget(fit, 10000.0, bounds={"a": (None, 1000.0)}, **rule)  # type: ignore[arg-type]


def test_group_max_share_below_the_guards_floors_is_met() -> None:
    """Channel b's guard floor (1,500 / 1.5 = 1,000 yuan) above its group's largest
    share (0.4 x 1,500 = 600 yuan): the floors give way to the rule, said."""
    fit = _fit(np.full(8, 9000.0), np.full(8, 14000.0))
    rule = {"groups": {"small": ["a"], "big": ["b"]}, "group_shares": {"big": (0.0, 0.4)}}
    for safe in (True, False):
        split = split_budget(fit, 1500.0, safe=safe, **rule)  # type: ignore[arg-type]
        assert split.success and split.certificate.holds
        assert split.spend[1] <= 600.0 * (1 + 1e-9)
        assert "group 'big' add to more than its share rule allows: its lower guard" in (
            split.message
        )


def test_user_bounds_win_over_the_guard_and_are_certified() -> None:
    """Bounds outside the guard's range (b's floor is 1,000 yuan, a's cap 3,000): the
    user's bounds hold, the channel sits at the end of them nearest to the data, the
    message says so, and the certificate checks the user's bounds."""
    fit = _fit(np.full(8, 9000.0), np.full(8, 14000.0))
    for hi in (0.0, 500.0):
        split = split_budget(fit, 4000.0, bounds={"b": (0.0, hi)})
        assert split.success
        assert split.spend[1] == pytest.approx(hi, abs=1e-6)
        assert "b (max " in split.message and "they win" in split.message
        maximums = split.certificate["channel maximums"]
        assert maximums.holds and maximums.limit == pytest.approx(hi, abs=1e-9)
    split = split_budget(fit, 8000.0, bounds={"a": (5000.0, None)}, safe=False)
    assert split.success and split.spend[0] == pytest.approx(5000.0, rel=1e-9)
    assert "a (min 5,000.00 > cap 3,000.00)" in split.message
    assert "a" not in split.guarded  # held by the user's minimum, not the guard


@pytest.mark.parametrize(
    "bounds",
    [
        {"bb": (0.0, 0.0)},
        {"b": (500.0, 100.0)},
        {"b": (-5.0, 100.0)},
        {"b": (0.0, -1.0)},
        {"b": ("x", None)},
        {"b": 5},
    ],
)
def test_bad_bounds_with_a_fit_raise_as_for_plain_curves(bounds: dict[str, object]) -> None:
    """The bounds of a split over a fit are checked as for plain curves (one check):
    the same InvalidInputError, never ignored (a typo) nor a bare error."""
    fit = _fit(np.full(8, 9000.0), np.full(8, 14000.0))
    with pytest.raises(InvalidInputError) as plain:
        split_budget(dict(fit.curves), 4000.0, bounds=bounds)
    with pytest.raises(InvalidInputError) as on_fit:
        split_budget(fit, 4000.0, bounds=bounds)
    assert str(on_fit.value) == str(plain.value)


def test_a_group_minimum_and_another_channels_floor_share_the_budget() -> None:
    """Group 'small' needs half of 1,500 yuan and b's guard floor (1,000 yuan) leaves
    less: the floors are lowered together until the group minimums and the floors fit
    the budget (said), and the rule holds."""
    fit = _fit(np.full(8, 9000.0), np.full(8, 14000.0))
    rule = {"groups": {"small": ["a"], "big": ["b"]}, "group_shares": {"small": (0.5, 1.0)}}
    split = split_budget(fit, 1500.0, safe=False, **rule)  # type: ignore[arg-type]
    assert split.success and split.spend[0] >= 750.0 * (1 - 1e-9)
    assert "the lower guard is lowered" in split.message
