"""The open-loop multiplier and the spend plans (moved from tests/replay/test_pacing.py)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from bidopt.datasets import AuctionLog, IpinyouInfo, read_ipinyou_info
from bidopt.exceptions import InvalidInputError
from bidopt.pacing import open_loop_multiplier, spend_plan
from bidopt.replay import replay
from bidopt.typing import FloatArray
from tests.auction_logs import synthetic_log
from tests.conftest import shared_file


def _slot_spend(log: AuctionLog, lam: float, edges: npt.NDArray[np.float64]) -> FloatArray:
    """What the bids ``pCTR / lam`` spent on ``log`` in each slot, as shares."""
    assert log.pctr is not None
    won = np.minimum(log.pctr / lam, 300.0) > log.market_price
    at = np.round(edges * len(log)).astype(np.int64)
    spent = np.add.reduceat(log.market_price * won, at[:-1])
    return np.asarray(spent / spent.sum(), dtype=np.float64)


def test_open_loop_multiplier_meets_the_training_spend() -> None:
    info = read_ipinyou_info(shared_file("bidlogs/ipinyou_2997_info.json"))
    n = info.imp_train
    budget = info.cost_train / 8
    lam = open_loop_multiplier(info, budget, n)
    bid = info.ctr_train / lam
    pmf = info.market_price_pmf()
    prices = np.arange(pmf.size)
    spend = n * float((pmf * prices)[prices < bid].sum())
    assert spend == pytest.approx(budget, rel=0.05)  # integer prices: a step function


def test_open_loop_multiplier_from_a_training_log_spends_the_budget_on_it() -> None:
    log = synthetic_log()
    lams = []
    for fraction in (0.02, 0.1, 0.5):
        budget = fraction * log.total_market_price
        lam = open_loop_multiplier(log, budget, len(log))
        spent = replay(log, np.minimum(log.pctr / lam, 300.0), budget, stop="none").spend
        # the least set of auctions (best pCTR per price first) whose spend reaches it
        assert budget <= spent <= budget + log.market_price.max()
        lams.append(lam)
    assert lams[0] > lams[1] > lams[2]  # more budget, higher bids
    # per auction: the same budget over half as many auctions needs half the spend
    half = open_loop_multiplier(log, 0.05 * log.total_market_price, len(log) * 2)
    assert half == pytest.approx(
        open_loop_multiplier(log, 0.1 * log.total_market_price, len(log) * 4)
    )
    # more than every winnable auction costs: bid so high that all are won
    lam = open_loop_multiplier(log, 10 * log.total_market_price, len(log))
    assert replay(log, np.minimum(log.pctr / lam, 300.0), 0.0, stop="none").impressions == int(
        ((log.pctr > 0) & (log.market_price < 300.0)).sum()
    )


def test_open_loop_multiplier_keeps_the_pctr_price_link_of_a_training_log() -> None:
    # prices rise with pCTR: a histogram (which forgets the link) misjudges the spend
    rng = np.random.default_rng(7)
    n = 20_000
    pctr = rng.beta(1.0, 200.0, n)
    price = 2e4 * pctr * rng.uniform(0.5, 1.5, n)
    log = AuctionLog(click=(rng.random(n) < pctr).astype(np.int64), market_price=price, pctr=pctr)
    budget = 0.2 * log.total_market_price
    errors = []
    for training in (log, IpinyouInfo.from_log(log)):
        lam = open_loop_multiplier(training, budget, n)
        spent = replay(log, np.minimum(pctr / lam, 300.0), budget, stop="none").spend
        errors.append(abs(spent / budget - 1))
    assert errors[0] < 0.01  # the log's own spend, to one auction
    assert errors[1] > 0.1  # the histogram, which takes every pCTR to be the mean


def test_open_loop_multiplier_errors() -> None:
    log = synthetic_log()
    with pytest.raises(InvalidInputError, match="needs `pctr`"):
        open_loop_multiplier(AuctionLog(click=log.click, market_price=log.market_price), 1.0, 10)
    with pytest.raises(InvalidInputError, match="must be an IpinyouInfo or an AuctionLog"):
        open_loop_multiplier({"imp_train": 3}, 1.0, 10)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="`n_auctions` must be"):
        open_loop_multiplier(log, 1.0, 0)


def test_spend_plan_follows_the_spend_of_a_constant_bid_over_the_day() -> None:
    from bidopt.datasets import make_auction_log

    training = make_auction_log(100_000, daily_swing=0.6, rng=11)
    assert training.pctr is not None
    edges = np.linspace(0.0, 1.0, 25)
    lam = open_loop_multiplier(training, 0.2 * training.total_market_price, len(training))
    plan = spend_plan(training, lam, edges).shares
    assert plan.shape == (24,) and plan.sum() == pytest.approx(1.0, rel=1e-12)
    # against what the bids spent on that log, slot by slot (many wins per slot here)
    np.testing.assert_allclose(plan, _slot_spend(training, lam, edges), rtol=0.15)
    # the pCTR swing makes it differ from the traffic shares
    assert np.abs(plan - np.diff(edges)).max() > 0.01
    # bids that win nothing spend nothing: the traffic shares
    np.testing.assert_allclose(spend_plan(training, 1e9, edges).shares, np.diff(edges))
    with pytest.raises(InvalidInputError, match="`edges` must rise from 0 to 1"):
        spend_plan(training, lam, [0.0, 0.7, 0.5, 1.0])
    with pytest.raises(InvalidInputError, match="`lam` must be"):
        spend_plan(training, 0.0, edges)


def test_calibrated_spend_plan_follows_prices_that_swing_over_the_day() -> None:
    """The price model pools the day; when prices at a given pCTR are dearer in the
    afternoon, the plan calibrated to the training log's own slot spend predicts
    another day's spend much better than the model alone."""
    from bidopt.datasets import make_auction_log

    training = make_auction_log(100_000, price_swing=0.4, rng=41)
    test = make_auction_log(100_000, price_swing=0.4, rng=42)
    edges = np.linspace(0.0, 1.0, 49)
    for fraction in (4, 32):
        lam = open_loop_multiplier(training, training.total_market_price / fraction, 100_000)
        actual = _slot_spend(test, lam, edges)
        model = spend_plan(training, lam, edges, calibrate=False).shares
        calibrated = spend_plan(training, lam, edges).shares
        assert calibrated.sum() == pytest.approx(1.0, rel=1e-12)
        model_error = np.abs(model / actual - 1).mean()
        calibrated_error = np.abs(calibrated / actual - 1).mean()
        assert calibrated_error < 0.6 * model_error, (fraction, calibrated_error, model_error)


def test_slot_calibration_is_the_ratio_between_the_plans() -> None:
    from bidopt.datasets import make_auction_log
    from bidopt.pacing._plan import slot_calibration
    from bidopt.pacing._spend_model import SpendModel

    training = make_auction_log(40_000, price_swing=0.4, rng=46)
    edges = np.linspace(0.0, 1.0, 25)
    lam = open_loop_multiplier(training, training.total_market_price / 8, 40_000)
    ratio = slot_calibration(training, lam, edges, SpendModel(training, 300.0))
    assert ratio.shape == (24,) and np.all(ratio > 0) and np.ptp(ratio) > 0.2
    plain, calibrated = (
        spend_plan(training, lam, edges, calibrate=c).shares for c in (False, True)
    )
    np.testing.assert_allclose(calibrated, plain * ratio / (plain * ratio).sum(), rtol=1e-12)


def test_calibrated_spend_plan_shrinks_noise_towards_the_model() -> None:
    """Without a price swing the training log's slot spend departs from the model by
    noise only (a few wins per slot at a small budget); the shrunk ratios keep the plan
    much nearer the model than that noise."""
    from bidopt.datasets import make_auction_log

    training = make_auction_log(60_000, rng=43)
    edges = np.linspace(0.0, 1.0, 49)
    lam = open_loop_multiplier(training, training.total_market_price / 64, 60_000)
    model = spend_plan(training, lam, edges, calibrate=False).shares
    fell = _slot_spend(training, lam, edges)
    calibrated = spend_plan(training, lam, edges).shares
    noise = np.abs(fell / model - 1).mean()
    assert noise > 0.08  # few auctions won per slot: the raw ratios are noisy
    assert np.abs(calibrated / model - 1).mean() < 0.4 * noise
    # nothing expected anywhere: the traffic shares, calibrated or not
    np.testing.assert_allclose(spend_plan(training, 1e9, edges).shares, np.diff(edges))
