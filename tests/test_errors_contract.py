"""Bad input to the data and bidding entry points raises a bidopt error (never a bare
TypeError, KeyError or IndexError from deep inside) whose message follows the template
"`param` must be <contract>. Got <value> instead." (or, for a choice, scipy's
"Unknown method 'x'; expected one of ...").  An InfeasibleError (a valid input that
no plan can meet) says instead what conflicts and by how much."""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from bidopt.bidding import bid_frontier, budget_for_target, optimize_bids
from bidopt.datasets import (
    AuctionLog,
    Categorical,
    KeywordLog,
    double11_channels,
    make_auction_log,
    make_channel_plan,
    make_search_account,
    read_ipinyou,
    read_ipinyou_info,
    read_keyword_log,
)
from bidopt.exceptions import BidoptError, InfeasibleError
from bidopt.landscape import BidLandscape, estimate_landscapes, landscape_error

ACCOUNT = make_search_account(12, n_days=2, rng=0)
LAND = estimate_landscapes(ACCOUNT.log, n_levels=4).landscapes
ROW = {"keyword": ["a"], "date": ["2026-01-01"], "impressions": [1], "clicks": [0]}
BAD: list[Any] = [None, "x", -1, float("nan"), [1, 2], {"a": 1}, object(), np.array([]), 2.5]
TEMPLATE = re.compile(r"(must .*Got .*instead|^Unknown \w+)", re.DOTALL)

CALLS: dict[str, Callable[[Any], object]] = {
    "make_search_account": lambda v: make_search_account(v),
    "make_search_account(n_days=)": lambda v: make_search_account(3, n_days=v),
    "make_auction_log(ctr=)": lambda v: make_auction_log(10, ctr=v),
    "make_channel_plan": lambda v: make_channel_plan(v),
    "read_keyword_log": lambda v: read_keyword_log(v),
    "read_keyword_log(relax=)": lambda v: read_keyword_log(ROW, relax=v),
    "read_ipinyou": lambda v: read_ipinyou(v),
    "read_ipinyou_info": lambda v: read_ipinyou_info(v),
    "AuctionLog.from_table": lambda v: AuctionLog.from_table(v),
    "estimate_landscapes": lambda v: estimate_landscapes(v),
    "estimate_landscapes(bids=)": lambda v: estimate_landscapes(ACCOUNT.log, bids=v),
    "landscape_error": lambda v: landscape_error(LAND, v),
    "BidLandscape(bids=)": lambda v: BidLandscape(bids=v, clicks=[[1.0]], cost=[[1.0]]),
    "BidLandscape.from_points": lambda v: BidLandscape.from_points(v),
    "BidLandscape.metric": lambda v: LAND.metric(v),
    "optimize_bids(budget=)": lambda v: optimize_bids(LAND, v),
    "optimize_bids(objective=)": lambda v: optimize_bids(LAND, 10.0, objective=v),
    "optimize_bids(method=)": lambda v: optimize_bids(LAND, 10.0, method=v),
    "bid_frontier": lambda v: bid_frontier(LAND, v),
    "budget_for_target": lambda v: budget_for_target(LAND, conversions=v),
    "KeywordLog.column": lambda v: ACCOUNT.log.column(v),
    "KeywordLog.concat": lambda v: KeywordLog.concat(v),
    "SearchAccount.simulate": lambda v: ACCOUNT.simulate(v),
    "Categorical": lambda v: Categorical(v, np.array(["a"], dtype=object)),
    "ChannelPlan.curves": lambda v: double11_channels().curves(v),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_bad_input_raises_a_templated_bidopt_error(name: str) -> None:
    messages: list[str] = []
    for value in BAD:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                CALLS[name](value)
            except InfeasibleError:
                continue
            except BidoptError as exc:
                messages.append(str(exc))
            except Exception as exc:
                pytest.fail(f"{name}({value!r}) raised {type(exc).__name__}: {exc}")
    assert messages, f"{name} accepted every bad value"
    off = [m for m in messages if not TEMPLATE.search(m)]
    assert not off, f"{name}: messages off the template: {off}"
