"""RFM tables from order logs and RFM segments."""

from __future__ import annotations

import numpy as np
import pytest

from bidopt.customers import SEGMENT_NAMES, rfm_segments, rfm_table
from bidopt.exceptions import InvalidInputError, MissingColumnError
from tests.conftest import shared_file

ORDERS = {
    "customer_id": ["a", "a", "a", "a", "b", "c", "c", "d"],
    "date": [
        "2024-01-01",
        "2024-01-01",  # same day: one purchase, amounts summed
        "2024-01-15",
        "2024-02-12",  # after the calibration end: holdout
        "2024-01-08",
        "2024-01-02",
        "2024-01-29",
        "2024-02-05",  # first purchase after the calibration end: left out
    ],
    "amount": [10.0, 5.0, 20.0, 7.0, 30.0, 12.0, 18.0, 99.0],
}


def test_rfm_table_follows_the_btyd_conventions() -> None:
    table = rfm_table(ORDERS, calibration_end="2024-01-29", observation_end="2024-02-26")
    assert list(table.customer_id) == ["a", "b", "c"]
    np.testing.assert_array_equal(table.frequency, [1, 0, 1])
    np.testing.assert_allclose(table.recency, [2.0, 0.0, 27 / 7])
    np.testing.assert_allclose(table.T, [4.0, 3.0, 27 / 7])
    np.testing.assert_allclose(table.monetary_value, [20.0, 0.0, 18.0])
    np.testing.assert_allclose(table.first_value, [15.0, 30.0, 12.0])
    np.testing.assert_allclose(table.total_value, [35.0, 30.0, 30.0])
    np.testing.assert_allclose(table.days_since_last, [14.0, 21.0, 0.0])
    np.testing.assert_array_equal(table.frequency_holdout, [1, 0, 0])
    np.testing.assert_allclose(table.monetary_holdout, [7.0, 0.0, 0.0])
    assert table.duration_holdout == 4.0
    days = rfm_table(ORDERS, calibration_end="2024-01-29", time_unit="D")
    np.testing.assert_allclose(days.T, [28.0, 21.0, 27.0])
    assert days.duration_holdout == 0.0 and days.frequency_holdout.sum() == 0
    assert "3 customers" in table.summary()


def test_rfm_table_reads_a_dataframe_and_datetimes() -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(ORDERS)
    frame["date"] = pd.to_datetime(frame["date"])
    frame = frame.rename(columns={"customer_id": "user", "amount": "paid"})
    table = rfm_table(frame, customer="user", amount="paid", calibration_end="2024-01-29")
    np.testing.assert_array_equal(table.frequency, [1, 0, 1])
    assert list(table.to_frame().columns)[:4] == ["customer_id", "frequency", "recency", "T"]


def test_rfm_table_matches_the_published_cdnow_summary() -> None:
    raw = np.loadtxt(shared_file("customers/CDNOW_sample.txt"), dtype=str)
    summary = np.loadtxt(
        shared_file("customers/cdnow_customers_summary_with_transactions.csv"),
        delimiter=",",
        skiprows=1,
    )
    # the raw file's dates as written (19970101), as text and as numbers
    for dates in (raw[:, 2], raw[:, 2].astype(np.int64)):
        table = rfm_table(
            {"customer_id": raw[:, 1], "date": dates, "amount": raw[:, 4].astype(float)},
            calibration_end=19970930,
        )
        assert table.calibration_end == np.datetime64("1997-09-30")
        n = summary.shape[0]
        np.testing.assert_array_equal(table.frequency[:n], summary[:, 1])
        np.testing.assert_allclose(table.recency[:n], summary[:, 2], atol=0.005)
        np.testing.assert_allclose(table.T[:n], summary[:, 3], atol=0.005)
        np.testing.assert_allclose(table.monetary_value[:n], summary[:, 4], atol=0.005)


def test_rfm_table_reads_dates_as_the_report_readers_do() -> None:
    """One date parser for the library: every form the keyword-report reader reads."""
    from bidopt.datasets._parsing import parse_dates

    forms = ["19970101", "1997/01/01", "1997.1.1", "1997年1月1日", "1997-01-01 23:30:00"]
    assert not parse_dates(np.array(forms, dtype=object))[1].any()
    for form in forms:
        table = rfm_table({"customer_id": ["a"], "date": [form], "amount": [1.0]})
        assert table.calibration_end == np.datetime64("1997-01-01"), form
    table = rfm_table(
        {"customer_id": ["a", "a"], "date": ["2024/01/05", "2024年1月19日"], "amount": [1, 2]},
        calibration_end="2024/01/31",
        time_unit="D",
    )
    np.testing.assert_array_equal(table.recency, [14.0])
    np.testing.assert_array_equal(table.T, [26.0])
    # one customer, one repeat purchase: said in the singular
    assert table.summary().startswith("RFM table of 1 customer, calibration to 2024-01-31")
    assert "1 repeat buyer, 1 repeat purchase." in table.summary()


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"customer": "user"}, MissingColumnError, "`customer` must name a column"),
        ({"time_unit": "M"}, InvalidInputError, "`time_unit` must be 'W'"),
        ({"calibration_end": "soon"}, InvalidInputError, "`calibration_end` must be a date"),
        (
            {"calibration_end": "2024-02-01", "observation_end": "2024-01-01"},
            InvalidInputError,
            "`observation_end` must be on or after",
        ),
    ],
)
def test_rfm_table_errors(kwargs: dict, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        rfm_table(ORDERS, **kwargs)


def test_rfm_table_refuses_numbers_not_dates_and_negative_amounts() -> None:
    # numbers are read as compact dates (20240101) only: a day count or 20241301 is refused
    for bad in ([20240101] * 7 + [45292], [20240101] * 7 + [20241301]):
        with pytest.raises(InvalidInputError, match=r"compact dates YYYYMMDD\). Got .* at row 7"):
            rfm_table({**ORDERS, "date": bad})
    with pytest.raises(InvalidInputError, match="Got 'soon' at row 2 instead .1 row without"):
        rfm_table({**ORDERS, "date": ["2024-01-01"] * 2 + ["soon"] + ["2024-01-02"] * 5})
    with pytest.raises(InvalidInputError, match="must be >= 0"):
        rfm_table({**ORDERS, "amount": [-1.0, *ORDERS["amount"][1:]]})


def test_segments_score_and_name_customers() -> None:
    rng = np.random.default_rng(0)
    n = 500
    ids = np.repeat(np.arange(n), 3).astype(str)
    start = np.datetime64("2024-01-01")
    dates = start + rng.integers(0, 180, size=3 * n)
    amounts = rng.gamma(2.0, 20.0, size=3 * n)
    table = rfm_table({"customer_id": ids, "date": dates, "amount": amounts})
    seg = rfm_segments(table)
    for score in (seg.recency_score, seg.frequency_score, seg.monetary_score):
        assert score.min() >= 1 and score.max() <= 5
    # more recent -> recency score never lower
    order = np.argsort(table.days_since_last)
    assert (np.diff(seg.recency_score[order]) <= 0).all()
    assert set(seg.segment) <= set(SEGMENT_NAMES)
    champions = seg.segment == "champions"
    assert (seg.recency_score[champions] == 5).all() and (seg.frequency_score[champions] >= 4).all()
    assert seg.code[0] == f"{seg.recency_score[0]}{seg.frequency_score[0]}{seg.monetary_score[0]}"
    assert sum(seg.counts().values()) == n
    three = rfm_segments(table, n_bins=3)
    assert three.recency_score.max() == 3
    with pytest.raises(InvalidInputError, match="`n_bins` must be an integer >= 2"):
        rfm_segments(table, n_bins=1)
