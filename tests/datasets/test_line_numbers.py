"""A dropped row is named by the line a person finds it on (session 24 walkthrough).

The note said "row 41 (line 44 of ...): a copy of row 40" while Excel showed the row it
repeats on line 43: "row" was the 0-based index among the data rows.  A file's rows are
now named by their line only, in every format a report comes in.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from bidopt.datasets import read_keyword_log
from bidopt.exceptions import InvalidInputError

HEADER = ["日期", "推广计划", "推广单元", "关键词", "匹配方式", "出价", "展现量", "点击量", "花费"]
ROWS = [
    [f"2026-11-0{d}", "c", "g", f"k{k}", "精准匹配", "1.0", "100", "5", "5.0"]
    for d in (1, 2, 3)
    for k in (0, 1)
]
# data rows as written: ROWS[0..3], a copy of ROWS[3], then ROWS[4..5]
BODY = [*ROWS[:4], ROWS[3], *ROWS[4:]]


def _text(sep: str, title: bool, blank: bool = False, broken: bool = False) -> str:
    lines = ["店铺 关键词报表 2026-11-01 至 2026-11-03"] if title else []
    lines.append(sep.join(HEADER))
    for i, row in enumerate(BODY):
        if blank and i == 2:
            lines.append("")  # a blank line: still a line of the file
        if broken and i == 1:  # a quoted keyword with a line break (two lines of text)
            row = [*row[:3], '"k1\nx"', *row[4:]]
        lines.append(sep.join(row))
    return "\r\n".join(lines) + "\r\n"


def _workbook(path: Path, title_rows: int, empty_above: int) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    at = 1 + empty_above
    if title_rows:
        sheet.cell(at, 1, "店铺 关键词报表")
        sheet.merge_cells(start_row=at, start_column=1, end_row=at + title_rows - 1, end_column=9)
        at += title_rows
    for rows in ([HEADER], BODY):
        for row in rows:
            for j, value in enumerate(row, start=1):
                sheet.cell(at, j, value)
            at += 1
    book.save(path)
    return path


# (file, line of the copy, line of the row it repeats): as a text editor numbers the
# file's lines, and Excel its rows
CASES = {
    "plain.csv": (lambda p: p.write_text(_text(",", False), encoding="utf-8"), 6, 5),
    "title.csv": (lambda p: p.write_text(_text(",", True), encoding="utf-8"), 7, 6),
    "bom.csv": (lambda p: p.write_text(_text(",", True), encoding="utf-8-sig"), 7, 6),
    "gbk.csv": (lambda p: p.write_bytes(_text(",", True).encode("gb18030")), 7, 6),
    "blank.csv": (lambda p: p.write_text(_text(",", True, blank=True), encoding="utf-8"), 8, 7),
    "report.tsv": (lambda p: p.write_text(_text("\t", True), encoding="utf-8"), 7, 6),
    # (a cell with a line break: the text editor's line of each row)
    "broken.csv": (lambda p: p.write_text(_text(",", True, broken=True), encoding="utf-8"), 8, 7),
    "merged.xlsx": (lambda p: _workbook(p, 2, 0), 8, 7),
    "empty_above.xlsx": (lambda p: _workbook(p, 1, 2), 9, 8),
    "no_title.xlsx": (lambda p: _workbook(p, 0, 0), 6, 5),
}


@pytest.mark.parametrize("name", list(CASES))
def test_a_copy_is_named_by_its_line_and_the_line_it_repeats(tmp_path: Path, name: str) -> None:
    write, line, other = CASES[name]
    path = tmp_path / name
    write(path)
    log = read_keyword_log(path, errors="drop")
    (issue,) = log.report.issues
    assert issue.kind == "repeat"
    assert (issue.row, issue.other_row) == (4, 3)  # (the 0-based indices, for Python)
    assert (issue.line, issue.other_line) == (line, other)
    assert issue.where.startswith(f"line {line} of {str(path)!r}")
    assert f"repeats line {other} exactly" in issue.text
    assert "row" not in issue.text
    with pytest.raises(InvalidInputError) as refused:
        read_keyword_log(path)
    assert f"Got a bad row instead: line {line} of " in str(refused.value)
    assert f"repeats line {other} exactly" in str(refused.value)


def test_more_bad_rows_are_counted_by_their_lines(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    rows = [*BODY, ["2026-11", *ROWS[0][1:]], ["2026-12", *ROWS[1][1:]]]
    text = "\n".join(",".join(r) for r in [["店铺"], HEADER, *rows]) + "\n"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidInputError, match=r"line 7 of .* \(lines 10, 11\)\."):
        read_keyword_log(path)


def test_a_table_in_memory_keeps_its_0_based_rows() -> None:
    data = {h: [r[j] for r in BODY] for j, h in enumerate(HEADER)}
    log = read_keyword_log(data, errors="drop")
    (issue,) = log.report.issues
    assert (issue.line, issue.other_line) == (None, None)
    assert issue.text.startswith("row 4: `keyword` repeats row 3 exactly")
