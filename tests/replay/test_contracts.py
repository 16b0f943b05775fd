"""The promises of bidopt.replay on edge and bad input (issue 21): clear errors for
input that cannot be used, bounded multipliers, no crash on valid input, and no replay
that spends more than its budget."""

from __future__ import annotations

import math
import re
import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bidopt.datasets import AuctionLog, IpinyouInfo, make_auction_log
from bidopt.exceptions import InvalidInputError
from bidopt.pacing import BudgetPacer, open_loop_multiplier
from bidopt.replay import baseline_bids, paced_replay, replay, won_auctions
from tests.auction_logs import CEILING, FLOOR, info, log_of, with_zero_pctrs

PROFILE = settings(derandomize=True, database=None, deadline=None, max_examples=25)
# --- 1. silent wrong answers: unusable training data is refused, by name ----------------


def test_open_loop_multiplier_is_finite_and_bounded() -> None:
    free = log_of([0.0, 0.0, 5.0], [0.01, 0.02, 0.01])
    # budget 0 with free auctions: bid (almost) nothing, at the documented ceiling
    lam = open_loop_multiplier(free, 0.0, 3)  # at b38b426: inf
    assert lam == CEILING
    paced = paced_replay(free, 0.0, lam, controller="pid")  # usable as a starting lam
    assert paced.result.spend == 0.0 and paced.result.impressions == 2
    big = open_loop_multiplier(info(clk_train=50), 0.0, 10, max_bid=1e6)
    assert big == 1e12 / 1e6  # the ceiling of that cap (ctr / 1e-9 before)


def test_multiplier_bounds_stay_finite_at_extreme_caps() -> None:
    training, log = make_auction_log(2000, rng=1), make_auction_log(2000, rng=2)
    lam = open_loop_multiplier(training, 1000.0, len(log), max_bid=1e-300)  # at b38b426: inf
    assert lam == 1e300  # the ceiling, kept finite
    paced = paced_replay(log, 1000.0, lam, controller="pid", max_bid=1e-300)
    assert paced.result.spend == 0.0 and np.all(np.isfinite(paced.multipliers))


# --- 2. crashes on valid or near-valid input ----------------------------------------------


@pytest.mark.parametrize("controller", ["auto", "filter", "pid", "dual"])
def test_a_training_log_with_a_few_zero_pctrs_paces(controller: str) -> None:
    test = make_auction_log(3000, rng=2)
    training = with_zero_pctrs(make_auction_log(3000, rng=1), 100)  # a forecast bin at 0
    budget = 0.1 * test.total_market_price
    lam0 = open_loop_multiplier(training, budget, len(test))
    # at b38b426: ValueError("math domain error") in the spend model's bisection
    paced = paced_replay(test, budget, lam0, controller=controller, training=training)  # type: ignore[arg-type]
    assert 0.5 * budget < paced.result.spend <= budget
    live = BudgetPacer(budget, lam0, training=training, n_auctions=len(test), n_slots=4)
    live.update(0.0, np.zeros(750))  # a slot of zero pCTRs only, which no bid wins
    assert FLOOR <= live.multiplier <= CEILING


@pytest.mark.parametrize(
    "gains", [(0.4, 0.0, 0.0), (50.0, 0.0, 0.0), (0.0, 1e3, 0.0), (0.0, 0.0, 1e3), (1e300,) * 3]
)
@pytest.mark.parametrize("fraction", [0.01, 0.3, 0.999])
def test_pid_multiplier_stays_within_its_bounds(
    gains: tuple[float, float, float], fraction: float
) -> None:
    log = make_auction_log(3000, rng=5)
    budget = fraction * log.total_market_price
    # at b38b426: OverflowError (math range error), or lam 0 and bids pCTR / 0
    paced = paced_replay(log, budget, 1e-4, controller="pid", options={"gains": gains}, n_slots=500)
    assert np.all((paced.multipliers >= FLOOR) & (paced.multipliers <= CEILING))
    assert np.all(np.isfinite(paced.bids)) and paced.result.spend <= budget


def test_filter_with_a_huge_drift_stays_finite() -> None:
    log, training = make_auction_log(3000, rng=5), make_auction_log(3000, rng=6)
    budget = 0.1 * log.total_market_price
    # at b38b426: OverflowError (34, 'Numerical result out of range')
    paced = paced_replay(
        log, budget, 1e-4, controller="filter", training=training, options={"drift": 1e300}
    )
    assert np.all((paced.multipliers >= FLOOR) & (paced.multipliers <= CEILING))
    assert paced.result.spend <= budget


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"gains": (-5.0, 0.0, 0.0)},
            r"`gains` must be three finite numbers >= 0 \(kp, ki, kd\)\. Got \(-5\.0, 0\.0, 0\.0\)",
        ),
        ({"gains": ("a", 0, 0)}, r"`gains` must be three finite numbers >= 0 .*Got \('a', 0, 0\)"),
        ({"gains": (1.0, 2.0)}, r"`gains` must be three finite numbers >= 0 .*Got \(1\.0, 2\.0\)"),
        ({"gains": None}, r"`gains` must be three finite numbers >= 0 .*Got None"),
        ({"drift": "x"}, r"`drift` must be a finite number >= 0\. Got 'x'"),
        ({"drift": -1.0}, r"`drift` must be a finite number >= 0\. Got -1\.0"),
        (
            {"n_slots": 10**15},
            r"`n_slots` must be an integer >= 1 and <= 1e\+06\. Got 1000000000000000",
        ),
        (
            {"lam0": 1e-300},
            r"`lam0` must be a finite number >= 3\.333333333333333\de-15 and "
            r"<= 3333333333\.3333335 .*Got 1e-300",
        ),
        ({"lam0": "x"}, r"`lam0` must be a finite number >= 3\.333333333333333\de-15 .*Got 'x'"),
    ],
)
def test_paced_replay_options_are_checked(changes: dict[str, Any], message: str) -> None:
    log = make_auction_log(200, rng=5)
    args: dict[str, Any] = {"budget": 100.0, "lam0": 1e-4, "controller": "pid"}
    knobs = {k: changes.pop(k) for k in ("gains", "drift") if k in changes}
    args.update(changes, options=knobs or None)
    # at b38b426: negative gains and any drift accepted under the PID, MemoryError, ...
    with pytest.raises(InvalidInputError, match=message):
        paced_replay(log, args.pop("budget"), args.pop("lam0"), **args)


def test_paced_replay_names_a_log_that_is_not_one() -> None:
    with pytest.raises(InvalidInputError, match=r"`log` must be an AuctionLog\. Got NoneType"):
        paced_replay(None, 10.0, 1e-4)  # type: ignore[arg-type]  # at b38b426: AttributeError


def test_replay_names_missing_bids() -> None:
    log = log_of([1.0, 2.0], [0.1, 0.2])
    with pytest.raises(InvalidInputError, match=r"`bids` must be .* shape \(2,\).*Got None"):
        replay(log, None, 1.0)  # type: ignore[arg-type]  # at b38b426: "Got nan"


PARAMS = {
    "const": {"bid": 10.0},
    "rand": {"upper": 20.0},
    "mcpc": {"ecpc": 1e4},
    "lin": {"base": 10.0, "avg_pctr": 0.004},
    "ortb1": {"c": 60.0, "lam": 1e-5},
    "ortb2": {"c": 60.0, "lam": 1e-5},
}


@pytest.mark.parametrize("name", sorted(PARAMS))
def test_baseline_bids_check_their_params(name: str) -> None:
    expected = re.escape(str(sorted(PARAMS[name])))
    # at b38b426: ValueError (not a bidopt error), TypeError on None
    for params in ({}, None, [1.0], {**PARAMS[name], "extra": 1.0}):
        with pytest.raises(
            InvalidInputError,
            match=rf"`params` of '{name}' must be a dict with the keys {expected}\. Got",
        ):
            baseline_bids(name, [0.01], params)  # type: ignore[arg-type]
    with pytest.raises(
        InvalidInputError, match=r"`pctr` must be in \[0, 1\]\. Got 2\.0 at index 0"
    ):
        baseline_bids(name, [2.0], PARAMS[name])  # at b38b426: accepted


@pytest.mark.parametrize("name", ["ortb1", "ortb2", "lin"])
@pytest.mark.parametrize("value", [1e-300, 1e300])
def test_baseline_bids_are_finite_at_extreme_params(name: str, value: float) -> None:
    pctr = np.array([0.0, 1e-6, 0.004, 0.3, 1.0])
    params = dict.fromkeys(PARAMS[name], value)
    with np.errstate(divide="raise", over="raise", invalid="raise"):  # at b38b426: inf, nan, ...
        bids = baseline_bids(name, pctr, params)  # type: ignore[arg-type]
    assert np.all(np.isfinite(bids)) and np.all(bids >= 0) and bids[0] == 0.0
    assert np.all(np.diff(bids) >= 0)  # still rising in pCTR


def test_baseline_bids_unchanged_on_ordinary_params() -> None:
    pctr = np.array([0.0, 1e-4, 0.004, 0.05, 1.0])
    c, lam = 60.0, 1e-5
    np.testing.assert_array_equal(
        baseline_bids("ortb1", pctr, {"c": c, "lam": lam}), np.sqrt(c / lam * pctr + c * c) - c
    )
    root = np.sqrt(c * c * lam * lam + pctr * pctr)
    term = (pctr + root) / (c * lam)
    np.testing.assert_array_equal(
        baseline_bids("ortb2", pctr, {"c": c, "lam": lam}),
        c * (np.cbrt(term) - np.cbrt(1.0 / term)),
    )


# --- 3. a replay never spends more than its budget -------------------------------------


@PROFILE
@given(seed=st.integers(0, 2**32 - 1), cut=st.floats(0.01, 0.99))
def test_replay_never_spends_more_than_its_budget(seed: int, cut: float) -> None:
    # float prices, the budget exactly at a running total: at b38b426 the spend, summed
    # pairwise, came out above the budget by an ulp in about a third of such cases
    rng = np.random.default_rng(seed)
    price = rng.random(300) * rng.choice([0.1, 1.0, 7.3])
    budget = float(np.cumsum(price)[int(cut * 299)])
    log = log_of(price, np.full(300, 0.01))
    result = replay(log, 1e9, budget)
    assert result.spend <= budget
    won = won_auctions(log, 1e9, budget)
    np.testing.assert_allclose(result.spend, price[won].sum(), rtol=1e-12)
    assert result.stopped_at == int(np.argmin(won))


@PROFILE
@given(
    seed=st.integers(0, 1000),
    controller=st.sampled_from(["none", "dual", "pid", "filter"]),
    learnt_from=st.sampled_from(["log", "statistics"]),
    edge=st.sampled_from(["zero", "tiny", "total", "near_total", "above", "float"]),
)
def test_paced_replay_never_spends_more_than_its_budget(
    seed: int, controller: str, learnt_from: str, edge: str
) -> None:
    log = make_auction_log(2000, rng=seed)
    training: AuctionLog | IpinyouInfo = make_auction_log(2000, rng=seed + 1)
    if learnt_from == "statistics":
        training = IpinyouInfo.from_log(training)
    if edge == "float":  # prices off the whole units, so the running total rounds
        assert log.pctr is not None
        price = log.market_price * np.random.default_rng(seed).uniform(0.9, 1.1, len(log))
        log = AuctionLog(click=log.click, market_price=price, pctr=log.pctr)
    total = log.total_market_price
    budget = {
        "zero": 0.0,
        "tiny": 1.0,
        "total": total,
        "near_total": total * (1 - 1e-9),
        "above": 2 * total,
        "float": 0.37 * total,
    }[edge]
    lam0 = open_loop_multiplier(training, budget, len(log))
    paced = paced_replay(log, budget, lam0, controller=controller, training=training)  # type: ignore[arg-type]
    result = paced.result
    assert result.spend <= budget  # exactly, no tolerance
    # replayed as one plan, the bids placed buy the same auctions for the same spend
    again = replay(log, paced.bids, budget)  # (the auction of the stop is bid 0 there)
    assert (again.clicks, again.impressions, again.spend) == (
        result.clicks,
        result.impressions,
        result.spend,
    )
    np.testing.assert_allclose(paced.slot_spend.sum(), result.spend, rtol=1e-12)
    assert np.all((paced.multipliers >= FLOOR) & (paced.multipliers <= CEILING))
    assert math.isfinite(result.expected_clicks)


# --- 4. second review (issue 21): zero budgets, bool options, pCTRs, float range, bounds --


def test_replay_near_the_float_maximum_is_exact_and_silent() -> None:
    top = float(np.finfo(np.float64).max)
    clicked = AuctionLog(click=[1, 1], market_price=[1e308, 1e308], pctr=[0.1, 0.2])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # at 85029bb: RuntimeWarning, overflow in accumulate
        result = replay(clicked, top, top)
        won = won_auctions(clicked, top, top)
        unbounded = replay(clicked, top, top, stop="none")
        lam = open_loop_multiplier(clicked, top, 2, max_bid=top)
    # the second auction would take the spend to 2e308 > the budget: bidding stops there
    assert (result.clicks, result.impressions, result.spend, result.stopped_at) == (1, 1, 1e308, 1)
    assert won.tolist() == [True, False]
    assert unbounded.impressions == 2 and unbounded.spend == math.inf  # beyond the float range
    assert 0.0 < lam <= 1e12 / top  # finite, within the bounds of that cap


@pytest.mark.parametrize("max_bid", [7.0, 1e5, 300.0, 3.0, 1e-3, 0.7, 1e6])
def test_lam0_at_the_documented_bounds_is_accepted(max_bid: float) -> None:
    low, high = 1e-12 / max_bid, 1e12 / max_bid  # as the docs write them
    # at 85029bb: 1e-12 / 7.0 refused, one ulp below 1 / (1e12 * 7.0)
    for lam0, kept in (
        (low, 0),
        (1.0 / (1e12 * max_bid), 0),
        (high, 1),
        (1 / (1e-12 * max_bid), 1),
    ):
        pacer = BudgetPacer(1.0, lam0, max_bid=max_bid, controller="pid")
        floor, ceiling = pacer.lam_bounds
        assert floor <= pacer.multiplier <= ceiling  # clipped into the bounds, exactly
        assert math.isclose(pacer.multiplier, pacer.lam_bounds[kept], rel_tol=1e-15)
        assert pacer.multiplier == min(max(lam0, floor), ceiling)
        paced = paced_replay(make_auction_log(200, rng=1), 1.0, lam0, max_bid=max_bid)
        assert np.all(paced.multipliers >= pacer.lam_bounds[0])
        assert np.all(paced.multipliers <= pacer.lam_bounds[1])


def test_replay_without_a_stop_takes_an_infinite_budget() -> None:
    log = log_of([5.0, 10.0, 3.0], [0.1, 0.2, 0.3])
    # at 85029bb: "`budget` must be a finite number >= 0. Got inf" for the unconstrained
    # reference, which does not enforce the budget
    result = replay(log, 100.0, math.inf, stop="none")
    assert (result.spend, result.impressions, result.budget) == (18.0, 3, math.inf)
    assert won_auctions(log, 100.0, math.inf, stop="none").tolist() == [True] * 3
    for budget in (math.inf, -math.inf, math.nan):  # a stop needs a finite budget
        with pytest.raises(InvalidInputError, match=r"`budget` must be a finite number >= 0"):
            replay(log, 100.0, budget)
    with pytest.raises(InvalidInputError, match=r"`budget` must be a finite number >= 0"):
        replay(log, 100.0, -math.inf, stop="none")


@pytest.mark.parametrize("name", ["lin", "ortb1", "ortb2"])
def test_baseline_bids_beyond_the_float_range_are_capped_when_a_cap_is_given(name: str) -> None:
    pctr = np.array([0.0, 1e-6, 0.3, 1.0])
    huge = {"lin": {"base": 1e300, "avg_pctr": 1e-200}}
    params = huge.get(name, {"c": 1e308, "lam": 5e-324})
    # at 85029bb: refused as "infinite" although max_bid bounds every bid
    bids = baseline_bids(name, pctr, params, max_bid=300.0)  # type: ignore[arg-type]
    assert bids.tolist() == [0.0, 300.0, 300.0, 300.0]
    with pytest.raises(InvalidInputError, match=r"within the float range \(or give `max_bid`\)"):
        baseline_bids(name, pctr, params)  # type: ignore[arg-type]


def test_an_infinite_bid_is_refused_with_the_remedy() -> None:
    log = log_of([5.0, 1e308], [0.1, 0.2])
    # at 85029bb: "`bids` must be finite. Got inf instead." (an inf bid is most often
    # pCTR / 0, so it stays refused; the message now says how to win every auction)
    for bids in (math.inf, [1.0, math.inf]):
        with pytest.raises(
            InvalidInputError,
            match=r"`bids` must be finite \(.*pCTR / 0.*e\.g\. 1\.0000000000000002e\+308\)"
            r"\. Got inf at index \d instead",
        ):
            replay(log, bids, 10.0)
    assert replay(log, np.nextafter(1e308, np.inf), 2e308 / 2, stop="none").impressions == 2
    with pytest.raises(InvalidInputError, match=r"`bids` must be finite\. Got nan"):
        replay(log, [1.0, math.nan], 10.0)  # (other bad bids keep their message)
