"""Keywords a CPC cap pauses are named as such: the sheet counts them against the plan
made without the cap, says what they buy today and what the cap costs, and their
reason names the cap (walkthrough item 4)."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pytest

from bidopt._cli_workflow import _margin_line
from bidopt.bidding import optimize_bids
from bidopt.datasets import make_search_account
from bidopt.exceptions import InvalidInputError
from bidopt.landscape import estimate_landscapes
from bidopt.report import make_bid_sheet, render_plan_report

CAP = 1.0  # yuan per click; today's CPC is about 2.8


@pytest.fixture(scope="module")
def planned() -> tuple[object, object, object, object, float]:
    account = make_search_account(20, n_days=14, rng=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        estimate = estimate_landscapes(account.log)
    # a budget that binds: with room to spare the plan bids lower to meet the cap
    budget = 0.1 * float(account.expected().totals()["cost"])
    plan = optimize_bids(estimate, budget, max_cpc=CAP)
    free = optimize_bids(estimate, budget)
    return account.log, estimate, plan, free, budget


def test_sheet_counts_the_keywords_the_cap_pauses(planned: tuple) -> None:
    log, estimate, plan, free, budget = planned
    sheet = make_bid_sheet(log, estimate, plan, budget=budget, max_cpc=CAP, uncapped=free)
    plain = make_bid_sheet(log, estimate, plan, budget=budget)
    assert plain.capped is None and not any("CPC cap" in w for w in plain.warnings)
    capped = sheet.capped
    assert capped is not None and capped.dtype == bool
    n = int(capped.sum())
    assert n == int(((plan.bids == 0) & (free.bids > 0)).sum()) > 0
    assert np.all(sheet.action[capped] == "pause")
    today = sheet.totals()["today"]
    clicks = float(sheet.current_clicks[capped].sum())
    assert 0 < clicks < today["clicks"]
    en, zh = sheet.warnings[0], sheet.warnings_in("zh")[0]
    assert en.startswith(f"The CPC cap (max_cpc 1 yuan) pauses {n} keywords")
    assert f"Today they buy {clicks:,.1f} clicks and" in en
    assert "more orders a day. Raise the cap to keep them." in en
    assert zh.startswith(f"点击花费上限（max_cpc 1 元）让 {n} 个关键词暂停")
    reasons = sheet.reasons("en")
    assert all("CPC cap (max_cpc)" in reasons[i] for i in np.flatnonzero(capped))
    other = np.flatnonzero((sheet.action == "pause") & ~capped)
    assert all("CPC cap" not in reasons[i] for i in other)
    assert all("点击花费上限" in r for r, c in zip(sheet.reasons("zh"), capped, strict=True) if c)
    page = render_plan_report(sheet, lang="zh")
    assert f"让 {n} 个关键词暂停" in page


def test_budget_line_names_the_cap_among_what_limits_the_plan(planned: tuple) -> None:
    log, estimate, plan, free, budget = planned
    sheet = make_bid_sheet(log, estimate, plan, budget=budget, max_cpc=CAP, uncapped=free)
    loose = dataclasses.replace(sheet, marginal_cpa=float("inf"))
    assert "(the CPC cap, the bid limits, the trust region" in _margin_line(loose, capped=True)
    assert "CPC cap" not in _margin_line(loose)


def test_cap_and_uncapped_plan_go_together(planned: tuple) -> None:
    log, estimate, plan, free, _ = planned
    with pytest.raises(InvalidInputError, match="`max_cpc` and `uncapped` must be given"):
        make_bid_sheet(log, estimate, plan, uncapped=free)
    with pytest.raises(InvalidInputError, match="`uncapped` must be a BidPlan"):
        make_bid_sheet(log, estimate, plan, max_cpc=CAP, uncapped="free")  # type: ignore[arg-type]
