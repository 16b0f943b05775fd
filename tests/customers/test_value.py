"""Customer value: per customer, by segment, and a new customer's value per order."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from bidopt.customers import customer_value, simulate_customers, value_per_order
from bidopt.exceptions import InvalidInputError

LOYAL = {"r": 2.0, "alpha": 10.0, "a": 0.6, "b": 6.0}
CHURNY = {"r": 0.5, "alpha": 4.0, "a": 2.0, "b": 2.0}
SPEND_HIGH = {"p": 6.0, "q": 4.0, "gamma": 30.0}  # mean per purchase 6 * 30 / 3 = 60
SPEND_LOW = {"p": 6.0, "q": 4.0, "gamma": 10.0}  # 20


def _crowds(seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    loyal = simulate_customers(
        6000, purchase_params=LOYAL, spend_params=SPEND_HIGH, T=rng.uniform(20, 40, 6000), rng=rng
    )
    churny = simulate_customers(
        6000, purchase_params=CHURNY, spend_params=SPEND_LOW, T=rng.uniform(20, 40, 6000), rng=rng
    )
    tiny = simulate_customers(40, purchase_params=LOYAL, spend_params=SPEND_LOW, rng=rng)
    parts = (loyal, churny, tiny)
    return {
        "x": np.concatenate([s.frequency for s in parts]),
        "t_x": np.concatenate([s.recency for s in parts]),
        "T": np.concatenate([s.T for s in parts]),
        "m": np.concatenate([s.monetary_value for s in parts]),
        "first": np.concatenate([np.full(6000, 50.0), np.full(6000, 40.0), np.full(40, 45.0)]),
        "crowd": np.array(["loyal"] * 6000 + ["churny"] * 6000 + ["tiny"] * 40),
    }


@pytest.fixture(scope="module")
def data() -> dict[str, np.ndarray]:
    return _crowds(4)


def test_value_per_order_recovers_each_crowds_new_customer_value(
    data: dict[str, np.ndarray],
) -> None:
    result = value_per_order(
        data["x"], data["t_x"], data["T"], data["m"], data["first"], data["crowd"], horizon=52.0
    )
    assert list(result.segment) == ["churny", "loyal", "tiny"]
    assert list(result.basis) == ["segment fit", "segment fit", "pooled fit"]
    # truth: a new cohort observed for 52 weeks makes `frequency` repeat purchases
    for i, (params, spend) in enumerate(((CHURNY, SPEND_LOW), (LOYAL, SPEND_HIGH))):
        cohort = simulate_customers(200_000, purchase_params=params, T=52.0, rng=9)
        truth = cohort.frequency.mean()
        assert result.purchases_per_customer[i] == pytest.approx(truth, rel=0.08)
        mean_spend = spend["p"] * spend["gamma"] / (spend["q"] - 1)
        assert result.value_per_customer[i] == pytest.approx(truth * mean_spend, rel=0.15)
    np.testing.assert_allclose(
        result.lifetime_value_per_order, result.first_value_per_customer + result.value_per_customer
    )
    assert result.value_multiplier[1] > result.value_multiplier[0] > 1
    assert set(result.as_dict()) == {"churny", "loyal", "tiny"}
    assert "segment fit" in result.summary()
    # a fitted basis values a customer acquired now: said so, not "per customer"
    assert "per new customer, lifetime value per order" in result.summary()


def test_discounting_lowers_value_and_by_segment_averages_customers(
    data: dict[str, np.ndarray],
) -> None:
    plain = value_per_order(
        data["x"], data["t_x"], data["T"], data["m"], data["first"], data["crowd"], horizon=52.0
    )
    discounted = value_per_order(
        data["x"],
        data["t_x"],
        data["T"],
        data["m"],
        data["first"],
        data["crowd"],
        horizon=52.0,
        discount_rate=0.01,
        step=4.0,
    )
    assert (discounted.value_per_customer < plain.value_per_customer).all()
    from bidopt.customers import fit_bgnbd, fit_gamma_gamma

    purchases = fit_bgnbd(data["x"], data["t_x"], data["T"])
    spend = fit_gamma_gamma(data["x"], data["m"])
    value = customer_value(
        purchases, spend, data["x"], data["t_x"], data["T"], data["m"], horizon=26.0, step=13.0
    )
    seg = value.by_segment(data["crowd"], data["first"])
    for i, name in enumerate(seg.segment):
        rows = data["crowd"] == name
        assert seg.value_per_customer[i] == pytest.approx(value.value[rows].mean())
    assert (seg.basis == "customers").all()


def test_value_per_order_errors(data: dict[str, np.ndarray]) -> None:
    args = (data["x"], data["t_x"], data["T"], data["m"], data["first"])
    with pytest.raises(InvalidInputError, match="`labels` must be a 1-dimensional array"):
        value_per_order(*args, data["crowd"][:-1], horizon=52.0)
    with pytest.raises(InvalidInputError, match="`horizon` must be a finite number > 0"):
        value_per_order(*args, data["crowd"], horizon=0.0)
    with pytest.raises(InvalidInputError, match="`first_value` must have one entry"):
        value_per_order(*args[:4], data["first"][:3], data["crowd"], horizon=52.0)


def test_customer_value_checks_its_inputs(data: dict[str, np.ndarray]) -> None:
    from bidopt.customers import fit_bgnbd, fit_gamma_gamma

    purchases = fit_bgnbd(data["x"], data["t_x"], data["T"])
    spend = fit_gamma_gamma(data["x"], data["m"])
    with pytest.raises(InvalidInputError, match="`monetary_value` must be a number or an array"):
        customer_value(
            purchases, spend, data["x"], data["t_x"], data["T"], data["m"][:5], horizon=4.0
        )
    with pytest.raises(InvalidInputError, match="`purchases` must be a fitted purchase model"):
        customer_value(spend, spend, horizon=4.0)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="`discount_rate` must be a finite number >= 0"):
        customer_value(purchases, 10.0, horizon=4.0, discount_rate=-0.1)
    # a new customer (the defaults) with a fixed value per purchase
    new = customer_value(purchases, 10.0, horizon=52.0)
    assert new.value[0] == pytest.approx(10.0 * purchases.expected_purchases(52.0)[0])


def test_customer_value_refuses_a_failed_or_infinite_spend_fit() -> None:
    # review 2: a Gamma-Gamma fit with success=False and q < 1 gave value [inf], silently
    from bidopt.customers import fit_bgnbd, fit_gamma_gamma

    # (customers without repeat purchases among them: with none, the BG/NBD fit runs
    # to infinite parameters, which is not a converged fit either)
    x = np.array([1.0, 2, 3, 1, 2, 0, 0, 5, 0, 1] * 10)
    t_x = np.array([5.0, 10, 20, 3, 30, 0, 0, 38, 0, 12] * 10)
    big_t = np.full(100, 40.0)
    z = (np.random.default_rng(0).pareto(0.7, 100) + 1) * 10  # heavy-tailed baskets
    purchases, spend = fit_bgnbd(x, t_x, big_t), fit_gamma_gamma(x, z)
    assert purchases.success and not spend.success
    with pytest.raises(InvalidInputError, match="`spend` must be a converged fit.*Gamma-Gamma"):
        customer_value(purchases, spend, horizon=52.0)
    with pytest.raises(InvalidInputError, match="`spend` must be a converged fit"):
        customer_value(purchases, spend, x, t_x, big_t, z, horizon=52.0)
    failed = dataclasses.replace(purchases, success=False, message="did not converge")
    with pytest.raises(InvalidInputError, match="`purchases` must be a converged fit.*BG/NBD"):
        customer_value(failed, 10.0, horizon=52.0)
    # a converged fit with q <= 1 values repeat buyers (finite) but not new customers
    heavy = dataclasses.replace(spend, success=True)
    assert heavy.params["q"] <= 1
    with pytest.raises(InvalidInputError, match="`spend` must be a Gamma-Gamma fit with q > 1"):
        customer_value(purchases, heavy, horizon=52.0)
    buyers = x > 0
    repeat = customer_value(
        purchases, heavy, x[buyers], t_x[buyers], big_t[buyers], z[buyers], horizon=52.0
    )
    assert np.isfinite(repeat.value).all()


def test_by_segment_summary_says_where_the_value_comes_from_and_prints_no_nan() -> None:
    # found by the Python walkthrough on CDNOW's RFM segments: by_segment's lines ended
    # '(x1.36 the first basket; customers)', and without first baskets '(xnan the first
    # basket; customers)'
    from bidopt.customers import CustomerValue

    ones = np.ones(3)
    value = CustomerValue(
        expected_purchases=ones,
        discounted_purchases=ones,
        expected_spend=np.array([10.0, 20.0, 30.0]),
        value=np.array([10.0, 20.0, 30.0]),
        probability_alive=ones,
        horizon=52.0,
        discount_rate=0.0,
    )
    with_first = value.by_segment(["a", "a", "b"], [5.0, 5.0, 10.0]).summary()
    assert "(x4 the first basket; the mean prediction for the segment's existing customers)" in (
        with_first
    )
    without = value.by_segment(["a", "a", "b"]).summary()
    assert "nan" not in without and "per customer, lifetime" in without
    assert "new customer" not in without
    assert "lifetime value per order 15 (the mean prediction for the segment's existing" in without
