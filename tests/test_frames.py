"""``to_frame()`` on every result object: one DataFrame, the rows it promises, and a clear
message when pandas is missing."""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
import pytest

from bidopt.bidding import bid_frontier, budget_for_target, optimize_bids
from bidopt.channels import ResponseCurve, split_budget
from bidopt.datasets import (
    AuctionLog,
    IpinyouInfo,
    double11_channels,
    make_search_account,
    read_keyword_log,
)
from bidopt.exceptions import MissingDependencyError
from bidopt.grouping import group_keywords, pool_rates
from bidopt.landscape import estimate_landscapes
from bidopt.replay import paced_replay, replay

pd = pytest.importorskip("pandas", reason="to_frame() needs the optional pandas")


def results() -> dict[str, tuple[Any, int]]:
    """Result object -> the number of rows its frame must have."""
    account = make_search_account(200, n_days=7, rng=1)
    estimate = estimate_landscapes(account.log)
    landscape = estimate.landscapes
    budget = account.expected().totals()["cost"]
    plan = optimize_bids(landscape, budget)
    frontier = bid_frontier(landscape, [0.5 * budget, budget])
    reverse = budget_for_target(landscape, conversions=0.5 * plan.conversions)
    report = read_keyword_log(
        {
            "keyword": ["a", "b", "c"],
            "date": ["2026-01-01"] * 3,
            "impressions": [5, -1, 3],
            "clicks": [1, 0, 0],
        },
        errors="drop",
    ).report
    groups = group_keywords(list(account.keywords), threshold=0.3)
    pooled = pool_rates([1, 0, 3], [10, 5, 30], [[0, 0, 1]])
    channels = double11_channels()
    split = split_budget(
        channels.curves(ResponseCurve.from_roi),
        channels.budget,
        groups=channels.groups,
        group_shares={"core": 0.6, "emerging": 0.4},
        current=channels.current,
    )
    log = AuctionLog(
        click=np.array([1, 0, 1, 0]),
        market_price=np.array([5.0, 8.0, 2.0, 9.0]),
        pctr=np.array([0.2, 0.1, 0.3, 0.05]),
    )
    paced = paced_replay(log, 10.0, 100.0, controller="pid", n_slots=2)
    return {
        "BidLandscape": (landscape, landscape.n_keywords * landscape.n_levels),
        "BidPlan": (plan, landscape.n_keywords),
        "Frontier": (frontier, 2),
        "BudgetForTarget": (reverse, landscape.n_keywords),
        "LandscapeEstimate": (estimate, landscape.n_keywords * landscape.n_levels),
        "LandscapeModel": (estimate.model, landscape.n_keywords),
        "LoadReport": (report, 1),
        "SearchAccount": (account, 200),
        "AccountTruth": (account.truth, 200),
        "ExpectedPerformance": (account.expected(), 200),
        "ChannelPlan": (channels, 5),
        "AuctionLog": (log, 4),
        "IpinyouInfo": (IpinyouInfo.from_log(log), 10),
        "KeywordGroups": (groups, 200),
        "KeywordLog": (account.log, account.log.n_rows),
        "PooledRates": (pooled, 3),
        "BudgetSplit": (split, 5),
        "ReplayResult": (replay(log, np.full(4, 6.0), 10.0), 1),
        "PacedResult": (paced, 2),
    }


@pytest.fixture(scope="module")
def objects() -> dict[str, tuple[Any, int]]:
    return results()


@pytest.mark.parametrize(
    "name",
    [
        "BidLandscape",
        "BidPlan",
        "Frontier",
        "BudgetForTarget",
        "LandscapeEstimate",
        "LandscapeModel",
        "LoadReport",
        "SearchAccount",
        "AccountTruth",
        "ExpectedPerformance",
        "ChannelPlan",
        "AuctionLog",
        "IpinyouInfo",
        "KeywordGroups",
        "KeywordLog",
        "PooledRates",
        "BudgetSplit",
        "ReplayResult",
        "PacedResult",
    ],
)
def test_to_frame(objects: dict[str, tuple[Any, int]], name: str, monkeypatch: Any) -> None:
    obj, rows = objects[name]
    frame = obj.to_frame()
    assert isinstance(frame, pd.DataFrame)
    assert len(frame) == rows
    assert frame.columns.is_unique
    monkeypatch.setitem(sys.modules, "pandas", None)  # as if pandas were not installed
    with pytest.raises(ImportError, match=r"needs pandas.*pip install bidopt\[pandas\]") as info:
        obj.to_frame()
    assert isinstance(info.value, MissingDependencyError)  # a bidopt error and an ImportError
