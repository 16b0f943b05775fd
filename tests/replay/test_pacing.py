from __future__ import annotations

import numpy as np
import pytest

from bidopt.datasets import AuctionLog, IpinyouInfo, read_ipinyou, read_ipinyou_info
from bidopt.exceptions import InvalidInputError
from bidopt.pacing import open_loop_multiplier
from bidopt.replay import paced_replay, won_auctions
from tests.auction_logs import synthetic_log
from tests.conftest import shared_file


@pytest.mark.parametrize("learnt_from", ["log", "statistics"])
@pytest.mark.parametrize("controller", ["none", "dual", "pid", "filter"])
def test_paced_replay_never_overspends(controller: str, learnt_from: str) -> None:
    log = synthetic_log()
    budget = 0.1 * log.total_market_price
    training: AuctionLog | IpinyouInfo = synthetic_log(seed=4)
    if learnt_from == "statistics":  # the level plan, where a log gives the spend plan
        training = IpinyouInfo.from_log(training)
    for lam0 in (1e-6, 1e-4, 1e-2):
        paced = paced_replay(
            log,
            budget,
            lam0,
            controller=controller,  # type: ignore[arg-type]
            training=training,
        )
        assert paced.result.spend <= budget + 1e-9
        assert paced.multipliers.size == paced.slot_spend.size
        np.testing.assert_allclose(paced.slot_spend.sum(), paced.result.spend)
        # the bids placed buy, replayed as one plan, the same auctions
        assert paced.bids.shape == (len(log),) and np.all(paced.bids >= 0)
        won = won_auctions(log, paced.bids, budget)
        assert int(log.click[won].sum()) == paced.result.clicks
        np.testing.assert_allclose(log.market_price[won].sum(), paced.result.spend)
        if paced.result.stopped_at is not None:  # nothing is bid on after the stop
            assert not paced.bids[paced.result.stopped_at :].any()


def test_pacing_corrects_a_bad_starting_multiplier() -> None:
    log = synthetic_log()
    budget = 0.1 * log.total_market_price
    too_high = 1e-2  # bids pCTR / lam far too low: open loop underspends badly
    open_loop = paced_replay(log, budget, too_high, controller="none").result
    training = synthetic_log(seed=4)
    fast = {"step": 0.5, "gains": (0.6, 0.05, 0.1), "drift": 0.3}
    for controller in ("dual", "pid", "filter"):
        slow, paced = (
            paced_replay(
                log,
                budget,
                too_high,
                controller=controller,  # type: ignore[arg-type]
                training=training,
                options=params,
            ).result
            for params in ({}, fast)
        )
        # the defaults, tuned for a start near the right lam, move the right way ...
        assert slow.spend > 1.5 * open_loop.spend
        # ... and larger gains correct a start 100 times off within the day
        assert paced.spend > 2 * open_loop.spend
        assert paced.spend >= 0.8 * budget
        assert paced.clicks > open_loop.clicks


def test_same_inputs_same_result_and_errors() -> None:
    log = synthetic_log()
    a = paced_replay(log, 1e5, 1e-4, controller="pid").result
    b = paced_replay(log, 1e5, 1e-4, controller="pid").result
    assert (a.clicks, a.impressions, a.spend, a.stopped_at) == (
        b.clicks,
        b.impressions,
        b.spend,
        b.stopped_at,
    )
    with pytest.raises(InvalidInputError, match="Unknown controller 'pi'"):
        paced_replay(log, 1e5, 1e-4, controller="pi")  # type: ignore[arg-type]
    with pytest.raises(
        InvalidInputError,
        match=r"`log` must be an AuctionLog with `pctr` .*Got an AuctionLog of \d+ auctions",
    ):
        paced_replay(AuctionLog(click=log.click, market_price=log.market_price), 1e5, 1e-4)
    with pytest.raises(
        InvalidInputError,
        match=(
            r"`lam0` must be a finite number >= 3\.333333333333333\de-15 and "
            r"<= 3333333333\.3333335 .*Got 0\.0"
        ),
    ):
        paced_replay(log, 1e5, 0.0)


def test_paced_bidopt_on_ipinyou_2997_beats_open_loop_at_tight_budgets() -> None:
    log = read_ipinyou(shared_file("bidlogs/ipinyou_2997_test_theta.txt"))
    info = read_ipinyou_info(shared_file("bidlogs/ipinyou_2997_info.json"))
    budget = log.total_market_price / 8
    lam0 = open_loop_multiplier(info, budget, len(log))
    open_loop = paced_replay(log, budget, lam0, controller="none").result
    paced = paced_replay(log, budget, lam0, controller="pid").result
    # test prices are cheaper than training prices: open loop underspends
    assert open_loop.spend < 0.8 * budget
    assert paced.spend > 0.95 * budget
    assert paced.clicks >= open_loop.clicks + 20


@pytest.mark.parametrize(
    ("controller", "min_gain", "min_spend"), [("pid", 1.005, 0.0), ("filter", 1.01, 0.99)]
)
def test_pacing_calibrated_to_the_hours_buys_more_on_days_whose_prices_swing(
    monkeypatch: pytest.MonkeyPatch, controller: str, min_gain: float, min_spend: float
) -> None:
    """Prices at a given pCTR dearer in the afternoon: the PID aiming at the calibrated
    spend plan, and the filter reading each slot against its calibration, buy more
    expected clicks with the same budget than with the price model pooled over the day
    (the calibration, which both take from ``_plan``, turned off: every ratio 1)."""
    import bidopt.pacing._plan as plan_module
    from bidopt.datasets import make_auction_log

    training = make_auction_log(80_000, price_swing=0.4, rng=44)
    test = make_auction_log(80_000, price_swing=0.4, price_scale=0.8, rng=45)
    shrunk_ratio = plan_module._shrunk_ratio
    got = {}
    for calibrate in (False, True):
        monkeypatch.setattr(
            plan_module,
            "_shrunk_ratio",
            shrunk_ratio if calibrate else lambda fell, spend, variance: np.ones_like(spend),
        )
        expected = 0.0
        for fraction in (8, 32):
            budget = test.total_market_price / fraction
            lam0 = open_loop_multiplier(training, budget, len(test))
            paced = paced_replay(
                test,
                budget,
                lam0,
                controller=controller,  # type: ignore[arg-type]
                training=training,
            )
            assert min_spend * budget <= paced.result.spend <= budget
            expected += paced.result.expected_clicks
        got[calibrate] = expected
    assert got[True] > min_gain * got[False], got


def test_pacing_to_the_spend_plan_beats_pacing_to_traffic_on_a_swinging_day() -> None:
    """When the pCTR level swings over the day, a constant bid spends more in some
    hours than their share of traffic; aiming each slot at its share of the traffic
    forces the multiplier to swing instead, which buys the same money's clicks worse."""
    from bidopt.datasets import make_auction_log

    training = make_auction_log(80_000, daily_swing=0.6, rng=21)
    test = make_auction_log(80_000, daily_swing=0.6, price_scale=0.8, rng=22)
    for fraction in (4, 16):
        budget = test.total_market_price / fraction
        lam0 = open_loop_multiplier(training, budget, len(test))
        for controller in ("pid", "dual"):
            traffic, spend = (
                paced_replay(
                    test,
                    budget,
                    lam0,
                    controller=controller,
                    training=training,
                    plan=plan,  # type: ignore[arg-type]
                )
                for plan in ("traffic", "spend")
            )
            # in expected clicks (the synthetic pCTRs are the true click probabilities):
            # the clicks drawn, a few dozen here, differ by more than the plans do
            assert spend.result.expected_clicks > traffic.result.expected_clicks
            assert spend.result.spend >= 0.97 * budget
            # the multiplier swings less when the targets follow the expected spend
            assert np.std(np.log(spend.multipliers)) < np.std(np.log(traffic.multipliers))
    info = IpinyouInfo.from_log(training)
    with pytest.raises(
        InvalidInputError, match="`training` must be an AuctionLog with pctr for plan='spend'"
    ):
        paced_replay(test, 1e5, 1e-4, controller="pid", training=info, plan="spend")


def test_level_plan_from_statistics_buys_more_expected_clicks_on_a_swinging_day() -> None:
    """From statistics there is no spend plan over the day; weighting each slot's target
    by the pCTR level of its own auctions gives a stretch of unlikely clicks less money
    instead of dearer bids."""
    from bidopt.datasets import make_auction_log

    training = make_auction_log(60_000, daily_swing=0.6, rng=31)
    test = make_auction_log(60_000, daily_swing=0.6, price_scale=0.8, rng=32)
    info = IpinyouInfo.from_log(training)
    total = {"traffic": 0.0, "level": 0.0}
    for fraction in (4, 16, 64):
        budget = test.total_market_price / fraction
        lam0 = open_loop_multiplier(info, budget, len(test))
        for controller in ("pid", "dual"):
            for plan in total:
                paced = paced_replay(
                    test,
                    budget,
                    lam0,
                    controller=controller,  # type: ignore[arg-type]
                    training=info,
                    plan=plan,  # type: ignore[arg-type]
                )
                assert paced.result.spend <= budget
                assert paced.result.spend >= 0.97 * budget
                total[plan] += paced.result.expected_clicks
            # statistics pace to the level plan by default
            default = paced_replay(test, budget, lam0, controller=controller, training=info)
            assert default.result.spend == paced.result.spend
    # the pCTRs are the true click probabilities: expected clicks, free of click noise
    assert total["level"] > 1.01 * total["traffic"]


def test_level_plan_with_exponent_zero_is_the_traffic_plan_and_errors() -> None:
    log = synthetic_log()
    info = IpinyouInfo.from_log(synthetic_log(seed=4))
    budget = 0.05 * log.total_market_price
    traffic = paced_replay(log, budget, 1e-4, controller="pid", training=info, plan="traffic")
    flat = paced_replay(
        log,
        budget,
        1e-4,
        controller="pid",
        training=info,
        plan="level",
        options={"level_exponent": 0.0},
    )
    np.testing.assert_array_equal(traffic.multipliers, flat.multipliers)
    leveled = paced_replay(log, budget, 1e-4, controller="pid", training=info, plan="level")
    assert not np.array_equal(traffic.multipliers, leveled.multipliers)
    # without training data the default is the traffic plan
    alone = paced_replay(log, budget, 1e-4, controller="pid")
    np.testing.assert_array_equal(traffic.multipliers, alone.multipliers)
    level_needs = "`training` must be an IpinyouInfo, or a training AuctionLog with pctr, for plan="
    with pytest.raises(InvalidInputError, match=level_needs):
        paced_replay(log, budget, 1e-4, controller="pid", plan="level")
    with pytest.raises(InvalidInputError, match="`level_exponent` must be"):
        paced_replay(
            log, budget, 1e-4, controller="pid", training=info, options={"level_exponent": -1.0}
        )
    with pytest.raises(InvalidInputError, match="Unknown plan 'levels'"):
        paced_replay(log, budget, 1e-4, training=info, plan="levels")  # type: ignore[arg-type]
