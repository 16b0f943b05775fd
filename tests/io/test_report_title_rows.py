"""A merchant's report export with title rows above its header row is read: the header is
the first row holding the required columns, the rows above it are skipped and named in
the load report; without such a row the error names the missing columns."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from bidopt.datasets import read_keyword_log
from bidopt.exceptions import InvalidInputError

HEADER = ["日期", "推广计划", "关键词", "出价(元)", "展现量", "点击量", "花费(元)", "成交笔数"]
ROWS = [
    ["2026-11-01", "个护", "洗发水", "1.20", "300", "12", "13.20", "1"],
    ["2026-11-02", "个护", "洗发水", "1.30", "320", "14", "16.10", "2"],
    ["2026-11-01", "个护", "护发素", "0.80", "1.2万", "30", "22.50", "0"],
]
TITLE = "推广计划报告 2026-11-01~2026-11-07"


def _csv(path: Path, lines: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(lines)
    return path


@pytest.mark.parametrize("padded", [False, True])
def test_csv_title_rows_above_the_header_are_skipped_and_named(
    tmp_path: Path, padded: bool
) -> None:
    pad = [""] * (len(HEADER) - 1) if padded else []
    titles = [[TITLE, *pad], ["店铺：示例旗舰店", *pad]]
    log = read_keyword_log(_csv(tmp_path / "r.csv", [*titles, [], HEADER, *ROWS]))
    assert len(log) == 3
    assert log.impressions.tolist() == [300, 320, 12_000]
    report = log.report
    assert report.title_rows == (TITLE, "店铺：示例旗舰店")
    assert report.header_line == 4
    assert "Header on line 4: skipped 2 rows" in report.summary()
    assert TITLE in report.summary()
    # a bad row is still named by its line in the file
    bad = [*ROWS, ["2026-11-03", "个护", "洗发水", "1.30", "-5", "1", "1.0", "0"]]
    with pytest.raises(InvalidInputError, match="line 8"):
        read_keyword_log(_csv(tmp_path / "bad.csv", [*titles, [], HEADER, *bad]))


def test_a_report_without_title_rows_reads_as_before(tmp_path: Path) -> None:
    log = read_keyword_log(_csv(tmp_path / "r.csv", [HEADER, *ROWS]))
    assert log.report.title_rows == ()
    assert log.report.header_line == 1
    assert "Header on line" not in log.report.summary()


def test_xlsx_title_rows_above_the_header_are_skipped(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([TITLE])
    sheet.append(["账户：示例旗舰店", None, "导出时间：2026-11-08"])
    sheet.append([])
    sheet.append(HEADER)
    for row in ROWS:
        sheet.append(row)
    book.save(tmp_path / "r.xlsx")
    log = read_keyword_log(tmp_path / "r.xlsx")
    assert len(log) == 3
    assert log.report.title_rows == (TITLE, "账户：示例旗舰店 导出时间：2026-11-08")
    assert log.report.header_line == 4


def test_no_header_row_within_the_first_rows_names_the_missing_columns(tmp_path: Path) -> None:
    without = [[h for h in HEADER if h != "展现量"]]
    rows = [[c for j, c in enumerate(r) if j != 4] for r in ROWS]
    with pytest.raises(InvalidInputError) as info:
        read_keyword_log(_csv(tmp_path / "r.csv", [[TITLE], *without, *rows]))
    message = str(info.value)
    assert "within its first 10 rows" in message
    assert "line 2, lacks ['impressions']" in message
    assert "展现量" in message  # the recognised headers for it
    with pytest.raises(InvalidInputError, match="none of them names any of its columns"):
        read_keyword_log(_csv(tmp_path / "none.csv", [[TITLE], *ROWS]))


def test_cli_plan_says_it_skipped_the_title_rows(tmp_path: Path) -> None:
    from bidopt._cli_workflow import run_plan

    header = ["日期", "推广计划", "推广单元", "关键词", "匹配方式", "出价", "展现量", "点击量"]
    header += ["花费", "成交笔数"]
    rows = []
    for day in range(1, 8):
        for k, bid in enumerate((1.0, 1.5, 2.0)):
            b = bid * (1 + 0.1 * (day % 3))
            clicks = 20 + day + k
            key = [f"2026-11-0{day}", "个护", "洗发水-01", f"洗发水{k}", "精确匹配"]
            rows.append([*key, f"{b:.2f}", str(400 + 50 * k), str(clicks)])
            rows[-1] += [f"{clicks * b * 0.8:.2f}", "2"]
    path = _csv(tmp_path / "r.csv", [[TITLE], header, *rows])
    out = run_plan(path, budget=100.0, out=tmp_path / "out")
    assert f"Header on line 2: skipped 1 row above it as the export's title: '{TITLE}'" in out
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "表头在第 2 行：跳过了其上方的 1 行标题" in page


def test_crowd_report_title_rows_are_skipped_too(tmp_path: Path) -> None:
    from bidopt.datasets import read_crowd_report

    header = ["关键词", "人群名称", "溢价比例", "展现量", "点击量", "花费"]
    rows = [["连衣裙", "店铺老客", "30%", "200", "12", "20.40"]]
    report = read_crowd_report(_csv(tmp_path / "c.csv", [["人群报告 2026-11-01"], header, *rows]))
    assert report.clicks.tolist() == [12]
    assert report.report.title_rows == ("人群报告 2026-11-01",)
    with pytest.raises(InvalidInputError, match=r"lacks \['crowd'\]"):
        read_crowd_report(_csv(tmp_path / "d.csv", [[h for h in header if h != "人群名称"]]))


@pytest.mark.parametrize("delimiter", ["\t", ";", ","])
def test_a_delimited_report_with_a_title_row_is_read_whatever_its_delimiter(
    tmp_path: Path, delimiter: str
) -> None:
    # the title line (one cell, no delimiter) made the sniffer give up (-> commas) on a
    # tab- or semicolon-separated export, and no header row was found
    from bidopt.datasets import read_crowd_report

    path = tmp_path / "r.txt"
    lines = [TITLE, *(delimiter.join(r) for r in [HEADER, *ROWS])]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    log = read_keyword_log(path)
    assert log.impressions.tolist() == [300, 320, 12_000]
    assert log.report.title_rows == (TITLE,)
    crowd = tmp_path / "c.txt"
    header = ["关键词", "人群名称", "溢价比例", "展现量", "点击量", "花费"]
    row = ["连衣裙", "店铺老客", "30%", "200", "12", "20.40"]
    crowd.write_text(
        "\n".join(["人群报表", delimiter.join(header), delimiter.join(row)]) + "\n",
        encoding="utf-8",
    )
    assert read_crowd_report(crowd).clicks.tolist() == [12]


def test_xlsx_whose_first_sheet_is_a_note_is_read_from_the_sheet_with_the_header(
    tmp_path: Path,
) -> None:
    """A workbook a merchant saved with a note sheet (说明) in front of the report: the
    first sheet with a header row is read and the source names it (the first sheet was
    read and the load failed: no header row); with no such sheet the error says the other
    sheets were searched."""
    openpyxl = pytest.importorskip("openpyxl")
    from bidopt._excel import sheet_note

    book = openpyxl.Workbook()
    note = book.active
    note.title = "说明"
    note.append(["报表说明：数据来自直通车"])
    note.append(["导出时间 2026-11-08"])
    data = book.create_sheet("关键词报表")
    data.append(HEADER)
    for row in ROWS:
        data.append(row)
    book.save(tmp_path / "r.xlsx")
    log = read_keyword_log(tmp_path / "r.xlsx")
    assert log.impressions.tolist() == [300, 320, 12_000]
    assert log.report.title_rows == ()
    assert sheet_note(log.report.source) == (
        " (sheet '关键词报表': the first sheet, '说明', has no header row)"
    )
    book.remove(data)
    book.create_sheet("汇总").append(["合计", 1, 2])
    book.save(tmp_path / "none.xlsx")
    with pytest.raises(InvalidInputError, match=r"other sheets \('汇总'\) have none either"):
        read_keyword_log(tmp_path / "none.xlsx")
    # a workbook with its report on the first sheet reads it, however many follow
    first = openpyxl.Workbook()
    first.active.append(HEADER)
    for row in ROWS:
        first.active.append(row)
    first.create_sheet("说明").append(["note"])
    first.save(tmp_path / "first.xlsx")
    assert sheet_note(read_keyword_log(tmp_path / "first.xlsx").report.source) == ""
