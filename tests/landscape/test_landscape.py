from __future__ import annotations

import numpy as np
import pytest

from bidopt.datasets import SearchAccount, read_ipinyou_info
from bidopt.exceptions import InvalidInputError
from bidopt.landscape import BidLandscape, estimate_landscapes, landscape_error
from tests.conftest import shared_file


def small() -> BidLandscape:
    return BidLandscape(
        bids=np.array([[1.0, 2.0, 3.0], [0.5, 1.0, 1.0]]),
        clicks=np.array([[10.0, 15.0, 18.0], [4.0, 9.0, 9.0]]),
        cost=np.array([[8.0, 25.0, 45.0], [1.5, 7.0, 7.0]]),
        conversions=np.array([[1.0, 1.5, 1.8], [0.5, 1.0, 1.0]]),
        revenue=np.array([[100.0, 150.0, 180.0], [40.0, 80.0, 80.0]]),
        keywords=["连衣裙", "tasco望远镜"],
    )


def test_basic_properties_and_objectives() -> None:
    land = small()
    assert land.shape == (2, 3)
    np.testing.assert_allclose(land.objective_values("profit"), land.revenue - land.cost)
    picked = land.at_levels(np.array([1, -1]))
    np.testing.assert_allclose(picked["cost"], [25.0, 0.0])
    np.testing.assert_allclose(picked["bids"], [2.0, 0.0])
    assert "n_keywords=2" in repr(land)
    sub = land.take(np.array([1]))
    assert sub.keywords is not None and sub.keywords.tolist() == ["tasco望远镜"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"bids": [[2.0, 1.0, 3.0], [0.5, 1.0, 1.0]]},
            "`bids` must be non-decreasing along each row. "
            "Got bid 1 after 2 at level 1 of row 0 \\(keyword '连衣裙'\\) instead",
        ),
        (
            {"clicks": [[10.0, 9.0, 18.0], [4.0, 9.0, 9.0]]},
            "`clicks` must not fall as the bid rises. Got clicks 9 at bid 2 after 10 at "
            "bid 1 for row 0",
        ),
        (
            {"cost": [[8.0, 25.0, 45.0], [1.5, 7.0, 6.0]]},
            "`cost` must not fall as the bid rises. Got cost 6 .* for row 1",
        ),
        (
            {"cost": [[8.0, 25.0, np.nan], [1.5, 7.0, 7.0]]},
            "`cost` must be finite. Got nan at index \\(0, 2\\)",
        ),
        ({"clicks": [[-1.0, 15.0, 18.0], [4.0, 9.0, 9.0]]}, "`clicks` must be >= 0"),
        ({"cost": [[8.0, 25.0], [1.5, 7.0]]}, "`cost` must have the shape of `bids` \\(2, 3\\)"),
        (
            {"conversions": [[1.0, 1.5, 1.8], [0.5, 1.0, 1.2]]},
            "a repeated bid is padding and must repeat the whole point",
        ),
        ({"keywords": ["a"]}, "`keywords` must have shape \\(2,\\)"),
    ],
)
def test_invalid_landscapes_are_explained(change: dict[str, object], message: str) -> None:
    land = small()
    values = {
        name: getattr(land, name)
        for name in ("bids", "clicks", "cost", "conversions", "revenue", "keywords")
    }
    values.update(
        {k: np.asarray(v, dtype=object if k == "keywords" else float) for k, v in change.items()}
    )
    with pytest.raises(InvalidInputError, match=message):
        BidLandscape(**values)  # type: ignore[arg-type]


def test_missing_metric_for_objective() -> None:
    land = BidLandscape(bids=[[1.0]], clicks=[[1.0]], cost=[[1.0]])  # type: ignore[arg-type]
    with pytest.raises(
        InvalidInputError,
        match=r"`objective` must be a metric .* Got 'conversions'",
    ):
        land.objective_values("conversions")
    with pytest.raises(InvalidInputError, match=r"`objective` 'profit' must have `revenue`"):
        land.objective_values("profit")


def test_from_points_pads_and_orders() -> None:
    table = {
        "keyword": ["b", "a", "b", "a", "a"],
        "bid": [2.0, 1.0, 1.0, 3.0, 2.0],
        "clicks": [6.0, 2.0, 4.0, 5.0, 3.0],
        "cost": [9.0, 1.0, 3.0, 12.0, 5.0],
    }
    land = BidLandscape.from_points(table)
    assert land.keywords is not None and land.keywords.tolist() == ["b", "a"]
    np.testing.assert_allclose(land.bids, [[1.0, 2.0, 2.0], [1.0, 2.0, 3.0]])
    np.testing.assert_allclose(land.cost, [[3.0, 9.0, 9.0], [1.0, 5.0, 12.0]])
    with pytest.raises(
        InvalidInputError,
        match=r"and cost\. Got .* \(missing \['cost'\]\)",
    ):
        BidLandscape.from_points({"keyword": ["a"], "bid": [1.0], "clicks": [1.0]})


def test_from_market_prices_second_price_rule() -> None:
    # prices 1 and 3, equally likely: a bid of 3 wins only price 1 (ties lose)
    land = BidLandscape.from_market_prices(
        [0, 1, 0, 1], [1.0, 2.0, 3.0, 4.0], volume=100.0, ctr=0.1
    )
    np.testing.assert_allclose(land.impressions, [[0.0, 50.0, 50.0, 100.0]])
    np.testing.assert_allclose(land.cost, [[0.0, 50.0, 50.0, 200.0]])
    np.testing.assert_allclose(land.clicks, [[0.0, 5.0, 5.0, 10.0]])


def test_from_ipinyou_training_histogram() -> None:
    info = read_ipinyou_info(shared_file("bidlogs/ipinyou_2997_info.json"))
    bids = np.arange(0, 302, 10, dtype=float)
    land = BidLandscape.from_market_prices(
        info.price_counter_train, bids, volume=info.imp_train, ctr=info.ctr_train
    )
    assert land.impressions is not None
    assert land.impressions[0, -1] == pytest.approx(info.imp_train)
    assert land.cost[0, -1] == pytest.approx(info.cost_train)  # all prices are <= 300
    assert land.clicks[0, -1] == pytest.approx(info.clk_train)


def test_estimated_landscapes_track_the_truth(account: SearchAccount) -> None:
    estimate = estimate_landscapes(account.log)
    est, model = estimate.landscapes, estimate.model
    assert est.n_keywords == account.n_keywords
    assert est.keywords is not None
    np.testing.assert_array_equal(est.keywords, account.keywords)  # one row per keyword
    truth = BidLandscape.from_expected(est.bids, account.truth.expected(est.bids))
    errors = landscape_error(est, truth)
    assert errors["clicks"] < 0.2
    assert errors["cost"] < 0.25
    assert errors["conversions"] < 0.3
    assert np.median(np.abs(model.price_mu - account.truth.price_mu)) < 0.25
    # the grid covers the useful range: from little to nearly all of the traffic
    share = account.truth.win_rate(est.bids)
    assert np.median(share[:, 0]) < 0.05 and np.median(share[:, -1]) > 0.95


def test_estimate_needs_bids_and_cost(account: SearchAccount) -> None:
    import dataclasses

    log = dataclasses.replace(account.log.take(np.arange(100)), cost=None)
    with pytest.raises(
        InvalidInputError,
        match=r"`log` must have a `cost` column to estimate",
    ):
        estimate_landscapes(log)


def test_paused_keyword_days_are_left_out_of_the_fit(account: SearchAccount) -> None:
    import dataclasses

    from bidopt.datasets import KeywordLog

    keep = 2_000
    base = account.log.take(account.log.keyword.codes < keep)
    bids = account.current_bids.copy()
    bids[:10] = 0.0  # ten keywords paused for a day
    day = account.simulate(bids, rng=3)
    day = day.take(day.keyword.codes < keep)
    est = estimate_landscapes(KeywordLog.concat([base, day])).landscapes
    assert est.n_keywords == keep  # paused keywords keep their rows
    assert np.isfinite(est.cost).all() and np.isfinite(est.clicks).all()
    impressions = day.impressions.copy()
    impressions[0] = 5  # keyword 0 is paused yet shows impressions: inconsistent
    bad = dataclasses.replace(day, impressions=impressions)
    with pytest.raises(
        InvalidInputError,
        match=r"positive bid .* Got bid 0 with 5 impressions",
    ):
        estimate_landscapes(KeywordLog.concat([base, bad]))
