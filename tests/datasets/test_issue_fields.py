"""Each load record's ``line`` (the file line of its row) and ``values`` (the cells at
fault, as the source writes them), for each kind of record."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from bidopt.datasets import read_keyword_log

_HEADER = ["日期", "推广计划", "关键词", "出价", "展现量", "点击量", "花费", "成交笔数"]
_ROWS: list[list[Any]] = [
    ["2024-11-01", "A", "连衣裙", 1.0, 1000, 40, 30.0, 3],
    ["2024-11-01", "B", "望远镜", 0.5, 300, 9, 3.0, 1],
    ["2024-11-02", "A", "连衣裙", 1.5, 1400, 60, 60.0, 5],
    ["2024-11-02", "B", "望远镜", 0.7, 380, 12, 5.5, 1],
]
_C = _HEADER.index


def _write(path: Path, header: list[str], rows: list[list[Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(header)
        out.writerows(rows)
    return path


def _records(path: Path) -> list[tuple[Any, ...]]:
    issues = read_keyword_log(path, errors="drop").report.issues
    return [(i.row, i.action, i.kind, i.line, i.values) for i in issues]


def test_each_kind_of_a_plain_reports_records(tmp_path: Path) -> None:
    rows = [[*r] for r in _ROWS]
    bad_date = [*rows[1]]
    bad_date[0] = "n/a"
    no_clicks = [*rows[1]]
    no_clicks[0], no_clicks[_C("点击量")], no_clicks[_C("花费")] = "2024-11-03", 0, "0.99"
    no_clicks[_C("成交笔数")] = 0
    orders = [*rows[1]]
    orders[0], orders[_C("点击量")], orders[_C("成交笔数")] = "2024-11-04", 2, 5
    again = [*rows[1]]
    again[_C("展现量")] = 301
    total: list[Any] = ["合计", "", "", ""] + [
        sum(r[_C(k)] for r in rows) for k in ("展现量", "点击量", "花费", "成交笔数")
    ]
    path = _write(
        tmp_path / "r.csv", _HEADER, [*rows, rows[0], bad_date, no_clicks, orders, again, total]
    )
    assert _records(path) == [
        (4, "dropped", "repeat", 6, ()),
        (5, "dropped", "cell", 7, (("date", "n/a"),)),
        (6, "dropped", "rule", 8, (("cost", "0.99"), ("clicks", "0"))),
        (9, "dropped", "export_total", 11, ()),
        (7, "flagged", "rule", 9, (("conversions", "5"), ("clicks", "2"))),
        (8, "flagged", "key_repeat", 10, ()),
    ]
    # the English sentence is the reader's, unchanged
    issue = read_keyword_log(path, errors="drop").report.issues[2]
    assert issue.text == (
        f"line 8 of {str(path)!r}: `cost` must be 0 when `clicks` is 0; got cost=0.99, clicks=0"
    )


def test_each_kind_of_a_split_reports_records(tmp_path: Path) -> None:
    rows = []
    for r in _ROWS:
        for device in ("合计", "PC", "无线"):
            row = [*r, device]
            if device != "合计":
                for k in ("展现量", "点击量", "成交笔数"):
                    row[_C(k)] = r[_C(k)] // 2
                row[_C("花费")] = r[_C("花费")] / 2
            rows.append(row)
    rows[4][_C("点击量")] = -1  # day 2's PC row: its 无线 row goes with it
    rows[8][_C("出价")] = 9.0  # day 3's 无线 row bids above its PC row
    path = _write(tmp_path / "d.csv", [*_HEADER, "设备"], rows)
    assert _records(path) == [
        (0, "dropped", "split_total", 2, ()),
        (3, "dropped", "split_total", 5, ()),
        (4, "dropped", "cell", 6, (("clicks", "-1"),)),
        (5, "dropped", "with_its_day", 7, ()),
        (6, "dropped", "split_total", 8, ()),
        (9, "dropped", "split_total", 11, ()),
        (8, "flagged", "unsummed_bid", 10, ()),
    ]
