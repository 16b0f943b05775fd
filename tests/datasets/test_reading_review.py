"""Review of the day's data-reading changes (session 22): an Excel note or title merged
over a block of rows is one row, and a float32 column of compact dates (YYYYMMDD) is
refused rather than read a day off."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bidopt._dates import parse_date, parse_dates
from bidopt.customers import rfm_table
from bidopt.datasets import read_keyword_log
from bidopt.exceptions import InvalidInputError
from tests.test_excel_merged import HEADER, _report

openpyxl = pytest.importorskip("openpyxl", reason="the excel extra (openpyxl) is not installed")


def test_a_note_merged_over_a_block_of_rows_is_one_row(tmp_path: Path) -> None:
    """Before: each row of a note merged over A..L and 4 rows was read as a copy of the
    note (read 12, dropped 4 for one note line); a title merged over two rows was
    listed twice among the skipped title rows."""
    book = openpyxl.load_workbook(_report(tmp_path / "r.xlsx", merged=True))
    sheet = book.active
    last = sheet.max_row
    sheet.cell(row=last + 2, column=1, value="说明：数据仅供参考，以实际扣费为准")
    sheet.merge_cells(f"A{last + 2}:L{last + 5}")
    book.save(tmp_path / "note.xlsx")
    log = read_keyword_log(tmp_path / "note.xlsx", errors="drop")
    assert (log.report.n_read, log.report.n_dropped, log.n_rows) == (9, 1, 4)
    assert float(np.sum(log.clicks)) == 2 * (10 + 11 + 13 + 14)

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["推广计划报告"])
    sheet.append([])
    sheet.merge_cells("A1:L2")
    sheet.append(HEADER)
    sheet.append(["2024-11-01", "计划A", "单元1", "连衣裙", "精确匹配", "PC", 1.0, 100, 10])
    sheet["J4"], sheet["K4"], sheet["L4"] = 8.0, 1, 50.0
    book.save(tmp_path / "tall.xlsx")
    summary = read_keyword_log(tmp_path / "tall.xlsx").report.summary()
    assert "above it as the export's title: '推广计划报告'.\n" in summary


def test_a_float32_column_of_compact_dates_is_not_read_a_day_off() -> None:
    """A float32 holds 20241111 as 20241112: it was read as 2024-11-12 (parse_dates,
    parse_date, rfm_table), silently; now it is no date, and rfm_table says why."""
    cells = np.array([20241111, 20241112, 16770101], dtype=np.float32)
    bad = parse_dates(cells)[1]
    assert bad.tolist() == [True, True, False]  # exact below 2**24: 1677-01-01 still read
    assert np.isnat(parse_date(np.float32(20241111)))
    assert parse_date(np.float64(20241111)) == np.datetime64("2024-11-11")
    assert parse_dates(np.array([20241111.0, np.nan]))[0][0] == np.datetime64("2024-11-11")
    orders = pd.DataFrame({"customer_id": [1, 1], "date": cells[:2], "amount": [1.0, 2.0]})
    with pytest.raises(InvalidInputError, match="float32 column cannot hold exactly"):
        rfm_table(orders)


def test_the_load_summary_reads_right_for_one_row() -> None:
    """It read 'Read 1 rows', 'Kept 1 rows that break a waived rule' and, for a title,
    'skipped 1 row(s) above it' (the plural fixes of c75dd67 left the load report)."""
    log = read_keyword_log(
        {"日期": ["2024-11-01"], "关键词": ["a"], "展现量": [10], "点击量": [2], "成交笔数": [3]}
    )
    summary = log.report.summary()
    assert summary.startswith("Read 1 row from <mapping>: kept 1, dropped 0.\n")
    assert "Kept 1 row that breaks a waived rule" in summary


def test_a_web_page_or_an_encrypted_workbook_is_refused_with_advice(tmp_path: Path) -> None:
    """A web page saved as .xls (an HTML table) was read as text and refused as having
    no header row; a password-protected .xlsx (an OLE2 file) as 'openpyxl cannot open
    it ... re-export it from Excel'."""
    page = tmp_path / "报表.xls"
    page.write_text(
        "<html><body><table><tr><td>日期</td><td>关键词</td><td>展现量</td><td>点击量</td>"
        "</tr><tr><td>2024-11-01</td><td>a</td><td>1</td><td>1</td></tr></table></body></html>",
        encoding="utf-8",
    )
    with pytest.raises(InvalidInputError, match=r"a web page \(an HTML table.*save it as \.xlsx"):
        read_keyword_log(page)
    locked = tmp_path / "locked.xlsx"
    locked.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    with pytest.raises(InvalidInputError, match="password-protected workbook.*remove any password"):
        read_keyword_log(locked)


def test_splits_keep_drops_a_keyword_day_that_lost_a_bad_row() -> None:
    """With splits='keep' and errors='drop', the PC row and the blank total of a day
    whose 无线 row was bad were kept: totals() read 40 impressions where the day had 30
    (the total counted PC again), and sum_days() would have undercounted the day. Now the
    day goes with its bad row, as with splits='sum' (seeded fuzz: 46 of 1,500 reports)."""
    source = {
        "日期": ["2024-11-01"] * 3 + ["2024-11-02"] * 2,
        "关键词": ["a"] * 5,
        "设备": ["PC", "无线", "", "PC", "无线"],
        "展现量": [10, 20, 30, 5, 6],
        "点击量": [1, "x", 3, 1, 1],
        "花费": [1.0, 2.0, 3.0, 1.0, 1.0],
    }
    for splits in ("sum", "keep"):
        log = read_keyword_log(source, errors="drop", splits=splits)
        assert log.totals()["impressions"] == 11.0
        assert (log.report.n_kept, log.report.n_dropped) == (2, 3)
        assert "dropped 2 more rows with them" in log.report.summary()


def test_an_hour_column_reads_one_hour_however_its_cells_write_it() -> None:
    """An hour column (时间 / 小时) holding an Excel time 9:00 beside the text '09:00'
    (two exports pasted together) summed them as two hours: impressions 70 for 60, the
    hour counted twice without a word (dd859dd fixed this for a timestamp column only).
    Now 9, '9', '09:00', '9:00:00' and an Excel 9:00 are one label: the copy is an exact
    repeat (dropped, listed), and other values are flagged and left unsummed."""
    import datetime as dt

    source = {
        "日期": ["2024-11-01"] * 4,
        "时间": [dt.time(9, 0), "09:00", "10:00", "11"],
        "关键词": ["a"] * 4,
        "展现量": [10, 10, 20, 30],
        "点击量": [1, 1, 2, 3],
    }
    log = read_keyword_log(source, errors="drop")
    assert (log.n_rows, float(log.impressions[0]), log.report.n_dropped) == (1, 60.0, 1)
    source["展现量"] = [10, 12, 20, 30]
    source["小时"] = source.pop("时间")
    log = read_keyword_log(source, errors="drop")
    assert log.n_rows == 4 and "repeats the keyword-day and hour of row 0" in log.report.flags[0]
