from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
import pytest

from bidopt.datasets import KeywordLog, read_keyword_log
from bidopt.exceptions import InvalidInputError

ENGLISH = """\
date,campaign,ad_group,keyword,match_type,bid,impressions,clicks,cost,conversions,revenue
2024-11-01,Fridges,Haier,haier fridge,exact,2.50,1200,30,"1,234.50",3,899.00
2024-11-01,Fridges,Haier,双门冰箱,broad,1.20,800,10,¥12.30,1,199.5
2024-11-02,Fridges,Haier,haier fridge,phrase,2.60,1100,25,60.00,0,0
"""

CHINESE = """日期,推广计划,推广单元,关键词,匹配方式,出价,展现量,点击量,花费(元),成交笔数,成交金额
2024/11/11,家电-搜索,冰箱-01,伊莱克斯冰箱led灯,精确匹配,3.5,2000,40,¥96.80,4,"5,396.00"
20241111,家电-搜索,冰箱-01,tasco望远镜,广泛匹配,1.8,500,5,￥7.5,0,0
2024年11月12日,家电-搜索,冰箱-01,冰箱 双门,中心词匹配,2,300,0,0,0,0
"""


def write(tmp_path: Path, text: str, name: str = "report.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_english_csv_round_trip(tmp_path: Path) -> None:
    log = read_keyword_log(write(tmp_path, ENGLISH))
    assert isinstance(log, KeywordLog)
    assert len(log) == 3
    np.testing.assert_allclose(log.cost, [1234.5, 12.3, 60.0])
    np.testing.assert_array_equal(log.impressions, [1200, 800, 1100])
    assert log.impressions.dtype == np.int64
    assert list(log.column("match_type")) == ["exact", "broad", "phrase"]
    assert list(log.column("keyword")) == ["haier fridge", "双门冰箱", "haier fridge"]
    assert log.keyword.n_categories == 2
    assert log.date.dtype == np.dtype("datetime64[D]")
    assert str(log.date[2]) == "2024-11-02"
    assert log.report.n_dropped == 0
    assert log.report.n_read == 3
    totals = log.totals()
    assert totals["clicks"] == 65
    assert totals["cpa"] == pytest.approx((1234.5 + 12.3 + 60) / 4)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_chinese_headers_money_dates_and_match_types(tmp_path: Path, encoding: str) -> None:
    log = read_keyword_log(write(tmp_path, CHINESE, encoding=encoding))
    assert log.columns == (
        "date",
        "campaign",
        "ad_group",
        "keyword",
        "match_type",
        "bid",
        "impressions",
        "clicks",
        "cost",
        "conversions",
        "revenue",
    )
    np.testing.assert_allclose(log.cost, [96.8, 7.5, 0.0])
    np.testing.assert_allclose(log.revenue, [5396.0, 0.0, 0.0])
    assert [str(d) for d in log.date] == ["2024-11-11", "2024-11-11", "2024-11-12"]
    assert list(log.column("match_type")) == ["exact", "broad", "phrase"]
    assert log.column("keyword")[0] == "伊莱克斯冰箱led灯"
    assert log.report.column_map["花费(元)"] == "cost"


def test_tab_separated_and_gzip(tmp_path: Path) -> None:
    import gzip

    text = ENGLISH.replace('"1,234.50"', "1234.50").replace(",", "\t")
    path = tmp_path / "report.tsv.gz"
    path.write_bytes(gzip.compress(text.encode()))
    log = read_keyword_log(path)
    np.testing.assert_allclose(log.cost, [1234.5, 12.3, 60.0])


def test_optional_columns_are_absent_not_invented() -> None:
    log = read_keyword_log(
        {"date": ["2024-11-01"], "keyword": ["连衣裙"], "impressions": [10], "clicks": [1]}
    )
    assert log.columns == ("date", "keyword", "impressions", "clicks")
    assert log.cost is None and log.bid is None and log.campaign is None
    with pytest.raises(KeyError, match="must be a column this log has .* Got 'cost' instead"):
        log.column("cost")
    assert np.isnan(log.totals()["cpc"])


def test_mapping_with_numeric_arrays_and_datetime64() -> None:
    log = read_keyword_log(
        {
            "Date": np.array(["2024-11-01", "2024-11-02"], dtype="datetime64[D]"),
            "Keyword": np.array(["a", "b"]),
            "Impressions": np.array([5, 6]),
            "Clicks": np.array([1, 0]),
            "Cost": np.array([0.5, 0.0]),
        }
    )
    np.testing.assert_array_equal(log.clicks, [1, 0])
    assert log.report.source == "<mapping>"


def test_dataframe_input_and_to_frame() -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(
        {
            "关键词": ["连衣裙", "t恤"],
            "日期": pd.to_datetime(["2024-11-01", "2024-11-01"]),
            "展现量": [100, 50],
            "点击量": [3, 1],
            "花费": [4.5, 1.25],
            "匹配方式": ["精确匹配", "广泛匹配"],
        }
    )
    log = read_keyword_log(frame)
    assert log.report.source == "<DataFrame>"
    np.testing.assert_allclose(log.cost, [4.5, 1.25])
    out = log.to_frame()
    assert list(out.columns) == ["date", "keyword", "match_type", "impressions", "clicks", "cost"]
    assert list(out["keyword"]) == ["连衣裙", "t恤"]


def test_to_frame_says_how_to_install_pandas(monkeypatch: pytest.MonkeyPatch) -> None:
    log = read_keyword_log(
        {"date": ["2024-11-01"], "keyword": ["a"], "impressions": [1], "clicks": [0]}
    )
    monkeypatch.setitem(sys.modules, "pandas", None)  # as if pandas were not installed
    with pytest.raises(ImportError, match=re.escape("pip install bidopt[pandas]")):
        log.to_frame()


BASE = {
    "date": ["2024-11-01", "2024-11-01", "2024-11-02"],
    "keyword": ["a", "b", "c"],
    "match_type": ["exact", "broad", "phrase"],
    "impressions": ["100", "100", "100"],
    "clicks": ["10", "10", "10"],
    "cost": ["5", "5", "5"],
    "conversions": ["1", "1", "1"],
}

# (cells to spoil in row 1, message fragment) - one case per kind of bad row.
BAD_ROWS = [
    ({"impressions": "-3"}, "row 1: `impressions` must be >= 0; got '-3'"),
    ({"clicks": "-1"}, "row 1: `clicks` must be >= 0; got '-1'"),
    ({"conversions": "-1"}, "row 1: `conversions` must be >= 0; got '-1'"),
    ({"cost": "-5.00"}, "row 1: `cost` must be >= 0; got '-5.00'"),
    (
        {"clicks": "120"},
        "row 1: `clicks` must be <= `impressions`; got clicks=120, impressions=100",
    ),
    (
        {"conversions": "11"},
        "row 1: `conversions` must be <= `clicks`; got conversions=11, clicks=10",
    ),
    (
        {"clicks": "0", "conversions": "0"},
        "row 1: `cost` must be 0 when `clicks` is 0; got cost=5, clicks=0",
    ),
    ({"cost": "nan"}, "row 1: `cost` is missing or NaN; got 'nan'"),
    ({"impressions": ""}, "row 1: `impressions` is missing or NaN; got ''"),
    ({"cost": "abc"}, "row 1: `cost` is not a number; got 'abc'"),
    ({"clicks": "2.5"}, "row 1: `clicks` must be a whole number; got '2.5'"),
    ({"match_type": "fuzzy"}, "row 1: `match_type` is not a known match type"),
    ({"date": "yesterday"}, "row 1: `date` is not a date; got 'yesterday'"),
    ({"keyword": "  "}, "row 1: `keyword` is empty; got '  '"),
]


def with_bad(changes: dict[str, str]) -> dict[str, list[str]]:
    data = {k: list(v) for k, v in BASE.items()}
    for column, value in changes.items():
        data[column][1] = value
    return data


@pytest.mark.parametrize(("changes", "message"), BAD_ROWS)
def test_every_kind_of_bad_row_raises_with_row_column_and_value(
    changes: dict[str, str], message: str
) -> None:
    with pytest.raises(InvalidInputError) as info:
        read_keyword_log(with_bad(changes), relax=())  # strict: every rule enforced
    text = str(info.value)
    assert message in text
    assert "errors='drop'" in text


@pytest.mark.parametrize(("changes", "message"), BAD_ROWS)
def test_drop_lists_every_dropped_row_with_its_reason(
    changes: dict[str, str], message: str
) -> None:
    log = read_keyword_log(with_bad(changes), errors="drop", relax=())
    assert len(log) == 2
    assert list(log.column("keyword")) == ["a", "c"]
    assert log.report.n_read == 3
    np.testing.assert_array_equal(log.report.dropped_rows, [1])
    assert message in log.report.reasons[0]
    assert "dropped row 1" in log.report.summary()


def test_bad_row_in_a_file_names_its_line(tmp_path: Path) -> None:
    text = ENGLISH.replace("800,10,", "800,900,")
    with pytest.raises(
        InvalidInputError, match=r"row instead: line 3 of '.*report\.csv': `clicks`"
    ):
        read_keyword_log(write(tmp_path, text))


def test_several_bad_rows_are_counted() -> None:
    data = with_bad({"clicks": "-1"})
    data["cost"][2] = "x"
    with pytest.raises(InvalidInputError, match=r"1 more bad row \(row 2\)\. Fix"):
        read_keyword_log(data)
    spoilt = {k: list(v) for k, v in data.items()}
    spoilt["impressions"][0] = "y"  # (counted wording: rows, plural, from two on)
    with pytest.raises(InvalidInputError, match=r"2 more bad rows \(rows 1, 2\)\. Fix"):
        read_keyword_log(spoilt)
    log = read_keyword_log(data, errors="drop")
    assert len(log) == 1
    assert log.report.n_dropped == 2


def test_missing_required_column_lists_what_is_there() -> None:
    with pytest.raises(InvalidInputError, match=r"must have columns for \['clicks'\].*点击量"):
        read_keyword_log({"date": ["2024-11-01"], "keyword": ["a"], "impressions": [1]})


def test_two_headers_for_one_column_is_an_error() -> None:
    with pytest.raises(InvalidInputError, match="both map to `clicks` instead"):
        read_keyword_log(
            {
                "date": ["2024-11-01"],
                "keyword": ["a"],
                "impressions": [1],
                "clicks": [0],
                "点击量": [0],
            }
        )


def test_unknown_columns_are_reported_not_lost() -> None:
    log = read_keyword_log(
        {"date": ["2024-11-01"], "keyword": ["a"], "impressions": [1], "clicks": [0], "质量分": [7]}
    )
    assert log.report.ignored_columns == ("质量分",)


def test_bad_arguments() -> None:
    with pytest.raises(
        ValueError, match="Unknown errors 'ignore'; expected one of 'raise', 'drop'"
    ):
        read_keyword_log(BASE, errors="ignore")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="must be a path to a CSV file"):
        read_keyword_log(42)
    with pytest.raises(InvalidInputError, match="must be an existing file"):
        read_keyword_log("/no/such/report.csv")
    with pytest.raises(InvalidInputError, match="same length"):
        read_keyword_log(
            {"date": ["2024-11-01"], "keyword": ["a", "b"], "impressions": [1], "clicks": [0]}
        )


def test_ragged_csv_line_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match=r"Got \['1', '2', '3'\] \(3 fields\) on line 3"):
        read_keyword_log(
            write(tmp_path, "date,keyword,impressions,clicks\n2024-11-01,a,1,0\n1,2,3\n")
        )


def test_take_and_summary() -> None:
    log = read_keyword_log(BASE)
    sub = log.take(np.array([0, 2]))
    assert list(sub.column("keyword")) == ["a", "c"]
    assert "3 rows" in log.summary()
    assert "KeywordLog(n_rows=3" in repr(log)


def test_relax_keeps_and_flags_rows_breaking_a_waived_rule() -> None:
    data = with_bad({"clicks": "120", "conversions": "1"})
    log = read_keyword_log(data, relax=["clicks_le_impressions"])
    assert len(log) == 3
    np.testing.assert_array_equal(log.report.flagged_rows, [1])
    assert "`clicks` must be <= `impressions`" in log.report.flags[0]
    assert "Kept 1 row that breaks a waived rule" in log.report.summary()
    with pytest.raises(InvalidInputError, match="`relax` must be a collection of rule names"):
        read_keyword_log(data, relax=["no_such_rule"])
    with pytest.raises(InvalidInputError, match="`relax` must be"):
        read_keyword_log(data, relax="clicks_le_impressions")


def test_a_totals_row_is_dropped_and_listed_even_with_errors_raise() -> None:
    # the export's 合计 row is not a keyword-day: listed, never raised on (shared with
    # read_channel_history and read_crowd_report through datasets._parsing.totals_rows)
    log = read_keyword_log(
        {
            "日期": ["2024-11-01", "2024-11-02", "合计"],
            "关键词": ["连衣裙", "连衣裙", "-"],
            "展现量": [100, 120, 220],
            "点击量": [5, 6, 11],
        }
    )
    assert len(log) == 2 and log.report.dropped_rows.tolist() == [2]
    assert "totals row" in log.report.reasons[0]
    with pytest.raises(InvalidInputError, match="row 1"):  # other bad rows still raise
        read_keyword_log({"日期": ["2024-11-01", "x", "合计"], "关键词": ["a", "b", "-"],
                          "展现量": [1, 1, 2], "点击量": [0, 0, 0]})  # fmt: skip


def test_keywords_that_lose_every_row_are_named() -> None:
    log = read_keyword_log(
        {
            "日期": ["2024-11-01", "2024-11-02", "2024-11-01", "2024-11-02", "合计"],
            "关键词": ["连衣裙", "连衣裙", "t恤", "t恤", "-"],
            "展现量": [100, 120, 50, 60, 330],
            "点击量": [5, "abc", "x", "y", 11],
        },
        errors="drop",
    )
    assert len(log) == 1 and log.report.n_dropped == 4
    (lost,) = log.report.lost_keys  # 连衣裙 keeps a row; the totals row is not a keyword
    assert lost.startswith("'t恤': all 2 of its rows dropped (first: row 2")
    assert "lost 't恤'" in log.report.summary()
    assert "1 keyword lost every row" in log.report.summary()  # not "1 keywords"
