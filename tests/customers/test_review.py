"""Regression tests from the adversarial review of bidopt.customers."""

from __future__ import annotations

import datetime
from typing import Any

import numpy as np
import pytest

from bidopt.customers import (
    fit_bgnbd,
    fit_pareto_nbd,
    rfm_segments,
    rfm_table,
    simulate_customers,
)
from bidopt.exceptions import InvalidInputError

TRUTH = {"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5}


@pytest.mark.parametrize("fit", [fit_bgnbd, fit_pareto_nbd])
def test_a_customer_first_seen_on_the_last_day_does_not_break_the_fit(fit: object) -> None:
    # rfm_table's default calibration end is the last order's day, so a customer whose
    # first order is that day has T == 0; such a customer carries no information (its
    # likelihood is 1) and the fit must equal the fit without it.
    orders = {
        "customer_id": ["a", "a", "b", "b", "b", "c", "d"],
        "date": [
            "2024-01-01",
            "2024-01-20",
            "2024-01-03",
            "2024-01-10",
            "2024-02-01",
            "2024-01-05",
            "2024-02-01",  # d: first order on the calibration end
        ],
        "amount": [1.0] * 7,
    }
    table = rfm_table(orders)
    assert table.T[-1] == 0.0
    sim = simulate_customers(1000, purchase_params=TRUTH, T=39.0, rng=1)
    x = np.append(sim.frequency, table.frequency)
    t_x = np.append(sim.recency, table.recency)
    big_t = np.append(sim.T, table.T)
    with_new = fit(x, t_x, big_t)  # type: ignore[operator]
    without = fit(x[:-1], t_x[:-1], big_t[:-1])  # type: ignore[operator]
    assert with_new.log_likelihood == pytest.approx(without.log_likelihood, abs=1e-3)
    for name, value in without.params.items():
        assert with_new.params[name] == pytest.approx(value, rel=1e-3)


def test_a_summary_where_every_customer_is_new_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="`T` must be > 0 for at least one customer"):
        fit_bgnbd([0, 0], [0.0, 0.0], [0.0, 0.0])


def test_a_calibration_end_before_every_order_is_refused() -> None:
    # a mistyped year used to return an empty table without a word
    orders = {"customer_id": [1, 1], "date": ["2024-01-01", "2024-01-09"], "amount": [1.0, 2.0]}
    with pytest.raises(InvalidInputError, match="`calibration_end` must be on or after") as info:
        rfm_table(orders, calibration_end="2023-01-09")
    assert "2024-01-01" in str(info.value) and "Got 2023-01-09 instead" in str(info.value)
    assert len(rfm_table(orders, calibration_end="2024-01-01")) == 1  # the boundary day counts


def test_the_pareto_nbd_likelihood_stays_finite_where_scipys_2f1_fails() -> None:
    # at s = 252.6, beta = 2512.7 scipy's hyp2f1 returns NaN for a customer without
    # repeat purchases; the fit met such points on short histories and warned
    # "invalid value encountered in logaddexp".  Reference: the latent-variable model
    # integrated over the drop-out time tau (lambda and mu integrated in closed form):
    # P(no repeat purchase in (0, T]) = (alpha/(alpha+T))^r (beta/(beta+T))^s
    #   + int_0^T (s/beta) (beta/(beta+tau))^(s+1) (alpha/(alpha+tau))^r dtau.
    from scipy import integrate

    from bidopt.customers._pareto import _log_likelihood

    r, alpha, s, beta = 0.3426, 4.8716, 252.6, 2512.7
    big_t = 5.0

    def died_at(tau: float) -> float:
        return float(s / beta * (beta / (beta + tau)) ** (s + 1) * (alpha / (alpha + tau)) ** r)

    survived = (alpha / (alpha + big_t)) ** r * (beta / (beta + big_t)) ** s
    expected = survived + integrate.quad(died_at, 0.0, big_t, epsrel=1e-12)[0]
    with np.errstate(all="raise"):
        got = _log_likelihood(
            np.array([r, alpha, s, beta]), np.array([0.0]), np.array([0.0]), np.array([big_t])
        )
    assert np.exp(got[0]) == pytest.approx(expected, rel=1e-6)


def test_a_parameter_stopped_just_short_of_the_box_is_not_called_converged() -> None:
    # a Pareto/NBD fit on 400 customers over 5 weeks stopped at beta = 162,287 (the box
    # ends at e^12 = 162,755) and said "converged"; the same shape, made cheap: a
    # likelihood that keeps rising towards the edge, where L-BFGS-B stops early.
    from bidopt.customers._fit import maximize

    def objective(phi: np.ndarray) -> tuple[float, np.ndarray]:
        slope = np.array([0.0, -1e-9])  # nearly flat in phi[1], rising to the edge
        return float((phi[0] - 1.0) ** 2 + slope @ phi), np.array([2 * (phi[0] - 1.0), -1e-9])

    sol = maximize(
        objective, np.array([0.0, 11.995]), ("r", "beta"), 100.0, method="l-bfgs-b", options=None
    )
    assert sol.params["beta"] < np.exp(12.0) * 0.9999
    assert not sol.success and sol.status == 9 and "beta" in sol.message


def test_the_segment_summary_says_the_pooled_fallback_in_plain_words() -> None:
    from bidopt.customers import SegmentValue

    seg = SegmentValue(
        segment=np.array(["big", "tiny"], dtype=object),
        n_customers=np.array([5000, 12]),
        value_per_customer=np.array([50.0, 40.0]),
        purchases_per_customer=np.array([1.5, 1.2]),
        first_value_per_customer=np.array([20.0, 20.0]),
        lifetime_value_per_order=np.array([70.0, 60.0]),
        value_multiplier=np.array([3.5, 3.0]),
        basis=np.array(["segment fit", "pooled fit"], dtype=object),
    )
    tiny = seg.summary().splitlines()[2]
    assert "tiny" in tiny and "takes the models fitted on every customer" in tiny
    assert "fitted on this segment's customers alone" in seg.summary().splitlines()[1]


def test_one_time_buyers_score_1_on_frequency_however_many_they_are() -> None:
    # 6 of 10 customers bought once: with the mid-rank they all scored 2, no customer
    # scored 1, and the grid's "new customers" (R5 F1) could never be reached
    ids = [str(i) for i in range(10)] + ["6", "7", "7", "8", "8", "8", "9", "9", "9", "9"]
    days = [f"2024-01-{1 + i:02d}" for i in range(10)] + [
        f"2024-02-{d:02d}" for d in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10)
    ]
    table = rfm_table({"customer_id": ids, "date": days, "amount": [1.0] * 20})
    seg = rfm_segments(table)
    once = table.frequency == 0
    assert once.sum() == 6 and (seg.frequency_score[once] == 1).all()
    assert seg.frequency_score[~once].min() > 1 and seg.frequency_score.max() == 5


def test_a_future_dated_order_is_refused_by_row() -> None:
    # review 3 (r10): one typo'd order in 2030 moved calibration_end, every T ~310 weeks
    tomorrow = datetime.datetime.now(datetime.timezone.utc).date() + datetime.timedelta(days=1)
    orders = {
        "customer_id": ["a", "a", "b", "c"],
        "date": ["2024-01-01", "2024-03-01", "2024-01-05", "2999-01-01"],
        "amount": [10.0, 20.0, 5.0, 100.0],
    }
    with pytest.raises(InvalidInputError, match=r"future .* Got 2999-01-01 at row 3 \(1 order"):
        rfm_table(orders)
    orders["date"][3] = tomorrow.isoformat()  # a day's slack for time zones ahead of UTC
    assert str(rfm_table(orders).calibration_end) == tomorrow.isoformat()


@pytest.mark.parametrize("fit", [fit_bgnbd, fit_pareto_nbd])
def test_repeat_buyers_with_recency_zero_are_refused(fit: Any) -> None:
    # review 3 (r10): frequency > 0 with recency 0 gave a positive log-likelihood (+28)
    with pytest.raises(InvalidInputError, match=r"`recency` must be > 0 .* index 0, 1 \(2 cus"):
        fit(np.array([1, 2.0, 0]), np.array([0, 0.0, 0]), np.array([10, 10.0, 10]))
