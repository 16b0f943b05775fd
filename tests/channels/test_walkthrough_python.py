"""What a Python user reads from a split over a fit's draws, pinned on small fits by hand
(found by the session-22 walkthrough on Robyn's weekly data): the safe default's message
reads as one sentence and names channels as words, a group rule that gains over the same
safe split without it is not said to "cost" a negative amount, a comparison with today's
split scaled to the budget says so, and the channel intervals print yuan, not exponents."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from bidopt._wording import display_width
from bidopt.channels import (
    CurveDraws,
    ResponseFit,
    budget_for_target,
    compare_splits,
    fit_response,
    split_budget,
    split_window,
)
from bidopt.channels._result import signed_pair
from bidopt.channels._uncertainty import ChannelIntervals
from bidopt.exceptions import InvalidInputError
from tests.channels.test_safe_split import TODAY, _fit

RULE = {"groups": {"g": ["a"]}, "group_shares": {"g": (0.3, 0.5)}}


def _disagreeing(seed: int, ceiling_a: float = 4000.0) -> ResponseFit:
    """Draws whose ceilings of a and b move in opposite directions (log-sd 0.3)."""
    e = np.random.default_rng(seed).normal(0, 0.3, 200)
    return _fit(ceiling_a * np.exp(e), 6000.0 * np.exp(-e))


def test_a_partial_move_from_a_moved_start_reads_as_one_sentence() -> None:
    # it said 'moved 82% of the way from today's split, changed only as far as the
    # bounds and group rules require towards the best split ...'
    split = split_budget(_disagreeing(1), 4000.0, current=TODAY, **RULE)
    assert split.safe_step is not None and 0 < split.safe_step < 1
    assert (
        f"moved {split.safe_step:.0%} of the way from today's split (changed only as far as "
        "the bounds and group rules require) towards the best split over the draws"
    ) in split.message


def test_a_full_move_names_the_region_before_the_start() -> None:
    split = split_budget(_disagreeing(0), 4000.0, current=TODAY, **RULE)
    assert split.safe_step == 1.0
    assert (
        "within the trust region (each channel within its starting spend x exp(+-r), r from"
        in split.message
    )
    assert "around today's split, changed only as far as the bounds and group rules require;" in (
        split.message
    )


def test_channels_are_named_as_words_not_python_lists() -> None:
    # 'Held at the trust region's edge: ['a']'
    split = split_budget(_disagreeing(1), 4000.0, current=TODAY, **RULE)
    assert "Held at the trust region's edge: a." in split.message
    assert "['" not in split.message


def test_a_rule_that_gains_over_the_safe_split_without_it_does_not_cost_a_negative() -> None:
    # the summary said 'the group rules cost -260 against the same split without them'
    split = split_budget(
        _disagreeing(0), 4000.0, current=TODAY, groups={"g": ["a"]}, group_shares={"g": 0.5}
    )
    assert split.rule_cost is not None and split.rule_cost < 0
    text = split.summary()
    assert "cost -" not in text
    assert (
        f"the group rules cost nothing: this split's response is {-split.rule_cost:,.0f} "
        f"above the same split without them ({split.unconstrained_response:,.0f})"
    ) in text


def test_todays_split_scaled_to_the_budget_is_said_and_shown() -> None:
    # with twice today's budget the safe default compares with today's split doubled:
    # the summary said 'vs current: +X (Y now)', Y being the doubled split's response
    split = split_budget(_disagreeing(0), 8000.0, current=TODAY)
    assert split.current_spend is not None
    np.testing.assert_allclose(split.current_spend, [2000.0, 6000.0])
    assert (
        "Today's split (the current spend, 4,000 yuan) is compared scaled to the budget "
        "(8,000 yuan): the gains are at equal spend." in split.message
    )
    up = signed_pair(split.uplift, split.current_response or 0.0)[0]  # never "-0"
    assert f"vs current: {up} (current split: 8,000 yuan, response " in split.summary()
    same = split_budget(_disagreeing(0), 4000.0, current=TODAY)
    assert "scaled to the budget" not in same.message


def test_channel_intervals_print_spend_in_yuan() -> None:
    # 'spend    1.484e+04' beside 'spend        3,729'
    fit = _disagreeing(0)
    text = fit.intervals({"a": 14843.69, "b": 3729.0}).summary()
    assert "e+0" not in text
    assert "spend       14,844" in text and "spend        3,729" in text
    small = ChannelIntervals.summary(fit.intervals({"a": 12.5, "b": 3000.0}))
    assert "spend         12.5  ROI" in small


def _columns_line_up(rows: list[str], marker: str) -> None:
    """``marker`` starts at the same display column (a Chinese character takes two) in
    every row."""
    starts = {display_width(row[: row.index(marker)]) for row in rows}
    assert len(starts) == 1, rows


def test_tables_line_up_after_chinese_channel_names() -> None:
    # '直通车         736,800 yuan' sat two columns right of '钻展          267,857 yuan'
    names = ("直通车", "钻展", "tv")
    draws = CurveDraws(
        channels=names,
        kind="exponential",
        params={
            "ceiling": np.tile([2000.0, 900.0, 600.0], (5, 1)),
            "scale": np.tile([500.0, 300.0, 200.0], (5, 1)),
        },
        adstock={"alpha": np.zeros((5, 3))},
    )
    split = split_budget(draws.curves(0), 1200.0)
    _columns_line_up(split.summary().splitlines()[2:5], " yuan  response")
    window = split_window(draws, 1000.0, phases={"pre-heat": 2, "double11": 1})
    rows = window.summary().splitlines()[3:6]
    assert [r.split()[0] for r in rows] == list(names)
    assert len({display_width(r) for r in rows}) == 1, rows  # numbers right-aligned
    rows = [r for r in draws.summary().splitlines() if ".ceiling" in r]
    assert len(rows) == 3 and len({display_width(r.split("[")[0]) for r in rows}) == 1, rows


def test_compare_splits_and_budget_for_target_refuse_a_fit_and_say_what_to_pass() -> None:
    # compare_splits(fit, ...) ran the safe default for every entry: its "optimal" (the
    # safe split without a rule) earned less than the 60/40 scenario on Robyn's data
    fit = _disagreeing(0)
    with pytest.raises(InvalidInputError, match=r"not a fit of fit_response.*fit\.curves"):
        compare_splits(fit, 4000.0, groups={"g": ["a"]}, scenarios={"half": {"g": 0.5}})  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match=r"Got a ResponseFit instead: pass fit\.curves"):
        budget_for_target(fit, revenue=100.0, max_budget=8000.0)  # type: ignore[arg-type]
    splits = compare_splits(fit.curves, 4000.0, groups={"g": ["a"]}, scenarios={"half": {"g": 0.5}})
    assert splits["half"].rule_cost is not None and splits["half"].rule_cost >= 0


def test_a_rule_past_the_extrapolation_guard_is_not_blamed_on_the_safe_default() -> None:
    # with safe=False a group rule that lifts the guard earns more than the guarded
    # split without it: the summary said 'whose safe default stopped nearer today's
    # split', a safe default that was off
    rng = np.random.default_rng(0)
    a, b = rng.uniform(100, 300, 80), rng.uniform(1000, 3000, 80)
    kpi = 1000 + 40 * a**0.8 + 2 * b**0.7 + rng.normal(0, 20, 80)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = fit_response({"a": a, "b": b}, kpi, rng=0)
    rule = {"groups": {"ga": ["a"], "gb": ["b"]}, "group_shares": {"ga": 0.5}}
    split = split_budget(fit, 2200.0, current={"a": 200.0, "b": 2000.0}, safe=False, **rule)
    assert split.safe_step is None and split.rule_cost is not None and split.rule_cost < 0
    text = split.summary()
    assert "safe default" not in text
    assert "whose extrapolation guard kept it within the spends seen" in text
