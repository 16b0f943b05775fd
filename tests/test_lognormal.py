"""The shared log-normal second-price model against direct integration (scipy)."""

from __future__ import annotations

import numpy as np
from scipy import integrate, stats

from bidopt._lognormal import cost_per_click, win_rate


def test_win_rate_and_cost_per_click_match_integration() -> None:
    mu, sigma = np.log(3.0), 0.7
    price = stats.lognorm(s=sigma, scale=np.exp(mu))
    bids = np.array([0.0, 0.5, 2.0, 3.0, 8.0, 40.0])
    win = win_rate(bids, np.full(6, mu), np.full(6, sigma))
    cpc = cost_per_click(bids, np.full(6, mu), np.full(6, sigma))
    np.testing.assert_allclose(win, price.cdf(bids), rtol=1e-12, atol=0)
    for b, c in zip(bids[1:], cpc[1:], strict=True):
        paid, _ = integrate.quad(lambda x: x * price.pdf(x), 0.0, b, epsabs=0, epsrel=1e-12)
        assert abs(c - paid / price.cdf(b)) <= 1e-9 * c
        assert 0 < c < b
    assert win[0] == 0.0 and cpc[0] == 0.0  # not bidding buys and costs nothing


def test_a_bid_far_below_every_price_still_pays_less_than_it_bids() -> None:
    bids = np.array([[1e-6, 1e-3, 1.0]])
    cpc = cost_per_click(bids, np.array([[np.log(50.0)]]), np.array([[0.3]]))
    assert np.all(np.isfinite(cpc)) and np.all(cpc <= bids) and np.all(cpc >= 0)
