"""Issue 21: a landscape owns its arrays, and bad construction inputs are explained."""

from __future__ import annotations

import numpy as np
import pytest

from bidopt.datasets import make_search_account
from bidopt.exceptions import InvalidInputError
from bidopt.landscape import BidLandscape, estimate_landscapes, landscape_error


def arrays() -> dict[str, np.ndarray]:
    return {
        "bids": np.array([[1.0, 2.0], [1.0, 2.0]]),
        "clicks": np.array([[2.0, 4.0], [1.0, 3.0]]),
        "cost": np.array([[1.5, 6.0], [0.9, 5.0]]),
        "conversions": np.array([[0.2, 0.5], [0.3, 0.6]]),
    }


def test_caller_edits_after_construction_do_not_reach_the_landscape() -> None:
    given = arrays()
    land = BidLandscape(**given)
    for array in given.values():
        array[0, 0] = np.nan
    for name in given:
        assert np.isfinite(getattr(land, name)).all(), name
    np.testing.assert_array_equal(land.clicks, [[2.0, 4.0], [1.0, 3.0]])


def test_stored_arrays_are_read_only() -> None:
    land = BidLandscape(**arrays(), keywords=["a", "b"])
    for name in ("bids", "clicks", "cost", "conversions", "keywords"):
        with pytest.raises(ValueError, match="read-only"):
            getattr(land, name)[0] = 0
    # views handed out by the landscape cannot be used to write either
    with pytest.raises(ValueError, match="read-only"):
        land.metric("clicks")[0, 0] = np.nan
    # taking rows gives a landscape that is just as protected
    sub = land.take(np.array([1]))
    with pytest.raises(ValueError, match="read-only"):
        sub.cost[0, 0] = np.nan


def test_a_view_of_the_callers_array_is_copied_too() -> None:
    base = np.array([[1.0, 2.0, 9.0], [1.0, 2.0, 9.0]])
    land = BidLandscape(bids=base[:, :2], clicks=base[:, :2] * 2, cost=base[:, :2])
    base[0, 0] = np.nan
    assert np.isfinite(land.bids).all()


def test_keywords_are_copied() -> None:
    keywords = np.array(["a", "b"], dtype=object)
    land = BidLandscape(**arrays(), keywords=keywords)
    keywords[0] = "changed"
    assert land.keywords is not None and land.keywords.tolist() == ["a", "b"]


def test_built_landscapes_are_read_only_without_a_second_copy() -> None:
    land = BidLandscape.from_market_prices([1, 2, 3, 4], [1.0, 2.0, 5.0], volume=[10.0, 20.0])
    assert not land.cost.flags.writeable
    # a read-only view of the array the constructor built, not a copy of it
    owner = land.cost.base
    assert isinstance(owner, np.ndarray) and owner.flags.owndata and not owner.flags.writeable
    account = make_search_account(30, n_days=5, rng=0)
    estimate = estimate_landscapes(account.log)
    estimated, model = estimate.landscapes, estimate.model
    assert not estimated.clicks.flags.writeable
    assert not model.volume.flags.writeable


def test_price_unit_must_be_positive_and_is_named() -> None:
    with pytest.raises(
        InvalidInputError, match=r"`price_unit` must be a finite number > 0\. Got 0 instead\."
    ):
        BidLandscape.from_market_prices([1, 2, 3], [1.0, 2.0], price_unit=0)
    with pytest.raises(InvalidInputError, match=r"`price_unit` must be .* Got nan instead"):
        BidLandscape.from_market_prices([1, 2, 3], [1.0, 2.0], price_unit=float("nan"))


def test_from_market_prices_names_mismatched_rows() -> None:
    with pytest.raises(InvalidInputError, match=r"`ctr` must have 1 entry or 3 entries.*Got 2"):
        BidLandscape.from_market_prices(
            [1, 2, 3], [1.0, 2.0], volume=[1.0, 2.0, 3.0], ctr=[0.1, 0.2]
        )
    with pytest.raises(InvalidInputError, match=r"`cvr` must be >= 0"):
        BidLandscape.from_market_prices([1, 2, 3], [1.0, 2.0], cvr=-0.5)


# --- found by fuzzing the landscape package -------------------------------------------


def test_take_and_at_levels_name_bad_selections() -> None:
    land = BidLandscape(**arrays())
    with pytest.raises(InvalidInputError, match=r"`rows` must index the 2 keywords.*Got 5"):
        land.take(np.array([5]))
    with pytest.raises(InvalidInputError, match=r"`rows` must be integer indices or a boolean"):
        land.take(np.array([0.5]))
    with pytest.raises(InvalidInputError, match=r"`rows` as a boolean mask must have 2 entries"):
        land.take(np.array([True]))
    with pytest.raises(InvalidInputError, match=r"`rows` must select at least one keyword"):
        land.take(np.array([], dtype=int))
    np.testing.assert_array_equal(land.take([1, 0]).clicks, [[1.0, 3.0], [2.0, 4.0]])
    with pytest.raises(InvalidInputError, match=r"`levels` must hold one level in -1\.\.1 per "):
        land.at_levels(np.array([5, 0]))
    with pytest.raises(InvalidInputError, match=r"`levels` must hold one level .* Got -2"):
        land.at_levels(np.array([-2, 0]))
    with pytest.raises(InvalidInputError, match=r"`levels` must have shape \(2,\)"):
        land.at_levels(np.array([0]))
    with pytest.raises(InvalidInputError, match=r"`levels` must be whole numbers"):
        land.at_levels(np.array([0.5, 0]))
    np.testing.assert_array_equal(land.at_levels([1, -1])["cost"], [6.0, 0.0])


def test_missing_or_complex_metrics_are_named() -> None:
    with pytest.raises(
        InvalidInputError,
        match=r"`clicks` must be an array of shape .* Got None instead",
    ):
        BidLandscape(bids=[[1.0]], clicks=None, cost=[[1.0]])  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match=r"`bids` must be an array of real numbers"):
        BidLandscape(bids=np.array([[1.0 + 1j]]), clicks=[[1.0]], cost=[[1.0]])


def test_from_points_rejects_missing_keywords() -> None:
    table = {
        "keyword": ["a", None, "b"],
        "bid": [1.0, 2.0, 1.0],
        "clicks": [1.0, 2.0, 3.0],
        "cost": [0.5, 1.5, 1.0],
    }
    with pytest.raises(
        InvalidInputError,
        match=r"`keyword` must be given on every row\. Got a missing keyword at row 1",
    ):
        BidLandscape.from_points(table)


def test_from_market_prices_with_a_huge_bid_wins_everything() -> None:
    land = BidLandscape.from_market_prices([1, 2], [1e300], volume=5.0)
    assert land.impressions is not None
    assert land.impressions[0, 0] == pytest.approx(5.0)
    assert land.cost[0, 0] == pytest.approx(5.0 * 2 / 3)


def test_other_entry_points_name_a_wrong_kind_of_input() -> None:
    with pytest.raises(InvalidInputError, match=r"`expected` must have `clicks` and `cost`"):
        BidLandscape.from_expected([[1.0]], object())
    with pytest.raises(InvalidInputError, match=r"`log` must be a KeywordLog"):
        estimate_landscapes({"bid": [1.0]})  # type: ignore[arg-type]
    land = BidLandscape(**arrays())
    with pytest.raises(InvalidInputError, match=r"`reference` must be a BidLandscape"):
        landscape_error(land, 5)  # type: ignore[arg-type]
