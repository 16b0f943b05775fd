from __future__ import annotations

import numpy as np
import pytest

from bidopt.datasets import AuctionLog, IpinyouInfo, make_auction_log
from bidopt.exceptions import InvalidInputError
from bidopt.pacing import BudgetPacer, open_loop_multiplier
from bidopt.replay import paced_replay, replay


@pytest.mark.parametrize(
    ("controller", "learnt_from"),
    [
        ("dual", "log"),
        ("pid", "log"),
        ("pid", "statistics"),
        ("filter", "log"),
        ("auto", "log"),
        ("auto", "statistics"),
    ],
)
def test_a_pacer_driven_slot_by_slot_is_paced_replay(controller: str, learnt_from: str) -> None:
    training = make_auction_log(20_000, price_swing=0.3, rng=11)
    test = make_auction_log(20_000, price_swing=0.3, price_scale=0.8, rng=12)
    data: AuctionLog | IpinyouInfo = (
        training if learnt_from == "log" else IpinyouInfo.from_log(training)
    )
    budget = test.total_market_price / 16
    lam0 = open_loop_multiplier(data, budget, len(test))
    options = {"controller": controller, "training": data, "n_slots": 24}
    paced = paced_replay(test, budget, lam0, **options)  # type: ignore[arg-type]
    pacer = BudgetPacer(budget, lam0, n_auctions=len(test), **options)  # type: ignore[arg-type]
    at = pacer.slot_auctions(len(test))
    assert at[0] == 0 and at[-1] == len(test) and at.size == pacer.n_slots + 1
    for s in range(pacer.n_slots):
        part = test.take(np.arange(at[s], at[s + 1]))
        assert part.pctr is not None
        spent = replay(part, np.minimum(part.pctr / pacer.multiplier, 300.0), pacer.left).spend
        pacer.update(spent, part.pctr)
    lams, spends = pacer.multipliers, pacer.slot_spend
    # the replay stops mid-slot when the budget runs out; up to then, the same path
    k = paced.multipliers.size
    np.testing.assert_array_equal(lams[:k], paced.multipliers)
    np.testing.assert_array_equal(spends[:k], paced.slot_spend)
    assert pacer.left == pytest.approx(budget - spends.sum())
    assert pacer.left >= -1e-9  # each slot was replayed on the budget left


@pytest.mark.parametrize(
    ("learnt_from", "n_auctions", "expected"),
    [
        ("log", 1000, "filter"),
        ("log", None, "pid"),
        ("statistics", 1000, "pid"),
        (None, None, "pid"),
    ],
)
def test_auto_paces_with_the_controller_best_on_synthetic_days_for_the_data_given(
    learnt_from: str | None, n_auctions: int | None, expected: str
) -> None:
    training = make_auction_log(5_000, rng=3)
    data = {"log": training, "statistics": IpinyouInfo.from_log(training), None: None}[learnt_from]
    pacer = BudgetPacer(100.0, 1e-4, training=data, n_auctions=n_auctions)
    assert pacer.controller == expected
    assert f"controller='{expected}'" in repr(pacer)


@pytest.mark.parametrize("learnt_from", ["log", "statistics"])
def test_paced_replay_defaults_to_auto_and_says_which_controller_it_used(learnt_from: str) -> None:
    training = make_auction_log(20_000, rng=21)
    test = make_auction_log(20_000, price_scale=0.8, rng=22)
    data: AuctionLog | IpinyouInfo = (
        training if learnt_from == "log" else IpinyouInfo.from_log(training)
    )
    budget = test.total_market_price / 8
    lam0 = open_loop_multiplier(data, budget, len(test))
    default = paced_replay(test, budget, lam0, training=data)
    chosen = "filter" if learnt_from == "log" else "pid"
    explicit = paced_replay(test, budget, lam0, training=data, controller=chosen)  # type: ignore[arg-type]
    assert default.controller == explicit.controller == chosen
    np.testing.assert_array_equal(default.bids, explicit.bids)
    other = paced_replay(test, budget, lam0, training=data, controller="dual")
    assert other.controller == "dual"
    assert not np.array_equal(other.bids, default.bids)


@pytest.mark.parametrize("controller", ["dual", "pid"])
def test_overspending_raises_the_multiplier_and_underspending_lowers_it(controller: str) -> None:
    per_slot = 100.0
    for factor, direction in ((2.0, 1.0), (0.5, -1.0), (1.0, 0.0)):
        pacer = BudgetPacer(4 * per_slot, 1e-3, controller=controller, n_slots=4)  # type: ignore[arg-type]
        before = pacer.multiplier
        after = pacer.update(factor * per_slot)
        assert np.sign(after - before) == direction
        assert after == pacer.multiplier
        assert pacer.slot == 1 and pacer.left == pytest.approx(4 * per_slot - factor * per_slot)


def test_open_loop_pacer_keeps_its_multiplier_and_tracks_the_budget() -> None:
    pacer = BudgetPacer(1000.0, 2e-4, controller="none", shares=[1, 2, 1])
    for spent in (100.0, 700.0, 200.0):
        assert pacer.update(spent) == 2e-4
    assert pacer.left == pytest.approx(0.0)
    assert [s for _, s in pacer.history] == [100.0, 700.0, 200.0]
    np.testing.assert_array_equal(pacer.slot_spend, [100.0, 700.0, 200.0])
    np.testing.assert_array_equal(pacer.multipliers, [2e-4] * 3)
    np.testing.assert_allclose(pacer.edges, [0.0, 0.25, 0.75, 1.0])
    assert "slot=3/3" in repr(pacer)
    frame = pytest.importorskip("pandas") and pacer.to_frame()
    assert list(frame["cumulative_spend"]) == [100.0, 800.0, 1000.0]


def test_pacer_errors() -> None:
    training = make_auction_log(5_000, rng=1)
    with pytest.raises(InvalidInputError, match="`n_auctions`"):
        BudgetPacer(100.0, 1e-3, controller="filter", training=training)
    with pytest.raises(InvalidInputError, match="`training`"):
        BudgetPacer(100.0, 1e-3, controller="filter", n_auctions=10)
    with pytest.raises(InvalidInputError, match="`gains` must be three finite numbers"):
        BudgetPacer(100.0, 1e-3, controller="pid", options={"gains": (0.4, 0.0)})  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="`step` must be"):
        BudgetPacer(100.0, 1e-3, options={"step": -0.1})
    with pytest.raises(InvalidInputError, match="`shares` must have a positive sum"):
        BudgetPacer(100.0, 1e-3, shares=[0.0, 0.0])
    level = BudgetPacer(100.0, 1e-3, controller="pid", training=IpinyouInfo.from_log(training))
    assert level.plan == "level"
    with pytest.raises(InvalidInputError, match="`pctr` must be given for plan='level'"):
        level.update(10.0)
    pacer = BudgetPacer(100.0, 1e-3, n_slots=1)
    with pytest.raises(InvalidInputError, match="`spend` must be"):
        pacer.update(-1.0)
    pacer.update(50.0)
    with pytest.raises(InvalidInputError, match="after the last of the 1 slots"):
        pacer.update(10.0)
