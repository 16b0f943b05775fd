"""Issue 21: validated data objects own their arrays; silent wrong reads now raise."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bidopt.datasets import (
    AuctionLog,
    Categorical,
    KeywordLog,
    make_auction_log,
    make_search_account,
    read_ipinyou,
    read_ipinyou_info,
    read_keyword_log,
)
from bidopt.exceptions import InvalidInputError
from bidopt.landscape import estimate_landscapes

# --- owned, read-only arrays -----------------------------------------------------------


def test_auction_log_keeps_its_own_copy() -> None:
    click = np.array([0, 1, 0])
    price = np.array([3.0, 5.0, 4.0])
    pctr = np.array([0.1, 0.2, 0.3])
    log = AuctionLog(click=click, market_price=price, pctr=pctr)
    price[0] = np.nan
    pctr[1] = np.nan
    click[2] = 7
    np.testing.assert_array_equal(log.market_price, [3.0, 5.0, 4.0])
    np.testing.assert_array_equal(log.pctr, [0.1, 0.2, 0.3])
    np.testing.assert_array_equal(log.click, [0, 1, 0])
    for name in ("click", "market_price", "pctr"):
        with pytest.raises(ValueError, match="read-only"):
            getattr(log, name)[0] = 0
    sub = log.take(np.array([0, 2]))
    with pytest.raises(ValueError, match="read-only"):
        sub.market_price[0] = np.nan


def test_auction_log_accepts_sequences_and_checks_dtypes() -> None:
    log = AuctionLog(click=[0, 1], market_price=[3, 5])
    assert log.click.dtype == np.int64 and log.market_price.dtype == np.float64
    with pytest.raises(InvalidInputError, match=r"AuctionLog `click` must be 0 or 1\. Got 0\.5"):
        AuctionLog(click=[0.5, 1.0], market_price=[3.0, 5.0])
    with pytest.raises(InvalidInputError, match=r"AuctionLog `market_price` must be .*numbers"):
        AuctionLog(click=[0, 1], market_price=["a", "b"])
    with pytest.raises(InvalidInputError, match=r"AuctionLog `pctr` must be in \[0, 1\]. Got nan"):
        AuctionLog(click=[0, 1], market_price=[3.0, 5.0], pctr=[0.1, np.nan])


def test_generated_auction_log_is_read_only() -> None:
    log = make_auction_log(1000, rng=0)
    assert not log.market_price.flags.writeable
    # a read-only view of the generator's own (read-only) array, not a copy of it
    owner = log.market_price.base
    assert isinstance(owner, np.ndarray) and owner.flags.owndata and not owner.flags.writeable
    with pytest.raises(ValueError, match="WRITEABLE"):
        log.market_price.flags.writeable = True


def test_keyword_log_keeps_its_own_copy_and_is_read_only() -> None:
    date = np.array(["2024-11-01", "2024-11-02"], dtype="datetime64[D]")
    cost = np.array([1.0, 2.0])
    clicks = np.array([1, 2])
    codes = np.array([0, 0], dtype=np.int32)
    log = KeywordLog(
        date=date,
        keyword=Categorical(codes, np.array(["a"], dtype=object)),
        impressions=np.array([10, 10]),
        clicks=clicks,
        cost=cost,
    )
    cost[0] = np.nan
    clicks[0] = -5
    date[0] = np.datetime64("NaT")
    codes[0] = 99
    assert np.isfinite(log.cost).all() and log.clicks.tolist() == [1, 2]
    assert not np.isnat(log.date).any() and log.keyword.codes.tolist() == [0, 0]
    for array in (log.cost, log.clicks, log.date, log.keyword.codes, log.keyword.categories):
        with pytest.raises(ValueError, match="read-only"):
            array[0] = array[-1]
    assert not read_keyword_log(
        {"date": ["2024-11-01"], "keyword": ["a"], "impressions": [1], "clicks": [0]}
    ).clicks.flags.writeable


def test_keyword_log_built_directly_is_checked() -> None:
    good = {
        "date": np.array(["2024-11-01", "2024-11-02"], dtype="datetime64[D]"),
        "keyword": Categorical.from_values(["a", "a"]),
        "impressions": np.array([10, 10]),
        "clicks": np.array([1, 2]),
        "bid": np.array([1.0, 1.0]),
        "cost": np.array([1.0, 2.0]),
    }
    with pytest.raises(
        InvalidInputError, match=r"KeywordLog `cost` must be finite and >= 0\. Got nan at row 1"
    ):
        KeywordLog(**{**good, "cost": np.array([1.0, np.nan])})
    with pytest.raises(InvalidInputError, match=r"KeywordLog `clicks` must be .* Got -2 at row 0"):
        KeywordLog(**{**good, "clicks": np.array([-2, 1])})
    with pytest.raises(InvalidInputError, match=r"KeywordLog `date` must be .* Got NaT at row 0"):
        KeywordLog(**{**good, "date": np.array(["NaT", "2024-11-02"], dtype="datetime64[D]")})


def test_estimate_landscapes_rejects_a_nan_cost() -> None:
    log = make_search_account(20, n_days=4, rng=1).log
    assert log.cost is not None
    cost = np.array(log.cost)
    cost[3] = np.nan
    with pytest.raises(
        InvalidInputError, match=r"`cost` must be finite and >= 0\. Got nan at row 3"
    ):
        estimate_landscapes(KeywordLog(**{**_columns(log), "cost": cost}))


def _columns(log: KeywordLog) -> dict[str, object]:
    return {name: getattr(log, name) for name in (*log.columns, "report")}


# --- read_keyword_log: rows that were read silently wrong ----------------------------

ROWS = {
    "date": ["2024-11-11", "2024-11-11", "2024-11-12"],
    "keyword": ["a", "b", "a"],
    "impressions": [10, 10, 10],
    "clicks": [1, 2, 1],
    "bid": [1.0, 1.0, 1.0],
    "cost": [1.0, 2.0, 1.0],
}


def rows(**changes: list[object]) -> dict[str, list[object]]:
    return {**{k: list(v) for k, v in ROWS.items()}, **changes}


def test_exact_duplicate_rows_raise_naming_both_rows() -> None:
    data = {k: [*v, v[1]] for k, v in ROWS.items()}  # row 3 repeats row 1
    with pytest.raises(
        InvalidInputError,
        match=r"row 3: `keyword` repeats row 1 exactly \(same keyword-day and values\)",
    ):
        read_keyword_log(data)
    log = read_keyword_log(data, errors="drop")
    assert len(log) == 3 and log.report.dropped_rows.tolist() == [3]
    assert "repeats row 1 exactly" in log.report.reasons[0]
    # same keyword-day with other values is not an exact duplicate: kept
    other = {k: [*v, v[1]] for k, v in ROWS.items()}
    other["clicks"][3] = 3
    assert len(read_keyword_log(other)) == 4


def test_a_date_with_trailing_text_is_not_a_date() -> None:
    with pytest.raises(
        InvalidInputError, match=r"row 0: `date` is not a date; got '2024-11-11 garbage'"
    ):
        read_keyword_log(rows(date=["2024-11-11 garbage", "2024-11-11", "2024-11-12"]))
    # a time of day is still accepted
    log = read_keyword_log(
        rows(date=["2024-11-11 00:00:00", "2024/11/11 8:30", "2024-11-12T00:00"])
    )
    assert log.date.astype(str).tolist() == ["2024-11-11", "2024-11-11", "2024-11-12"]


def test_integer_dates() -> None:
    log = read_keyword_log(rows(date=[20241111, 20241111, 20241112]))
    assert log.date.astype(str).tolist() == ["2024-11-11", "2024-11-11", "2024-11-12"]
    log = read_keyword_log(rows(date=np.array([20241111.0, 20241111.0, 20241112.0])))
    assert log.date.astype(str).tolist() == ["2024-11-11", "2024-11-11", "2024-11-12"]
    with pytest.raises(InvalidInputError, match=r"row 0: `date` is not a date; got 1\b"):
        read_keyword_log(rows(date=[1, 2, 3]))


def test_bid_zero_with_traffic_is_rejected() -> None:
    with pytest.raises(
        InvalidInputError,
        match=r"row 1: `bid` must be > 0 when the keyword-day has impressions, clicks or cost "
        r"\(a bid of 0 means not bidding\); got bid=0, impressions=10, clicks=2",
    ):
        read_keyword_log(rows(bid=[1.0, 0.0, 1.0]))
    log = read_keyword_log(rows(bid=[1.0, 0.0, 1.0]), errors="drop")
    assert log.report.dropped_rows.tolist() == [1]
    # a paused keyword-day (bid 0, nothing bought) is fine
    paused = rows(bid=[1.0, 0.0, 1.0], impressions=[10, 0, 10], clicks=[1, 0, 1], cost=[1, 0, 1])
    assert read_keyword_log(paused).bid.tolist() == [1.0, 0.0, 1.0]


def test_two_clicks_columns_are_named() -> None:
    with pytest.raises(
        InvalidInputError,
        match=r"Got columns 'clicks' and '点击量' of <mapping> that both map to `clicks` "
        r"instead; keep one of them",
    ):
        read_keyword_log({**ROWS, "点击量": [1, 2, 1]})


def test_two_clicks_columns_in_a_csv(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_text("date,keyword,impressions,clicks,clicks\n2024-11-11,a,10,1,1\n")
    with pytest.raises(
        InvalidInputError, match=r"each column once\. Got \['clicks'\] more than once"
    ):
        read_keyword_log(path)


def test_a_one_megabyte_field_is_read(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    text = "x" * (1 << 20)
    path.write_text(f"date,keyword,impressions,clicks\n2024-11-11,{text},10,1\n")
    log = read_keyword_log(path)
    assert log.keyword.categories.tolist() == [text]


# --- iPinYou info.json ---------------------------------------------------------------


def write_info(tmp_path: Path, **changes: object) -> Path:
    data: dict[str, object] = {
        "imp_train": 6,
        "clk_train": 1,
        "cost_train": 14.0,
        "price_counter_train": [1, 2, 3],
    }
    data.update(changes)
    path = tmp_path / "info.json"
    path.write_text(json.dumps(data))
    return path


def test_fractional_price_counts_are_rejected(tmp_path: Path) -> None:
    with pytest.raises(
        InvalidInputError,
        match=r"`price_counter_train` in .* must be a histogram of whole, non-negative "
        r"counts\. Got 1\.5 at price 0",
    ):
        read_ipinyou_info(write_info(tmp_path, price_counter_train=[1.5, 2, 3]))
    with pytest.raises(InvalidInputError, match=r"`imp_train` in .* must be a whole number"):
        read_ipinyou_info(write_info(tmp_path, imp_train=6.5))
    with pytest.raises(InvalidInputError, match=r"`imp_train` in .* must be .*>= 1.* Got 0"):
        read_ipinyou_info(write_info(tmp_path, imp_train=0))
    with pytest.raises(InvalidInputError, match=r"`cost_train` in .* must be a finite number"):
        read_ipinyou_info(write_info(tmp_path, cost_train="a lot"))
    info = read_ipinyou_info(write_info(tmp_path, price_counter_train=[1.0, 2.0, 3.0]))
    assert info.price_counter_train.tolist() == [1, 2, 3]
    with pytest.raises(ValueError, match="read-only"):
        info.price_counter_train[0] = 5


# --- found by fuzzing the datasets package --------------------------------------------


def test_a_dataframe_with_duplicated_column_names_is_named() -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(
        [["2024-11-11", "a", 10, 1, 1]],
        columns=["date", "keyword", "impressions", "clicks", "clicks"],
    )
    with pytest.raises(
        InvalidInputError, match=r"`source` must name each column once\. Got \['clicks'\]"
    ):
        read_keyword_log(frame)


def test_a_missing_value_in_a_list_of_text_is_missing_not_nan_text() -> None:
    with pytest.raises(InvalidInputError, match=r"row 0: `keyword` is empty; got nan"):
        read_keyword_log(rows(keyword=[np.nan, "b", "a"]))
    with pytest.raises(InvalidInputError, match=r"row 0: `keyword` is empty; got None"):
        read_keyword_log(rows(keyword=[None, "b", "a"]))
    # numbers and text mixed in a numeric column still parse
    assert read_keyword_log(rows(cost=[1, "2.0", 1.0])).cost.tolist() == [1.0, 2.0, 1.0]


def test_categorical_and_keyword_log_errors_are_bidopt_errors() -> None:
    with pytest.raises(
        InvalidInputError,
        match=r"`codes` must index into `categories` \(0\.\.0\)\. Got codes",
    ):
        Categorical(np.array([0, 5]), np.array(["a"], dtype=object))
    with pytest.raises(InvalidInputError, match=r"Categorical codes must be integers"):
        Categorical(np.array([0.5]), np.array(["a"], dtype=object))
    with pytest.raises(InvalidInputError, match=r"categories \['a'\]\. Got \['z'\] instead"):
        Categorical.from_values(["z"], categories=["a"])
    log = read_keyword_log(ROWS)
    with pytest.raises(InvalidInputError, match=r"`rows` must index the 3 rows.*Got 5"):
        log.take(np.array([5]))
    with pytest.raises(InvalidInputError, match=r"`logs` must hold at least one KeywordLog"):
        KeywordLog.concat([])


def test_a_fractional_click_in_an_ipinyou_log_is_not_truncated(tmp_path: Path) -> None:
    path = tmp_path / "log.txt"
    path.write_text("0.5 10 0.01\n1 20 0.02\n")
    with pytest.raises(InvalidInputError, match=r"AuctionLog `click` must be 0 or 1\. Got 0\.5"):
        read_ipinyou(path)


def test_a_count_too_large_for_int64_is_a_bad_row_not_a_wrapped_number() -> None:
    # (1e20 impressions used to wrap to -9223372036854775808 in the int64 column)
    with pytest.raises(
        InvalidInputError,
        match=r"row 0: `impressions` must be a whole number below 2\*\*53; got '1e20'",
    ):
        read_keyword_log(rows(impressions=["1e20", "10", "10"]))


def test_a_huge_hour_is_shown_as_given_not_wrapped() -> None:
    with pytest.raises(
        InvalidInputError,
        match=r"AuctionLog `hour` must be an hour in 0\.\.23\. Got 1e\+20 at row 0",
    ):
        AuctionLog(click=[0, 1], market_price=[1.0, 2.0], hour=[1e20, 1.0])
