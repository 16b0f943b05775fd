"""A keyword paused on the log's last day is planned from its history (session 18, fixA)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from bidopt.bidding import optimize_bids
from bidopt.datasets import make_search_account, read_keyword_log
from bidopt.exceptions import IdentifiabilityWarning, InvalidInputError
from bidopt.landscape import estimate_landscapes

_COLUMNS = ("date", "keyword", "bid", "impressions", "clicks", "cost", "conversions", "revenue")


def test_a_keyword_paused_today_with_good_history_is_restarted_from_it() -> None:
    # every keyword paused on the last day kept bid 0 as "the current bid is optimal"
    # with 60 yuan of budget unspent; its history (6 days, 2 orders a day) plans it
    rows = []
    for d in range(1, 8):
        for k in range(3):
            bid = (1.0 + 0.3 * k + 0.1 * (d % 3)) if d < 7 else 0.0
            on = d < 7
            rows.append(
                (
                    f"2024-11-0{d}",
                    f"kw{k}",
                    bid,
                    1000 * on,
                    30 * on,
                    (20.0 + k) * on,
                    2 * on,
                    100.0 * on,
                )
            )
    log = read_keyword_log({c: [r[i] for r in rows] for i, c in enumerate(_COLUMNS)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IdentifiabilityWarning)
        est = estimate_landscapes(log)
        plan = optimize_bids(est, 60.0)
    np.testing.assert_array_equal(est.identifiability.current_bid, 0.0)
    # bids within the logged ones (+-20%), spending the budget, not 0
    assert np.all(plan.bids >= 0.8 * 1.0)
    assert np.all(plan.bids <= 1.2 * 2.0)
    assert 50.0 <= plan.spend <= 60.0
    assert plan.conversions >= 4.0


def test_current_bids_must_be_numbers() -> None:
    # current_bids={"kw": "3"} (a string) was read as 3.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IdentifiabilityWarning)
        est = estimate_landscapes(make_search_account(5, n_days=7, rng=0).log)
    keyword = est.landscapes.keywords[0]
    with pytest.raises(InvalidInputError, match=r"`current_bids` must map .* Got '3' \(str\)"):
        optimize_bids(est, 10.0, current_bids={keyword: "3"})


def test_the_plan_table_says_dash_for_a_cpa_without_orders() -> None:
    # today's CPA of an account paused on the log's last day printed as "nan"
    from bidopt._cli_workflow import _per_day

    assert _per_day(float("nan")) == "-"
    assert _per_day(1234.5) == "1,234.50"


def test_keywords_paused_today_stay_plannable_when_a_target_reaches_lower() -> None:
    # a plan a target CPA holds well below its budget is solved again on a region
    # reaching lower; that second region was centred on today's bid 0 for keywords
    # paused today, so they could not be restarted there and, when it won, a larger
    # budget gave fewer orders (12.24 at 0.9 x spend against 12.52 at 0.6 x)
    account = make_search_account(30, n_days=7, rng=8)
    totals = account.expected().totals()
    spend, orders = float(totals["cost"]), float(totals["conversions"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IdentifiabilityWarning)
        est = estimate_landscapes(account.log)
        keywords = list(est.landscapes.keywords)
        current = dict(zip(keywords, est.identifiability.current_bid, strict=True))
        current.update(dict.fromkeys(keywords[:8], 0.0))
        plans = [
            optimize_bids(est, share * spend, target_cpa=0.7 * spend / orders, current_bids=current)
            for share in (0.6, 0.9)
        ]
    assert all(p.success for p in plans)
    # (both 13.39 since the regions a target deepens are nested: the same plan up to
    # the dual's tie-breaking, a few 1e-7 apart)
    assert plans[1].fun >= plans[0].fun * (1 - 1e-6)
    assert plans[1].bound >= plans[0].fun
    assert (plans[1].bids[:8] > 0).sum() > 0
