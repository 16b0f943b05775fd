"""split_window: PyMC-Marketing's time-based budget case and a Double-11 window."""

from __future__ import annotations

import re

import numpy as np
import pytest

from bidopt.channels import CurveDraws, WindowSplit, split_window
from bidopt.exceptions import InfeasibleError, InvalidInputError
from tests.channels.test_safe_split import _fit as hand_fit


@pytest.fixture(scope="module")
def draws() -> CurveDraws:
    """PyMC-Marketing's test_allocate_budget posterior: 4 draws (2 chains x 2), logistic
    saturation and geometric adstock with l_max 4."""
    lam = np.array([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6], [0.7, 0.8]])
    beta = np.array([[0.5, 1.0]] * 4)
    alpha = np.array([[0.5, 0.7]] * 4)
    return CurveDraws(
        channels=("channel_1", "channel_2"),
        kind="logistic",
        params={"ceiling": beta, "lam": lam},
        adstock={"alpha": alpha},
        l_max=4,
    )


@pytest.mark.parametrize(
    ("tail", "expected"),
    [
        (False, (58.976, 41.024)),  # the window's 30 periods only
        (True, (54.7836, 45.2164)),  # with the carry-over after it (PyMC-Marketing >= 0.13)
    ],
)
def test_pymc_marketing_time_based_allocation(
    draws: CurveDraws, tail: bool, expected: tuple[float, float]
) -> None:
    split = split_window(draws, phases={"weeks": 30}, phase_budgets={"weeks": 3000.0}, tail=tail)
    assert isinstance(split, WindowSplit) and split.success
    np.testing.assert_allclose(split.spend[:, 0], expected, atol=1e-3)
    assert split.total_spend == pytest.approx(3000.0, rel=1e-9)
    assert (split.tail_response > 0) == tail


def test_double11_window_with_shares_per_phase(draws: CurveDraws) -> None:
    phases = {"pre-heat": 7, "pre-sale": 3, "double11": 1, "return": 3}
    budgets = {"pre-heat": 700.0, "pre-sale": 600.0, "double11": 400.0, "return": 150.0}
    split = split_window(
        draws,
        phases=phases,
        phase_budgets=budgets,
        before={"channel_1": 20.0, "channel_2": 20.0},
        groups={"core": ["channel_1"]},
        group_shares={"core": 0.6},
        shares_per="phase",
    )
    assert split.success
    np.testing.assert_allclose(split.phase_spend.sum(axis=0), list(budgets.values()), rtol=1e-8)
    np.testing.assert_allclose(split.phase_spend[0] / split.phase_spend.sum(axis=0), 0.6, rtol=1e-7)
    assert split.to_frame().shape == (8, 5) and "double11" in split.summary()
    # with the rule over the whole window only, the response is no lower
    free = split_window(
        draws,
        phases=phases,
        phase_budgets=budgets,
        before={"channel_1": 20.0, "channel_2": 20.0},
    )
    assert free.response >= split.response - 1e-9
    with pytest.raises(InvalidInputError, match="`phases` must be a mapping"):
        split_window(draws, 100.0, phases={})


PHASES = {"pre": 7, "sale": 3, "d11": 1}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"groups": {"core": ["channel_1"]}, "group_shares": {"cor": 0.9}},
            r"`group_shares` must name groups of `groups` \(\['core'\]\). Got \['cor'\]",
        ),
        ({"group_shares": {"core": 0.9}}, r"`group_shares` must name groups of `groups`"),
        (
            {"groups": {"g": ["channel_1"], "h": ["channel_2"]}, "group_shares": {"g": 0.7}},
            None,  # valid: the control case
        ),
        (
            {"phase_budgets": {"pre": 1000.0, "sale": 1000.0, "d11": 500.0}},
            r"`total_budget` must equal the sum of `phase_budgets`.*3,000.00.*2,500.00",
        ),
        (
            {
                "total_budget": None,
                "phase_budgets": {"pre": 1000.0, "sale": 1000.0, "d11": 500.0, "d12": 700.0},
            },
            r"`phase_budgets` must give a budget for each phase.*unknown phases \['d12'\]",
        ),
        (
            {"total_budget": None, "phase_budgets": dict.fromkeys(PHASES, 0.0)},
            r"`phase_budgets` must add to a number > 0",
        ),
        ({"bounds": {"channel_1": (100.0, 10.0)}}, r"`bounds\['channel_1'\]` must be .*min <= max"),
        ({"bounds": {"channel_1": 5}}, r"`bounds\['channel_1'\]` must be \(min, max\)"),
        ({"bounds": {"x": (0.0, 5.0)}}, r"`bounds` must name channels of `curves`"),
        ({"options": {"ftol": "x"}}, r"`options\['ftol'\]` must be a finite number > 0"),
        ({"options": {"maxiter": -5}}, r"`options\['maxiter'\]` must be an integer >= 1"),
        ({"tail": "no"}, r"`tail` must be True or False. Got 'no'"),
    ],
)
def test_bad_window_inputs_are_named_never_ignored(
    draws: CurveDraws, kwargs: dict[str, object], message: str | None
) -> None:
    """split_window checks its groups, shares, bounds, budgets and options with the
    helpers split_budget uses: an InvalidInputError naming the parameter, never a typo
    silently ignored, a bare ValueError/TypeError or a NaN response."""
    args: dict[str, object] = {"total_budget": 3000.0, "phases": PHASES, **kwargs}
    if message is None:
        assert split_window(draws, **args).success  # type: ignore[arg-type]
        return
    with pytest.raises(InvalidInputError, match=message):
        split_window(draws, **args)  # type: ignore[arg-type]


def test_window_share_ranges_hold(draws: CurveDraws) -> None:
    """A share range (low, high), as split_budget takes it, holds over the window."""
    split = split_window(
        draws,
        3000.0,
        phases=PHASES,
        groups={"core": ["channel_2"]},
        group_shares={"core": (0.1, 0.2)},
    )
    assert split.success
    share = split.phase_spend[1].sum() / split.total_spend
    assert 0.1 - 1e-7 <= share <= 0.2 + 1e-7


def test_s_shaped_curves_get_random_starts_and_say_so() -> None:
    """Two identical S-shaped channels and a small budget: the uniform split (and the
    optimum on the concave envelopes) is a stationary point far below putting the
    budget on one channel and phase; switching cells off finds it even without random
    starts, and the message says it is not proven optimal, with the envelope bound."""
    nd = 4
    draws = CurveDraws(
        channels=("a", "b"),
        kind="hill",
        params={
            "ceiling": np.full((nd, 2), 3000.0),
            "half": np.full((nd, 2), 500.0),
            "shape": np.full((nd, 2), 3.0),
        },
        adstock={"alpha": np.full((nd, 2), 0.3)},
    )
    phases = {"pre": 3, "d11": 1}
    one = split_window(draws, 800.0, phases=phases, options={"n_starts": 0})
    split = split_window(draws, 800.0, phases=phases)
    assert split.success and split.response == pytest.approx(one.response, rel=1e-9)
    assert np.count_nonzero(split.spend > 1e-6) == 1  # all on one channel and phase
    assert "S-shaped: the best of 16 SLSQP runs" in split.message
    assert "a local optimum not proven the best split" in split.message
    gap = float(re.search(r"beat it by more than ([0-9.e-]+)", split.message).group(1))  # type: ignore[union-attr]
    assert 0 < gap < 0.5
    assert split.total_spend == pytest.approx(800.0, rel=1e-9)


def test_window_minimums_above_the_budget_are_named(draws: CurveDraws) -> None:
    """A per-period minimum that needs more than the window's budget: InfeasibleError
    naming `bounds`, not a failed solve."""
    with pytest.raises(InfeasibleError, match=r"`bounds` minimums .* 8,000.00 yuan more"):
        split_window(draws, 3000.0, phases=PHASES, bounds={"channel_1": (1000.0, None)})


def test_the_guard_gives_way_to_the_phase_budgets_and_says_by_how_much() -> None:
    # review 2: a phase budget above the guard's caps (12,000 a period here) failed with
    # "a constraint fails by ... check the budgets and bounds" although no bounds were given
    # largest spends seen 2,000 and 6,000 yuan per period: the 1.5 x guard caps 3,000 and 9,000
    fit = hand_fit(np.linspace(8000.0, 10000.0, 4), np.linspace(18000.0, 22000.0, 4))
    w = split_window(
        fit, phases={"pre": 7, "main": 1}, phase_budgets={"pre": 35000.0, "main": 15000.0}
    )
    assert w.success, w.message
    np.testing.assert_allclose(w.phase_spend.sum(axis=0), [35000.0, 15000.0], rtol=1e-6)
    assert (w.spend[:, 0] <= np.array([3000.0, 9000.0]) * (1 + 1e-9)).all()  # guard holds
    assert "gives way to your budgets" in w.message
    assert re.search(r"a [\d,.]+ \([\d,.]+ above its guard of 3,000\)", w.message)
    # the window's total alone above the guard's room: the same
    total = split_window(fit, 8 * 13000.0, phases={"pre": 7, "main": 1})
    assert total.success and total.total_spend == pytest.approx(104000.0)
    assert "above its guard" in total.message
    # a share rule the guard cannot hold: the guard is lifted, and the message says so
    shared = split_window(
        fit, 8 * 8000.0, phases={"pre": 7, "main": 1}, groups={"g": ["a"]}, group_shares={"g": 0.5}
    )
    assert shared.success and shared.phase_spend[0].sum() == pytest.approx(32000.0)
    # (said once: the start's note said it and the message said it again)
    said = shared.message.count("guard is lifted") + shared.message.count("guard lifted")
    assert said == 1, shared.message
    assert re.search(r"a [\d,.]+ \([\d,.]+ above its guard of 3,000\)", shared.message)


def test_a_concave_hill_draw_with_no_carry_over_keeps_the_gradient_finite() -> None:
    # Robyn's fit: a Hill draw of shape < 1 (infinite slope at 0) on a channel without
    # carry-over has 0 adstock in the tail periods, where no spend reaches: the gradient
    # was inf x 0 = NaN there and SLSQP stopped ('Inequality constraints incompatible')
    # at its start, the uniform split
    nd = 4
    draws = CurveDraws(
        channels=("a", "b"),
        kind="hill",
        params={
            "ceiling": np.full((nd, 2), 3000.0),
            "half": np.array([[500.0, 2000.0]] * nd),
            "shape": np.array([[0.6, 0.8]] * nd),
        },
        adstock={"alpha": np.array([[0.0, 0.5]] * nd)},
        l_max=4,
    )
    split = split_window(
        draws, 4000.0, phases={"pre": 3, "d11": 1}, before={"a": 100.0, "b": 100.0}
    )
    assert split.success, split.message
    assert "Optimization terminated successfully" in split.message
    # the exact gradient against finite differences at the split
    from bidopt.channels._window_model import WindowModel

    model = WindowModel(draws, split.lengths, {"a": 100.0, "b": 100.0}, True)
    grad = model.gradient(split.spend)
    assert np.all(np.isfinite(grad))
    assert split.response > model.value(np.full((2, 2), 500.0)) * 1.001  # beats its start
    h = 1e-3
    for i, j in np.ndindex(*split.spend.shape):
        e = np.zeros_like(split.spend)
        e[i, j] = h
        fd = (model.value(split.spend + e) - model.value(split.spend - e)) / (2 * h)
        np.testing.assert_allclose(grad[i, j], fd, rtol=1e-5)
