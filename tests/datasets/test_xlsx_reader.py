"""Excel (.xlsx) keyword reports, Taobao number formats and attribution rows."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from bidopt.datasets import DEFAULT_RELAX, read_keyword_log
from bidopt.exceptions import InvalidInputError

openpyxl = pytest.importorskip("openpyxl", reason="the excel extra (openpyxl) is not installed")

HEADER = ["日期", "推广计划", "推广单元", "关键词", "匹配方式", "出价(元)", "展现量", "点击量"]
HEADER += ["花费(元)", "成交笔数", "成交金额(元)"]


def write(path: Path, rows: list[list[object]], *, title_rows: int = 0) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    for _ in range(title_rows):
        sheet.append([None] * len(HEADER))  # blank rows above the header
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_xlsx_report_with_wan_and_thousands_and_attribution(tmp_path: Path) -> None:
    import datetime

    path = write(
        tmp_path / "report.xlsx",
        [
            [
                datetime.datetime(2024, 11, 1),
                "计划A",
                "单元1",
                "连衣裙",
                "精确匹配",
                1.25,
                "1.2万",
                300,
                "1,234.50",
                2,
                "3,000",
            ],
            # 40 orders on 30 clicks: attribution
            [
                "2024-11-02",
                "计划A",
                "单元1",
                "连衣裙",
                "广泛匹配",
                "0.8",
                12000,
                30,
                24,
                40,
                "1.1万",
            ],
            [None] * len(HEADER),  # a blank row in the middle is skipped
            ["2024年11月03日", "计划B", "单元2", "望远镜", "短语匹配", 2, "3亿", 0, 0, 0, 0],
        ],
        title_rows=2,
    )
    log = read_keyword_log(path)
    np.testing.assert_array_equal(log.impressions, [12_000, 12_000, 300_000_000])
    np.testing.assert_allclose(log.cost, [1234.5, 24.0, 0.0])
    np.testing.assert_allclose(log.revenue, [3000.0, 11_000.0, 0.0])
    assert log.match_type is not None
    assert log.match_type.to_numpy().tolist() == ["exact", "broad", "phrase"]
    assert str(log.date[2]) == "2024-11-03"
    # the attribution row is kept, flagged and explained; its Excel row is named
    assert DEFAULT_RELAX == ("conversions_le_clicks",)
    assert log.report.flagged_rows.tolist() == [1]
    (flag,) = log.report.flags
    assert "line 5" in flag and "sheet 'Sheet'" in flag
    assert "attribution window" in flag
    assert "attribution window" in log.report.summary()
    # strict reading still rejects it, naming the row
    with pytest.raises(InvalidInputError, match="`conversions` must be <= `clicks`"):
        read_keyword_log(path, relax=())


def test_xlsx_errors_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "broken.xlsx"
    bad.write_bytes(b"not a zip file")
    with pytest.raises(InvalidInputError, match="must be an Excel workbook"):
        read_keyword_log(bad)
    empty = tmp_path / "empty.xlsx"
    openpyxl.Workbook().save(empty)
    with pytest.raises(InvalidInputError, match="must have a header row"):
        read_keyword_log(empty)


def test_xlsx_without_openpyxl_says_how_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path / "r.xlsx", [["2024-11-01", "A", "U", "k", "exact", 1, 10, 1, 1, 0, 0]])
    monkeypatch.setitem(sys.modules, "openpyxl", None)  # as if openpyxl were not installed
    with pytest.raises(ImportError, match=r"pip install bidopt\[excel\]"):
        read_keyword_log(path)
