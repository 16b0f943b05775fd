"""Crowds in the synthetic account, and the keyword x crowd report reader."""

from __future__ import annotations

import numpy as np
import pytest

from bidopt.datasets import make_search_account, read_crowd_report
from bidopt.exceptions import InvalidInputError


@pytest.fixture(scope="module")
def account():
    return make_search_account(150, n_days=2, n_crowds=8, rng=5)


def test_crowds_leave_the_rest_of_the_account_unchanged(account):
    plain = make_search_account(150, n_days=2, rng=5)
    assert plain.crowds is None
    np.testing.assert_array_equal(plain.current_bids, account.current_bids)
    np.testing.assert_array_equal(plain.log.cost, account.log.cost)
    np.testing.assert_array_equal(plain.truth.price_mu, account.truth.price_mu)


def test_crowd_calibration(account):
    crowds = account.crowds
    assert crowds.n_crowds == 8 and crowds.names[0] == "其他访客"
    today = crowds.expected(crowds.cell_bids(account.current_bids))
    orders = today.conversions.sum(axis=0)
    assert orders[1] / orders.sum() == pytest.approx(0.35, abs=0.005)  # high-value crowd
    non_hv = np.r_[0, np.arange(2, 9)]
    mean_repeat = (orders[non_hv] * crowds.repeat_orders[non_hv]).sum() / orders[non_hv].sum()
    assert crowds.repeat_orders[1] / mean_repeat == pytest.approx(1.6)
    ltv = (today.conversions * crowds.lifetime_value).sum(axis=0) / orders
    assert ltv[1] == pytest.approx(1_100.0) and ltv[1] > 1_000
    # prices differ by crowd; the shares of searches add up per keyword
    assert np.ptp(np.median(crowds.price_mu - crowds.price_mu[:, :1], axis=0)) > 0.2
    np.testing.assert_allclose(crowds.volume.sum(axis=1), account.truth.volume)
    with pytest.raises(InvalidInputError, match="`n_crowds` must be an integer"):
        make_search_account(10, n_crowds=9, rng=1)


def test_report_round_trip_with_chinese_headers(account):
    crowds = account.crowds
    report = crowds.simulate_report(account.current_bids, n_days=2, rng=3,
                                    keywords=account.keywords)  # fmt: skip
    frame = {
        "日期": report.date.astype(str),
        "关键词": report.keyword,
        "人群名称": report.crowd,
        "溢价比例": [f"{p:.0%}" for p in report.premium],
        "展现量": report.impressions,
        "点击量": report.clicks,
        "花费(元)": [f"{c:,.2f}" for c in report.cost],
        "成交笔数": report.conversions,
        "成交金额": report.revenue,
    }
    back = read_crowd_report(frame)
    assert len(back) == len(report) > 0
    np.testing.assert_allclose(back.cost, report.cost)
    np.testing.assert_allclose(back.premium, report.premium)
    np.testing.assert_array_equal(back.crowd, report.crowd)
    totals = back.by_crowd()
    assert set(totals) <= set(crowds.names) and len(totals) >= 2
    assert "CrowdReport" in back.summary() and len(back.to_frame()) == len(back)


def test_reader_premiums_numbers_and_bad_rows():
    source = {
        "keyword": ["a", "a", "b", "b", "c"],
        "crowd": ["x", "y", "x", "y", "x"],
        "premium": ["30%", 120, 0.5, 4, "0"],
        "impressions": ["1.2万", 10, 10, 10, 10],
        "clicks": [5, 1, 1, 20, 1],
        "cost": ["¥3.50", "1,234.50", 1, 1, 1],
    }
    with pytest.raises(InvalidInputError, match="row 3.*premium"):
        read_crowd_report(source)
    report = read_crowd_report(source, errors="drop")
    assert report.premium.tolist() == [0.3, 1.2, 0.5, 0.0]
    assert report.impressions[0] == 12_000 and report.cost[1] == 1234.5
    assert report.report.dropped_rows.tolist() == [3]
    with pytest.raises(InvalidInputError, match="must have columns for \\['crowd'\\]"):
        read_crowd_report({"关键词": ["a"], "展现量": [1], "点击量": [0], "花费": [0]})


def test_reader_rejects_premiums_outside_the_box():
    """A premium above 0 and below 5% is outside the platform's box (the box is what
    makes a plain 3 read as 300%).  (Before: "3%", "0.5%" and a plain 0.03 were read.)"""
    source = {
        "keyword": ["a", "a", "b", "b", "c", "c"],
        "crowd": ["x", "y", "x", "y", "x", "y"],
        "premium": ["3%", "0.5%", 0.03, "5%", 3, "300%"],
        "impressions": [10] * 6,
        "clicks": [1] * 6,
        "cost": [1.0] * 6,
    }
    with pytest.raises(InvalidInputError, match=r"row 0.*premium.*not a premium \(0, or 5%"):
        read_crowd_report(source)
    report = read_crowd_report(source, errors="drop")
    assert report.report.dropped_rows.tolist() == [0, 1, 2]
    assert report.premium.tolist() == [0.05, 3.0, 3.0]


def _crowd_rows(clicks):
    return {
        "日期": ["2024-11-01"] * 3,
        "关键词": ["连衣裙"] * 3,
        "人群名称": ["店铺老客", "高价值人群", "店铺老客"],
        "溢价比例": ["30%", "120%", "30%"],
        "展现量": [200, 150, 200],
        "点击量": clicks,
        "花费": ["¥20.40", "18.90", "¥20.40"],
        "成交笔数": [3, 3, 3],
        "成交金额": ["356", "1.2万", "356"],
    }


def test_crowd_report_screens_rows_as_the_keyword_reader_does():
    # review 3: an exact repeat was kept and counted twice; orders above clicks (Taobao
    # attribution, #26) raised, or were dropped with errors="drop"
    rows = _crowd_rows([5, 9, 5])
    with pytest.raises(InvalidInputError, match="row 2: `keyword` repeats row 0 exactly"):
        read_crowd_report(rows)
    report = read_crowd_report(rows, errors="drop")
    assert len(report) == 2 and report.report.dropped_rows.tolist() == [2]
    assert report.cost.sum() == pytest.approx(39.30)
    rows = _crowd_rows([2, 9, 2])
    rows["展现量"] = [200, 150, 201]  # not a repeat: two attribution rows
    kept = read_crowd_report(rows)
    assert len(kept) == 3 and kept.report.flagged_rows.tolist() == [0, 2]
    assert "attribution" in kept.report.flags[0]
    with pytest.raises(InvalidInputError, match="`conversions` must be <= `clicks`"):
        read_crowd_report(rows, relax=())
    with pytest.raises(InvalidInputError, match="`relax` must be"):
        read_crowd_report(rows, relax=("bid_zero_means_paused",))


def test_report_summary_leaves_out_ratios_with_nothing_under_them():
    """(Before: 'CVR nan%' without an orders column, 'CTR nan%, CPC nan yuan' for a crowd
    with no impressions.)"""
    report = read_crowd_report(
        {
            "keyword": ["a", "a"],
            "crowd": ["x", "y"],
            "impressions": [10, 0],
            "clicks": [1, 0],
            "cost": [1.0, 0.0],
        }
    )
    text = report.summary()
    assert "nan" not in text
    assert "x: 10 impressions, 1 clicks, cost 1.00 yuan, CTR 10.00%, CPC 1.00 yuan\n" in text
    assert text.endswith("y: 0 impressions, 0 clicks, cost 0.00 yuan")


def test_lifetime_value_per_order_of_a_crowd_the_bids_buy_nothing_in(account):
    """A crowd whose every bid is 0 buys no orders: its mean lifetime value per order is
    weighted as by default, the others' by the bids' orders.  (Before: 0 yuan, which as a
    ``value_per_order`` tells the optimiser the crowd is worth nothing.)"""
    crowds = account.crowds
    bids = crowds.cell_bids(account.current_bids)
    by_bids = crowds.lifetime_value_per_order(bids)
    bids[:, 3] = 0.0
    some_zero = crowds.lifetime_value_per_order(bids)
    default = crowds.lifetime_value_per_order()
    assert some_zero[3] == default[3] > 0
    np.testing.assert_array_equal(np.delete(some_zero, 3), np.delete(by_bids, 3))
    np.testing.assert_array_equal(crowds.lifetime_value_per_order(np.zeros_like(bids)), default)
