from __future__ import annotations

import numpy as np
import pytest

from bidopt.datasets import make_auction_log
from bidopt.exceptions import InvalidInputError


def test_log_has_the_asked_for_rates_and_shape() -> None:
    log = make_auction_log(200_000, ctr=0.004, price_mean=60.0, rng=1)
    assert len(log) == 200_000
    assert log.pctr is not None and log.hour is not None
    assert log.pctr.mean() == pytest.approx(0.004, rel=0.05)
    assert log.click.mean() == pytest.approx(log.pctr.mean(), rel=0.1)  # calibrated
    assert log.market_price.mean() == pytest.approx(60.0, rel=0.05)
    assert np.all(log.market_price == np.rint(log.market_price))
    assert log.market_price.min() >= 0 and log.market_price.max() <= 300
    assert np.all(np.diff(log.hour) >= 0)  # in time order
    # more traffic in the afternoon than at night, a lower pCTR in the morning
    counts = np.bincount(log.hour, minlength=24)
    assert counts[15] > 3 * counts[3]
    assert log.pctr[log.hour == 9].mean() < log.pctr[log.hour == 21].mean()


def test_prices_rise_with_pctr_and_scale() -> None:
    log = make_auction_log(100_000, rng=2)
    flat = make_auction_log(100_000, price_link=0.0, rng=2)
    assert log.pctr is not None and flat.pctr is not None
    assert np.corrcoef(np.log(log.pctr), log.market_price)[0, 1] > 0.3
    assert abs(np.corrcoef(np.log(flat.pctr), flat.market_price)[0, 1]) < 0.02
    cheap = make_auction_log(100_000, price_scale=0.5, rng=2)
    assert cheap.market_price.mean() == pytest.approx(0.5 * log.market_price.mean(), rel=0.02)


def test_same_seed_same_log_and_errors() -> None:
    a, b = make_auction_log(1_000, rng=5), make_auction_log(1_000, rng=5)
    np.testing.assert_array_equal(a.market_price, b.market_price)
    np.testing.assert_array_equal(a.click, b.click)
    assert not np.array_equal(a.market_price, make_auction_log(1_000, rng=6).market_price)
    with pytest.raises(InvalidInputError, match="`n_auctions` must be an integer >= 1"):
        make_auction_log(0)
    with pytest.raises(InvalidInputError, match="`ctr` must be"):
        make_auction_log(10, ctr=0.0)
    with pytest.raises(InvalidInputError, match="`price_scale` must be"):
        make_auction_log(10, price_scale=-1.0)
