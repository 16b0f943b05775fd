"""Keyword reports split by device, hour or traffic source: one keyword-day on several
rows, summed by ``read_keyword_log`` (or ``KeywordLog.sum_days``) into one."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from bidopt.datasets import make_search_account, read_keyword_log
from bidopt.exceptions import InvalidInputError
from bidopt.landscape import estimate_landscapes

pytestmark = pytest.mark.filterwarnings("ignore::bidopt.exceptions.IdentifiabilityWarning")


def _split(header: str, labels: list[str], bids: tuple[float, float] = (1.2, 1.2)) -> dict:
    """Keyword 'a' on two days split over ``labels`` (two of them) and 'b' on one row."""
    return {
        "日期": ["2024-11-01", "2024-11-01", "2024-11-02", "2024-11-02", "2024-11-01"],
        "关键词": ["a", "a", "a", "a", "b"],
        header: [labels[0], labels[1], labels[0], labels[1], labels[1]],
        "出价": [bids[0], bids[1], 1.3, 1.3, 2.0],
        "展现量": [100, 300, 0, 0, 40],
        "点击量": [4, 12, 0, 0, 2],
        "花费": ["3.20", "9.60", "0", "0", "1.50"],
        "成交笔数": [0, 1, 0, 0, 0],
        "成交金额": ["0", "59.90", "0", "0", "0"],
        "点击率": ["4.00%", "4.00%", "0", "0", "5.00%"],  # a rate: never summed
        "平均点击花费": ["0.80", "0.80", "0", "0", "0.75"],
    }


@pytest.mark.parametrize(
    ("header", "labels"),
    [
        ("设备", ["PC", "无线"]),
        ("终端", ["计算机", "移动设备"]),
        ("流量来源", ["站内", "站外"]),
        ("Device", ["Computers", "Mobile devices"]),
        ("小时", ["9", "10"]),
        ("hour", ["09:00", "10:00"]),
    ],
)
def test_a_split_report_is_summed_per_keyword_day(header: str, labels: list[str]) -> None:
    log = read_keyword_log(_split(header, labels))
    # one row per keyword-day, in source order; the additive columns added
    assert len(log) == 3
    assert log.column("keyword").tolist() == ["a", "a", "b"]
    assert log.date.astype(str).tolist() == ["2024-11-01", "2024-11-02", "2024-11-01"]
    np.testing.assert_array_equal(log.impressions, [400, 0, 40])
    np.testing.assert_array_equal(log.clicks, [16, 0, 2])
    np.testing.assert_allclose(log.cost, [12.8, 0.0, 1.5])
    np.testing.assert_array_equal(log.conversions, [1, 0, 0])
    np.testing.assert_allclose(log.revenue, [59.9, 0.0, 0.0])
    np.testing.assert_array_equal(log.bid, [1.2, 1.3, 2.0])
    # rates are not read (so never summed); the split column is named as such
    report = log.report
    assert set(report.ignored_columns) == {"点击率", "平均点击花费"}
    assert report.split_columns == (header,)
    assert report.n_summed_rows == 4 and report.n_summed_days == 2
    assert report.n_dropped == 0 and report.flags == ()  # summed, not flagged
    note = report.split_note()
    assert note.startswith(f"Summed 4 rows split by {header} into 2 keyword-days")
    assert "rates such as CTR or CPC are not added" in note
    assert report.split_note("zh").startswith(f"按{header}拆分的 4 行已合并为 2 个关键词-天")
    assert note in report.summary()
    # the per-day model takes it (it refused the rows before, 6769235)
    estimate_landscapes(log)


def test_device_rows_with_equal_values_are_not_duplicates() -> None:
    # a PC row and a 无线 row with the same figures (both 0 on a quiet day) repeat no
    # row: both are read (a row equal in every column but the device was dropped, or
    # raised on, as an exact duplicate)
    log = read_keyword_log(_split("设备", ["PC", "无线"]), errors="raise")
    assert len(log) == 3 and log.report.n_dropped == 0
    # ... while the same device twice with the same figures is one
    source = _split("设备", ["PC", "无线"])
    for column in source.values():
        column[3] = column[2]
    with pytest.raises(InvalidInputError, match=r"repeats row 2 exactly"):
        read_keyword_log(source)


def test_different_bids_on_one_keyword_day_are_left_apart_or_averaged_when_asked() -> None:
    source = _split("设备", ["PC", "无线"], bids=(1.0, 1.5))  # a 50% premium on 无线
    log = read_keyword_log(source)
    # the day with two bids is not summed: its rows stay, flagged and named
    assert len(log) == 4 and log.report.n_summed_days == 1
    assert log.report.unsummed_days == ("'a' on 2024-11-01: 设备 PC bid 1, 设备 无线 bid 1.5",)
    assert log.report.flagged_rows.tolist() == [1]
    assert "`bid` 1.5 (设备 无线) differs from 1 (设备 PC) on row 0" in log.report.flags[0]
    assert "splits='sum_click_weighted'" in log.report.split_note()
    assert (
        "（第一个：'a' 2024-11-01：设备 PC 出价 1，设备 无线 出价 1.5）"
        in log.report.split_note("zh")
    )
    with pytest.raises(InvalidInputError, match=r"one row per keyword-day") as refused:
        estimate_landscapes(log)
    assert "log.sum_days()" in str(refused.value)
    assert "left 1 keyword-day(s) unsummed because their rows carry different bids" in str(
        refused.value
    )
    # asked for: summed at the click-weighted bid (4 clicks at 1.0, 12 at 1.5), and said
    averaged = read_keyword_log(source, splits="sum_click_weighted")
    assert len(averaged) == 3
    assert averaged.bid is not None
    assert averaged.bid[0] == pytest.approx((4 * 1.0 + 12 * 1.5) / 16)
    assert averaged.report.averaged_days == log.report.unsummed_days
    assert "the landscape reads those days at an average bid" in averaged.report.split_note()
    assert "按点击加权的平均出价合并" in averaged.report.split_note("zh")
    # kept: every row, each later row of a keyword-day flagged as before
    kept = read_keyword_log(source, splits="keep")
    assert len(kept) == 5 and kept.report.flagged_rows.tolist() == [1, 3]
    assert kept.report.n_summed_rows == 0 and kept.report.split_note() == ""
    with pytest.raises(InvalidInputError, match=r"Unknown splits 'add'; expected one of"):
        read_keyword_log(source, splits="add")  # type: ignore[arg-type]


def test_a_split_label_twice_in_a_keyword_day_is_not_summed() -> None:
    # 无线 twice on one day with other figures is no split (two exports overlapping):
    # kept apart and flagged, never added up
    source = _split("设备", ["PC", "无线"])
    source["设备"][1] = "PC"
    log = read_keyword_log(source)
    assert len(log) == 4 and log.report.n_summed_days == 1  # only 2024-11-02's
    assert log.report.flagged_rows.tolist() == [1]
    assert (
        "repeats the keyword-day and device of row 0 with different values" in (log.report.flags[0])
    )


def test_sum_days_on_a_log_without_its_split_column() -> None:
    # a log whose rows split a keyword-day, read from a source without the split column:
    # flagged, and the flag names sum_days, which sums them
    account = make_search_account(6, n_days=5, rng=0).log
    account = account.take(account.impressions > 0)  # (two empty halves would be equal)
    columns = {name: np.asarray(values) for name, values in account.to_dict().items()}
    half = {k: v.copy() for k, v in columns.items()}
    for name in ("impressions", "clicks", "conversions"):
        half[name] = columns[name] * 3 // 10
    for name in ("cost", "revenue"):
        half[name] = np.round(columns[name] * 0.3, 2)
    rest = {k: v.copy() for k, v in columns.items()}
    for name in ("impressions", "clicks", "conversions", "cost", "revenue"):
        rest[name] = columns[name] - half[name]
    both = {k: np.concatenate([half[k], rest[k]]) for k in columns}
    log = read_keyword_log(both, relax=("conversions_le_clicks", "cost_needs_clicks"))
    assert len(log) == 2 * len(account)
    assert any("sum them with log.sum_days()" in flag for flag in log.report.flags)
    summed = log.sum_days()
    assert len(summed) == len(account)
    assert summed.report.n_summed_rows == len(log)
    assert summed.report.n_summed_days == len(account)
    for name in ("impressions", "clicks", "conversions"):
        np.testing.assert_array_equal(getattr(summed, name), getattr(account, name))
    for name in ("cost", "revenue", "bid"):
        np.testing.assert_allclose(getattr(summed, name), getattr(account, name), rtol=1e-12)
    assert summed.sum_days() is summed  # nothing left to sum
    # different bids: refused by default, named; click-weighted when asked
    both["bid"][len(account)] += 0.5
    log = read_keyword_log(both, relax=("conversions_le_clicks", "cost_needs_clicks"))
    with pytest.raises(InvalidInputError, match=r"Got bids='same' and 1 such keyword-days \("):
        log.sum_days()
    weighted = log.sum_days(bids="click_weighted")
    assert len(weighted.report.averaged_days) == 1
    with pytest.raises(InvalidInputError, match=r"Unknown bids 'mean'"):
        log.sum_days(bids="mean")  # type: ignore[arg-type]


def test_a_keyword_days_total_row_over_the_split_is_dropped_and_said() -> None:
    # an export with an all-devices row (设备 全部) above a keyword-day's device rows:
    # summed with them it would count the day twice; dropped and listed (never raised
    # on), while a keyword-day with only its 全部 row keeps it
    source = {
        "日期": ["2024-11-01"] * 4 + ["2024-11-02"],
        "关键词": ["a", "a", "a", "b", "a"],
        "设备": ["全部", "PC", "无线", "PC", "全部"],
        "出价": [1.0] * 5,
        "展现量": [400, 100, 300, 10, 50],
        "点击量": [16, 4, 12, 1, 2],
    }
    log = read_keyword_log(source, errors="raise")
    np.testing.assert_array_equal(log.impressions, [400, 10, 50])
    np.testing.assert_array_equal(log.clicks, [16, 1, 2])
    assert log.report.dropped_rows.tolist() == [0]
    assert "keyword-day's total over the 设备 split ('全部'" in log.report.reasons[0]
    assert log.report.split_note().startswith("Summed 2 rows split by 设备 into 1 keyword-day ")


def test_an_hourly_report_with_a_timestamp_column_is_summed_per_day() -> None:
    # an hourly export (分时报表) may write one timestamp per row in its date column and
    # no hour column: its time of day is the split (the rows were flagged as repeats)
    import datetime

    stamps: list[object] = ["2024-11-01 09:00", "2024-11-01 10:00", "2024-11-02 09:00"]
    source = {
        "时间": stamps,
        "关键词": ["a", "a", "a"],
        "出价": [1.0, 1.0, 1.0],
        "展现量": [100, 50, 20],
        "点击量": [4, 2, 1],
    }
    as_datetimes = [datetime.datetime(2024, 11, d, h) for d, h in ((1, 9), (1, 10), (2, 9))]
    for cells in (stamps, as_datetimes):
        log = read_keyword_log(source | {"时间": cells})
        np.testing.assert_array_equal(log.impressions, [150, 20])
        assert log.report.split_columns == ("时间 (time of day)",)
        assert log.report.flags == ()
        # the Chinese note says it in Chinese ('按时间 (time of day)拆分的' before)
        assert log.report.split_note("zh").startswith("按时间中的时刻拆分的 2 行已合并为 1 个")
    # a daily report (no time of day, or midnight on every row) is read row for row
    midnight = [datetime.datetime(2024, 11, d) for d in (1, 1, 2)]
    log = read_keyword_log(source | {"时间": midnight})
    assert len(log) == 3 and log.report.split_columns == () and len(log.report.flags) == 1


def test_a_split_keyword_day_that_loses_a_row_is_dropped_whole_and_said() -> None:
    # errors='drop': the 无线 row of a keyword-day is bad; summed from its PC row alone
    # the day would show 25% of its traffic, read by the landscape as a bad day at the
    # same bid. Its PC row goes with it, each listed with its reason
    source = _split("设备", ["PC", "无线"])
    source["点击量"][1] = "abc"
    log = read_keyword_log(source, errors="drop")
    assert log.column("keyword").tolist() == ["a", "b"]  # 2024-11-02's a, and b
    assert log.report.dropped_rows.tolist() == [0, 1]
    assert log.report.reasons[0].startswith(
        "row 0: `keyword` shares its keyword-day with row 1, which was dropped; the day's "
        "other split rows alone would undercount it"
    )
    assert "`clicks` is not a number" in log.report.reasons[1]
    with pytest.raises(InvalidInputError, match=r"row 1: `clicks` is not a number"):
        read_keyword_log(source)  # errors='raise' names the bad row itself
    # a row repeated exactly loses nothing: only the copy is dropped, the day is summed
    twice = {k: [*v[:2], v[1], *v[2:]] for k, v in _split("设备", ["PC", "无线"]).items()}
    log = read_keyword_log(twice, errors="drop")
    assert log.report.dropped_rows.tolist() == [2] and len(log) == 3
    np.testing.assert_array_equal(log.impressions, [400, 0, 40])


def test_a_total_row_with_its_split_cell_left_empty_is_dropped() -> None:
    # an export writing each keyword-day's total under its device rows with the 设备
    # cell empty: read as one more device, the day was counted twice (impressions 800
    # for 400) and nothing was said. A blank row that its day's labelled rows add up to
    # is their total: dropped and listed; a blank row they do not add up to is read as
    # a device of its own, as before
    source = {
        "日期": ["2024-11-01"] * 3 + ["2024-11-02"] * 3,
        "关键词": ["a"] * 6,
        "设备": ["PC", "无线", "", "PC", "无线", ""],
        "出价": [1.0] * 6,
        "展现量": [100, 300, 400, 50, 60, 20],
        "点击量": [4, 12, 16, 1, 2, 1],
        "花费": ["3.21", "9.62", "12.83", "1", "2", "0.5"],
        "成交笔数": [0, 1, 1, 0, 0, 0],
        "成交金额": ["0", "59.90", "59.90", "0", "0", "0"],
    }
    for cells in (source, source | {"设备": ["PC", "无线", None, "PC", "无线", None]}):
        log = read_keyword_log(cells, errors="raise")
        np.testing.assert_array_equal(log.impressions, [400, 130])
        np.testing.assert_array_equal(log.clicks, [16, 4])
        np.testing.assert_allclose(log.cost, [12.83, 3.5])
        assert log.report.dropped_rows.tolist() == [2]
        assert "total over the 设备 split ('': " in log.report.reasons[0]  # (not 'None')
        assert "the label left empty" in log.report.reasons[0]
    # a device row pasted twice beside the blank total: the copy counts once (the total
    # was read as a device, the day doubled: found by a seeded fuzz of split reports)
    twice = {k: [*v[:2], v[1], *v[2:]] for k, v in source.items()}
    log = read_keyword_log(twice, errors="drop")
    np.testing.assert_array_equal(log.impressions, [400, 130])
    assert log.report.dropped_rows.tolist() == [2, 3]  # the copy, the total


def test_an_hourly_reports_time_of_day_is_one_label_however_it_is_written() -> None:
    # the time of day of a timestamp column is the split label: a DataFrame's datetime64
    # column labelled the hours '32400 seconds' / '36000 seconds' (in the report and its
    # messages), Excel datetimes '09:00:00' and text '09:00'; and 9:00 beside 09:00 (or
    # 09:00:00) was read as two hours and summed, where it is one hour twice (two exports
    # pasted together): left apart and flagged, as the same device twice is
    pd = pytest.importorskip("pandas")
    import datetime

    source = {
        "时间": ["2024-11-01 09:00", "2024-11-01 10:00"],
        "关键词": ["a", "a"],
        "出价": [1.0, 2.0],
        "展现量": [100, 50],
        "点击量": [4, 2],
    }
    cells: list[object] = [
        ["2024-11-01 9:00", "2024-11-01 10:00:00"],
        [datetime.datetime(2024, 11, 1, 9), datetime.datetime(2024, 11, 1, 10)],
    ]
    frame = pd.DataFrame(source | {"时间": pd.to_datetime(source["时间"])})
    expected = "'a' on 2024-11-01: 时间 (time of day) 09:00 bid 1, 时间 (time of day) 10:00 bid 2"
    for given in (source, *(source | {"时间": c} for c in cells), frame):
        log = read_keyword_log(given)
        assert log.report.unsummed_days == (expected,)
    # the same hour written two ways is not two hours
    for twice in (["9:00", "09:00"], ["09:00", "09:00:00"]):
        log = read_keyword_log(
            {
                "时间": [f"2024-11-01 {t}" for t in [*twice, "10:00"]],
                "关键词": ["a"] * 3,
                "出价": [1.0] * 3,
                "展现量": [100, 50, 20],
                "点击量": [4, 2, 1],
            }
        )
        assert len(log) == 3 and log.report.n_summed_rows == 0
        assert "repeats the keyword-day and hour of row 0" in log.report.flags[0]


def test_splits_keep_drops_the_keyword_days_total_rows_too() -> None:
    # splits='keep' kept a keyword-day's 全部 row beside its PC / 无线 rows: the log has
    # no device column to tell it by, so every total (per_keyword, totals()) counted the
    # day twice, and the flags' remedy, log.sum_days(), summed it in as well
    source = {
        "日期": ["2024-11-01"] * 3,
        "关键词": ["a"] * 3,
        "设备": ["全部", "PC", "无线"],
        "出价": [1.0] * 3,
        "展现量": [400, 100, 300],
        "点击量": [16, 4, 12],
    }
    kept = read_keyword_log(source, splits="keep")
    np.testing.assert_array_equal(kept.impressions, [100, 300])
    assert kept.report.dropped_rows.tolist() == [0]
    assert kept.totals()["clicks"] == 16
    assert kept.sum_days().impressions.tolist() == [400]


def test_a_time_column_beside_the_date_column_is_the_hour() -> None:
    # 日期 and 时间 (the hour: "09:00", "9") side by side both read as the date column:
    # the report was refused ("keep one of them"), and keeping either lost the hour or
    # every row. The one holding no date is the hour split, in either order
    rows = {"关键词": ["a"] * 3, "展现量": [100, 50, 20], "点击量": [4, 2, 1]}
    days = ["2024-11-01", "2024-11-01", "2024-11-02"]
    for times in (["09:00", "10:00", "09:00"], ["9", "10", "9"]):
        for first in (True, False):
            both = {"日期": days, "时间": times} if first else {"时间": times, "日期": days}
            log = read_keyword_log({**both, **rows})
            np.testing.assert_array_equal(log.impressions, [150, 20])
            assert log.report.column_map["时间"] == "hour"
            assert log.report.split_columns == ("时间",)
    # two date columns are still two date columns
    with pytest.raises(InvalidInputError, match=r"both map to `date`"):
        read_keyword_log({"日期": days, "时间": days, **rows})


def test_a_date_without_a_time_is_midnight_in_a_timestamp_column() -> None:
    # a daily report with one day pasted twice, once as 2024-11-01 and once as
    # 2024-11-01 00:00:00 (a spreadsheet's copy): the two were read as two hours ('' and
    # 00:00) and summed, the day counted twice (impressions 200 for 100) without a word
    rows = {"关键词": ["a"] * 3, "展现量": [100, 100, 50], "点击量": [4, 4, 2]}
    pasted = ["2024-11-01", "2024-11-01 00:00:00", "2024-11-02"]
    log = read_keyword_log({"日期": pasted, **rows}, errors="drop")
    np.testing.assert_array_equal(log.impressions, [100, 50])
    assert log.report.split_columns == () and log.report.dropped_rows.tolist() == [1]
    # an hourly report whose hour 0 is written as the date alone is still hourly (its
    # counts not those of the day's other hours: a line adding up to them is the day's
    # total, test_an_hourly_reports_day_total_line_without_a_time_is_a_total_row)
    hourly = ["2024-11-01", "2024-11-01 01:00", "2024-11-02"]
    log = read_keyword_log({"日期": hourly, **rows, "展现量": [100, 80, 50]})
    np.testing.assert_array_equal(log.impressions, [180, 50])
    assert log.report.split_columns == ("日期 (time of day)",)


def test_a_full_width_split_label_is_its_half_width_twin() -> None:
    # ＰＣ (full-width, as some exports write Latin letters) beside PC on one keyword-day
    # is the same device twice: it was read as a third device and the day summed
    source = _split("设备", ["PC", "无线"])
    source["设备"][1] = "ＰＣ"
    log = read_keyword_log(source)
    assert len(log) == 4 and log.report.n_summed_days == 1  # only 2024-11-02's
    assert "repeats the keyword-day and device of row 0" in log.report.flags[0]


def test_a_device_not_bid_on_does_not_make_the_days_bids_differ() -> None:
    # PC not bid on (出价 0, no impressions) beside the 无线 row's bid: the day was left
    # unsummed as carrying 'different bids' (0 and 1.2), and the CLI refused the report;
    # all its traffic was bought at 1.2, which the summed day now carries
    source = {
        "日期": ["2024-11-01"] * 2 + ["2024-11-02"] * 2 + ["2024-11-03"] * 2,
        "关键词": ["a"] * 6,
        "设备": ["PC", "无线"] * 3,
        "出价": [0.0, 1.2, 0.0, 1.3, 0.0, 0.0],
        "展现量": [0, 100, 0, 0, 0, 0],
        "点击量": [0, 4, 0, 0, 0, 0],
        "花费": [0.0, 3.2, 0.0, 0.0, 0.0, 0.0],
    }
    log = read_keyword_log(source)
    assert log.report.unsummed_days == () and log.report.n_summed_days == 3
    np.testing.assert_array_equal(log.bid, [1.2, 1.3, 0.0])
    np.testing.assert_array_equal(log.impressions, [100, 0, 0])
    kept = read_keyword_log(source, splits="keep")
    np.testing.assert_array_equal(kept.sum_days().bid, [1.2, 1.3, 0.0])  # bids='same'


def test_the_bad_row_is_named_before_the_rows_dropped_with_it() -> None:
    # an hourly keyword-day with one bad hour: its 23 other hours are dropped with it.
    # summary() listed ten of them ('shares its keyword-day with row 20') and '... 14
    # more', never row 20's own fault; lost_keys named row 0's follower line as the cause
    n = 24
    source = {
        "日期": ["2024-11-01"] * n,
        "关键词": ["a"] * n,
        "小时": [str(h) for h in range(n)],
        "展现量": [10] * n,
        "点击量": [1] * n,
    }
    source["点击量"][20] = "x"
    report = read_keyword_log(source, errors="drop").report
    assert report.n_dropped == 24
    assert report.lost_keys == (
        "'a': all 24 of its rows dropped (first: row 20: `clicks` is not a number; got 'x')",
    )
    lines = report.summary().splitlines()
    assert "  dropped row 20: `clicks` is not a number; got 'x'" in lines
    assert lines[-1].startswith("  dropped 23 more rows with them: each shares its keyword-day")
    assert not any("more dropped rows" in line for line in lines)


def _hourly(total: dict[str, Any], keyword: str = "a") -> dict[str, list[Any]]:
    """Keyword ``a`` on 2026-11-11 by the hour (a timestamp per row, 00:00 .. 03:00),
    then a line dated 2026-11-11 without a time of day holding ``total`` (counts and
    cost) and keyword ``keyword``."""
    return {
        "日期": [f"2026-11-11 {h:02d}:00" for h in range(4)] + ["2026-11-11"],
        "关键词": ["a"] * 4 + [keyword],
        "出价": [1.0] * 5,
        "展现量": [10, 20, 30, 40, total["展现量"]],
        "点击量": [1, 2, 3, 4, total["点击量"]],
        "花费": [1.1, 2.2, 3.3, 4.4, total["花费"]],
    }


_DAY_TOTAL = {"展现量": 100, "点击量": 10, "花费": 11.0}


def test_an_hourly_reports_day_total_line_without_a_time_is_a_total_row() -> None:
    # a line dated 2026-11-11 (no hour) under the keyword's hourly rows, holding their
    # sum, was read as hour 00:00 (beside the real 00:00 row) and only flagged as a
    # repeated hour: the day's rows were left unsummed, and a per-day model refused them
    log = read_keyword_log(_hourly(_DAY_TOTAL))
    assert len(log) == 1 and log.report.dropped_rows.tolist() == [4]
    np.testing.assert_array_equal(log.impressions, [100])
    np.testing.assert_allclose(log.cost, [11.0])
    assert log.report.flags == ()
    (issue,) = log.report.issues
    assert (issue.kind, issue.label, issue.action) == ("split_total", "", "dropped")
    assert (
        "total over the 日期 (time of day) split ('': the sum of its other rows, its "
        in (log.report.reasons[0])
    )
    # the same when the export's line totals every keyword of the day (合计 as keyword)
    log = read_keyword_log(_hourly(_DAY_TOTAL, keyword="合计"))
    assert len(log) == 1 and log.report.dropped_rows.tolist() == [4]
    (issue,) = log.report.issues
    assert (issue.kind, issue.column) == ("export_total", "keyword")
    assert log.report.lost_keys == ()


def test_an_hourly_line_without_a_time_that_is_no_total_is_refused_when_ambiguous() -> None:
    # beside the day's own 00:00 row, a line without a time of day that does not add up
    # to the hourly rows is neither that hour nor the day's total: refused, not guessed
    odd = {"展现量": 99, "点击量": 10, "花费": 11.0}
    with pytest.raises(InvalidInputError, match=r"row 4: `date` has no time of day"):
        read_keyword_log(_hourly(odd))
    log = read_keyword_log(_hourly(odd), errors="drop")
    assert len(log) == 0 and log.report.issues[-1].kind == "cell"  # (the day dropped whole)
    # a 合计 line that is not the sum of its date's rows: refused too, never read as a
    # keyword named 合计
    with pytest.raises(InvalidInputError, match=r"row 4: `keyword` is a totals label \('合计'\)"):
        read_keyword_log(_hourly(odd, keyword="合计"))
    # without a 00:00 row beside it, a line without a time is midnight's hour (as before)
    midnight = _hourly(odd)
    midnight["日期"][0] = "2026-11-11 04:00"
    log = read_keyword_log(midnight)
    assert len(log) == 1 and log.impressions.tolist() == [199]


def test_a_sparse_midnight_line_is_an_hour_where_the_report_writes_midnight_so() -> None:
    # the report writes midnight's hour as the date alone (keyword b's such line is an
    # hour: it does not add up to b's other hours, and b has no 00:00 row); keyword a's
    # midnight line holds 2 impressions, as its 03:00 and 05:00 rows together do: it is
    # midnight's hour too, not a's day total (it was dropped, a's day read as 2
    # impressions for 4)
    source = {
        "日期": [
            "2026-11-11",
            "2026-11-11 03:00",
            "2026-11-11 05:00",
            "2026-11-12 01:00",
            "2026-11-12",
        ],
        "关键词": ["a", "a", "a", "b", "b"],
        "展现量": [2, 1, 1, 3, 5],
        "点击量": [0, 0, 0, 0, 0],
        "花费": [0.0, 0.0, 0.0, 0.0, 0.0],
    }
    log = read_keyword_log(source)
    assert log.report.dropped_rows.tolist() == [] and log.report.issues == ()
    np.testing.assert_array_equal(log.impressions, [4, 8])
    # where the report's lines without a time are day totals (one adds up beside a
    # 00:00 row), a line that adds up is still its day's total
    source["日期"][3] = "2026-11-12 00:00"
    source["展现量"][4] = 3
    log = read_keyword_log(source)
    assert log.report.dropped_rows.tolist() == [0, 4]
    assert {i.kind for i in log.report.issues} == {"split_total"}
    np.testing.assert_array_equal(log.impressions, [2, 3])


def test_each_devices_day_total_line_in_an_hourly_report_by_device() -> None:
    # an hourly report by device whose lines without a time total each device's day:
    # each is the sum of its device's hours (not of every device's), so it was read as
    # neither an hour nor a total and the keyword-day refused
    source = {
        "日期": ["2026-11-11 00:00", "2026-11-11 01:00", "2026-11-11"] * 2,
        "关键词": ["a"] * 6,
        "设备": ["PC"] * 3 + ["无线"] * 3,
        "出价": [1.0] * 6,
        "展现量": [10, 20, 30, 5, 6, 11],
        "点击量": [1, 2, 3, 0, 1, 1],
        "花费": [1.0, 2.0, 3.0, 0.0, 1.0, 1.0],
    }
    log = read_keyword_log(source)
    assert log.report.dropped_rows.tolist() == [2, 5]
    assert [i.kind for i in log.report.issues] == ["split_total", "split_total"]
    np.testing.assert_array_equal(log.impressions, [41])
    np.testing.assert_allclose(log.cost, [4.0])


def test_a_campaign_named_total_holds_keywords() -> None:
    # a brand campaign named "Total" (or an ad group so named): its rows name keywords,
    # so the campaign's name is no totals label; every row was refused as a totals line
    # that does not add up
    source = {
        "日期": ["2026-11-11"] * 3,
        "计划名称": ["Total", "Total", "其他"],
        "单元名称": ["机油", "SUM", "机油"],
        "关键词": ["全合成机油", "total 机油", "机油 5w30"],
        "展现量": [10, 20, 30],
        "点击量": [1, 2, 3],
        "花费": [1.0, 2.0, 3.0],
    }
    log = read_keyword_log(source)
    assert len(log) == 3 and log.report.issues == ()
    # a totals label with the finer key cells empty (or a dash) is still the export's
    # totals line
    totalled = {k: [*v, v[0]] for k, v in source.items()}
    totalled.update(
        {"计划名称": [*source["计划名称"], "合计"], "单元名称": [*source["单元名称"], "-"]}
    )
    totalled.update({"关键词": [*source["关键词"], None], "展现量": [10, 20, 30, 60]})
    totalled.update({"点击量": [1, 2, 3, 6], "花费": [1.0, 2.0, 3.0, 6.0]})
    log = read_keyword_log(totalled)
    assert len(log) == 3 and log.report.dropped_rows.tolist() == [3]
    assert (log.report.issues[0].kind, log.report.issues[0].column) == ("export_total", "campaign")


@pytest.mark.parametrize("date", ["", None, "2026-11-11~2026-11-12"])
def test_a_totals_line_with_no_date_totals_the_whole_report(date: object) -> None:
    # an export whose first column is the keyword (or campaign) writes its 合计 there,
    # with the date cell empty or a date range: the sum of every row, dropped as the
    # export's totals row (it was refused: its date is not a date)
    source = {
        "关键词": ["a", "b", "合 计"],
        "日期": ["2026-11-11", "2026-11-12", date],
        "展现量": [10, 20, 30],
        "点击量": [1, 2, 3],
        "花费": [1.0, 2.01, 3.01],
    }
    log = read_keyword_log(source)
    assert len(log) == 2 and log.report.dropped_rows.tolist() == [2]
    (issue,) = log.report.issues
    assert (issue.kind, issue.column) == ("export_total", "keyword")
    assert "the sum of the report's other rows" in issue.text
    # one that does not add up is refused, never read as a keyword
    source["展现量"][2] = 31
    with pytest.raises(InvalidInputError, match="row 2: `date` is not a date"):
        read_keyword_log(source)


def test_a_subtotal_line_under_each_campaign_is_dropped() -> None:
    # 小计 lines under each campaign (the campaign named, the keyword cell 小计), then the
    # day's 合计: each 小计 is the sum of its campaign's rows of the date, not of the
    # date's, and was refused as a keyword named 小计 that does not add up
    source = {
        "日期": ["2026-11-11"] * 7,
        "计划名称": ["c1", "c1", "c1", "c2", "c2", "c2", None],
        "关键词": ["a", "b", "小计", "a", "c", "小 计", "合计"],
        "展现量": [10, 20, 30, 5, 5, 10, 40],
        "点击量": [1, 2, 3, 0, 1, 1, 4],
        "花费": [1.0, 2.0, 3.0, 0.0, 1.01, 1.01, 4.01],
    }
    log = read_keyword_log(source)
    np.testing.assert_array_equal(log.impressions, [10, 20, 5, 5])
    assert log.report.dropped_rows.tolist() == [2, 5, 6]
    assert [i.kind for i in log.report.issues] == ["export_total"] * 3
    assert "the sum of the rows of its campaign on its date" in log.report.reasons[0]
    assert "the sum of the other rows of its date" in log.report.reasons[2]
    # a 小计 that is the sum of neither is refused, in those words
    source["展现量"][2] = 31
    with pytest.raises(InvalidInputError, match=r"row 2: `keyword` is a totals label \('小计'\)"):
        read_keyword_log(source)


def test_an_hourly_reports_day_totals_and_its_grand_total() -> None:
    # an hourly report with each keyword's day total line (no time) and the day's 合计
    # line: the 合计 was compared with every other row, the day totals included (twice
    # the sum), and refused; and, as a line without a time that adds up to no keyword's
    # hours, it made the day totals read as midnight's hours (each day counted twice)
    source = {
        "日期": [f"2026-11-11{t}" for t in (" 01:00", " 02:00", "", " 03:00", "", "")],
        "关键词": ["a", "a", "a", "b", "b", "合计"],
        "展现量": [10, 20, 30, 5, 5, 35],
        "点击量": [1, 2, 3, 0, 0, 3],
        "花费": [1.0, 2.0, 3.0, 0.0, 0.0, 3.0],
    }
    log = read_keyword_log(source)
    np.testing.assert_array_equal(log.impressions, [30, 5])
    assert [i.kind for i in log.report.issues] == ["split_total", "split_total", "export_total"]
    # the same with a device report's 全部 rows: the 合计 is the sum of the device rows
    device = {
        "日期": ["2026-11-11"] * 7,
        "关键词": ["a", "a", "a", "b", "b", "b", "合计"],
        "设备": ["PC", "无线", "全部", "PC", "无线", "全部", ""],
        "出价": [1.0] * 6 + [None],
        "展现量": [10, 20, 30, 1, 2, 3, 33],
        "点击量": [1, 2, 3, 0, 1, 1, 4],
        "花费": [1.0, 2.0, 3.0, 0.0, 1.0, 1.0, 4.0],
    }
    log = read_keyword_log(device)
    np.testing.assert_array_equal(log.impressions, [30, 3])
    assert [i.kind for i in log.report.issues] == ["split_total", "split_total", "export_total"]
