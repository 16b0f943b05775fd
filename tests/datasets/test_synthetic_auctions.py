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
    with pytest.raises(InvalidInputError, match="`price_swing` must be"):
        make_auction_log(10, price_swing=-0.1)


def test_price_swing_makes_afternoon_prices_dearer_at_the_same_pctr() -> None:
    swinging = make_auction_log(200_000, price_swing=0.3, rng=3)
    still = make_auction_log(200_000, rng=3)
    assert swinging.hour is not None and still.hour is not None
    np.testing.assert_array_equal(swinging.pctr, still.pctr)  # only the prices move
    np.testing.assert_array_equal(
        make_auction_log(1_000, price_swing=0.0, rng=4).market_price,
        make_auction_log(1_000, rng=4).market_price,
    )
    # price over pCTR^link, by hour: about exp(2 * 0.3) dearer at 15h than at 3h
    for log, low, high in ((swinging, 1.6, 2.1), (still, 0.9, 1.1)):
        assert log.pctr is not None and log.hour is not None
        adjusted = log.market_price / log.pctr**0.5
        ratio = adjusted[log.hour == 15].mean() / adjusted[log.hour == 3].mean()
        assert low < ratio < high
    assert swinging.market_price.mean() == pytest.approx(still.market_price.mean(), rel=0.03)
