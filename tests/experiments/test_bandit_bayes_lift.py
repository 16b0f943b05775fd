"""Bayesian summaries, the creative allocator, and lift-test design."""

from __future__ import annotations

import numpy as np
import pytest

from bidopt.exceptions import InvalidInputError
from bidopt.experiments import (
    LIFT_TESTS_COLUMNS,
    ArmStatistics,
    TopTwoThompson,
    bayes_summary,
    compare,
    design_lift_test,
    lift_test_result,
    lift_tests_table,
    replay_bandit,
    simulate_bandit,
)


def test_bayes_summary_matches_monte_carlo_of_the_normal_posterior():
    s = ArmStatistics.from_counts(["a", "b"], [5000, 5000], [500, 560])
    res = compare(s)
    b = bayes_summary(res, threshold=0.05)
    rng = np.random.default_rng(0)
    pa = rng.normal(res.value[0], res.std_error[0], 400_000)
    pb = rng.normal(res.value[1], res.std_error[1], 400_000)
    np.testing.assert_allclose(b.prob_beats_control[1], (pb > pa).mean(), atol=3e-3)
    np.testing.assert_allclose(b.expected_loss[1], np.maximum(pa - pb, 0).mean(), rtol=0.03)
    np.testing.assert_allclose(b.prob_lift_above[1], (pb / pa - 1 >= 0.05).mean(), atol=0.01)
    # and the exact Beta posteriors agree at this size
    ba = rng.beta(501, 4501, 400_000)
    bb = rng.beta(561, 4441, 400_000)
    np.testing.assert_allclose(b.prob_beats_control[1], (bb > ba).mean(), atol=5e-3)


def test_thompson_finds_the_best_creative_and_beats_uniform():
    rates = np.array([0.010, 0.012, 0.015, 0.011])
    res = simulate_bandit(rates, 200_000, batch_size=5_000, top_two=0.9, min_share=0.01, rng=1)
    assert res.best == 2
    uniform = 200_000 * np.mean(rates.max() - rates)
    assert res.total_regret < 0.5 * uniform
    assert (res.shares >= 0.01 - 1e-12).all()
    np.testing.assert_allclose(res.shares.sum(axis=1), 1.0)
    again = simulate_bandit(rates, 200_000, batch_size=5_000, top_two=0.9, min_share=0.01, rng=1)
    np.testing.assert_array_equal(res.impressions, again.impressions)  # seeded


def test_top_two_shares_and_replay_on_a_uniform_log():
    policy = TopTwoThompson(3, top_two=0.5, rng=0)
    policy.update([10_000, 10_000, 10_000], [100, 300, 150])  # arm 1 is surely best
    shares = policy.shares()
    np.testing.assert_allclose(shares[1], 0.5, atol=0.01)  # the leader gets top_two
    assert shares[2] > shares[0]  # the runner-up is the challenger
    rng = np.random.default_rng(5)
    arms = rng.integers(0, 3, 300_000)
    clicks = (rng.random(arms.size) < np.array([0.01, 0.03, 0.015])[arms]).astype(float)
    res = replay_bandit(arms, clicks, top_two=0.9, rng=2)
    assert res.best == 1
    assert res.impressions[1] > res.impressions.sum() / 2
    np.testing.assert_allclose(res.impressions.sum(), arms.size / 3, rtol=0.05)
    with pytest.raises(InvalidInputError, match="`min_share` must be a finite number >= 0"):
        TopTwoThompson(4, min_share=0.3)
    with pytest.raises(InvalidInputError, match="`clicks` must be <= `impressions`"):
        TopTwoThompson(2).update([1, 1], [2, 0])


def test_lift_test_design_solves_both_ways_and_the_table_validates():
    d = design_lift_test(kpi_sd=1000.0, spend_change=[500.0, 1000.0], se_return=0.25)
    np.testing.assert_allclose(d.se_return, 0.25)
    np.testing.assert_allclose(d.periods[0], 4 * d.periods[1])  # half the change, 4x as long
    back = design_lift_test(kpi_sd=1000.0, periods=d.periods, se_return=0.25)
    np.testing.assert_allclose(back.spend_change, [500.0, 1000.0])
    rel = design_lift_test(
        kpi_sd=1000.0, spend_change=1000.0, relative_precision=0.1, incremental_return=2.5
    )
    np.testing.assert_allclose(rel.se_return, 0.25)
    rng = np.random.default_rng(0)
    row = lift_test_result(
        rng.normal(1200, 50, 28),
        rng.normal(1000, 50, 28),
        channel="search",
        spend=400.0,
        spend_change=100.0,
    )
    table = lift_tests_table([row, {**row, "channel": "feed"}])
    assert tuple(table) == LIFT_TESTS_COLUMNS
    assert table["channel"].tolist() == ["search", "feed"]
    with pytest.raises(InvalidInputError, match="Missing \\['se'\\]"):
        lift_tests_table([{k: v for k, v in row.items() if k != "se"}])
    with pytest.raises(InvalidInputError, match="exactly one of `spend_change`"):
        design_lift_test(kpi_sd=1.0, se_return=0.1)


def test_lift_test_result_refuses_no_change_a_constant_kpi_and_a_cut_above_the_spend():
    # review 2: all three gave a row (se 0, or spend_to -100) that fit_response then refused
    kpi = [1200.0, 1150.0, 1250.0]
    with pytest.raises(InvalidInputError, match="`spend_change` must be nonzero.*Got 0.0"):
        lift_test_result(kpi, kpi, channel="search", spend=100.0, spend_change=0.0)
    with pytest.raises(InvalidInputError, match="`kpi_test` and `kpi_control` must vary"):
        lift_test_result([5.0] * 4, [3.0] * 4, channel="search", spend=100.0, spend_change=50.0)
    with pytest.raises(InvalidInputError, match="`spend_change` must be >= -spend.*Got -200"):
        lift_test_result(kpi, kpi, channel="search", spend=100.0, spend_change=-200.0)
    row = lift_test_result(kpi, kpi, channel="search", spend=100.0, spend_change=-100.0)
    with pytest.raises(InvalidInputError, match="`spend_change` >= -`spend`.*row 1"):
        lift_tests_table([row, {**row, "spend_change": -200.0}])


@pytest.mark.parametrize(("n", "x"), [(200, (5, 12)), (50, (1, 4)), (1000, (100, 120))])
def test_chance_of_a_relative_lift_is_close_to_exact_beta_posteriors(n, x):
    # the delta-method normal of the ratio gave 0.75 for an exact 0.89 (1/50 vs 4/50)
    c = compare(ArmStatistics.from_counts(["A", "B"], [n, n], list(x)))
    b = bayes_summary(c, threshold=0.05)
    gen = np.random.default_rng(0)
    pa = gen.beta(1 + x[0], 1 + n - x[0], 200_000)
    pb = gen.beta(1 + x[1], 1 + n - x[1], 200_000)
    exact = float(np.mean(pb >= 1.05 * pa))
    assert abs(b.prob_lift_above[1] - exact) < 0.03
    assert np.isnan(b.prob_lift_above[0])


def test_bayes_summary_has_no_nan_and_agrees_with_itself_at_the_edges():
    # at f2b6e04: 0/100 against 0/100 gave prob_lift_above NaN (both posteriors of sd 0);
    # two constant arms gave prob_beats_control NaN; and 0/100 against 5/100 gave
    # P(beats) 0.976 but P(lift >= 0) 0.989 (Agresti-Caffo for one, Wald for the other)
    none = bayes_summary(
        compare(ArmStatistics.from_counts(["a", "b"], [100, 100], [0, 0])), threshold=0.05
    )
    assert np.isfinite(none.prob_lift_above[1]) and none.prob_beats_control[1] == 0.5
    flat = ArmStatistics.from_moments(["a", "b", "c"], [10, 10, 10], [1.0, 1.0, 2.0], [0, 0, 0])
    exact = bayes_summary(compare(flat))
    np.testing.assert_array_equal(exact.prob_beats_control[1:], [0.5, 1.0])
    np.testing.assert_array_equal(exact.prob_lift_above[1:], [0.5, 1.0])
    edge = bayes_summary(compare(ArmStatistics.from_counts(["a", "b"], [100, 100], [0, 5])))
    np.testing.assert_allclose(edge.prob_lift_above[1], edge.prob_beats_control[1], rtol=1e-12)


def test_a_constant_kpi_history_is_refused_by_the_lift_design():
    # at f2b6e04 a constant history gave kpi_sd 0: "0 periods" with a NaN standard error
    with pytest.raises(InvalidInputError, match="`kpi` must vary from period to period"):
        design_lift_test(kpi=[5.0, 5.0, 5.0, 5.0], spend_change=100.0, se_return=0.1)


def test_lift_design_summary_prints_revenue_without_exponents():
    # found by the Python walkthrough on Robyn's weekly revenue: 'KPI noise sd 7.162e+05
    # per period' and 'expected lift 3e+04/period' beside 'se of the lift 6,000/period'
    design = design_lift_test(
        channel="search",
        kpi_sd=716_228.6,
        spend_change=3000.0,
        relative_precision=0.2,
        incremental_return=10.0,
    )
    text = design.summary()
    assert "e+0" not in text
    assert "KPI noise sd 716,229 per period" in text
    assert "se of the lift 6,000/period" in text and "expected lift 30,000/period" in text
    orders = design_lift_test(kpi_sd=12.5, spend_change=100.0, se_return=0.05).summary()
    assert "KPI noise sd 12.5 per period" in orders
