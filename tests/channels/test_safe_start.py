"""Where the safe default starts when today's split breaks a group rule: today's split
moved just enough, each group scaled by one factor within the channels' bounds, and
within the largest spend seen (or saying so)."""

from __future__ import annotations

import numpy as np
import pytest

from bidopt.channels import fit_response, split_budget
from bidopt.channels._request import check_request
from bidopt.channels._split_safe import today_start

GROUPS = {"core": ["a", "b"], "rest": ["c"]}


@pytest.fixture(scope="module")
def fit():  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(5)
    x = rng.uniform(300, 1500, (80, 3))
    kpi = 2000 + 3 * x[:, 0] ** 0.8 + 4 * x[:, 1] ** 0.7 + 2 * x[:, 2] ** 0.85
    kpi += rng.normal(0, 20, 80)
    return fit_response({c: x[:, j] for j, c in enumerate("abc")}, kpi, rng=0)


def _start(fit, today, shares):  # type: ignore[no-untyped-def]
    req = check_request(
        fit.curves, sum(today.values()), GROUPS, shares, None, today, "revenue", None,
        None, "kkt", None,
    )  # fmt: skip
    return today_start(fit, req)


def test_a_group_is_scaled_by_one_factor(fit) -> None:  # type: ignore[no-untyped-def]
    # core 1,500 of 3,000 must become 60%: a and b scaled by 1.2 each, c by 0.8; the
    # repair put core's whole +300 on the channel with the most room
    today, start, note = _start(fit, {"a": 1000.0, "b": 500.0, "c": 1500.0}, {"core": 0.6})
    assert start is not None and today is not None
    assert start.tolist() == pytest.approx([1200.0, 600.0, 1200.0], rel=1e-9)
    assert "above the largest spend seen" not in note


def test_the_start_stays_within_the_largest_spend_seen(fit) -> None:  # type: ignore[no-untyped-def]
    seen = fit.max_spend
    today = {"a": 0.95 * seen["a"], "b": 200.0, "c": 2400.0}
    budget = sum(today.values())
    _, start, note = _start(fit, today, {"core": 0.6})
    assert start is not None
    # scaled by one factor a would pass its largest spend: it stops there, b takes the rest
    assert start[0] == pytest.approx(seen["a"], rel=1e-9)
    assert start[0] + start[1] == pytest.approx(0.6 * budget, rel=1e-9)
    assert start[2] == pytest.approx(0.4 * budget, rel=1e-9)
    assert "above the largest spend seen" not in note


def test_a_start_above_the_spends_seen_is_said(fit) -> None:  # type: ignore[no-untyped-def]
    seen = fit.max_spend
    today = {"a": 0.95 * seen["a"], "b": 0.95 * seen["b"], "c": 0.95 * seen["c"]}
    _, start, note = _start(fit, today, {"core": 0.9})
    assert start is not None
    assert np.all(start[:2] > [seen["a"], seen["b"]])
    assert start[0] / today["a"] == pytest.approx(start[1] / today["b"], rel=1e-9)
    assert "Moving today's split to meet the rules takes it above the largest spend seen" in note
    split = split_budget(fit, sum(today.values()), groups=GROUPS, group_shares={"core": 0.9},
                         current=today)  # fmt: skip
    assert "takes it above the largest spend seen for a (" in split.message
