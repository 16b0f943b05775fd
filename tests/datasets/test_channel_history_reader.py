"""read_channel_history: spend per channel and period with its revenue column."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bidopt.datasets import ChannelHistory, read_channel_history
from bidopt.exceptions import InvalidInputError, MissingColumnError

CSV = """日期,直通车,抖音,成交金额
2025-01-06,"12,000",1.5万,"300,000"
2025-01-13,9000,8000,2.1万
2025-01-20,¥11000.50,20000,310000
"""


def test_reads_chinese_headers_and_taobao_numbers(tmp_path: Path) -> None:
    path = tmp_path / "history.csv"
    path.write_text(CSV, encoding="utf-8")
    history = read_channel_history(path)
    assert isinstance(history, ChannelHistory)
    assert history.channels == ("直通车", "抖音") and history.kpi_name == "成交金额"
    np.testing.assert_allclose(history.spend, [[12_000, 15_000], [9000, 8000], [11_000.5, 20_000]])
    np.testing.assert_allclose(history.kpi, [300_000, 21_000, 310_000])
    assert history.periods is not None and str(history.periods[1]) == "2025-01-13"
    assert history.observed_range()["抖音"] == (8000.0, 20_000.0)
    assert "3 periods, 2 channels" in history.summary()
    frame = history.to_frame()
    assert list(frame.columns) == ["date", "直通车", "抖音", "成交金额"] and len(frame) == 3


def test_errors_name_the_column_and_the_cell(tmp_path: Path) -> None:
    path = tmp_path / "history.csv"
    path.write_text(CSV.replace("成交金额", "收入"), encoding="utf-8")
    with pytest.raises(MissingColumnError, match="--kpi COLUMN"):
        read_channel_history(path)
    history = read_channel_history(path, kpi="收入", channels=["抖音"])
    assert history.channels == ("抖音",)
    with pytest.raises(MissingColumnError, match="`channels` must be columns"):
        read_channel_history(path, kpi="收入", channels=["天猫"])
    path.write_text(CSV.replace("9000", "-9000"), encoding="utf-8")
    with pytest.raises(InvalidInputError, match="'直通车'.*>= 0. Got '-9000' at line 3 of "):
        read_channel_history(path)


@pytest.mark.parametrize("label", ["合计", "总计", "Total", "-", " 合计: "])
def test_a_totals_row_is_left_out_and_listed(tmp_path: Path, label: str) -> None:
    # review 3: a 合计 row at the bottom was read as one more period (kpi doubled)
    path = tmp_path / "history.csv"
    path.write_text(CSV + f'{label},"32,000.50",4.3万,631000\n', encoding="utf-8")
    history = read_channel_history(path)
    assert history.n_periods == 3 and history.periods is not None
    np.testing.assert_allclose(history.kpi, [300_000, 21_000, 310_000])
    assert len(history.dropped) == 1 and "line 5" in history.dropped[0]
    assert "totals row" in history.dropped[0] and "left out" in history.summary()


def test_a_stray_period_that_is_not_a_date_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "history.csv"
    path.write_text(CSV + "oops,1,2,3\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match=r"'日期'.*'oops' at line 5 of "):
        read_channel_history(path)


def test_a_repeated_period_is_refused_by_row(tmp_path: Path) -> None:
    # (as the keyword reader refuses a repeated row): the week would be fitted twice
    path = tmp_path / "history.csv"
    path.write_text(CSV + '2025-01-06,"12,000",1.5万,"300,000"\n', encoding="utf-8")
    with pytest.raises(InvalidInputError, match=r"period once.*line 5 of .*repeats line 2 of "):
        read_channel_history(path)


def test_an_unlabelled_totals_row_without_a_period_column_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "history.csv"
    body = CSV.replace("日期,", "").replace("2025-01-06,", "").replace("2025-01-13,", "")
    body = body.replace("2025-01-20,", "")
    path.write_text(body + '"32,000.50",4.3万,631000\n', encoding="utf-8")
    with pytest.raises(InvalidInputError, match=r"line 5 .* equals the sum of the rows above"):
        read_channel_history(path)
    path.write_text(body + '"32,000.50",4.3万,631001\n', encoding="utf-8")
    assert read_channel_history(path).n_periods == 4  # a period, not the sum


def test_title_rows_and_a_note_sheet_before_the_history_are_skipped_and_said(
    tmp_path: Path,
) -> None:
    # an export's title rows above the header: skipped and listed, not read as the header
    path = tmp_path / "titled.csv"
    path.write_text("渠道周报 2025\n\n" + CSV, encoding="utf-8")
    history = read_channel_history(path)
    assert history.channels == ("直通车", "抖音") and history.n_periods == 3
    assert history.dropped == ("a title row above the header (line 3): '渠道周报 2025'",)
    assert "left out a title row" in history.summary()
    # a workbook whose first sheet is a note (说明) and whose history is on the next sheet
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.active.title = "说明"
    book.active.append(["各渠道周花费与成交金额，单位：元"])
    sheet = book.create_sheet("渠道历史")
    sheet.append(["日期", "直通车", "抖音", "成交金额"])
    for row in ([12_000, 15_000, 300_000], [9000, 8000, 21_000], [11_000.5, 20_000, 310_000]):
        sheet.append(["2025-01-06", *row])
    sheet["A3"], sheet["A4"] = "2025-01-13", "2025-01-20"
    book.save(tmp_path / "history.xlsx")
    history = read_channel_history(tmp_path / "history.xlsx")
    np.testing.assert_allclose(history.kpi, [300_000, 21_000, 310_000])
    assert "sheet '渠道历史'" in history.source and "'说明'" in history.source
    # a KPI named by the caller is searched for too; one no row names is still refused
    assert read_channel_history(path, kpi="成交金额").n_periods == 3
    plain = tmp_path / "plain.csv"
    plain.write_text(CSV, encoding="utf-8")
    with pytest.raises(MissingColumnError, match="`kpi` must be a column"):
        read_channel_history(plain, kpi="GMV")
