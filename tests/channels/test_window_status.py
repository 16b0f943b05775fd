"""Review of the window split's safe default (session 23): ``WindowSplit.status`` with
split_budget's codes, rules that cannot hold together refused up front with
InfeasibleError naming the rule and the amount, gain intervals never printed '-0', and
messages that say truthfully why the split held still or where a channel is held."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import numpy as np
import pytest
from scipy import optimize

from bidopt.channels import CurveDraws, split_budget, split_window
from bidopt.channels._result import signed_pair
from bidopt.exceptions import InfeasibleError
from tests.channels.test_safe_split import _fit
from tests.channels.test_window_safe import _random_window, _s_shaped, _seeded

PHASES = {"pre": 7, "sale": 3, "d11": 1}
BUDGETS = {"pre": 28000.0, "sale": 15000.0, "d11": 10000.0}


# --- status ------------------------------------------------------------------------


def test_status_follows_split_budgets_codes() -> None:
    fit = _seeded(1)
    window = {"total_budget": 16000.0, "phases": {"pre": 3, "d11": 1}}
    part = split_window(fit, **window)  # 32% of the way: stopped short
    assert part.success and 0 < part.safe_step < 1 and part.status == 4  # type: ignore[operator]
    free = split_window(fit, safe=False, **window)  # the optimum of a concave problem
    assert free.success and free.safe_step is None and free.status == 0
    rng = np.random.default_rng(0)
    up = rng.random(200) < 0.5  # draws that disagree: it stays at today's split
    torn = _fit(np.where(up, 9000.0, 2500.0), np.where(up, 6000.0, 14000.0))
    split = split_window(torn, **window)
    assert split.safe_step == 0.0 and split.status == 1
    # today's split moved to meet a share rule, and kept: stopped short (4), not 1
    moved = split_window(
        torn,
        groups={"g": ["a"]},
        group_shares={"g": 0.6},
        **window,
    )
    assert moved.safe_step == 0.0 and "moved to meet the rules" in moved.message
    assert moved.status == 4
    # S-shaped draws and a gap to the concave-envelope bound: not proven, 2
    s_shaped = split_window(_s_shaped(3), phases=PHASES, phase_budgets=BUDGETS, safe=False)
    assert "not proven the best split" in s_shaped.message and s_shaped.status == 2


def test_status_takes_the_whole_step_within_the_region_as_0_or_4() -> None:
    rng = np.random.default_rng(0)
    wide = _fit(12000 * np.exp(rng.normal(0, 0.3, 200)), 9000 * np.exp(rng.normal(0, 0.3, 200)))
    split = split_window(wide, total_budget=16000.0, phases={"p": 4}, extrapolation=None)
    assert split.safe_step == 1.0 and "Held at the trust region's edge: a" in split.message
    assert split.status == 4  # the region, not the optimum, stopped it
    rng = np.random.default_rng(0)
    fit = _fit(20000 * np.exp(rng.normal(0, 0.1, 200)), 9000 * np.exp(rng.normal(0, 0.1, 200)))
    with_guard = split_window(fit, total_budget=32000.0, phases={"p": 4})
    assert with_guard.safe_step == 1.0 and with_guard.status == 0  # the guard holds a (a rule)


@pytest.mark.parametrize("seed", range(40))
def test_status_is_consistent_with_the_step(seed: int) -> None:
    fit, kw = _random_window(seed)
    try:
        split = split_window(fit, **kw)
    except InfeasibleError:
        return
    assert split.success and split.status in (0, 1, 2, 4)
    if split.safe_step is None:
        assert split.status in (0, 2)
    elif split.safe_step <= 0:
        assert split.status in (1, 4) and np.array_equal(split.spend, split.current_spend)
    elif split.safe_step < 1:
        assert split.status == 4


# --- rules that cannot hold: InfeasibleError up front ---------------------------------


def test_a_share_the_bounds_cannot_meet_over_the_window_is_named() -> None:
    # share 0.9 of 40,000 on a, whose maximum is 500 a period over 11 periods (5,500)
    with pytest.raises(
        InfeasibleError, match=r"Over the window \(11 periods.*Group 'g'.*0\.9"
    ) as e:
        split_window(
            _seeded(1),
            40000.0,
            phases=PHASES,
            groups={"g": ["a"]},
            group_shares={"g": 0.9},
            bounds={"a": (None, 500.0)},
        )
    assert e.value.conflicts == pytest.approx({"group:g": 36000.0 - 5500.0})
    # b's minimum 1,000 a period takes 11,000 of the 40,000: a cannot have 36,000
    with pytest.raises(InfeasibleError, match=r"must cover the minimums.*47,000\.00 yuan") as e:
        split_window(
            _seeded(1),
            40000.0,
            phases=PHASES,
            groups={"g": ["a"]},
            group_shares={"g": 0.9},
            bounds={"b": (1000.0, None)},
        )
    assert e.value.conflicts == pytest.approx({"budget": 7000.0})


def test_a_phase_the_bounds_cannot_spend_or_share_is_named() -> None:
    with pytest.raises(
        InfeasibleError, match=r"In phase 'pre' \(7 periods.*`phase_budgets\['pre'\]` must fit"
    ) as e:
        split_window(
            _seeded(1),
            phases=PHASES,
            phase_budgets=BUDGETS,
            bounds={"a": (None, 500.0), "b": (None, 500.0)},
        )
    assert e.value.conflicts == pytest.approx({"phase:pre:budget": 21000.0})
    with pytest.raises(InfeasibleError, match=r"In phase 'pre'.*32,200\.00 yuan") as e:
        split_window(
            _seeded(1),
            phases=PHASES,
            phase_budgets=BUDGETS,
            groups={"g": ["a"]},
            group_shares={"g": 0.9},
            shares_per="phase",
            bounds={"b": (1000.0, None)},
        )
    assert e.value.conflicts == pytest.approx({"phase:pre:budget": 4200.0})


def test_window_shares_the_phase_budgets_cannot_meet_are_named() -> None:
    # each phase alone can spend its budget and the window alone its share, but not both:
    # the first day must spend 1,000 on each channel, the second nothing
    kw = {
        "phases": {"p1": 1, "p2": 1},
        "phase_budgets": {"p1": 2000.0, "p2": 0.0},
        "bounds": {"a": (None, 1000.0), "b": (None, 1000.0)},
        "groups": {"g": ["a"]},
    }
    with pytest.raises(InfeasibleError, match=r"minimum share 0\.9 .* by 800\.00 yuan") as e:
        split_window(_seeded(1), group_shares={"g": 0.9}, **kw)
    assert e.value.conflicts == pytest.approx({"group:g": 800.0})
    with pytest.raises(InfeasibleError, match=r"maximum share 0\.45 .* by 100\.00 yuan"):
        split_window(_seeded(1), group_shares={"g": (0.2, 0.45)}, **kw)
    split = split_window(_seeded(1), group_shares={"g": (0.2, 0.5)}, **kw)  # the edge holds
    assert split.success


@pytest.mark.parametrize("seed", range(40))
def test_rules_that_can_hold_are_met(seed: int) -> None:
    """Where the rules can hold (no InfeasibleError), the split meets them: no more
    'success=False, check the budgets and bounds' for rules that cannot hold together
    (seeds 0-399 of this generator: 13 raise, the other 387 succeed)."""
    fit, kw = _random_window(seed)
    try:
        split = split_window(fit, **kw)
    except InfeasibleError:
        assert not _feasible(kw)  # an independent LP agrees (seeds 0-399: 13 of 13)
        return
    assert split.success, split.message


def _feasible(kw: dict[str, Any]) -> bool:
    """Whether a window's budgets, per-period bounds and shares (channels a, b) can hold
    together: a linear programme in yuan per channel and phase, written apart from
    bidopt's own checks."""
    names = list(kw["phases"])
    periods = np.array([kw["phases"][p] for p in names], dtype=float)
    f = len(names)
    lo, hi = np.zeros(2), np.full(2, np.inf)
    for c, (low, high) in (kw.get("bounds") or {}).items():
        j = "ab".index(c)
        lo[j], hi[j] = low or 0.0, np.inf if high is None else high
    cells = [
        (lo[j] * periods[p], hi[j] * periods[p] if np.isfinite(hi[j]) else None)
        for j in range(2)
        for p in range(f)
    ]
    a_eq: list[np.ndarray] = []
    b_eq: list[float] = []
    a_ub: list[np.ndarray] = []
    b_ub: list[float] = []
    if "phase_budgets" in kw:
        budgets = np.array([kw["phase_budgets"][p] for p in names])
        total = float(budgets.sum())
        for p in range(f):
            row = np.zeros(2 * f)
            row[[p, f + p]] = 1.0
            a_eq.append(row)
            b_eq.append(float(budgets[p]))
    else:
        total = float(kw["total_budget"])
        a_eq.append(np.ones(2 * f))
        b_eq.append(total)
    for g, share in (kw.get("group_shares") or {}).items():
        low, high = (share, share) if isinstance(share, float) else share
        members = ["ab".index(c) for c in kw["groups"][g]]
        parts = (
            [(list(range(f)), total)]
            if kw.get("shares_per", "window") == "window"
            else [([p], float(budgets[p])) for p in range(f)]
        )
        for phases, base in parts:
            row = np.zeros(2 * f)
            for j in members:
                row[[j * f + p for p in phases]] = 1.0
            a_ub += [-row, row]
            b_ub += [-low * base + 1e-9 * total, high * base + 1e-9 * total]
    res = optimize.linprog(
        np.zeros(2 * f),
        A_ub=np.array(a_ub) if a_ub else None,
        b_ub=b_ub or None,
        A_eq=np.array(a_eq),
        b_eq=b_eq,
        bounds=cells,
        method="highs",
    )
    return bool(res.status == 0)


# --- wording -------------------------------------------------------------------------


def test_signed_pair_never_prints_minus_zero() -> None:
    assert signed_pair(-0.229, 1101.3) == ("0", "+1,101")
    assert signed_pair(-0.004, 0.5) == ("0.00", "+0.50")
    assert signed_pair(-0.006, 0.5) == ("-0.01", "+0.50")
    assert signed_pair(-150.0, -0.4) == ("-150", "0")
    split = split_window(_seeded(1), 16000.0, phases={"pre": 3, "d11": 1})
    assert split.gain_interval is not None and -0.5 < split.gain_interval[0] < 0
    assert "80% interval 0 to +" in split.message and "-0 " not in split.message
    assert "interval 0 to +" in split.summary()
    rng = np.random.default_rng(1)
    fit = _fit(5.0 * np.exp(rng.normal(0, 0.5, 200)), 9.0 * np.exp(rng.normal(0, 0.5, 200)))
    budget = split_budget(fit, 4000.0, current={"a": 1000.0, "b": 3000.0})
    assert budget.gain_interval is not None and round(budget.gain_interval[0], 2) == 0
    assert "-0.00" not in budget.message and "-0.00" not in budget.summary()


def test_a_channel_at_the_guard_is_not_said_to_be_at_the_trust_regions_edge() -> None:
    # a's trust region reaches 6,300 a period; the guard (1.5 x 2,000) holds it at 3,000
    rng = np.random.default_rng(0)
    fit = _fit(20000 * np.exp(rng.normal(0, 0.1, 200)), 9000 * np.exp(rng.normal(0, 0.1, 200)))
    split = split_window(fit, total_budget=32000.0, phases={"p": 4})
    assert split.spend[0, 0] == pytest.approx(3000.0)
    assert "Held at the extrapolation guard" in split.message
    assert "trust region's edge" not in split.message


def test_a_split_nothing_can_move_does_not_blame_the_draws() -> None:
    # one channel and phase budgets: the budgets fix the split
    rng = np.random.default_rng(0)
    n = 100
    draws = CurveDraws(
        channels=("a",),
        kind="logistic",
        params={"ceiling": 5000 * np.exp(rng.normal(0, 0.3, (n, 1))), "lam": np.full((n, 1), 1e-3)},
        adstock={"alpha": np.full((n, 1), 0.3)},
    )
    base = _seeded(1)
    one = dataclasses.replace(
        base,
        draws=draws,
        curves=draws.curves(0),
        adstock={"a": {"alpha": 0.3}},
        mean_spend={"a": 1000.0},
        max_spend={"a": 2000.0},
        min_spend={"a": 400.0},
    )
    split = split_window(one, phases={"p": 3, "q": 1}, phase_budgets={"p": 3000.0, "q": 5000.0})
    assert split.success and split.status == 1
    np.testing.assert_allclose(split.spend, [[1000.0, 5000.0]])
    assert "leave no other window split to move to" in split.message
    assert "lift tests" not in split.message
    # a channel the history never spent on is held at 0; the other takes each budget
    zero = dataclasses.replace(base, mean_spend={"a": 0.0, "b": 3000.0})
    split = split_window(zero, 16000.0, phases={"pre": 3, "d11": 1})
    assert split.status == 1 and "leave no other window split" in split.message
    assert re.search(r"Not started: a\b", split.message)
