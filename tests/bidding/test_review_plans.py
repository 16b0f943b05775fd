"""Review of the plans' summaries (session 22): a plan with and without crowd premiums
writes the same quantity the same way, and every count reads right for 1 and for many."""

from __future__ import annotations

import re

import numpy as np
import pytest

from bidopt.bidding import PlanRanges, optimize_bids, optimize_crowd_bids
from bidopt.exceptions import InvalidInputError
from bidopt.landscape import BidLandscape


def _land() -> BidLandscape:
    """One keyword in two crowds (the docstring example, with revenue and impressions)."""
    return BidLandscape(
        bids=np.array([[1.0, 2.0, 4.0]] * 2),
        clicks=np.array([[10.0, 16.0, 19.0], [4.0, 7.0, 9.0]]),
        cost=np.array([[6.0, 20.0, 50.0], [2.0, 9.0, 25.0]]),
        conversions=np.array([[0.5, 0.8, 0.95], [0.8, 1.4, 1.8]]),
        revenue=np.array([[50.0, 80.0, 95.0], [80.0, 140.0, 180.0]]),
        impressions=np.array([[100.0, 200.0, 300.0], [50.0, 80.0, 90.0]]),
    )


def _totals_lines(summary: str) -> list[str]:
    """The summary's lines of totals and ratios, from clicks to CTR."""
    lines = summary.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("  clicks "))
    return lines[first : first + 4]


@pytest.mark.parametrize("budget", [0.0, 12.0])
def test_a_crowd_plan_reads_as_a_keyword_plan(budget: float) -> None:
    """Before: the crowd plan left CPC and CPA out with nothing under them (the keyword
    plan wrote '- (no clicks)'), had no revenue / ROAS line, wrote its gap as a
    percentage (the keyword plan's as '1.23e-04 relative'), and its totals() had a
    'value' key the keyword plan's lacked.  The same lines, numbers aside."""
    land = _land().take(np.array([0]))
    crowd = optimize_crowd_bids(land, budget, keywords=["dress"], crowds=["all"])
    plan = optimize_bids(land, budget)

    def shape(text: str) -> list[str]:  # the lines with every number as '#'
        return [re.sub(r"\d[\d,]*(\.\d+)?(e[+-]\d+)?", "#", line) for line in text]

    assert shape(_totals_lines(crowd.summary())) == shape(_totals_lines(plan.summary()))
    assert crowd.totals().keys() == plan.totals().keys()
    assert f"CPA {crowd.cpa:.2f} yuan" in crowd.summary() or budget == 0
    if budget == 0:
        assert _totals_lines(crowd.summary()) == _totals_lines(plan.summary())
        text = crowd.summary()
        assert "CPC - (no clicks)" in text and "CPA - (no conversions)" in text
        assert "ROAS - (no spend)" in text and "CTR - (no impressions)" in text
    gap = r"bound [\d,.]+ \(gap <= [\d.e+-]+, (< )?[\d.]+%\)"
    for text in (crowd.summary(), plan.summary()):
        assert re.search(gap, text), text


def test_counts_read_right_for_one() -> None:
    """Before: '1/1 keywords bid', '1 crowd premium(s)', '1 crowds, 0 violate' and
    'max_crowds: 1 crowds <= 8 crowds'."""
    plan = optimize_crowd_bids(
        _land(), 30.0, keywords=["dress", "dress"], crowds=["others", "past buyers"],
        base_crowd="others",
    )  # fmt: skip
    assert plan.n_targeted == 1
    text = plan.summary()
    assert "bids on 1 of 1 keyword\n" in text
    assert "premiums on 1 of 2 crowds: past buyers +" in text
    assert plan.message.startswith("1 crowd premium;")
    assert re.search(r"\b1 (keyword|crowd|cell)s\b", text) is None, text
    assert re.search(r"\b1 (keyword|crowd|cell|bid)s?, 1 violate\b", text) is None
    assert "premium_min: 2.33 >= 0.05" in text and "1 crowd, 0 violate" in text
    assert "max_crowds: 1 <= 8 " in text
    single = optimize_bids(_land().take(np.array([0])), 30.0, max_bid=3.0)
    assert "bids on 1 of 1 keyword\n" in single.summary()
    assert "1 bid, 0 violate" in single.summary()


def test_a_lifetime_value_plan_shows_what_its_target_reads() -> None:
    """With objective='lifetime_value' a target ROAS reads the lifetime value per yuan,
    not the first basket's ROAS the summary shows: the summary shows both."""
    plan = optimize_crowd_bids(
        _land(), 30.0, keywords=["dress", "dress"], crowds=["others", "past buyers"],
        objective="lifetime_value", value_multiplier={"others": 1.0, "past buyers": 3.0},
        target_roas=4.0,
    )  # fmt: skip
    assert plan.success
    per_yuan = re.search(
        r"lifetime value ([\d,.]+) yuan, per yuan of spend ([\d.]+)", plan.summary()
    )
    assert per_yuan is not None, plan.summary()
    assert float(per_yuan[1].replace(",", "")) == pytest.approx(plan.fun, abs=0.01)
    assert float(per_yuan[2]) == pytest.approx(plan.fun / plan.spend, abs=0.01)
    assert float(per_yuan[2]) >= 4.0 - 0.005


def test_the_premium_frame_totals_every_metric() -> None:
    """Before: conversions only; revenue and impressions were in to_frame() alone."""
    pytest.importorskip("pandas")
    plan = optimize_crowd_bids(
        _land(), 30.0, keywords=["dress", "dress"], crowds=["others", "past buyers"],
        base_crowd="others",
    )  # fmt: skip
    frame = plan.premium_frame()
    cells = plan.to_frame()
    for name in ("cost", "clicks", "value", "conversions", "revenue", "impressions"):
        np.testing.assert_allclose(
            frame[name].to_numpy(), cells.groupby("crowd", sort=False)[name].sum()
        )


def test_messages_count_one_as_one() -> None:
    """Before: 'Got group(s) ['zz']' and 'Ranges over 1 draws'."""
    land = _land()
    with pytest.raises(InvalidInputError, match=r"Got 1 unknown group \['zz'\] instead"):
        optimize_bids(land, 10.0, groups=["a", "b"], group_budgets={"a": 5.0, "zz": 1.0})
    with pytest.raises(InvalidInputError, match=r"Got 2 unknown groups \['y', 'z'\] instead"):
        optimize_bids(land, 10.0, groups=["a", "b"], group_budgets={"y": 5.0, "z": 1.0})
    two = np.ones((2, 2))
    ranges = PlanRanges(metrics=("spend", "clicks"), plan=two, today=two, gain=np.zeros(2))
    assert ranges.summary().startswith("Ranges over 2 draws (80% intervals)")


def test_an_estimate_without_draws_shows_no_ranges() -> None:
    """Before: a plan on estimate_landscapes(..., n_draws=0) printed 'Ranges over 1
    draws (80% intervals)', every range of zero width ('107.71 [107.71 .. 107.71]') and
    'better in 100% of draws': a certainty the point estimate does not have."""
    one = np.array([[107.71, 33.9]])
    ranges = PlanRanges(
        metrics=("spend", "clicks"), plan=one, today=one * 0.9, gain=np.array([0.151]),
        trust_scale=1.0,
    )  # fmt: skip
    text = ranges.summary()
    assert text.startswith("No ranges: the estimate has no draws to spread")
    assert "[" not in text and "% of draws" not in text
    assert "spend              107.71   today 96.94" in text
    assert "objective gain vs today: 0.151 at that point; trust region at 1 of" in text


def test_a_value_of_the_wrong_type_is_shown() -> None:
    """check_instance: the message shows the value and its type (it showed the type
    alone for the landscapes, the value alone for group_budgets)."""
    land = _land()
    with pytest.raises(InvalidInputError, match=r"x crowd cell\. Got \[\[1\.0\]\] of type list"):
        optimize_crowd_bids([[1.0]], 1.0, keywords=["a"], crowds=["b"])  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match=r"BidLandscape\. Got 'land' of type str"):
        optimize_bids("land", 1.0)  # type: ignore[arg-type]
    match = r"`group_budgets` must be a mapping .* Got \[5\.0\] of type list"
    with pytest.raises(InvalidInputError, match=match):
        optimize_bids(land, 10.0, groups=["a", "b"], group_budgets=[5.0])  # type: ignore[arg-type]


def test_a_share_above_the_per_cell_optimum_is_explained() -> None:
    """Before: 'the plan reaches 101.22% of the per-cell optimum' and no word why an
    optimum is beaten (it is solved on whole levels, within its certified gap)."""
    plan = optimize_crowd_bids(
        _land(), 30.0, keywords=["dress", "dress"], crowds=["others", "past buyers"],
        base_crowd="others",
    )  # fmt: skip
    assert plan.share_of_per_cell > 1.0
    assert "(Above 100%: the per-cell optimum takes the landscape's levels" in plan.message
    assert f"certified gap of {plan.per_cell.relative_gap:.2%}" in plan.message
    below = optimize_crowd_bids(
        _land(), 8.0, keywords=["dress", "dress"], crowds=["others", "past buyers"],
        base_crowd="others",
    )  # fmt: skip
    assert below.share_of_per_cell <= 1.0 and "Above 100%" not in below.message


def test_a_group_budget_holding_a_plan_on_an_estimate_is_named() -> None:
    """Before: 'A target or cap holds the plan below the budget' where a group budget
    (no target, no CPC cap) held it there."""
    import warnings

    from bidopt.datasets import make_search_account
    from bidopt.landscape import estimate_landscapes

    account = make_search_account(30, n_days=21, rng=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        estimate = estimate_landscapes(account.log, n_draws=20)
    n = estimate.landscapes.n_keywords
    groups = np.array(["A" if i % 2 else "B" for i in range(n)], dtype=object)
    today = float(account.expected().totals()["cost"])
    plan = optimize_bids(estimate, today, groups=groups, group_budgets={"A": 0.2 * today})
    assert plan.success and plan.spend < 0.95 * today
    assert "A target or cap" not in plan.message
    assert "(a target, a cap, a group budget or the trust region's top holds it" in plan.message
