"""A keyword log saved to JSON keeps its load report's records (issues, summed days)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bidopt import io
from bidopt.datasets import read_keyword_log
from bidopt.exceptions import InvalidInputError


def test_the_load_reports_records_survive_json() -> None:
    source = {
        "日期": ["2024-11-01", "2024-11-01", "2024-11-01", "合计"],
        "关键词": ["a", "b", "b", None],
        "设备": ["PC", "PC", "无线", None],
        "出价": [1.0, 1.0, 1.2, None],
        "展现量": [10, 20, 30, 60],
        "点击量": [1, 2, 3, 6],
    }
    log = read_keyword_log(source, splits="sum_click_weighted")
    back = io.from_json(io.to_json(log))
    assert back.report.issues == log.report.issues and len(back.report.issues) == 1
    assert back.report.issues[0].kind == "export_total"
    assert back.report.averaged == log.report.averaged
    assert back.report.reasons == log.report.reasons
    assert back.report.averaged_days == ("'b' on 2024-11-01: 设备 PC bid 1, 设备 无线 bid 1.2",)


def test_an_unknown_field_is_named_in_counted_words() -> None:
    log = read_keyword_log({"日期": ["2024-11-01"], "关键词": ["a"], "展现量": [1], "点击量": [0]})
    tree = json.loads(io.to_json(log))
    tree["object"]["fields"]["report"]["fields"]["reasons"] = {"__tuple__": []}
    with pytest.raises(InvalidInputError, match=r"Got an unknown field \['reasons'\] instead"):
        io.from_json(json.dumps(tree))


def test_a_records_line_and_cells_survive_json(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(
        "日期,关键词,展现量,点击量,花费\n2024-11-01,a,10,1,0.5\n\nn/a,b,10,0,0.99\n"
        "2024-11-02,b,10,0,0.99\n",
        encoding="utf-8",
    )
    log = read_keyword_log(path, errors="drop")
    fields = [(i.line, i.values) for i in log.report.issues]
    assert fields == [(4, (("date", "n/a"),)), (5, (("cost", "0.99"), ("clicks", "0")))]
    back = io.from_json(io.to_json(log))
    assert [(i.line, i.values) for i in back.report.issues] == fields
    assert back.report.issues == log.report.issues


def test_a_record_saved_before_line_and_values_loads_without_them() -> None:
    log = read_keyword_log(
        {"日期": ["2024-11-01", "x"], "关键词": ["a", "b"], "展现量": [1, 1], "点击量": [0, 0]},
        errors="drop",
    )
    tree = json.loads(io.to_json(log))
    (record,) = tree["object"]["fields"]["report"]["fields"]["issues"]["__tuple__"]
    del record["fields"]["line"], record["fields"]["values"]
    (issue,) = io.from_json(json.dumps(tree)).report.issues
    assert (issue.line, issue.values) == (None, ())
    assert issue.text == log.report.issues[0].text
