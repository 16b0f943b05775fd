"""SearchAccount and LoadReport explain themselves (summary / to_frame)."""

from __future__ import annotations

import numpy as np
import pytest

from bidopt.datasets import (
    IpinyouInfo,
    double11_channels,
    make_auction_log,
    make_search_account,
    read_keyword_log,
)


def test_search_account_summary_and_frame() -> None:
    account = make_search_account(40, n_days=3, rng=2)
    totals = account.expected().totals()
    text = account.summary()
    assert text.startswith(f"SearchAccount: 40 keywords in {account.theme_names.size} themes")
    assert f"CPA {totals['cpa']:.2f} yuan" in text
    pd = pytest.importorskip("pandas")
    frame = account.to_frame()
    assert isinstance(frame, pd.DataFrame) and len(frame) == 40
    np.testing.assert_array_equal(frame["current_bid"], account.current_bids)
    assert frame["theme_name"].tolist() == account.theme_names[account.themes].tolist()


def test_load_report_frame_lists_dropped_and_flagged_rows() -> None:
    pd = pytest.importorskip("pandas")
    log = read_keyword_log(
        {
            "keyword": ["a", "b", "c", "d"],
            "date": ["2026-01-01"] * 4,
            "impressions": [5, -1, 3, 2],
            "clicks": [1, 0, 4, 0],
        },
        errors="drop",
        relax=["clicks_le_impressions"],
    )
    frame = log.report.to_frame()
    assert isinstance(frame, pd.DataFrame)
    assert frame["row"].tolist() == [1, 2]
    assert frame["action"].tolist() == ["dropped", "flagged"]
    assert "impressions" in frame["reason"][0]


def test_channel_plan_summary_and_frame() -> None:
    plan = double11_channels()
    lines = plan.summary().splitlines()
    assert lines[0] == "ChannelPlan: 5 channels, budget 2,000,000.00 yuan"
    assert lines[1].startswith("  core: 3 channels, 1,200,000.00 yuan (60.0%)")
    pd = pytest.importorskip("pandas")
    frame = plan.to_frame()
    assert isinstance(frame, pd.DataFrame)
    assert frame["group"].tolist() == ["core"] * 3 + ["emerging"] * 2
    assert frame["current"].sum() == plan.budget


def test_expected_performance_frame_on_a_grid() -> None:
    pd = pytest.importorskip("pandas")
    account = make_search_account(10, n_days=1, rng=0)
    grid = account.current_bids[:, None] * np.array([0.5, 1.0, 2.0])
    expected = account.truth.expected(grid)
    frame = expected.to_frame()
    assert isinstance(frame, pd.DataFrame) and len(frame) == 30
    assert frame["level"].tolist()[:3] == [0, 1, 2]
    np.testing.assert_array_equal(frame["cost"], expected.cost.ravel())
    assert "CPA" in expected.summary() and "AccountTruth: 10 keywords" in account.truth.summary()


def test_auction_log_and_ipinyou_info_summaries() -> None:
    log = make_auction_log(500, rng=3)
    text = log.summary()
    assert text.startswith(f"AuctionLog from {log.source}: 500 auctions, {log.n_clicks} clicks")
    info = IpinyouInfo.from_log(log)
    assert info.summary().startswith("IpinyouInfo: 500 training impressions")
    pd = pytest.importorskip("pandas")
    frame = info.to_frame()
    assert isinstance(frame, pd.DataFrame)
    assert frame["count"].sum() == 500 and frame["share"].sum() == pytest.approx(1.0)
