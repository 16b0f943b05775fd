"""Contracts of the pacing package: inputs refused with the template, bounds kept (moved from
tests/replay/test_contracts.py)."""

from __future__ import annotations

import math
import re
import warnings
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from bidopt.datasets import AuctionLog, IpinyouInfo, make_auction_log
from bidopt.exceptions import InvalidInputError
from bidopt.pacing import BudgetPacer, open_loop_multiplier, spend_plan
from bidopt.replay import replay
from tests.auction_logs import CEILING, FLOOR, MAX_BID, info, log_of, with_zero_pctrs


@pytest.mark.parametrize(
    ("counts", "shown"),
    [
        (np.zeros(5, dtype=np.int64), "all 0"),
        (np.array([-1, -2, 3, -4]), "-1"),
        (np.array([], dtype=np.int64), "an empty array"),
        (np.array([1.0, np.nan]), "nan"),
        (np.ones((2, 2)), r"(shape \(2, 2\)|\[\[)"),
    ],
)
def test_open_loop_multiplier_refuses_an_unusable_price_histogram(
    counts: npt.NDArray[Any], shown: str
) -> None:
    # at b38b426: 1e5 with a RuntimeWarning (all 0), 0.05 (negative counts), 2e4, ...
    # (IpinyouInfo may refuse some of them itself, in its own words, when built)
    with pytest.raises(InvalidInputError, match=rf"price_counter_train` must .*{shown}"):
        open_loop_multiplier(info(price_counter_train=counts), 100.0, 10)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"imp_train": 0, "clk_train": 0},
            r"`(training\.)?imp_train` must be an integer >= 1\. Got 0",
        ),
        ({"imp_train": "100"}, r"imp_train` must be .*Got '100'"),
        ({"clk_train": 0}, r"`training.clk_train` must be an integer >= 1 and <= 100 .*Got 0"),
        ({"clk_train": 101}, r"`(training\.)?clk_train` must be .*<= 100\b.*Got 101"),
        ({"clk_train": -1}, r"`(training\.)?clk_train` must be .*Got -1"),
    ],
)
def test_training_statistics_are_checked(changes: dict[str, Any], message: str) -> None:
    # at b38b426: ZeroDivisionError (imp_train 0), lam = 0 (clk_train 0), a negative lam
    built: list[Any] = []  # stays empty when IpinyouInfo refuses it itself, when built

    def build_and_use() -> None:
        built.append(info(**changes))
        open_loop_multiplier(built[0], 100.0, 10)

    with pytest.raises(InvalidInputError, match=message):
        build_and_use()
    if not built:
        return
    bad = built[0]
    with pytest.raises(InvalidInputError, match=message):
        BudgetPacer(100.0, 1e-4, controller="pid", training=bad)


def test_a_training_log_whose_pctrs_are_all_zero_is_refused() -> None:
    zero = with_zero_pctrs(make_auction_log(500, rng=1), 500)
    match = r"`training.pctr` must have at least one pCTR > 0 .*Got 500 pCTRs, all 0"
    with pytest.raises(InvalidInputError, match=match):
        open_loop_multiplier(zero, 100.0, 10)  # at b38b426: 1.0, from nothing
    with pytest.raises(InvalidInputError, match=match):
        spend_plan(zero, 1e-4, [0.0, 0.5, 1.0])  # at b38b426: the traffic shares
    with pytest.raises(InvalidInputError, match=match):
        BudgetPacer(100.0, 1e-4, controller="filter", training=zero, n_auctions=10)


def test_a_spend_model_names_a_cap_too_large_for_its_histograms() -> None:
    training = make_auction_log(500, rng=1)
    # at b38b426: a (11, 1e9 + 1) histogram, MemoryError
    with pytest.raises(InvalidInputError, match=r"`max_bid` must be <= 1e\+06 .*Got 1000000000\.0"):
        BudgetPacer(100.0, 1e-4, training=training, n_auctions=500, max_bid=1e9)


@pytest.mark.parametrize("controller", ["dual", "pid"])
def test_a_live_pacer_survives_a_late_overspend(controller: str) -> None:
    pacer = BudgetPacer(1000.0, 1e-4, controller=controller, n_slots=4, options={"step": 1e300})  # type: ignore[arg-type]
    for spent in (10.0, 10.0, 979.0):  # the third slot leaves 1 yuan for the last
        lam = pacer.update(spent)  # at b38b426 (pid): OverflowError
        assert FLOOR <= lam <= CEILING
    huge = BudgetPacer(1000.0, 1e-4, controller=controller, n_slots=4)  # type: ignore[arg-type]
    assert huge.update(1e300) == CEILING  # spent far beyond the budget: bid nothing


@pytest.mark.parametrize("controller", ["dual", "pid"])
def test_a_live_pacer_stops_bidding_once_the_budget_is_spent(controller: str) -> None:
    pacer = BudgetPacer(1000.0, 1e-4, controller=controller, n_slots=4)  # type: ignore[arg-type]
    pacer.update(400.0)
    assert pacer.multiplier != CEILING
    # at b38b426: the multiplier stayed where it was, and the campaign kept buying
    assert pacer.update(700.0) == CEILING  # 100 over budget, reported by a live campaign
    assert pacer.left == -100.0 and pacer.update(0.0) == CEILING


def test_spend_plan_names_empty_edges() -> None:
    with pytest.raises(InvalidInputError, match=r"`edges` must rise from 0 to 1 .*Got \[\]"):
        spend_plan(make_auction_log(200, rng=1), 1e-4, [])  # at b38b426: IndexError


@pytest.mark.parametrize(
    ("training", "max_bid"),
    [
        (log_of([5.0, 10.0], [0.1, 0.2]), MAX_BID),  # at 85029bb: 0.02
        (info(imp_train=10, clk_train=1, price_counter_train=np.array([3, 7])), 10.0),  # 1e8
        (make_auction_log(3000, rng=1), MAX_BID),  # wins nothing there, bids up to 62 elsewhere
        (info(clk_train=50), 1e6),
        (make_auction_log(3000, rng=1), 7.0),
    ],
)
def test_open_loop_multiplier_with_no_budget_is_the_ceiling(
    training: AuctionLog | IpinyouInfo, max_bid: float
) -> None:
    lam = open_loop_multiplier(training, 0.0, 1000, max_bid=max_bid)
    assert lam == 1e12 / max_bid  # the documented ceiling, exactly
    # a zero budget buys nothing anywhere: on a new day no bid exceeds 1e-12 * max_bid
    day = make_auction_log(3000, rng=9)
    assert day.pctr is not None
    bids = np.minimum(day.pctr / lam, max_bid)
    assert bids.max() <= 1e-12 * max_bid
    assert replay(day, bids, 1e9).impressions == int(np.sum(day.market_price == 0.0))


@pytest.mark.parametrize("value", ["no", "False", 0, 1, 1.0, None, [True], np.array([True, False])])
def test_spend_plan_calibrate_must_be_a_bool(value: object) -> None:
    training = make_auction_log(2000, rng=1)
    # at 85029bb: "no" (truthy) calibrated, None did not, silently
    with pytest.raises(
        InvalidInputError,
        match=rf"`calibrate` must be True or False\. Got {re.escape(repr(value)[:20])}",
    ):
        spend_plan(training, 1e-4, [0.0, 0.5, 1.0], calibrate=value)  # type: ignore[arg-type]


def test_spend_plan_calibrate_accepts_numpy_bools() -> None:
    training = make_auction_log(2000, rng=1)
    edges = [0.0, 0.5, 1.0]
    for flag in (True, False):
        np.testing.assert_array_equal(
            spend_plan(training, 1e-4, edges, calibrate=np.bool_(flag)).shares,  # type: ignore[arg-type]
            spend_plan(training, 1e-4, edges, calibrate=flag).shares,
        )
    assert not np.array_equal(
        spend_plan(training, 1e-4, edges, calibrate=True).shares,
        spend_plan(training, 1e-4, edges, calibrate=False).shares,
    )


@pytest.mark.parametrize(
    ("pctr", "shown"),
    [([2.0], r"2\.0 at index 0"), ([0.1, 1.0000001], r"1\.0000001 at index 1")],
)
@pytest.mark.parametrize("controller", ["pid", "dual", "none", "filter"])
def test_a_live_pacer_refuses_pctrs_above_one(
    pctr: list[float], shown: str, controller: str
) -> None:
    training = make_auction_log(2000, rng=1)
    pacer = BudgetPacer(
        1000.0,
        1e-4,
        n_slots=4,
        controller=controller,  # type: ignore[arg-type]
        training=training,
        n_auctions=100,
    )
    # at 85029bb: accepted (NaN and negative pCTRs were refused)
    with pytest.raises(InvalidInputError, match=rf"`pctr` must be in \[0, 1\]\. Got {shown}"):
        pacer.update(10.0, pctr=pctr)
    assert pacer.slot == 0 and pacer.left == 1000.0  # nothing booked
    assert pacer.update(10.0, pctr=[0.0, 1.0]) > 0  # the edges are pCTRs


@pytest.mark.parametrize("factor", [1 - 1e-12, 1 + 1e-12])
def test_lam0_just_outside_the_bounds_is_refused_with_exact_bounds(factor: float) -> None:
    low, high = 1e-12 / 7.0, 1e12 / 7.0
    lam0 = (low if factor < 1 else high) * factor
    # at 85029bb: "must be ... >= 1.42857e-13", the value shown looking in range
    with pytest.raises(InvalidInputError) as caught:
        BudgetPacer(1.0, lam0, max_bid=7.0)
    message = str(caught.value)
    assert f"Got {lam0!r} instead" in message
    bound = re.search(r">= (\S+) and <= (\S+) ", message)
    assert bound is not None
    shown_low, shown_high = float(bound.group(1)), float(bound.group(2))
    assert math.isclose(shown_low, low, rel_tol=1e-15) and math.isclose(
        shown_high, high, rel_tol=1e-15
    )
    assert not shown_low <= lam0 <= shown_high  # the value shown is visibly out of range


@pytest.mark.parametrize(
    ("training", "shown"),
    [
        (info(), r"Got an IpinyouInfo \(training statistics"),
        (None, r"Got None"),
        ({"market_price": [1.0]}, r"Got a dict"),
        (AuctionLog(click=[0], market_price=[1.0]), r"Got an AuctionLog without pCTRs"),
    ],
)
def test_spend_plan_names_the_training_it_got(training: object, shown: str) -> None:
    # at 85029bb: "`training` must be an AuctionLog with pctr." (what was passed unsaid),
    # or, for a log without pCTRs, "must be an IpinyouInfo or ...", which spend_plan refuses
    with pytest.raises(
        InvalidInputError, match=rf"^`training` must be an AuctionLog with `pctr`.*{shown}"
    ):
        spend_plan(training, 1e-4, [0.0, 1.0])  # type: ignore[arg-type]


def test_spend_plan_with_a_multiplier_near_zero_bids_the_cap_silently() -> None:
    training = make_auction_log(2000, rng=1)
    edges = [0.0, 0.25, 0.5, 1.0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # at 85029bb: RuntimeWarning, overflow in divide
        tiny = spend_plan(training, 5e-324, edges).shares
    np.testing.assert_array_equal(tiny, spend_plan(training, 1e-12, edges).shares)  # all at the cap


@pytest.mark.parametrize("controller", ["dual", "pid"])
def test_a_zero_budget_bids_nothing_from_the_first_slot(controller: str) -> None:
    # at f2b6e04 the first slot bid pCTR / lam0 whatever the budget: a live campaign with
    # a budget of 0 bought a slot's worth of clicks before the pacer stopped it
    pacer = BudgetPacer(0.0, 1e-4, controller=controller, n_slots=4)  # type: ignore[arg-type]
    assert pacer.multiplier == CEILING
    assert pacer.update(0.0) == CEILING
    assert BudgetPacer(0.0, 1e-4, controller="none", n_slots=4).multiplier == 1e-4  # open loop


@pytest.mark.parametrize("controller", ["dual", "pid", "filter"])
def test_a_slot_without_auctions_keeps_the_multiplier(controller: str) -> None:
    # at f2b6e04 a slot reported with no auctions (pctr=[]: an outage) stepped the
    # controller on its spend of 0, raising the bids 33-49% for the slots after it; on
    # 20 synthetic days with 2 of 8 slots empty (seeds 10-29) that cost pid 32% and dual
    # 14% of the clicks
    training = make_auction_log(2000, rng=1)
    pacer = BudgetPacer(
        100.0, 1e-3, controller=controller, n_slots=8, training=training, n_auctions=2000
    )  # type: ignore[arg-type]
    lam = pacer.multiplier
    assert pacer.update(0.0, pctr=np.zeros(0)) == lam
    assert pacer.slot == 1 and pacer.left == 100.0


def test_the_report_of_a_huge_budget_is_readable() -> None:
    # at f2b6e04 a budget of 1e300 printed as 301 digits in summary() and repr()
    pacer = BudgetPacer(1e300, 1e-4, controller="pid", n_slots=4)
    pacer.update(1e299)
    assert "1e+300" in pacer.summary() and "9e+299" in repr(pacer)
    assert max(len(w) for w in pacer.summary().split()) < 30
