"""The library's one reading of a date cell, shared by the report readers
(``bidopt.datasets``) and the order logs of ``bidopt.customers``.

A date is ``2024-11-11``, ``2024/11/11``, ``2024.11.11``, ``2024年11月11日`` (full-width
digits too), ``20241111`` (as text or as a whole number), a ``datetime64``, a
``datetime`` / ``date`` / pandas ``Timestamp``, optionally followed by a valid time of day
(``2024-11-11 08:30:00``, ``...T00:00``, with a fraction and a time zone); the date is the
one written, whatever the time zone.  Anything else is not a date (NaT), never a guess:
``11/12/2024`` could be either month.

A month is not a day: a ``datetime64`` coarser than a day (``datetime64[M]``, ``[Y]``,
``[W]``), a pandas ``Period`` and a month written alone (``2024-11``, ``2024年11月``) are
not dates (NaT), not the first day of the month; :func:`not_a_day` says which such unit a
cell holds, for the caller's message.  A reader with an explicit notion of periods (a
channel history, whose period column labels each week or month by its first day) passes
``periods=True`` to read a ``datetime64`` month or year as its first day.

Parsers map the *distinct* values of a column (``numpy.unique``) and broadcast back, and
never raise on a bad cell: they return NaT and a ``bad`` mask for the caller to name.
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Any

import numpy as np
import numpy.typing as npt

from bidopt._numbers import map_unique
from bidopt._validation import short_repr
from bidopt.typing import BoolArray

__all__ = [
    "DAY_CONTRACT",
    "clock_label",
    "describe_not_a_date",
    "not_a_day",
    "parse_date",
    "parse_dates",
    "show_cell",
    "times_of_day",
]

# a date, optionally followed by a valid time of day (``2024-11-11 08:30:00``,
# ``...T00:00``, with an optional fraction and time zone); nothing else may follow
_DATE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[ T]\s*(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?"
    r"(?:\s*(?:Z|[+-](\d{2}):?(\d{2})))?)?$"
)
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:\.0+)?$")
# a month written alone: "2024-11", "2024/11", "2024.11", "2024年11月"
_MONTH = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")
#: The contract of a date cell, as messages state it.
DAY_CONTRACT = "a day (a date such as 2024-11-11, or a date and time of day)"
#: datetime64 units coarser than a day, by name
_COARSE_UNITS = {"Y": "year", "M": "month", "W": "week"}
#: pandas Period frequencies coarser than a day (as ``freqstr`` names them, without a
#: multiple or an anchor), by name
_PERIOD_UNITS = {
    "M": "month",
    "Q": "quarter",
    "QS": "quarter",
    "Y": "year",
    "YS": "year",
    "A": "year",
    "AS": "year",
    "W": "week",
}


def _coarse_unit(dtype: np.dtype[Any]) -> str | None:
    """``"month"`` / ``"year"`` / ``"week"`` for a datetime64 dtype coarser than a day."""
    if dtype.kind != "M":
        return None
    return _COARSE_UNITS.get(np.datetime_data(dtype)[0])


def not_a_day(value: object) -> str | None:
    """What a cell that is not a day holds when it is a coarser period: ``"month"``,
    ``"year"`` or ``"week"`` for a ``datetime64`` of that unit, a pandas ``Period`` of
    months, quarters or years (its frequency's name: ``"month"``, ``"quarter"``, ...) or
    a month written alone (``"2024-11"``, ``"2024年11月"``); else None.  For messages:
    the readers do not read such a cell as the first day of its period."""
    if isinstance(value, np.datetime64):
        return _coarse_unit(value.dtype)
    freq = getattr(value, "freqstr", None)
    if isinstance(freq, str) and hasattr(type(value), "start_time"):  # a pandas Period
        # (its frequency's name without a multiple or an anchor: "2M" and "Q-DEC" are
        # months and quarters; "min" and "ms" are minutes and milliseconds, finer
        # than a day)
        return _PERIOD_UNITS.get(freq.split("-")[0].lstrip("0123456789"))
    if isinstance(value, str) and _month(value) is not None:
        return "month"
    return None


def _month(text: str) -> tuple[int, int] | None:
    """(year, month) of a month written alone (``2024-11``, ``2024年11月``), else None
    (``"2024-13"`` is no month)."""
    match = _MONTH.match(unicodedata.normalize("NFKC", text).strip())
    if match is None or not 1 <= int(match[2]) <= 12:
        return None
    return int(match[1]), int(match[2])


def describe_not_a_date(value: object) -> str:
    """Why a date cell is refused, with the value, as a reader's row reason words it
    after the column: ``"must be a day (...), not a month; got 2024-11"`` for a period
    coarser than a day (:func:`not_a_day`), else ``"is not a date; got 'x'"``."""
    unit = not_a_day(value)
    if unit is None:
        hint = (
            " (it looks like an Excel serial day number: format the column as dates in "
            "Excel before saving or exporting)"
            if _looks_like_excel_serial(value)
            else ""
        )
        return f"is not a date; got {short_repr(value)}{hint}"
    return f"must be {DAY_CONTRACT}, not a {unit}; got {show_cell(value)}"


def _looks_like_excel_serial(value: object) -> bool:
    """Whether a refused date cell is a number an Excel sheet shows as a date of
    1955-2119 (serial days 20,000-80,000 since 1899-12-30, a fraction for the time)."""
    if isinstance(value, bool | np.bool_):
        return False
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return False
    if not isinstance(value, int | float | np.integer | np.floating):
        return False
    return 20_000 <= float(value) <= 80_000


def show_cell(value: object) -> str:
    """A cell as a message shows it: a ``datetime64`` as its text at its own unit
    (``2024-11`` for a month, not the ``datetime.date`` its ``item()`` gives), else
    ``repr``."""
    if isinstance(value, np.datetime64):
        return str(np.datetime_as_string(value))
    return repr(value)


def _parse_date(text: str) -> np.datetime64:
    s = unicodedata.normalize("NFKC", text).strip()
    match = _DATE.match(s)
    if match is not None:
        year, month, day = (int(g) for g in match.groups()[:3])
        hour, minute, second, tz_hour, tz_minute = (
            0 if g is None else int(g) for g in match.groups()[3:]
        )
        # a time after the date must be a time: "99:99:99" and "25:00" are not
        if hour > 23 or minute > 59 or second > 59 or tz_hour > 14 or tz_minute > 59:
            return np.datetime64("NaT", "D")
    else:
        match = _COMPACT_DATE.match(s)
        if match is None:
            return np.datetime64("NaT", "D")
        year, month, day = (int(g) for g in match.groups())
    try:
        return np.datetime64(f"{year:04d}-{month:02d}-{day:02d}", "D")
    except ValueError:
        return np.datetime64("NaT", "D")


def _exact_below(dtype: np.dtype[Any]) -> float:
    """The magnitude from which a float of ``dtype`` no longer holds every whole number:
    a float32 stores 20241111 as 20241112, so a compact date in one is not read."""
    return 2.0 ** (np.finfo(dtype).nmant + 1) if dtype.itemsize < 8 else math.inf


def _parse_numeric_date(value: float, exact_below: float = math.inf) -> np.datetime64:
    if not math.isfinite(value) or value != math.floor(value) or abs(value) >= exact_below:
        return np.datetime64("NaT", "D")
    return _parse_date(str(int(value)))


def parse_dates(
    values: npt.NDArray[Any], *, periods: bool = False
) -> tuple[npt.NDArray[np.datetime64], BoolArray]:
    """Parse dates (``2024-11-11``, ``2024/11/11``, ``20241111``, ``2024年11月11日``).

    Parameters
    ----------
    values : ndarray, shape (n,)
        datetime64, numbers (compact dates such as 20241111, or 20241111.0 from a column
        with NaN; not in a float32 column, which cannot hold them exactly), text, or
        objects (``datetime``, ``date``, pandas ``Timestamp``: read through their text).
        A ``datetime64`` coarser than a day (``[M]``, ``[Y]``, ``[W]``) is not a date:
        every cell NaT (see :func:`not_a_day`).
    periods : bool, default False
        Read a month as the first day of its period instead (a channel history's
        period column): a ``datetime64`` coarser than a day, and a month written alone
        (``2024-11``, ``2024年11月``, a pandas ``Period`` of months), as the
        ``datetime64`` month of the same history would be.

    Returns
    -------
    dates : ndarray of datetime64[D], shape (n,)
        NaT where a cell is not a date.
    bad : ndarray of bool, shape (n,)
        The NaT cells.

    Examples
    --------
    >>> cells = np.array(["2024/11/11", "20241111", "2024年11月11日", "11/12/2024"], dtype=object)
    >>> parse_dates(cells)[0]
    array(['2024-11-11', '2024-11-11', '2024-11-11',        'NaT'],
          dtype='datetime64[D]')
    """
    if values.dtype.kind == "M" and _coarse_unit(values.dtype) and not periods:
        dates = np.full(values.shape, np.datetime64("NaT"), dtype="datetime64[D]")
    elif values.dtype.kind == "M":
        dates = values.astype("datetime64[D]")
    elif values.dtype.kind == "f":
        below = _exact_below(values.dtype)
        dates = map_unique(values, lambda v: _parse_numeric_date(v, below), "datetime64[D]")
    elif values.dtype.kind in "iu":
        dates = map_unique(values, _parse_numeric_date, "datetime64[D]")
    else:
        dates = map_unique(values, lambda v: _parse_date(str(v)), "datetime64[D]")
        if periods and np.isnat(dates).any():  # (a month written alone: its first day)
            missed = np.isnat(dates)
            dates[missed] = map_unique(values[missed], _first_of_month, "datetime64[D]")
    return dates, np.isnat(dates)


def _first_of_month(cell: object) -> np.datetime64:
    """The first day of a month written alone (``2024-11``, ``2024年11月``; a pandas
    ``Period`` of months reads so as text); NaT for anything else."""
    month = _month(str(cell))
    if month is None:
        return np.datetime64("NaT", "D")
    return np.datetime64(f"{month[0]:04d}-{month[1]:02d}-01", "D")


def parse_date(value: object) -> np.datetime64:
    """One date as :func:`parse_dates` reads a cell; ``numpy.datetime64("NaT")`` when
    ``value`` is not one (a ``datetime64[D]`` either way; a month is not one)."""
    if isinstance(value, bool) or value is None or not_a_day(value):
        return np.datetime64("NaT", "D")
    if isinstance(value, np.datetime64):
        day: np.datetime64 = value.astype("datetime64[D]")
        return day
    if isinstance(value, np.floating):
        return _parse_numeric_date(float(value), _exact_below(value.dtype))
    if isinstance(value, int | float | np.integer):
        return _parse_numeric_date(float(value))
    return _parse_date(str(value))


def _clock(hour: int, minute: int, second: int) -> str:
    """A time of day as ``"09:00"`` (``"09:00:30"`` when the seconds are not 0)."""
    return f"{hour:02d}:{minute:02d}" + (f":{second:02d}" if second else "")


def _time_of(text: str) -> str:
    # (map_unique hands object cells over as text: a datetime as "2024-11-01 09:00:00")
    match = _DATE.match(unicodedata.normalize("NFKC", text).strip())
    if match is None or match.group(4) is None:
        return ""
    hour, minute, second = (0 if g is None else int(g) for g in match.groups()[3:6])
    return _clock(hour, minute, second)


# a time of day alone: "9", "09:00", "9:00:00" (a datetime.time's text), "9时", "9.0"
_CLOCK = re.compile(r"^(\d{1,2})(?::(\d{2})(?::(\d{2})(?:\.\d+)?)?|\.0+)?\s*[时点]?$")


def clock_label(text: str) -> str:
    """A time-of-day cell (an hour column's ``9``, ``"09:00"``, ``"9:00:00"``, an Excel
    time, ``"9时"``) in one spelling, ``"09:00"`` (``"09:00:30"`` with seconds), as
    :func:`times_of_day` writes it; any other text (``"09:00-10:00"``, ``"全部"``) as it
    is."""
    match = _CLOCK.match(unicodedata.normalize("NFKC", text).strip())
    if match is None:
        return text
    hour, minute, second = (0 if g is None else int(g) for g in match.groups())
    if hour > 23 or minute > 59 or second > 59:
        return text
    return _clock(hour, minute, second)


def times_of_day(values: npt.NDArray[Any]) -> npt.NDArray[np.object_]:
    """The time of day written after each date cell's date, as :func:`parse_dates` reads
    it, in one spelling whatever the cell's (``"09:00"`` for ``9:00``, ``09:00:00`` or a
    datetime at 9 o'clock; ``"09:00:30"`` with seconds; ``""`` for a cell without one or
    not a date).  Array of object, shape (n_rows,)."""
    if values.dtype.kind == "M":
        seconds = (values - values.astype("datetime64[D]")).astype("timedelta64[s]")
        return np.asarray(
            [
                "" if t != t else _clock(s // 3600, s // 60 % 60, s % 60)
                for t, s in zip(seconds, seconds.astype(np.int64).tolist(), strict=True)
            ],
            dtype=object,
        )
    return map_unique(values.astype(object), _time_of, object)
