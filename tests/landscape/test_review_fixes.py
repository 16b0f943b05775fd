"""Review of issue 21: landscapes cannot be changed by their caller; bad inputs explained."""

from __future__ import annotations

import numpy as np
import pytest

from bidopt.datasets import make_search_account
from bidopt.landscape import BidLandscape, estimate_landscapes


def _readonly(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


def test_read_only_caller_array_is_still_copied() -> None:
    # S1: a read-only array that owns its memory was kept as is; its holder could
    # re-enable writing and put NaN into a validated landscape
    bids = _readonly(np.array([[1.0, 2.0]]))
    clicks = _readonly(np.array([[2.0, 4.0]]))
    land = BidLandscape(bids=bids, clicks=clicks, cost=[[1.5, 6.0]], conversions=[[1.0, 2.0]])
    bids.flags.writeable = True
    clicks.flags.writeable = True
    bids[0, 1] = np.nan
    clicks[0, 1] = -1.0
    np.testing.assert_array_equal(land.bids, [[1.0, 2.0]])
    np.testing.assert_array_equal(land.clicks, [[2.0, 4.0]])


@pytest.mark.parametrize("how", ["constructor", "take", "market", "points", "estimate"])
def test_stored_arrays_cannot_be_made_writeable(how: str) -> None:
    if how == "constructor":
        land = BidLandscape(bids=[[1.0, 2.0]], clicks=[[2.0, 4.0]], cost=[[1.5, 6.0]])
    elif how == "take":
        land = BidLandscape(bids=[[1.0, 2.0]] * 2, clicks=[[2.0, 4.0]] * 2, cost=[[1.0, 6.0]] * 2)
        land = land.take(np.array([1]))
    elif how == "market":
        land = BidLandscape.from_market_prices([1, 2, 3, 4], [1.0, 2.0, 5.0], volume=[10.0, 2.0])
    elif how == "points":
        land = BidLandscape.from_points(
            {"keyword": ["a", "a"], "bid": [1.0, 2.0], "clicks": [1.0, 2.0], "cost": [1.0, 3.0]}
        )
    else:
        land, _ = estimate_landscapes(make_search_account(20, n_days=5, rng=0).log)
    for name in ("bids", "clicks", "cost", "impressions", "keywords"):
        array = getattr(land, name)
        if array is None:
            continue
        with pytest.raises(ValueError, match="WRITEABLE"):
            array.flags.writeable = True
        with pytest.raises(ValueError, match="read-only"):
            array[0] = array[0]


def test_model_arrays_cannot_be_made_writeable() -> None:
    _, model = estimate_landscapes(make_search_account(20, n_days=5, rng=0).log)
    with pytest.raises(ValueError, match="WRITEABLE"):
        model.volume.flags.writeable = True
    vol = np.array(model.volume)
    vol.flags.writeable = False
    copy = type(model)(**{**{f: getattr(model, f) for f in model.__slots__}, "volume": vol})
    vol.flags.writeable = True
    vol[0] = np.nan
    assert np.isfinite(copy.volume).all()
