"""SearchAccount and LoadReport explain themselves (summary / to_frame)."""

from __future__ import annotations

import numpy as np
import pytest

from bidopt.datasets import make_search_account, read_keyword_log


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
