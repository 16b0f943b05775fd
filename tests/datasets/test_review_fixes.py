"""Review of issue 21: logs cannot be changed by their caller; bad inputs explained."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bidopt.datasets import (
    AuctionLog,
    Categorical,
    IpinyouInfo,
    KeywordLog,
    make_auction_log,
    make_search_account,
    read_ipinyou_info,
    read_keyword_log,
)
from bidopt.exceptions import BidoptError, InvalidInputError, MissingColumnError


def _readonly(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


def test_auction_log_copies_a_read_only_caller_array() -> None:
    price = _readonly(np.array([5.0, 10.0, 3.0]))
    log = AuctionLog(click=[0, 1, 1], market_price=price)
    price.flags.writeable = True
    price[1] = np.nan
    np.testing.assert_array_equal(log.market_price, [5.0, 10.0, 3.0])


def test_keyword_log_and_categorical_copy_read_only_caller_arrays() -> None:
    imp = _readonly(np.array([100, 50, 10]))
    codes = _readonly(np.array([0, 1, 2], dtype=np.int32))
    date = _readonly(np.array(["2024-11-11"] * 3, dtype="datetime64[D]"))
    log = KeywordLog(
        date=date,
        keyword=Categorical(codes, np.array(["a", "b", "c"], dtype=object)),
        impressions=imp,
        clicks=np.array([5, 2, 0]),
    )
    for array in (imp, codes, date):
        array.flags.writeable = True
    imp[0] = -5
    codes[0] = 99
    date[0] = np.datetime64("NaT")
    assert log.impressions.tolist() == [100, 50, 10]
    assert log.keyword.codes.tolist() == [0, 1, 2]
    assert not np.isnat(log.date).any()


def test_info_copies_a_read_only_counter() -> None:
    counter = _readonly(np.array([0, 10, 90]))
    info = IpinyouInfo(imp_train=100, clk_train=2, cost_train=5.0, price_counter_train=counter)
    counter.flags.writeable = True
    counter[0] = -1
    assert info.price_counter_train.tolist() == [0, 10, 90]


def _keyword_logs() -> list[KeywordLog]:
    read = read_keyword_log(
        {
            "date": ["2024-11-11", "2024-11-12"],
            "keyword": ["a", "b"],
            "impressions": [1, 2],
            "clicks": [0, 1],
            "cost": [0.0, 1.0],
        }
    )
    made = make_search_account(10, n_days=3, rng=0).log
    return [read, made, made.take(np.array([0, 2])), KeywordLog.concat([made, made])]


@pytest.mark.parametrize("which", range(4))
def test_keyword_log_arrays_cannot_be_made_writeable(which: int) -> None:
    log = _keyword_logs()[which]
    for name in ("date", "impressions", "clicks", "cost"):
        array = getattr(log, name)
        with pytest.raises(ValueError, match="WRITEABLE"):
            array.flags.writeable = True
    for array in (log.keyword.codes, log.keyword.categories):
        with pytest.raises(ValueError, match="WRITEABLE"):
            array.flags.writeable = True


@pytest.mark.parametrize("which", ["made", "take", "table", "constructor", "info"])
def test_auction_log_arrays_cannot_be_made_writeable(which: str) -> None:
    if which == "info":
        info = IpinyouInfo.from_log(make_auction_log(100, rng=0))
        with pytest.raises(ValueError, match="WRITEABLE"):
            info.price_counter_train.flags.writeable = True
        return
    log = {
        "made": lambda: make_auction_log(100, rng=0),
        "take": lambda: make_auction_log(100, rng=0).take(np.arange(5)),
        "table": lambda: AuctionLog.from_table({"click": [0, 1], "market_price": [3, 4]}),
        "constructor": lambda: AuctionLog(click=np.array([0, 1]), market_price=np.array([3.0, 4])),
    }[which]()
    for name in ("click", "market_price", "pctr", "hour"):
        array = getattr(log, name)
        if array is not None:
            with pytest.raises(ValueError, match="WRITEABLE"):
                array.flags.writeable = True


def _one_row(**cells: object) -> dict[str, list[object]]:
    row: dict[str, list[object]] = {
        "date": ["2024-11-11"],
        "keyword": ["a"],
        "impressions": [100],
        "clicks": [5],
    }
    row.update({name: [value] for name, value in cells.items()})
    return row


@pytest.mark.parametrize("cell", ["1.234,50", "12,34", "5 5", "1,2,3", "1,2345", ",123"])
def test_malformed_thousands_grouping_is_a_bad_row(cell: str) -> None:
    # S3: any comma or space was dropped, so "1.234,50" read as 1.2345 and "12,34" as 1234
    with pytest.raises(InvalidInputError, match=rf"row 0: `cost` is not a number; got '{cell}'"):
        read_keyword_log(_one_row(cost=cell))


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        ("1,234", 1234.0),
        ("1,234.50", 1234.5),
        ("12,345,678", 12345678.0),
        ("¥ 1,234.50", 1234.5),
        ("1234.5", 1234.5),
        ("１２", 12.0),
    ],
)
def test_well_formed_numbers_still_read(cell: str, value: float) -> None:
    assert read_keyword_log(_one_row(cost=cell)).cost.tolist() == [value]


@pytest.mark.parametrize(
    "cell", ["2024-11-11 99:99:99", "2024-11-11 25:00", "2024年11月11日 25:00", "2024-11-11 12:60"]
)
def test_a_time_after_the_date_must_be_a_time(cell: str) -> None:
    # S4
    with pytest.raises(InvalidInputError, match=r"row 0: `date`"):
        read_keyword_log(_one_row(date=cell))


@pytest.mark.parametrize(
    "cell", ["2024-11-11 23:59:59", "2024年11月11日 08:00", "2024-11-11T00:00Z"]
)
def test_valid_times_after_the_date_still_read(cell: str) -> None:
    assert read_keyword_log(_one_row(date=cell)).date.tolist() == [np.datetime64("2024-11-11")]


def test_wan_and_yi_suffixes_are_read() -> None:
    # U5: Tmall exports write 1.2万 for 12,000 and 3亿 for 300,000,000
    log = read_keyword_log(
        {
            "日期": ["2024-11-11"] * 3,
            "关键词": ["a", "b", "c"],
            "展现量": ["1.2万", "3亿", "1.1万"],
            "点击量": [1, 2, 3],
            "花费": ["0.5万元", "12", "¥1.5万"],
        }
    )
    assert log.impressions.tolist() == [12_000, 300_000_000, 11_000]
    assert log.cost is not None and log.cost.tolist() == [5000.0, 12.0, 15000.0]
    with pytest.raises(InvalidInputError, match=r"`impressions` is not a number; got '万'"):
        read_keyword_log(_one_row(impressions="万"))


def test_auction_log_required_columns_named() -> None:
    # C1: AttributeError 'NoneType' object has no attribute 'shape'
    with pytest.raises(
        InvalidInputError,
        match=r"AuctionLog `click` must be .* Got None instead",
    ):
        AuctionLog(click=None, market_price=[1.0])  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match=r"AuctionLog `market_price` must be a 1-d"):
        AuctionLog(click=[1], market_price=None)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["keyword", "impressions", "clicks"])
def test_keyword_log_required_columns_named(name: str) -> None:
    # C2: clicks=None was accepted, then totals() raised AttributeError
    columns: dict[str, object] = {
        "date": np.array(["2024-11-11"], dtype="datetime64[D]"),
        "keyword": Categorical(np.array([0], np.int32), np.array(["a"], object)),
        "impressions": np.array([100]),
        "clicks": np.array([1]),
    }
    columns[name] = None
    with pytest.raises(
        InvalidInputError, match=rf"column `{name}` must be given .* Got None instead"
    ):
        KeywordLog(**columns)  # type: ignore[arg-type]


def test_unknown_or_absent_column_is_a_bidopt_key_error() -> None:
    # C5: a bare KeyError
    log = read_keyword_log(_one_row())
    with pytest.raises(
        MissingColumnError,
        match=r"this log has \(date, keyword, impressions, clicks\)\. Got 'revenue'",
    ) as info:
        log.per_keyword("revenue")
    assert isinstance(info.value, KeyError) and isinstance(info.value, BidoptError)
    assert "this log has (date, keyword" in str(info.value) and not str(info.value).startswith("'")
    with pytest.raises(MissingColumnError, match=r"column .* Got 'zzz' instead; this log has date"):
        log.column("zzz")


def test_info_test_fields_are_checked() -> None:
    # S9: clk_test > imp_test and cost_test = inf were accepted
    base = {
        "imp_train": 100,
        "clk_train": 2,
        "cost_train": 5.0,
        "price_counter_train": np.array([0, 10, 90]),
    }
    with pytest.raises(
        InvalidInputError, match=r"`clk_test` must be an integer >= 0 and <= 1\. Got 5"
    ):
        IpinyouInfo(**base, imp_test=1, clk_test=5)
    with pytest.raises(
        InvalidInputError, match=r"`cost_test` must be a finite number >= 0\. Got inf"
    ):
        IpinyouInfo(**base, cost_test=np.inf)
    with pytest.raises(InvalidInputError, match=r"`imp_test` must be an integer >= 0\. Got 1\.5"):
        IpinyouInfo(**base, imp_test=1.5)
    ok = IpinyouInfo(**base, imp_test=10, clk_test=1, cost_test=3)
    assert (ok.imp_test, ok.clk_test, ok.cost_test) == (10, 1, 3.0)


def test_read_info_checks_clk_test(tmp_path: Path) -> None:
    path = tmp_path / "info.json"
    path.write_text(
        json.dumps(
            {
                "imp_train": 100,
                "clk_train": 2,
                "cost_train": 5.0,
                "price_counter_train": [0, 10, 90],
                "imp_test": 1,
                "clk_test": 5,
                "cost_test": 1.0,
            }
        )
    )
    with pytest.raises(
        InvalidInputError, match=r"`clk_test` in .*info\.json.* must be <= `imp_test` \(1\)\. Got 5"
    ):
        read_ipinyou_info(path)


_BIG5_ROWS = "日期,關鍵詞,展現量,點擊量\n2024-11-11,連衣裙 長袖,10,1\n2024-11-12,手機殼 蘋果,8,0\n"


@pytest.mark.parametrize(
    "text", [_BIG5_ROWS, "date,keyword,impressions,clicks\n2024-11-11,連衣裙 長袖,10,1\n"]
)
def test_big5_csv_is_not_read_as_mojibake(tmp_path: Path, text: str) -> None:
    # S10: a Big5 CSV was decoded as GB18030 into '硈︾溉 \ue057砈'
    path = tmp_path / "big5.csv"
    path.write_bytes(text.encode("big5"))
    with pytest.raises(
        InvalidInputError,
        match=r"big5\.csv instead.*mojibake.*decodes as Big5.*Tried UTF-8 and GB18030\. "
        r"Re-export the report as UTF-8",
    ):
        read_keyword_log(path)


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8", "utf-8-sig"])
def test_simplified_reports_still_read(tmp_path: Path, encoding: str) -> None:
    from bidopt.datasets._vocabulary import CATEGORIES

    words = sorted({w for c in CATEGORIES for w in (*c.products, *c.brands, *c.attributes)})
    rows = "".join(f"2024-11-11,{w} 正品,10,1\n" for w in words)
    path = tmp_path / "report.csv"
    path.write_bytes(("日期,关键词,展现量,点击量\n" + rows).encode(encoding))
    log = read_keyword_log(path)
    assert sorted(log.keyword.categories) == sorted(f"{w} 正品" for w in words)


@pytest.mark.parametrize("how", ["pickle", "deepcopy"])
def test_copies_of_logs_stay_read_only(how: str) -> None:
    import copy
    import pickle

    def again(obj: object) -> object:
        return pickle.loads(pickle.dumps(obj)) if how == "pickle" else copy.deepcopy(obj)

    log = make_search_account(10, n_days=3, rng=0).log
    auctions = make_auction_log(50, rng=0)
    info = IpinyouInfo.from_log(auctions)
    arrays = [
        again(log).clicks,  # type: ignore[attr-defined]
        again(log).keyword.codes,  # type: ignore[attr-defined]
        again(auctions).market_price,  # type: ignore[attr-defined]
        again(info).price_counter_train,  # type: ignore[attr-defined]
        again(log.report).dropped_rows,  # type: ignore[attr-defined]
    ]
    for array in arrays:
        with pytest.raises(ValueError, match="WRITEABLE"):
            array.flags.writeable = True
    np.testing.assert_array_equal(again(log).cost, log.cost)  # type: ignore[attr-defined]


def test_a_keyword_day_on_several_rows_is_flagged() -> None:
    # the fuzzer's "same keyword-day, different values": kept (a report split by
    # device adds up) but no longer silent
    log = read_keyword_log(
        {
            "date": ["2024-11-11"] * 3,
            "keyword": ["a", "a", "b"],
            "impressions": [100, 50, 10],
            "clicks": [5, 2, 0],
        }
    )
    assert len(log) == 3 and log.report.flagged_rows.tolist() == [1]
    assert "repeats the keyword-day of row 0 with different values" in log.report.flags[0]


def test_auction_log_rejects_complex_prices_and_a_non_text_source() -> None:
    with pytest.raises(InvalidInputError, match=r"`market_price` must be an array of real"):
        AuctionLog(click=[0, 1, 1], market_price=np.array([1 + 1j, 2, 3]))
    with pytest.raises(InvalidInputError, match=r"`source` must be a string"):
        AuctionLog(click=[0, 1], market_price=[1.0, 2.0], source=5)  # type: ignore[arg-type]
