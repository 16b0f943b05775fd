"""BTYD models: CDNOW published figures, parameter recovery, closed forms, errors."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special

from bidopt.customers import (
    BGNBDFit,
    customer_value,
    fit_bgnbd,
    fit_gamma_gamma,
    fit_pareto_nbd,
    rfm_table,
    simulate_customers,
)
from bidopt.exceptions import InvalidInputError
from tests.conftest import shared_file

TRUTH = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
SPEND = {"p": 6.25, "q": 3.74, "gamma": 15.44}


@pytest.fixture(scope="module")
def cdnow() -> dict[str, np.ndarray]:
    """The 1/10 sample's 39-week calibration summary, built from the raw orders (their
    dates as the file writes them, 19970101)."""
    raw = np.loadtxt(shared_file("customers/CDNOW_sample.txt"), dtype=str)
    table = rfm_table(
        {"customer_id": raw[:, 1], "date": raw[:, 2], "amount": raw[:, 4].astype(float)},
        calibration_end="1997-09-30",
        observation_end="1998-06-30",
    )
    return {
        "x": table.frequency,
        "t_x": table.recency,
        "T": table.T,
        "m": table.monetary_value,
        "holdout": table.frequency_holdout,
    }


def test_cdnow_bgnbd_matches_fader_hardie_lee(cdnow: dict[str, np.ndarray]) -> None:
    fit = fit_bgnbd(cdnow["x"], cdnow["t_x"], cdnow["T"])
    assert fit.success
    got = [fit.params[k] for k in ("r", "alpha", "a", "b")]
    np.testing.assert_allclose(got, [0.243, 4.414, 0.793, 2.426], rtol=0.005)
    assert abs(fit.log_likelihood - (-9582.4)) <= 0.5
    # standard errors from the observed information: positive and finite
    assert all(0 < fit.standard_errors[k] < fit.params[k] for k in fit.params)


def test_cdnow_gamma_gamma_matches_published(cdnow: dict[str, np.ndarray]) -> None:
    fit = fit_gamma_gamma(cdnow["x"], cdnow["m"])
    assert fit.n_customers == int((cdnow["x"] > 0).sum()) == 946
    got = [fit.params[k] for k in ("p", "q", "gamma")]
    np.testing.assert_allclose(got, [6.25, 3.74, 15.44], rtol=0.01)


def test_cdnow_pareto_nbd_matches_published(cdnow: dict[str, np.ndarray]) -> None:
    fit = fit_pareto_nbd(cdnow["x"], cdnow["t_x"], cdnow["T"])
    got = [fit.params[k] for k in ("r", "alpha", "s", "beta")]
    np.testing.assert_allclose(got, [0.553, 10.58, 0.606, 11.66], rtol=0.01)
    assert fit.log_likelihood < fit_bgnbd(cdnow["x"], cdnow["t_x"], cdnow["T"]).log_likelihood


def test_cdnow_holdout_total_within_15_percent(cdnow: dict[str, np.ndarray]) -> None:
    fit = fit_bgnbd(cdnow["x"], cdnow["t_x"], cdnow["T"])
    predicted = fit.expected_purchases(39.0, cdnow["x"], cdnow["t_x"], cdnow["T"])
    actual = cdnow["holdout"]
    assert abs(predicted.sum() / actual.sum() - 1) < 0.15
    naive = cdnow["x"] / cdnow["T"] * 39.0
    assert np.abs(predicted - actual).mean() < np.abs(naive - actual).mean()


def test_nelder_mead_reference_agrees() -> None:
    sim = simulate_customers(3000, purchase_params=TRUTH, T=39.0, rng=3)
    fast = fit_bgnbd(sim.frequency, sim.recency, sim.T)
    slow = fit_bgnbd(sim.frequency, sim.recency, sim.T, method="nelder-mead")
    np.testing.assert_allclose(list(fast.params.values()), list(slow.params.values()), rtol=2e-3)
    assert fast.log_likelihood >= slow.log_likelihood - 1e-6


def test_parameter_recovery_on_simulated_customers() -> None:
    rng = np.random.default_rng(7)
    sim = simulate_customers(
        40_000,
        purchase_params=TRUTH,
        spend_params=SPEND,
        T=rng.uniform(20, 52, 40_000),
        holdout=26.0,
        rng=11,
    )
    fit = fit_bgnbd(sim.frequency, sim.recency, sim.T)
    for name, true in TRUTH.items():
        assert abs(fit.params[name] - true) < 4 * fit.standard_errors[name], name
    spend = fit_gamma_gamma(sim.frequency, sim.monetary_value)
    for name, true in SPEND.items():
        assert abs(spend.params[name] - true) < 4 * spend.standard_errors[name], name
    # conditional expectations match the simulated holdout in total and by frequency
    predicted = fit.expected_purchases(26.0, sim.frequency, sim.recency, sim.T)
    assert abs(predicted.sum() / sim.frequency_holdout.sum() - 1) < 0.03
    for x in (0, 1, 3):
        rows = sim.frequency == x
        assert abs(predicted[rows].mean() - sim.frequency_holdout[rows].mean()) < 0.06
    # P(alive) is calibrated against the simulated truth
    alive = fit.probability_alive(sim.frequency, sim.recency, sim.T)
    assert abs(alive.mean() - sim.alive.mean()) < 0.02


def test_simulator_is_seeded() -> None:
    one = simulate_customers(500, purchase_params=TRUTH, spend_params=SPEND, rng=5)
    two = simulate_customers(500, purchase_params=TRUTH, spend_params=SPEND, rng=5)
    three = simulate_customers(500, purchase_params=TRUTH, spend_params=SPEND, rng=6)
    np.testing.assert_array_equal(one.recency, two.recency)
    np.testing.assert_array_equal(one.monetary_value, two.monetary_value)
    assert not np.array_equal(one.recency, three.recency)
    assert (one.recency <= one.T).all() and ((one.frequency == 0) == (one.recency == 0)).all()


def _fhl_expected(params: dict[str, float], t: float, x: float, t_x: float, T: float) -> float:
    """FHL (2005)'s conditional expectation as printed, with scipy's hyp2f1 (fine for small x)."""
    r, alpha, a, b = (params[k] for k in ("r", "alpha", "a", "b"))
    z = t / (alpha + T + t)
    hyp = special.hyp2f1(r + x, b + x, a + b + x - 1, z)
    head = (a + b + x - 1) / (a - 1) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp)
    alive = 1 / (1 + (x > 0) * a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x))
    return float(head * alive)


@pytest.mark.parametrize("a", [0.793, 1.7, 3.0])
def test_expected_purchases_equal_the_printed_formula(a: float) -> None:
    params = {**TRUTH, "a": a}
    fit = _fit_with(params)
    cases = [(0, 0.0, 39.0), (1, 1.7, 38.9), (2, 30.4, 38.9), (7, 35.0, 36.0), (0, 0.0, 0.0)]
    for t in (1.0, 39.0, 200.0):
        for x, t_x, T in cases:
            got = fit.expected_purchases(t, x, t_x, T)[0]
            assert got == pytest.approx(_fhl_expected(params, t, x, t_x, T), rel=1e-9)


def test_expected_purchases_stable_for_heavy_buyers() -> None:
    fit = _fit_with(TRUTH)
    x = np.array([50.0, 200.0, 1000.0])
    # bought on the last day, so alive: the forecast grows with the purchase count
    got = fit.expected_purchases(52.0, x, np.full(3, 39.0), np.full(3, 39.0))
    assert np.isfinite(got).all() and (np.diff(got) > 0).all()
    # the same buyers silent for a week are probably gone (P(alive) tiny, no overflow)
    gone = fit.probability_alive(x, np.full(3, 38.0), np.full(3, 39.0))
    assert np.isfinite(gone).all() and gone[-1] < 1e-4
    # near a = 1 the 0/0 limit is continuous
    near = [
        _fit_with({**TRUTH, "a": 1 + d}).expected_purchases(10.0, 2, 20.0, 39.0)[0]
        for d in (-1e-3, 0.0, 1e-3, 2e-6)
    ]
    assert near[1] == pytest.approx(0.5 * (near[0] + near[2]), rel=1e-4)
    assert near[3] == pytest.approx(near[1], rel=1e-5)


def test_discounting_and_value() -> None:
    fit = _fit_with(TRUTH)
    plain = fit.discounted_purchases(52.0, 2, 30.0, 39.0)
    assert plain[0] == pytest.approx(fit.expected_purchases(52.0, 2, 30.0, 39.0)[0], rel=1e-12)
    discounted = fit.discounted_purchases(52.0, 2, 30.0, 39.0, discount_rate=0.01)
    assert 0.5 * plain[0] < discounted[0] < plain[0]
    value = customer_value(fit, 20.0, [0, 2], [0, 30.0], [39.0, 39.0], horizon=52.0)
    np.testing.assert_allclose(value.value, 20.0 * value.discounted_purchases)
    seg = value.by_segment(["a", "b"], first_value=[10.0, 10.0])
    np.testing.assert_allclose(seg.lifetime_value_per_order, 10.0 + value.value)
    np.testing.assert_allclose(seg.value_multiplier, (10.0 + value.value) / 10.0)


def test_grouped_weights_equal_expanded_rows() -> None:
    sim = simulate_customers(2000, purchase_params=TRUTH, T=np.repeat([30.0, 39.0], 1000), rng=2)
    x = np.round(sim.frequency)
    # coarse, so that rows repeat (a repeat buyer's recency stays > 0, as fits require)
    t_x = np.where(x > 0, np.maximum(np.round(sim.recency), 1.0), 0.0)
    T = sim.T
    rows = np.column_stack([x, t_x, T])
    unique, counts = np.unique(rows, axis=0, return_counts=True)
    full = fit_bgnbd(x, t_x, T)
    grouped = fit_bgnbd(unique[:, 0], unique[:, 1], unique[:, 2], weights=counts)
    np.testing.assert_allclose(list(full.params.values()), list(grouped.params.values()), rtol=1e-6)
    assert full.log_likelihood == pytest.approx(grouped.log_likelihood, rel=1e-10)


def test_result_is_frozen_and_explains_itself() -> None:
    sim = simulate_customers(1000, purchase_params=TRUTH, rng=1)
    fit = fit_bgnbd(sim.frequency, sim.recency, sim.T)
    with pytest.raises(TypeError):
        fit.params["r"] = 1.0  # type: ignore[index]
    assert "BG/NBD" in fit.summary() and "alpha" in fit.summary()
    pd = pytest.importorskip("pandas")
    frame = fit.to_frame()
    assert isinstance(frame, pd.DataFrame) and list(frame["parameter"]) == ["r", "alpha", "a", "b"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (([1, 0], [2.0, 0.0], [1.0, 5.0]), "`recency` must be <= `T`"),
        (([1.5, 0], [1.0, 0.0], [3.0, 5.0]), "`frequency` must hold whole numbers"),
        (([0, 0], [1.0, 0.0], [3.0, 5.0]), "`recency` must be 0 for a customer without"),
        (([1, 0], [1.0, 0.0], [3.0, -1.0]), "`T` must be >= 0"),
        (([1, 0], [1.0], [3.0, 4.0]), "must have the same length"),
        (([1, -1], [1.0, 0.0], [3.0, 4.0]), "`frequency` must be >= 0"),
    ],
)
def test_bad_summaries_raise_with_the_template(args: tuple, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message) as info:
        fit_bgnbd(*args)
    assert "Got" in str(info.value) and "instead" in str(info.value)


def test_bad_method_option_and_spend_inputs() -> None:
    with pytest.raises(ValueError, match="Unknown method 'bfgs'"):
        fit_bgnbd([1, 0], [1.0, 0.0], [3.0, 4.0], method="bfgs")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="Unknown option"):
        fit_bgnbd([1, 0], [1.0, 0.0], [3.0, 4.0], options={"maxiters": 3})
    with pytest.raises(InvalidInputError, match="`monetary_value` must be > 0"):
        fit_gamma_gamma([1, 2], [0.0, 3.0])
    with pytest.raises(InvalidInputError, match="at least one customer with repeat"):
        fit_gamma_gamma([0, 0], [0.0, 0.0])
    with pytest.raises(InvalidInputError, match="`purchase_params` must be a mapping"):
        simulate_customers(10, purchase_params={"r": 1.0})


def test_unidentified_data_is_reported_not_hidden() -> None:
    # nobody ever buys again: drop-out and rate cannot both be learned
    fit = fit_bgnbd(np.zeros(50), np.zeros(50), np.full(50, 10.0))
    assert not fit.success
    assert "bound" in fit.message


def test_a_fit_stopped_on_a_ridge_to_infinity_is_not_called_converged() -> None:
    # at f2b6e04 one customer gave r = 17,433 and alpha = 109,387 (se 2.6e6), and 100
    # customers of one repeating pattern r = 17,629 (se 4.5e5): "converged", because the
    # optimiser stopped on the ridge before the box's edge, where the same data fail
    one = fit_bgnbd([2], [10.0], [20.0])
    assert not one.success and one.status == 10 and "identif" in one.message
    same = fit_bgnbd([1.0, 2, 3, 1, 2] * 20, [5.0, 10, 20, 3, 30] * 20, [40.0] * 100)
    assert not same.success and same.status == 10
    assert not fit_pareto_nbd([2], [10.0], [20.0]).success
    # (the CDNOW fits stay converged: test_cdnow_bgnbd_matches_fader_hardie_lee)


def _fit_with(params: dict[str, float]) -> BGNBDFit:
    """A BG/NBD result holding given parameters (for the closed-form checks)."""
    import types

    return BGNBDFit(
        params=types.MappingProxyType(dict(params)),
        standard_errors=types.MappingProxyType(dict.fromkeys(params, float("nan"))),
        log_likelihood=float("nan"),
        n_customers=0,
        success=True,
        status=0,
        message="given",
        nit=0,
        method="given",
    )


@pytest.mark.parametrize(
    "theta",
    [
        (0.55, 10.58, 0.61, 11.67),
        (0.55, 12.0, 0.61, 3.0),
        (2.0, 5.0, 0.3, 40.0),
        (0.3, 1.0, 1.5, 1.0),
    ],
)
def test_pareto_likelihood_equals_the_integral(theta: tuple[float, ...]) -> None:
    """The log-space Euler-transformed likelihood against the integral it stands for,
    on both branches (alpha >= beta and alpha < beta)."""
    from scipy import integrate

    from bidopt.customers._pareto import _log_likelihood

    r, alpha, s, beta = theta
    for x, t_x, T in [(0, 0.0, 39.0), (2, 30.0, 39.0), (10, 5.0, 39.0), (1, 39.0, 39.0)]:
        head = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha) + s * np.log(beta)
        tail = integrate.quad(
            lambda u, k=x: (alpha + u) ** -(r + k) * (beta + u) ** -(s + 1),
            t_x,
            T,
            epsabs=0,
            epsrel=1e-12,
        )[0]
        survive = (alpha + T) ** -(r + x) * (beta + T) ** -s
        expected = head + np.log(survive + s * tail)
        got = _log_likelihood(np.array(theta), np.array([x]), np.array([t_x]), np.array([T]))
        assert got[0] == pytest.approx(expected, rel=1e-8)
    heavy = _log_likelihood(
        np.array(theta), np.array([500.0, 2000.0]), np.full(2, 30.0), np.full(2, 39.0)
    )
    assert np.isfinite(heavy).all()


def test_fits_are_deterministic_and_order_invariant() -> None:
    sim = simulate_customers(3000, purchase_params=TRUTH, spend_params=SPEND, rng=8)
    one = fit_bgnbd(sim.frequency, sim.recency, sim.T)
    two = fit_bgnbd(sim.frequency, sim.recency, sim.T)
    assert dict(one.params) == dict(two.params) and one.log_likelihood == two.log_likelihood
    order = np.random.default_rng(0).permutation(len(sim))
    shuffled = fit_bgnbd(sim.frequency[order], sim.recency[order], sim.T[order])
    # rows are grouped and sorted before the likelihood is summed: same answer exactly
    assert dict(shuffled.params) == dict(one.params)
    spend = fit_gamma_gamma(sim.frequency, sim.monetary_value)
    again = fit_gamma_gamma(sim.frequency[order], sim.monetary_value[order])
    assert dict(spend.params) == dict(again.params)


def test_horizons_broadcast_for_one_customer_and_refuse_a_mismatch() -> None:
    fit = _fit_with(TRUTH)
    curve = fit.expected_purchases([1.0, 10.0, 52.0])  # a new customer, three horizons
    assert (np.diff(curve) > 0).all()
    assert curve[2] == pytest.approx(fit.expected_purchases(52.0)[0])
    with pytest.raises(InvalidInputError, match="`t` must be a number or an array"):
        fit.expected_purchases([1.0, 2.0], [0, 1, 2], [0.0, 3.0, 5.0], [39.0] * 3)
