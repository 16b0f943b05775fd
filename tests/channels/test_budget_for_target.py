"""budget_for_target at its edges (review 3): a target equal to the best response of the
largest budget, a target near zero, and one just above the best response.

Hypothesis draws 2-3 channels mixing exponential, logistic and S-shaped Hill curves,
with and without a group share rule (exact or a range) covering part of the channels.
"""

from __future__ import annotations

import re
import warnings
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bidopt.channels import ResponseCurve, budget_for_target, split_budget
from bidopt.exceptions import InfeasibleError

# the review's counterexample: two plain exponential curves, no rules
TWO = {
    "c0": ResponseCurve(
        kind="exponential", params={"ceiling": 7335.001972244682, "scale": 3151.7418815769106}
    ),
    "c1": ResponseCurve(
        kind="exponential", params={"ceiling": 4346.928542885402, "scale": 7676.572056800205}
    ),
}


def test_target_equal_to_the_best_response_of_max_budget_is_planned() -> None:
    top = split_budget(TWO, 10_000.0).response
    answer = budget_for_target(TWO, revenue=top, max_budget=10_000.0)
    assert answer.success, answer.message
    assert answer.budget <= 10_000.0
    assert answer.response >= top * (1 - 1e-9)


def test_tiny_target_gets_a_tiny_budget_with_success() -> None:
    answer = budget_for_target(TWO, revenue=1e-6, max_budget=10_000.0)
    assert answer.success, answer.message
    assert 0 < answer.budget < 1e-5
    assert answer.response >= 1e-6 * (1 - 1e-9)


def test_a_tiny_spend_has_its_response_to_full_precision() -> None:
    # the split's response at 1e-7 yuan was 1 - exp(-z): wrong from the 6th digit
    logistic = {"c": ResponseCurve(kind="logistic", params={"ceiling": 5e3, "lam": 1e-3})}
    for curves in (TWO, logistic):
        split = split_budget(curves, 1e-7)
        exact = sum(float(c(x)) for c, x in zip(curves.values(), split.spend, strict=True))
        assert split.response == pytest.approx(exact, rel=1e-12, abs=0.0)


def test_tiny_budget_with_hill_curves_of_shape_below_one_warns_nothing() -> None:
    # their marginal return is infinite at 0: the root finder's first level was
    # 0 x inf (a RuntimeWarning and a NaN guess) when such a channel spent nothing
    curves = {
        "c0": ResponseCurve(kind="hill", params={"ceiling": 8271.0, "half": 1594.0, "shape": 0.64}),
        "c1": ResponseCurve(kind="hill", params={"ceiling": 4450.0, "half": 1285.0, "shape": 0.52}),
        "c2": ResponseCurve(kind="exponential", params={"ceiling": 1439.0, "scale": 9992.0}),
        "c3": ResponseCurve(kind="exponential", params={"ceiling": 3111.0, "scale": 4406.0}),
    }
    rules = {"groups": {"core": ["c0", "c1"], "rest": ["c2", "c3"]}, "group_shares": {"core": 0.6}}
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        assert split_budget(curves, 1e-12, **rules).success
        answer = budget_for_target(curves, revenue=1e-6, max_budget=20_000.0, **rules)
    assert answer.success, answer.message


def test_roas_target_with_an_s_shaped_curve_finds_the_largest_budget() -> None:
    # the best split's ROI is 0 at a tiny spend, then rises: the search started there
    # and said every target unreachable
    curves = {
        "s": ResponseCurve(kind="hill", params={"ceiling": 9000.0, "half": 1500.0, "shape": 2.5}),
        "e": ResponseCurve(kind="exponential", params={"ceiling": 3000.0, "scale": 4000.0}),
    }
    roi = split_budget(curves, 10_000.0).roi
    whole = budget_for_target(curves, roas=roi, max_budget=10_000.0)
    assert whole.success and whole.budget == 10_000.0, whole.message
    higher = budget_for_target(curves, roas=1.2 * roi, max_budget=10_000.0)
    assert higher.success, higher.message
    assert split_budget(curves, higher.budget * 1.01).roi < 1.2 * roi  # the largest


def _numbers(message: str) -> tuple[str, str]:
    found = re.search(r"returns ([\d,.e+-]+)\. Got ([\d,.e+-]+) ", message)
    assert found is not None, message
    return found.group(1), found.group(2)


def test_unreachable_target_message_shows_the_difference() -> None:
    top = split_budget(TWO, 10_000.0).response
    with pytest.raises(InfeasibleError) as err:
        budget_for_target(TWO, revenue=top * (1 + 1e-8), max_budget=10_000.0)
    best, got = _numbers(str(err.value))
    assert best != got, str(err.value)


@st.composite
def problems(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(2, 3))
    curves: dict[str, ResponseCurve] = {}
    for i in range(n):
        kind = draw(st.sampled_from(["exponential", "logistic", "hill"]))
        ceiling = draw(st.floats(1e3, 1e4))
        if kind == "hill":  # S-shaped
            params = {
                "ceiling": ceiling,
                "half": draw(st.floats(100.0, 3000.0)),
                "shape": draw(st.floats(1.2, 3.5)),
            }
        elif kind == "logistic":
            params = {"ceiling": ceiling, "lam": 1.0 / draw(st.floats(100.0, 1e4))}
        else:
            params = {"ceiling": ceiling, "scale": draw(st.floats(100.0, 1e4))}
        curves[f"c{i}"] = ResponseCurve(kind=kind, params=params)
    problem: dict[str, Any] = {"curves": curves, "max_budget": 5000.0 * n}
    if n == 3 and draw(st.booleans()):
        share = draw(st.floats(0.2, 0.8))
        width = draw(st.sampled_from([0.0, 0.1]))
        problem["groups"] = {"core": ["c0", "c1"], "rest": ["c2"]}
        problem["group_shares"] = {"core": share if width == 0 else (share - width, share + width)}
    return problem


@settings(derandomize=True, database=None, deadline=None, max_examples=4)
@given(problems())
def test_targets_at_the_edges(problem: dict[str, Any]) -> None:
    rules = {k: v for k, v in problem.items() if k in ("groups", "group_shares")}
    top_budget = problem["max_budget"]
    top = split_budget(problem["curves"], top_budget, **rules).response
    for target in (1e-6, top):
        answer = budget_for_target(revenue=target, **problem)
        assert answer.success, (target, answer.message)
        assert answer.budget <= top_budget
        assert answer.response >= target * (1 - 1e-9)
        if target < 1:
            assert answer.budget < 1e-2 * top_budget
    with pytest.raises(InfeasibleError) as err:
        budget_for_target(revenue=top * (1 + 1e-7), **problem)
    best, got = _numbers(str(err.value))
    assert best != got, str(err.value)
