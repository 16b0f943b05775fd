"""RFM tables from an order log (with a calibration/holdout split) and RFM segments."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import stats

from bidopt._dates import not_a_day, parse_date, parse_dates, show_cell
from bidopt._optional import require_pandas
from bidopt._tables import read_table
from bidopt._validation import (
    as_float_array,
    check_instance,
    check_scalar,
    missing_mask,
    short_repr,
)
from bidopt._wording import counted
from bidopt.exceptions import InvalidInputError, MissingColumnError
from bidopt.typing import FloatArray, IntArray, ObjectArray

__all__ = ["SEGMENT_NAMES", "RFMSegments", "RFMTable", "rfm_segments", "rfm_table"]

_UNITS = {"D": 1.0, "W": 7.0}

#: The named segments of :func:`rfm_segments`, from the recency score (rows, 5 = most
#: recent) and the frequency score (columns, 5 = most purchases) on a 5-point scale.
SEGMENT_NAMES: tuple[str, ...] = (
    "about to sleep",
    "at risk",
    "can't lose",
    "champions",
    "hibernating",
    "loyal customers",
    "need attention",
    "new customers",
    "potential loyalists",
    "promising",
)

# _GRID[R - 1][F - 1]
_GRID = (
    ("hibernating", "hibernating", "at risk", "at risk", "can't lose"),
    ("hibernating", "hibernating", "at risk", "at risk", "can't lose"),
    ("about to sleep", "about to sleep", "need attention", "loyal customers", "loyal customers"),
    (
        "promising",
        "potential loyalists",
        "potential loyalists",
        "loyal customers",
        "loyal customers",
    ),
    ("new customers", "potential loyalists", "potential loyalists", "champions", "champions"),
)


@dataclass(frozen=True, slots=True, eq=False)
class RFMTable:
    """Per-customer recency, frequency and monetary value, as the buy-till-you-die
    models read them, with the holdout period's outcome.

    Conventions (those of the BTYD literature and the ``lifetimes`` package): the orders
    of one customer on one day are one purchase (their amounts summed); the first
    purchase is the trial and is not counted.

    Attributes
    ----------
    customer_id : ndarray of object, shape (n_customers,)
        Customers whose first purchase falls in the calibration period, as text
        (``str(id)``), sorted.
    frequency : ndarray of float64, shape (n_customers,)
        Repeat purchases in the calibration period (purchase days after the first).
    recency : ndarray of float64, shape (n_customers,)
        Time from the first to the last calibration purchase, in ``time_unit`` (0
        without repeat purchases).
    T : ndarray of float64, shape (n_customers,)
        Time from the first purchase to the end of the calibration period.
    monetary_value : ndarray of float64, shape (n_customers,)
        Mean value of the repeat purchases in the calibration period (money units; 0
        without repeat purchases): the Gamma-Gamma model's input.
    first_value : ndarray of float64, shape (n_customers,)
        Value of the first purchase (the first basket).
    total_value : ndarray of float64, shape (n_customers,)
        Value of every calibration purchase, the first included.
    days_since_last : ndarray of float64, shape (n_customers,)
        Classic RFM recency: days from the last calibration purchase to the end of the
        calibration period.
    frequency_holdout : ndarray of float64, shape (n_customers,)
        Purchases (days) in the holdout period; 0 when there is none.
    monetary_holdout : ndarray of float64, shape (n_customers,)
        Mean value of the holdout purchases (0 without).
    duration_holdout : float
        Length of the holdout period in ``time_unit`` (0 without holdout).
    calibration_end, observation_end : numpy.datetime64
        Last day of each period (inclusive); equal without a holdout.
    time_unit : str
        ``"D"`` (days) or ``"W"`` (weeks of 7 days).
    """

    customer_id: ObjectArray
    frequency: FloatArray
    recency: FloatArray
    T: FloatArray
    monetary_value: FloatArray
    first_value: FloatArray
    total_value: FloatArray
    days_since_last: FloatArray
    frequency_holdout: FloatArray
    monetary_holdout: FloatArray
    duration_holdout: float
    calibration_end: np.datetime64
    observation_end: np.datetime64
    time_unit: str

    def __len__(self) -> int:
        return int(self.customer_id.size)

    def summary(self) -> str:
        """Customers, repeat buyers and purchases in each period."""
        repeaters = int((self.frequency > 0).sum())
        text = (
            f"RFM table of {counted(len(self), 'customer')}, calibration to "
            f"{self.calibration_end} (time unit {self.time_unit}): "
            f"{counted(repeaters, 'repeat buyer')}, "
            f"{counted(int(self.frequency.sum()), 'repeat purchase')}"
        )
        if self.duration_holdout > 0:
            text += (
                f"; holdout to {self.observation_end} ({self.duration_holdout:.4g} "
                f"{self.time_unit}): {counted(int(self.frequency_holdout.sum()), 'purchase')}"
            )
        return text + "."

    def to_frame(self) -> Any:
        """One row per customer (needs pandas)."""
        pd = require_pandas("RFMTable.to_frame()")
        return pd.DataFrame(
            {
                "customer_id": self.customer_id,
                "frequency": self.frequency,
                "recency": self.recency,
                "T": self.T,
                "monetary_value": self.monetary_value,
                "first_value": self.first_value,
                "total_value": self.total_value,
                "days_since_last": self.days_since_last,
                "frequency_holdout": self.frequency_holdout,
                "monetary_holdout": self.monetary_holdout,
            }
        )


def _column(table: Any, name: str, what: str) -> npt.NDArray[Any]:
    if name not in table.columns:
        raise MissingColumnError(
            f"`{what}` must name a column of `orders`. Got {name!r} instead; the columns "
            f"are {sorted(table.columns)}."
        )
    values: npt.NDArray[Any] = table.columns[name]
    return values


_DATE_FORMS = "'1997-01-31', '1997/01/31', '19970131', '1997年1月31日', datetime64 or datetime"


def _as_days(values: npt.NDArray[Any], name: str) -> npt.NDArray[np.int64]:
    """Dates, read as the report readers read them (:func:`bidopt._dates.parse_dates`),
    as whole days since 1970-01-01."""
    if missing_mask(values).any():
        at = int(np.argmax(missing_mask(values)))
        raise InvalidInputError(
            f"`{name}` must hold a date in every row. Got {values[at]!r} at row {at} instead."
        )
    days, bad = parse_dates(np.asarray(values))
    if bad.any():
        rows = np.flatnonzero(bad)
        numbers = "; numbers are read only as compact dates YYYYMMDD" + (
            ", which a float32 column cannot hold exactly (read the column as int64 or text)"
            if values.dtype.kind == "f" and values.dtype.itemsize < 8
            else ""
        )
        # (a datetime64 month shown as 2024-11, not as the datetime.date its item() is)
        cell = values[rows[0]]
        first = cell if isinstance(cell, np.datetime64) else values[rows[:1]].tolist()[0]
        shown = show_cell(first) if isinstance(first, np.datetime64) else short_repr(first)
        unit = not_a_day(first)
        raise InvalidInputError(
            f"`{name}` must hold a date in every row ({_DATE_FORMS}"
            f"{numbers if values.dtype.kind in 'iuf' else ''}). Got "
            f"{shown}{f', a {unit}, not a day,' if unit else ''} at row {int(rows[0])} instead "
            f"({counted(rows.size, 'row')} without a readable date in all)."
        )
    return days.astype(np.int64)


def _check_not_future(days: npt.NDArray[np.int64], name: str) -> None:
    """Refuse orders dated after tomorrow (UTC; a day's slack for time zones ahead of
    UTC): a typo such as 2030 would move the calibration period's end, and every
    customer's age ``T`` with it."""
    utc = datetime.datetime.now(datetime.timezone.utc).date()
    today = (utc - datetime.date(1970, 1, 1)).days
    when = np.datetime64(today, "D")
    late = days > today + 1
    if late.any():
        at = np.flatnonzero(late)
        shown = ", ".join(f"{np.datetime64(int(days[i]), 'D')} at row {i}" for i in at[:5].tolist())
        raise InvalidInputError(
            f"`{name}` must not lie in the future (after {when}, today in UTC, with a "
            f"day's slack). Got {shown}{', ...' if at.size > 5 else ''} "
            f"({counted(at.size, 'order')} in all) instead; fix the dates, or leave those "
            "orders out."
        )


def _as_day(value: object, name: str) -> int:
    day = parse_date(value)
    if np.isnat(day):
        raise InvalidInputError(
            f"`{name}` must be a date ({_DATE_FORMS}). Got {short_repr(value)} instead."
        )
    return int(day.astype(np.int64))


def rfm_table(
    orders: Any,
    *,
    customer: str = "customer_id",
    date: str = "date",
    amount: str | None = "amount",
    calibration_end: object = None,
    observation_end: object = None,
    time_unit: str = "W",
) -> RFMTable:
    """Summarise an order log into the per-customer table of the RFM and BTYD models.

    Parameters
    ----------
    orders : mapping of str to array, pandas DataFrame, or path to a CSV file
        One row per order.
    customer, date, amount : str
        Column names: the customer id (any labels, compared as text), the order date
        (datetime64, ``datetime``, or text or a number as the report readers read a
        date: ``1997-01-31``, ``1997/01/31``, ``19970131``, ``1997年1月31日``; a time of
        day after it is ignored), the order value in money units (>= 0).  ``amount``
        None: no values (the monetary columns are 0).
    calibration_end : date, optional
        Last day (inclusive) of the calibration period, in any form of a ``date`` cell;
        default the last order's day.  Customers whose first order is later are left out.
    observation_end : date, optional
        Last day (inclusive) of the holdout period, after ``calibration_end``; default no
        holdout.
    time_unit : {"W", "D"}, default "W"
        Unit of ``recency``, ``T`` and ``duration_holdout``: weeks of 7 days or days.

    Returns
    -------
    RFMTable
        Sorted by customer id; see its attributes for the conventions.

    Raises
    ------
    InvalidInputError
        For a missing customer id or date, a negative amount, or an order dated in the
        future (after tomorrow in UTC), which would move the default
        ``calibration_end`` and every customer's ``T``; the error names the rows.
    """
    if time_unit not in _UNITS:
        raise InvalidInputError(
            f"`time_unit` must be 'W' (weeks) or 'D' (days). Got {short_repr(time_unit)} instead."
        )
    unit = _UNITS[time_unit]
    table = read_table(orders, name="orders")
    ids_raw = _column(table, customer, "customer")
    if missing_mask(ids_raw).any():
        at = int(np.argmax(missing_mask(ids_raw)))
        raise InvalidInputError(
            f"`orders['{customer}']` must hold a customer id in every row. Got "
            f"{ids_raw[at]!r} at row {at} instead."
        )
    days = _as_days(_column(table, date, "date"), f"orders['{date}']")
    if amount is None:
        values = np.zeros(days.size)
    else:
        values = as_float_array(
            _column(table, amount, "amount"), f"orders['{amount}']", nonnegative=True
        )
    if days.size == 0:
        raise InvalidInputError("`orders` must hold at least one order. Got 0 rows instead.")
    _check_not_future(days, f"orders['{date}']")
    cal_end = (
        int(days.max()) if calibration_end is None else _as_day(calibration_end, "calibration_end")
    )
    if cal_end < int(days.min()):
        raise InvalidInputError(
            "`calibration_end` must be on or after the first order's day "
            f"({np.datetime64(int(days.min()), 'D')}), or no customer is left. Got "
            f"{np.datetime64(cal_end, 'D')} instead."
        )
    obs_end = cal_end if observation_end is None else _as_day(observation_end, "observation_end")
    if obs_end < cal_end:
        raise InvalidInputError(
            "`observation_end` must be on or after `calibration_end` "
            f"({np.datetime64(cal_end, 'D')}). Got {np.datetime64(obs_end, 'D')} instead."
        )
    ids, code = np.unique(np.asarray(ids_raw, dtype=object).astype(str), return_inverse=True)
    # one purchase per customer and day, amounts summed
    key = code.astype(np.int64) * (1 << 32) + (days - days.min())
    pairs, pair_index = np.unique(key, return_inverse=True)
    pair_value = np.bincount(pair_index, weights=values, minlength=pairs.size)
    pair_customer = pairs >> 32
    pair_day = (pairs & ((1 << 32) - 1)) + days.min()
    n = ids.size
    first = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(first, pair_customer, pair_day)
    keep = first <= cal_end
    calib = pair_day <= cal_end
    hold = (pair_day > cal_end) & (pair_day <= obs_end)
    is_first = pair_day == first[pair_customer]
    repeat = calib & ~is_first

    def per_customer(
        mask: npt.NDArray[np.bool_], weights: npt.NDArray[Any] | None = None
    ) -> FloatArray:
        return np.bincount(
            pair_customer[mask], weights=None if weights is None else weights[mask], minlength=n
        ).astype(np.float64)

    frequency = per_customer(repeat)
    repeat_value = per_customer(repeat, pair_value)
    last = np.full(n, np.iinfo(np.int64).min)
    np.maximum.at(last, pair_customer[calib], pair_day[calib])
    first_value = per_customer(is_first, pair_value)
    total_value = per_customer(calib, pair_value)
    n_hold = per_customer(hold)
    hold_value = per_customer(hold, pair_value)
    rows = np.flatnonzero(keep)
    first_k = first[rows].astype(np.float64)
    last_k = last[rows].astype(np.float64)
    freq_k = frequency[rows]
    with np.errstate(invalid="ignore", divide="ignore"):
        monetary = np.where(freq_k > 0, repeat_value[rows] / np.maximum(freq_k, 1), 0.0)
        hold_mean = np.where(n_hold[rows] > 0, hold_value[rows] / np.maximum(n_hold[rows], 1), 0.0)
    customer_id: ObjectArray = np.asarray(ids[rows], dtype=object)
    return RFMTable(
        customer_id=customer_id,
        frequency=freq_k,
        recency=(last_k - first_k) / unit,
        T=(cal_end - first_k) / unit,
        monetary_value=monetary,
        first_value=first_value[rows],
        total_value=total_value[rows],
        days_since_last=cal_end - last_k,
        frequency_holdout=n_hold[rows],
        monetary_holdout=hold_mean,
        duration_holdout=(obs_end - cal_end) / unit,
        calibration_end=np.datetime64(cal_end, "D"),
        observation_end=np.datetime64(obs_end, "D"),
        time_unit=time_unit,
    )


@dataclass(frozen=True, slots=True, eq=False)
class RFMSegments:
    """RFM quantile scores, codes and named segments, one row per customer.

    Attributes
    ----------
    customer_id : ndarray of object, shape (n_customers,)
    recency_score, frequency_score, monetary_score : ndarray of int64, shape (n_customers,)
        Quantile scores from 1 to ``n_bins``; higher is better (more recent, more
        purchases, more money).  Tied customers share a score, that of their lowest
        rank: the smallest value always scores 1 (one-time buyers have frequency score
        1 however many they are).
    code : ndarray of object, shape (n_customers,)
        The three scores as text, recency first (``"545"``).
    segment : ndarray of object, shape (n_customers,)
        A name from :data:`SEGMENT_NAMES`, from the recency and frequency scores
        rescaled to 5 points.
    n_bins : int
    """

    customer_id: ObjectArray
    recency_score: IntArray
    frequency_score: IntArray
    monetary_score: IntArray
    code: ObjectArray
    segment: ObjectArray
    n_bins: int

    def __len__(self) -> int:
        return int(self.customer_id.size)

    def counts(self) -> dict[str, int]:
        """Customers per named segment (segments without customers left out)."""
        names, counts = np.unique(self.segment.astype(str), return_counts=True)
        return {str(k): int(v) for k, v in zip(names, counts, strict=True)}

    def summary(self) -> str:
        """Customers per named segment."""
        parts = [f"{k}: {v:,}" for k, v in sorted(self.counts().items(), key=lambda kv: -kv[1])]
        head = f"RFM segments of {counted(len(self), 'customer')} ({self.n_bins} bins): "
        return head + ", ".join(parts)

    def to_frame(self) -> Any:
        """One row per customer (needs pandas)."""
        pd = require_pandas("RFMSegments.to_frame()")
        return pd.DataFrame(
            {
                "customer_id": self.customer_id,
                "recency_score": self.recency_score,
                "frequency_score": self.frequency_score,
                "monetary_score": self.monetary_score,
                "code": self.code,
                "segment": self.segment,
            }
        )


def _scores(values: FloatArray, n_bins: int) -> IntArray:
    """Quantile score 1..n_bins of each value (higher value, higher score); ties share
    the score of their lowest rank, so the smallest value always scores 1 (with the
    mid-rank, the 60% of one-time buyers of a typical log all scored 2 and no customer
    scored 1)."""
    pct = (stats.rankdata(values, method="min") - 1.0) / values.size
    return np.minimum(np.floor(pct * n_bins).astype(np.int64) + 1, n_bins)


def rfm_segments(table: RFMTable, *, n_bins: int = 5) -> RFMSegments:
    """Score every customer of an RFM table and name the segments.

    Recency is scored on the days since the last purchase (fewer is better), frequency
    on the calibration purchases (the first included), monetary value on their total
    value.

    Parameters
    ----------
    table : RFMTable
        From :func:`rfm_table`.
    n_bins : int, default 5
        Quantile bins per score (2 to 10).

    Returns
    -------
    RFMSegments
    """
    check_instance(table, "table", RFMTable, "an RFMTable (from rfm_table)")
    bins = int(check_scalar(n_bins, "n_bins", lower=2, upper=10, integer=True))
    r = _scores(-table.days_since_last, bins)
    f = _scores(table.frequency, bins)
    m = _scores(table.total_value, bins)
    code = np.array([f"{a}{b}{c}" for a, b, c in zip(r, f, m, strict=True)], dtype=object)
    r5 = np.ceil(r * 5 / bins).astype(np.int64)
    f5 = np.ceil(f * 5 / bins).astype(np.int64)
    grid = np.array(_GRID, dtype=object)
    segment: ObjectArray = grid[r5 - 1, f5 - 1]
    return RFMSegments(
        customer_id=table.customer_id,
        recency_score=r,
        frequency_score=f,
        monetary_score=m,
        code=code,
        segment=segment,
        n_bins=bins,
    )
