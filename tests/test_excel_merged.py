"""Excel reports as Excel shows them, where openpyxl's read-only mode does not: cells
merged down rows (日期 / 关键词 merged down each day's device rows) and a sheet that
declares a wrong size."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest

from bidopt import _excel
from bidopt.datasets import read_keyword_log
from bidopt.exceptions import InvalidInputError

openpyxl = pytest.importorskip("openpyxl", reason="the excel extra (openpyxl) is not installed")

HEADER = ["日期", "推广计划", "推广单元", "关键词", "匹配方式", "设备", "出价(元)", "展现量"]
HEADER += ["点击量", "花费(元)", "成交笔数", "成交金额(元)"]


def _report(path: Path, *, merged: bool) -> Path:
    """Two days x two keywords x two devices; the date merged down each day's 4 rows
    and the keyword down its 2 device rows (when ``merged``), under a merged title."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["推广计划报告 2024-11-01~2024-11-02"])
    sheet.merge_cells("A1:L1")
    sheet.append(HEADER)
    row = 3
    for day in ("2024-11-01", "2024-11-02"):
        for k, keyword in enumerate(("连衣裙", "长裙")):
            for d, device in enumerate(("PC", "无线")):
                clicks = 10 + 3 * k + d
                cells = [day, "计划A", "单元1", keyword, "精确匹配", device, 1.0, 100]
                sheet.append([*cells, clicks, 0.8 * clicks, 1, 50.0])
            if merged:
                sheet.merge_cells(f"D{row}:D{row + 1}")  # (openpyxl blanks D{row + 1})
            row += 2
        if merged:
            sheet.merge_cells(f"A{row - 4}:A{row - 1}")
    book.save(path)
    return path


def test_cells_merged_down_rows_fill_every_row(tmp_path: Path) -> None:
    """Before: 'row 1 ...: `date` is not a date; got None', and with errors='drop'
    6 of the 8 rows were dropped (those days undercounted)."""
    path = _report(tmp_path / "merged.xlsx", merged=True)
    merged = read_keyword_log(path, errors="drop")
    plain = read_keyword_log(_report(tmp_path / "plain.xlsx", merged=False))
    assert merged.report.n_read == 8 and merged.report.n_dropped == 0
    assert merged.n_rows == plain.n_rows == 4  # keyword-days, the devices summed
    np.testing.assert_array_equal(merged.clicks, plain.clicks)
    assert float(np.sum(merged.clicks)) == 2 * (10 + 11 + 13 + 14)
    assert read_keyword_log(path).n_rows == 4  # errors="raise" (the default) reads it too


def test_merged_ranges_read_from_the_sheet_xml(monkeypatch: pytest.MonkeyPatch) -> None:
    """The merge list follows the cells; a prefix (``x:``, as the .NET SDK writes) and a
    read that splits a tag across chunks are read alike; a single-row merge is kept as
    a range (it is not filled down)."""
    xml = (
        b'<x:worksheet><x:sheetData><x:row r="1"/></x:sheetData>'
        b'<x:mergeCells count="3"><x:mergeCell ref="A2:A4"/><x:mergeCell ref="B7"/>'
        b"<x:mergeCell ref='C1:H1' /></x:mergeCells></x:worksheet>"
    )

    class Sheet:
        def _get_source(self) -> io.BytesIO:
            return io.BytesIO(xml)

    for chunk in (7, 64, 1 << 20):
        monkeypatch.setattr(_excel, "_CHUNK", chunk)
        assert _excel._merged_ranges(Sheet()) == [(1, 2, 1, 4), (2, 7, 2, 7), (3, 1, 8, 1)]


def test_a_sheet_that_declares_a_wrong_size_is_read_in_full(tmp_path: Path) -> None:
    """Some exporters write ``<dimension ref="A1"/>``; read-only openpyxl then cut every
    row to column A ('must have a header row ... Got no such row')."""
    good = _report(tmp_path / "good.xlsx", merged=False)
    bad = tmp_path / "bad.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                data = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1"', data)
                assert b'<dimension ref="A1"' in data
            dst.writestr(item, data)
    log = read_keyword_log(bad)
    assert log.n_rows == read_keyword_log(good).n_rows == 4
    assert float(np.sum(log.clicks)) == 2 * (10 + 11 + 13 + 14)


def test_a_workbook_named_xls_is_read_and_an_old_xls_is_refused_clearly(tmp_path: Path) -> None:
    """A report saved as .xls that is an .xlsx inside was read as text ('must be UTF-8
    or GB18030 text ... re-export the report as UTF-8'), as was an old-format .xls."""
    named = tmp_path / "报表.xls"
    named.write_bytes(_report(tmp_path / "r.xlsx", merged=True).read_bytes())
    assert read_keyword_log(named).n_rows == 4
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    with pytest.raises(InvalidInputError, match=r"old-format Excel workbook \(.xls\), instead; "):
        read_keyword_log(old)
