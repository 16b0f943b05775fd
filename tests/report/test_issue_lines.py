"""The Chinese page words a dropped row from its record's ``line`` and ``values``: the
file line and the cells as the source writes them, in Chinese, with no English."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np
import pytest

from bidopt.bidding import optimize_bids
from bidopt.datasets import read_keyword_log
from bidopt.landscape import estimate_landscapes
from bidopt.report import make_bid_sheet, render_plan_report
from tests.report.test_bidsheet import _log

pytest.importorskip("matplotlib", reason="the report's figures need the optional matplotlib")


def _report_file(path: Path) -> Path:
    """test_bidsheet's report as a CSV file (header on line 1, a blank line after its
    six rows), then a copy of row 0, a date cell 'n/a' and a cost without clicks."""
    data = _log()
    header = list(data)
    rows = [[data[k][i] for k in header] for i in range(6)]
    bad_date = [*rows[1]]
    bad_date[0] = "n/a"
    no_clicks = [*rows[2]]
    no_clicks[0] = "2024-11-03"
    no_clicks[header.index("点击量")] = 0
    no_clicks[header.index("花费")] = "0.99"
    no_clicks[header.index("成交笔数")] = 0
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(header)
        out.writerows(rows)
        out.writerow([])  # (a blank line: the lines are the file's, not row + 2)
        out.writerows([rows[0], bad_date, no_clicks])
    return path


def test_the_chinese_list_gives_each_rows_file_line_and_cells_in_chinese(tmp_path: Path) -> None:
    log = read_keyword_log(_report_file(tmp_path / "报表.csv"), errors="drop")
    assert log.report.dropped_rows.tolist() == [6, 7, 8]
    estimate = estimate_landscapes(log, bids=np.linspace(0.333, 4.777, 9))
    sheet = make_bid_sheet(log, estimate, optimize_bids(estimate.landscapes, 150.0))
    zh, en = (render_plan_report(sheet, load_report=log.report, lang=x) for x in ("zh", "en"))
    listed = re.findall(r"<li>(.*?)</li>", zh.split("<details>")[1].split("</details>")[0])
    assert listed == [
        "第 9 行：与第 2 行完全相同（报表重复导出或重复粘贴），只保留一份",
        "第 10 行：日期一栏不是某一天（月份、年份、周或认不出的文字都不行）：表中写的是“n/a”",
        "第 11 行：有花费但点击量为 0（表中：花费 “0.99”，点击量 “0”）",
    ]
    # no English in them: no ASCII letter outside the cells as written
    for item in listed:
        assert not re.search(r"[A-Za-z]", item.replace("“n/a”", "")), item
    # the English page keeps the reader's sentences
    listed_en = en.split("<details>")[1]
    assert "<li>line 11 of " in listed_en and "row " not in listed_en
    assert "line 9 of " in listed_en and ": a copy of line 2; one copy is kept" in listed_en
    assert "`cost` must be 0 when `clicks` is 0; got cost=0.99, clicks=0" in listed_en
    assert "<li>line 10 of " in listed_en


def test_a_source_that_is_not_a_file_names_no_line() -> None:
    data = {k: [*v, v[0]] for k, v in _log().items()}
    data["花费"][6] = -1.0
    log = read_keyword_log(data, errors="drop")
    (issue,) = log.report.issues
    assert (issue.line, issue.values) == (None, (("cost", "-1"),))
    estimate = estimate_landscapes(log, bids=np.linspace(0.333, 4.777, 9))
    sheet = make_bid_sheet(log, estimate, optimize_bids(estimate.landscapes, 150.0))
    zh = render_plan_report(sheet, load_report=log.report, lang="zh")
    assert "<li>数据行 6：花费一栏须为不小于 0 的数，表中写的是“-1”</li>" in zh
    assert "文件第" not in zh
