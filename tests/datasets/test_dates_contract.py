"""A month is not a day: the shared date parser and its callers refuse month-precision
dates (datetime64[M], a pandas Period, "2026-11") instead of reading the 1st of the month;
a channel history, whose rows are periods, reads a datetime64 month as its first day."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from bidopt._dates import DAY_CONTRACT, not_a_day, parse_date, parse_dates
from bidopt.customers import rfm_table
from bidopt.datasets import read_channel_history, read_crowd_report, read_keyword_log
from bidopt.exceptions import InvalidInputError

MONTHS = np.array(["2026-11", "2026-12"], dtype="datetime64[M]")


def _report(dates: object) -> dict[str, object]:
    return {"date": dates, "keyword": ["a", "b"], "impressions": [10, 20], "clicks": [1, 2]}


def test_parser_reads_no_month_as_a_day() -> None:
    dates, bad = parse_dates(MONTHS)
    assert bad.all() and np.isnat(dates).all()
    assert np.isnat(parse_date(np.datetime64("2026-11")))
    assert np.isnat(parse_date("2026-11")) and np.isnat(parse_date("2026年11月"))
    assert not_a_day(np.datetime64("2026", "Y")) == "year"
    assert not_a_day(np.datetime64("2026-11-11")) is None
    # a day (and a day with its hour) is still a day
    days = np.array(["2026-11-11", "2026-11-12T09:00"], dtype="datetime64[m]")
    assert parse_dates(days)[0].tolist() == parse_dates(days.astype("datetime64[D]"))[0].tolist()
    # a reader of periods asks for the first day explicitly
    first = parse_dates(MONTHS, periods=True)[0]
    assert [str(d) for d in first] == ["2026-11-01", "2026-12-01"]


@pytest.mark.parametrize(
    ("dates", "shown"),
    [
        (MONTHS, "got 2026-11"),
        (np.array(["2026-11", "2026-12"], dtype=object), "got '2026-11'"),
    ],
)
def test_keyword_reader_refuses_a_month(dates: object, shown: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        read_keyword_log(_report(dates))
    message = str(info.value)
    assert "`date` must be " + DAY_CONTRACT + ", not a month; " + shown in message
    assert "2026-11-01" not in message
    log = read_keyword_log(_report(dates), errors="drop")
    assert len(log) == 0 and "not a month" in log.report.reasons[0]


def test_keyword_reader_refuses_a_pandas_period() -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(_report(pd.period_range("2026-11", periods=2, freq="M")))
    with pytest.raises(InvalidInputError, match=r"not a month; got Period\('2026-11', 'M'\)"):
        read_keyword_log(frame)


def test_crowd_report_refuses_a_month() -> None:
    source = {
        "date": MONTHS,
        "keyword": ["a", "a"],
        "crowd": ["x", "y"],
        "impressions": [10, 20],
        "clicks": [1, 2],
        "cost": [1.0, 2.0],
    }
    with pytest.raises(InvalidInputError, match="`date` must be a day .*not a month; got 2026-11"):
        read_crowd_report(source)


def test_rfm_table_refuses_a_month() -> None:
    orders = {"customer_id": ["a", "b"], "date": MONTHS, "amount": [1.0, 2.0]}
    with pytest.raises(InvalidInputError, match="Got 2026-11, a month, not a day, at row 0"):
        rfm_table(orders)
    days = {"customer_id": ["a", "b"], "date": ["2026-11-02", "2026-11-05"], "amount": [1.0, 2.0]}
    with pytest.raises(InvalidInputError, match="`calibration_end` must be a date"):
        rfm_table(days, calibration_end=np.datetime64("2026-11"))


def test_channel_history_reads_months_as_periods() -> None:
    history = read_channel_history(
        {
            "date": np.array(["2026-01", "2026-02", "2026-03"], dtype="datetime64[M]"),
            "tv": [1.0, 2.0, 3.0],
            "revenue": [5.0, 6.0, 7.0],
        },
        kpi="revenue",
    )
    assert history.periods is not None
    assert [str(p) for p in history.periods] == ["2026-01-01", "2026-02-01", "2026-03-01"]


def test_a_period_finer_than_a_day_is_a_day() -> None:
    # a pandas Period of minutes ("min") or milliseconds ("ms") was named a month (the
    # first letter of its frequency) and refused: rfm_table's calibration_end too
    pd = pytest.importorskip("pandas")
    for freq in ("min", "ms", "s", "h"):
        minute = pd.Period("2026-11-06 09:30", freq)
        assert not_a_day(minute) is None
        assert str(parse_date(minute)) == "2026-11-06"
    assert not_a_day(pd.Period("2026-11", "2M")) == "month"
    assert not_a_day(pd.Period("2026Q4", "Q")) == "quarter"
    days = {"customer_id": ["a", "b"], "date": ["2026-11-02", "2026-11-05"], "amount": [1.0, 2.0]}
    table = rfm_table(days, calibration_end=pd.Period("2026-11-06 09:00", "min"))
    assert str(table.calibration_end) == "2026-11-06"


def test_a_thirteenth_month_is_no_month() -> None:
    # "2026-13" is no month: the reader says it is not a date, not that it is a month
    assert not_a_day("2026-13") is None and not_a_day("2026-0") is None
    assert not_a_day("2026-12") == "month"
    with pytest.raises(InvalidInputError, match=r"`date` is not a date; got '2026-13'"):
        read_keyword_log(_report(np.array(["2026-13", "2026-12-01"], dtype=object)))


@pytest.mark.parametrize("header", ["date", "月份", "month"])
@pytest.mark.parametrize(
    "months",
    [
        ["2026-01", "2026-02", "2026-03"],
        ["2026年1月", "2026年2月", "2026年3月"],
        np.array(["2026-01", "2026-02", "2026-03"], dtype="datetime64[M]"),
    ],
)
def test_a_channel_history_reads_every_spelling_of_its_months(header: str, months: Any) -> None:
    # the same monthly history read with dated periods from a datetime64[M] column but
    # undated from '2026-01' text; a 月份 / month header was read as a channel
    history = read_channel_history(
        {header: months, "tv": [1.0, 2.0, 3.0], "revenue": [5.0, 6.0, 7.0]}, kpi="revenue"
    )
    assert history.channels == ("tv",) and history.periods is not None
    assert [str(p) for p in history.periods] == ["2026-01-01", "2026-02-01", "2026-03-01"]


def test_a_channel_history_reads_pandas_months() -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(
        {"月份": pd.period_range("2026-01", periods=3, freq="M"), "tv": [1.0, 2.0, 3.0]}
    )
    frame["revenue"] = [5.0, 6.0, 7.0]
    history = read_channel_history(frame, kpi="revenue")
    assert history.periods is not None and str(history.periods[0]) == "2026-01-01"


def test_a_date_where_a_number_is_due_is_a_bad_cell_not_a_crash() -> None:
    # a datetime64 column read as numbers raised TypeError from unicodedata.normalize
    with pytest.raises(InvalidInputError, match=r"`impressions` is not a number"):
        read_keyword_log(
            {
                "date": ["2026-11-11", "2026-11-12"],
                "keyword": ["a", "b"],
                "impressions": np.array(["2026-11-11", "2026-11-12"], dtype="datetime64[D]"),
                "clicks": [0, 0],
            }
        )
    with pytest.raises(InvalidInputError, match=r"Column 'dt' of .* must hold numbers"):
        read_channel_history(
            {
                "dt": np.array(["2026-01", "2026-02", "2026-03"], dtype="datetime64[M]"),
                "tv": [1.0, 2.0, 3.0],
                "revenue": [5.0, 6.0, 7.0],
            },
            kpi="revenue",
        )


@pytest.mark.parametrize("serial", [46337, 46337.5, "46337"])
def test_an_excel_serial_day_number_is_refused_with_a_hint(serial: object) -> None:
    # 46337 is how Excel stores 2026-11-11 when the column is not formatted as dates
    with pytest.raises(InvalidInputError, match="looks like an Excel serial day number"):
        read_keyword_log(
            {"日期": [serial], "关键词": ["a"], "展现量": [1], "点击量": [0], "花费": [0.0]}
        )


@pytest.mark.parametrize("value", [5, "12", 999_999, True])
def test_other_numbers_get_no_excel_hint(value: object) -> None:
    with pytest.raises(InvalidInputError) as caught:
        read_keyword_log(
            {"日期": [value], "关键词": ["a"], "展现量": [1], "点击量": [0], "花费": [0.0]}
        )
    assert "Excel serial" not in str(caught.value)
