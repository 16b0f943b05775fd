"""The pacing package's interface: controllers as classes, options, stop(), results,
the deprecated aliases in bidopt.replay, and the shared pieces it reads."""

from __future__ import annotations

import numpy as np
import pytest

from bidopt.datasets import make_auction_log
from bidopt.exceptions import InvalidInputError
from bidopt.pacing import (
    BudgetPacer,
    DualUpdate,
    OpenLoop,
    PacingController,
    PIDController,
    SlotOutcome,
    open_loop_multiplier,
    spend_plan,
)
from bidopt.replay import paced_replay


def test_a_controller_instance_paces_as_its_name_does() -> None:
    log = make_auction_log(4_000, rng=2)
    budget = 0.1 * log.total_market_price
    for name, instance in (("dual", DualUpdate(0.5)), ("pid", PIDController((0.2, 0.05, 0.1)))):
        knob = {"step": 0.5} if name == "dual" else {"gains": (0.2, 0.05, 0.1)}
        by_name = paced_replay(log, budget, 1e-4, controller=name, options=knob)  # type: ignore[arg-type]
        by_instance = paced_replay(log, budget, 1e-4, controller=instance)
        np.testing.assert_array_equal(by_name.multipliers, by_instance.multipliers)
        assert by_instance.controller == name


def test_a_custom_controller_is_stepped_with_each_slot() -> None:
    seen: list[SlotOutcome] = []

    class Halve(PacingController):
        name = "halve"

        def next_multiplier(self, outcome: SlotOutcome) -> float:
            seen.append(outcome)
            return max(outcome.multiplier / 2, outcome.lam_bounds[0])

    pacer = BudgetPacer(100.0, 1e-2, controller=Halve(), n_slots=4)
    for spend in (10.0, 20.0, 30.0):
        pacer.update(spend)
    assert pacer.controller == "halve"
    assert [o.slot for o in seen] == [0, 1, 2]
    assert seen[1].spend == 20.0 and seen[1].target == pytest.approx(90.0 / 3)
    assert pacer.multiplier == pytest.approx(1e-2 / 8)


def test_open_loop_keeps_its_multiplier() -> None:
    pacer = BudgetPacer(100.0, 1e-3, controller=OpenLoop(), n_slots=3)
    assert [pacer.update(s) for s in (50.0, 60.0)] == [1e-3, 1e-3]


def test_unknown_options_raise() -> None:
    with pytest.raises(InvalidInputError, match="Unknown option"):
        BudgetPacer(100.0, 1e-3, options={"stepp": 0.1})
    log = make_auction_log(500, rng=1)
    with pytest.raises(InvalidInputError, match="Unknown option"):
        paced_replay(log, 10.0, 1e-4, options={"gain": (1, 0, 0)})


def test_stop_books_the_last_slot_and_ends_the_day() -> None:
    pacer = BudgetPacer(100.0, 1e-3, controller="pid", n_slots=4)
    pacer.update(30.0)
    pacer.stop(70.0, 12)
    assert pacer.stopped and pacer.slot == 2 and pacer.left == 0.0
    np.testing.assert_array_equal(pacer.slot_spend, [30.0, 70.0])
    with pytest.raises(InvalidInputError, match="after stop"):
        pacer.update(1.0)


def test_results_explain_themselves() -> None:
    pd = pytest.importorskip("pandas")
    log = make_auction_log(3_000, rng=3)
    budget = 0.05 * log.total_market_price
    lam0 = open_loop_multiplier(log, budget, len(log))
    paced = paced_replay(log, budget, lam0, training=log, n_slots=6)
    assert "Paced by 'filter'" in paced.summary() and "clicks" in paced.result.summary()
    assert isinstance(paced.to_frame(), pd.DataFrame)
    plan = spend_plan(log, lam0, np.linspace(0.0, 1.0, 7))
    assert plan.shares.sum() == pytest.approx(1.0) and plan.n_slots == 6
    assert "6 slots" in plan.summary() and list(plan.to_frame()["share"]) == list(plan.shares)
    pacer = BudgetPacer(10.0, lam0, n_slots=2)
    pacer.update(3.0)
    assert "1 of 2" in pacer.summary() and len(pacer.to_frame()) == 1


@pytest.mark.parametrize("name", ["BudgetPacer", "open_loop_multiplier", "spend_plan"])
def test_moved_names_warn_from_replay(name: str) -> None:
    import bidopt.replay

    with pytest.warns(DeprecationWarning, match=f"bidopt.replay.{name} moved to bidopt.pacing"):
        alias = getattr(bidopt.replay, name)
    assert callable(alias)
    assert name not in bidopt.replay.__all__


def test_deprecated_pacer_alias_takes_the_old_knobs() -> None:
    import bidopt.replay

    with pytest.warns(DeprecationWarning, match="options="):
        old = bidopt.replay.BudgetPacer
    pacer = old(100.0, 1e-3, controller="dual", n_slots=2, step=0.7)
    assert isinstance(pacer, BudgetPacer) and isinstance(pacer.control, DualUpdate)
    assert pacer.control.step == 0.7
