"""The report pages, the bid sheet and the command line read what the keyword reader
dropped, flagged and summed from its records (``LoadReport.issues``, ``.averaged``,
``.unsummed``), never from its English sentences: reworded (here: rendered in Chinese
by patching the records' renderers), every consumer still finds the same rows."""

from __future__ import annotations

import dataclasses
import pickle
from typing import Any

import numpy as np
import pytest

from bidopt._cli_workflow import _check_one_bid_per_day, _check_one_row_per_day
from bidopt.bidding import optimize_bids
from bidopt.datasets import KeywordDay, LoadIssue, LoadReport, read_keyword_log
from bidopt.exceptions import InvalidInputError
from bidopt.landscape import estimate_landscapes
from bidopt.report import make_bid_sheet, render_plan_report
from bidopt.report._html import WORDS
from tests.report.test_bidsheet import _log
from tests.report.test_html_report import _by_device

pytestmark = pytest.mark.filterwarnings("ignore::bidopt.exceptions.IdentifiabilityWarning")


def _in_chinese(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every reason and keyword-day rendered in other words (Chinese, without the
    English phrases a parser of the text would look for)."""
    monkeypatch.setattr(LoadIssue, "text", property(lambda i: f"第 {i.row} 行：原因已改写"))
    monkeypatch.setattr(LoadIssue, "fault", property(lambda i: f"第 {i.row} 行有误"))
    monkeypatch.setattr(KeywordDay, "text", lambda d, lang="en", match_labels=None: "某词某天")


def _split(total: str = "合计") -> dict[str, list[Any]]:
    """test_bidsheet's report split by 设备 (PC / 无线 halves) with a ``total`` row per
    keyword-day holding the whole day."""
    return _by_device((total, "PC", "无线"), total)


@pytest.fixture(scope="module")
def messy() -> tuple[Any, Any]:
    """A split report with each keyword-day's 合计 row, a bad PC row (its 无线 row
    dropped with it), a row repeated exactly, the export's totals row and a row with
    more orders than clicks (kept): its log and bid sheet."""
    split = _split()
    split["点击量"][1] = -1
    for k, v in split.items():  # a copy of the last PC row, then the export's 合计 row
        v.append(v[-2])
        v.append("合计" if k == "日期" else None)
    split["成交笔数"][4] = split["点击量"][4] + 1  # (attribution: kept and counted)
    log = read_keyword_log(split, errors="drop")
    estimate = estimate_landscapes(log, bids=np.linspace(0.333, 4.777, 9))
    return log, make_bid_sheet(log, estimate, optimize_bids(estimate.landscapes, 150.0))


def test_the_report_records_each_issue(messy: tuple[Any, Any]) -> None:
    report = messy[0].report
    kinds = [i.kind for i in report.issues]
    assert kinds.count("split_total") == 6 and kinds.count("with_its_day") == 1
    assert kinds.count("repeat") == 1 and kinds.count("export_total") == 1
    assert {i.label for i in report.issues_of("split_total")} == {"合计"}
    (follower,) = report.issues_of("with_its_day")
    assert follower.other_row == 1 and follower.action == "dropped"
    (repeat,) = report.issues_of("repeat")
    assert repeat.other_row == 16 and repeat.remedy == "keep one copy"
    (bad,) = report.issues_of("cell")
    assert (bad.row, bad.column, bad.keyword, bad.date) == (1, "clicks", "连衣裙", "2024-11-01")
    assert report.n_attribution == 1 and report.issues_of("rule")[0].rule == (
        "conversions_le_clicks"
    )
    # the sentences are rendered from the records, one per dropped / flagged row
    assert report.reasons == tuple(i.text for i in report.issues if i.action == "dropped")
    assert len(report.reasons) == report.n_dropped and len(report.flags) == 1
    assert report.to_frame()["kind"].tolist()[-1] == "rule"
    again = pickle.loads(pickle.dumps(report))
    assert again.issues == report.issues and again.reasons == report.reasons


def test_the_page_counts_rows_by_their_records_not_their_words(
    messy: tuple[Any, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    log, sheet = messy
    pages = {x: render_plan_report(sheet, load_report=log.report, lang=x) for x in ("zh", "en")}
    _in_chinese(monkeypatch)
    for lang, said in (
        ("zh", "丢弃的行中有 6 行是按设备拆分时每个关键词每天的合计行（合计，即其余各行之和）"),
        ("zh", "丢弃的行中有 1 行与之前的某一行完全相同"),
        ("zh", "丢弃的行中有 1 行是报表的合计行"),
        ("zh", "另有 1 行与被丢弃的行同属一个关键词-天，一并丢弃"),
        ("zh", "其中 1 行成交笔数多于点击量"),
        ("en", "6 dropped rows are the 设备 split&#x27;s total rows"),
        ("en", "1 dropped row repeats an earlier row exactly"),
        ("en", "1 dropped row is the report&#x27;s totals line"),
        ("en", "1 more row was dropped with them"),
        ("en", "1 row shows more orders than clicks"),
    ):
        assert said in pages[lang]
        reworded = render_plan_report(sheet, load_report=log.report, lang=lang)  # type: ignore[arg-type]
        assert said in reworded
        # the one bad row is the one listed above the list of every dropped row, in the
        # records' words (here reworded) on the English page; the Chinese page words it
        # from the record's kind and column
        read = reworded.split(WORDS[lang]["data"])[-1].split("<details>")[0]
        assert read.count("<li>") == 1
        said = (
            "第 1 行：原因已改写"
            if lang == "en"
            else "数据行 1：点击量一栏须为不小于 0 的整数，表中写的是“-1”"
        )
        assert said in read


def _premium() -> dict[str, list[Any]]:
    """A report split by 设备 whose 无线 rows of 望远镜 bid 20% above its PC rows."""
    split = _split()
    keep = [i for i, d in enumerate(split["设备"]) if d != "合计"]
    split = {k: [v[i] for i in keep] for k, v in split.items()}
    for i, (device, word) in enumerate(zip(split["设备"], split["关键词"], strict=True)):
        if device == "无线" and word == "望远镜":
            split["出价"][i] = round(split["出价"][i] * 1.2, 2)
    return split


def test_the_bid_sheet_finds_averaged_keys_by_their_records(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    log = read_keyword_log(_premium(), splits="sum_click_weighted")
    assert [d.key for d in log.report.averaged] == [("B", "u3", "望远镜", "broad")] * 2
    estimate = estimate_landscapes(log, bids=np.linspace(0.333, 4.777, 9))
    plan = optimize_bids(estimate.landscapes, 150.0)
    _in_chinese(monkeypatch)
    sheet = make_bid_sheet(log, estimate, plan)
    (said,) = [w for w in sheet.warnings if "click-weighted bid" in w]
    assert "summed at their click-weighted bid: B / u3 / 望远镜." in said


def test_the_command_line_reads_the_records(monkeypatch: pytest.MonkeyPatch) -> None:
    log = read_keyword_log(_premium())  # (left unsummed: the rows' bids differ)
    assert len(log.report.unsummed) == 2
    with pytest.raises(InvalidInputError) as info:
        _check_one_bid_per_day(log.report, "r.csv")
    # each keyword named with its match type as the report wrote it
    assert "'B / u3 / 望远镜 / 广泛匹配' on 2024-11-01: 设备 PC bid 0.5, 设备 无线 bid 0.6" in str(
        info.value
    )
    assert "2 keyword-days (1 keyword)" in str(info.value)
    _in_chinese(monkeypatch)
    with pytest.raises(InvalidInputError, match=r"2 keyword-days \(1 keyword\).*某词某天"):
        _check_one_bid_per_day(log.report, "r.csv")
    twice = _log()
    twice = {k: [*v, v[0]] for k, v in twice.items()}
    twice["点击量"][-1] = 39  # the first keyword-day again, with other values
    copied = read_keyword_log(twice)
    assert copied.report.issues_of("key_repeat")[0].other_row == 0
    with pytest.raises(InvalidInputError, match=r"\(first: 第 6 行有误\)"):
        _check_one_row_per_day(copied, "r.csv")


def test_a_chinese_split_note_keeps_the_keywords_own_text() -> None:
    # the note rewrote the English naming of each keyword-day with regular expressions,
    # which also rewrote a keyword holding ", " or " bid "
    split = _premium()
    split["关键词"] = ["a, b bid c" if w == "望远镜" else w for w in split["关键词"]]
    note = read_keyword_log(split).report.split_note("zh")
    assert "'B / u3 / a, b bid c / broad' 2024-11-01：设备 PC 出价 0.5，设备 无线 出价 0.6" in note


def test_a_load_report_refuses_issues_that_do_not_match_its_rows() -> None:
    issue = LoadIssue(
        row=2, action="dropped", kind="cell", column="clicks", where="row 2", detail="x"
    )
    assert LoadReport(n_read=3, dropped_rows=[2], issues=(issue,)).reasons == ("row 2: `clicks` x",)
    with pytest.raises(InvalidInputError, match="one reason per row of `dropped_rows`"):
        LoadReport(n_read=3, dropped_rows=[1], issues=(issue,))
    # rows dropped or flagged without a record of why: refused too (the report counted 1
    # dropped row and gave no reason for it)
    with pytest.raises(InvalidInputError, match="one reason per row of `dropped_rows`"):
        LoadReport(n_read=3, dropped_rows=[1])
    with pytest.raises(InvalidInputError, match="one reason per row of `flagged_rows`"):
        LoadReport(n_read=3, flagged_rows=[0, 2])
    with pytest.raises(InvalidInputError, match="`issues` must be a tuple of LoadIssue"):
        LoadReport(issues=("row 2: bad",))  # type: ignore[arg-type]
    day = KeywordDay("A", None, "k", "exact", "2024-11-01", bids=(1.0, 1.5))
    report = LoadReport(averaged=(day,))
    assert report.averaged_days == ("'A / k / exact' on 2024-11-01: bids 1, 1.5",)
    assert dataclasses.replace(report, averaged=()).averaged_days == ()


def test_the_records_explain_themselves() -> None:
    pytest.importorskip("pandas")
    issue = LoadIssue(
        row=2, action="dropped", kind="cell", column="clicks", where="row 2", detail="x"
    )
    assert issue.summary() == "dropped (cell) row 2: `clicks` x"
    assert issue.to_frame()[["row", "kind", "column"]].iloc[0].tolist() == [2, "cell", "clicks"]
    day = KeywordDay(None, None, "k", None, "2024-11-01", bids=(1.0, 2.0), labels=("PC", "无线"))
    assert day.summary() == "'k' on 2024-11-01: PC bid 1, 无线 bid 2"
    assert day.to_frame()["bid"].tolist() == [1.0, 2.0]


def test_a_misspelt_issue_kind_is_refused_not_an_empty_answer() -> None:
    # issues_of("export_totals") found nothing, silently: a count of 0 from a typo
    report = LoadReport()
    with pytest.raises(InvalidInputError, match=r"Unknown issue kind 'export_totals'; expected"):
        report.issues_of("export_totals")
    with pytest.raises(InvalidInputError, match=r"Unknown action 'drop'; expected"):
        report.issues_of(action="drop")  # type: ignore[arg-type]
    assert report.issues_of("export_total", action="dropped") == ()


def test_a_kept_row_records_every_reason_it_is_flagged() -> None:
    # a row with more orders than clicks that also repeats its keyword-day with other
    # values was recorded as the attribution row only: the records had no key_repeat,
    # so a count of repeated keyword-days from them (the CLI's example row) missed it
    source = {
        "日期": ["2026-11-11", "2026-11-11"],
        "关键词": ["a", "a"],
        "展现量": [10, 20],
        "点击量": [1, 2],
        "成交笔数": [0, 5],
        "花费": [1.0, 2.0],
    }
    report = read_keyword_log(source, relax=["conversions_le_clicks"]).report
    assert [(i.row, i.kind) for i in report.issues] == [(1, "rule"), (1, "key_repeat")]
    assert report.flagged_rows.tolist() == [1] and report.n_attribution == 1
    (flag,) = report.flags
    assert "attribution window" in flag and "repeats the keyword-day of row 0" in flag
    pytest.importorskip("pandas")
    assert report.to_frame()["kind"].tolist() == ["rule; key_repeat"]


def test_no_bad_data_is_one_property_of_the_record() -> None:
    """The kinds of dropped rows that are no bad data were listed twice (the command's
    note and the page's counts); both read ``LoadIssue.bad_data``."""
    from bidopt.datasets import ISSUE_KINDS, LoadIssue

    benign = {"export_total", "split_total", "repeat", "with_its_day"}
    for kind in ISSUE_KINDS:
        issue = LoadIssue(
            row=0, action="dropped", kind=kind, column="date", where="row 0", detail="x"
        )  # type: ignore[arg-type]
        assert issue.bad_data is (kind not in benign), kind
