"""Vectorised parsing of report cells: numbers, money, dates, text, match types.

Each parser maps the *distinct* values of a column (``numpy.unique``) and broadcasts the
result back, so a column of a million rows with a few thousand distinct cells costs a few
thousand Python calls.  Parsers never raise on a bad cell: they return NaN / NaT / a
``bad`` mask, and the loader turns those into row-level errors that name the cell.
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Any

import numpy as np
import numpy.typing as npt

from bidopt._numbers import map_unique, parse_numbers
from bidopt._validation import missing_mask
from bidopt.typing import BoolArray

__all__ = [
    "MATCH_TYPE_ALIASES",
    "TOTALS_LABELS",
    "match_labels",
    "parse_dates",
    "parse_match_types",
    "parse_numbers",
    "parse_text",
    "times_of_day",
    "totals_rows",
]

# a date, optionally followed by a valid time of day (``2024-11-11 08:30:00``,
# ``...T00:00``, with an optional fraction and time zone); nothing else may follow
_DATE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[ T]\s*(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?"
    r"(?:\s*(?:Z|[+-](\d{2}):?(\d{2})))?)?$"
)
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:\.0+)?$")

#: Accepted spellings of each match type (after NFKC and lower-casing).
MATCH_TYPE_ALIASES: dict[str, str] = {
    "exact": "exact",
    "exact match": "exact",
    "e": "exact",
    "精确匹配": "exact",
    "精确": "exact",
    "精准匹配": "exact",
    "精准": "exact",
    "phrase": "phrase",
    "phrase match": "phrase",
    "p": "phrase",
    "短语匹配": "phrase",
    "短语": "phrase",
    "词组匹配": "phrase",
    "中心词匹配": "phrase",
    "broad": "broad",
    "broad match": "broad",
    "b": "broad",
    "广泛匹配": "broad",
    "广泛": "broad",
}


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


def _parse_numeric_date(value: float) -> np.datetime64:
    if not math.isfinite(value) or value != math.floor(value):
        return np.datetime64("NaT", "D")
    return _parse_date(str(int(value)))


def parse_dates(values: npt.NDArray[Any]) -> tuple[npt.NDArray[np.datetime64], BoolArray]:
    """Parse dates (``2024-11-11``, ``2024/11/11``, ``20241111``, ``2024年11月11日``).

    Returns the dates as ``datetime64[D]`` (NaT where bad) and the bad mask.
    """
    if values.dtype.kind == "M":
        dates = values.astype("datetime64[D]")
    elif values.dtype.kind in "iuf":
        # numbers: compact dates such as 20241111 (or 20241111.0 from a column with NaN)
        dates = map_unique(values, _parse_numeric_date, "datetime64[D]")
    else:
        dates = map_unique(values, lambda v: _parse_date(str(v)), "datetime64[D]")
    return dates, np.isnat(dates)


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


#: Labels of an export's totals row (compared after NFKC, lower-casing and removing white
#: space, and ignoring a trailing colon): Taobao / Tmall exports end with a 合计 (or
#: 总计, 汇总, 小计) row whose date cell holds the label, or a dash.
_TOTALS = "合计 合計 总计 總計 汇总 匯總 小计 小計 total totals grandtotal sum - --"
TOTALS_LABELS = frozenset(_TOTALS.split())


def _is_totals_label(text: str) -> bool:
    s = re.sub(r"\s", "", unicodedata.normalize("NFKC", text).lower()).rstrip(":")
    return s in TOTALS_LABELS


def totals_rows(values: npt.NDArray[Any], among: BoolArray | None = None) -> BoolArray:
    """Rows whose date (period) cell labels them as an export's totals row.

    A totals row (合计, 总计, 汇总, 小计, Total, Sum, or a dash in the date cell) is the
    sum of the other rows, not one more day or week: readers drop it and list it, so
    that it is neither counted twice nor read as an extra period.

    Parameters
    ----------
    values : ndarray, shape (n_rows,)
        The raw cells of the date (period) column.
    among : ndarray of bool, shape (n_rows,), optional
        Only these rows are looked at (those whose date did not parse: a label is never a
        date); the others are not totals rows.

    Returns
    -------
    ndarray of bool, shape (n_rows,)
    """
    out = np.zeros(values.shape, dtype=bool)
    if values.dtype.kind not in "OU":
        return out
    rows = np.arange(values.size) if among is None else np.flatnonzero(among)
    if rows.size:
        out[rows] = map_unique(values[rows], lambda v: _is_totals_label(str(v)), bool)
    return out


def parse_text(values: npt.NDArray[Any]) -> tuple[npt.NDArray[np.object_], BoolArray]:
    """Strip surrounding white space from text cells; empty or missing cells are bad."""
    if values.dtype != object:
        values = values.astype(object)
    missing = missing_mask(values)
    text = map_unique(values, lambda v: str(v).strip(), object)
    missing |= text == ""
    return text, missing


def match_labels(
    values: npt.NDArray[Any], kinds: npt.NDArray[Any], keep: BoolArray
) -> dict[str, str]:
    """Match type -> the one spelling ``values`` (as read, stripped) gives it among the
    rows ``keep``; a type spelt two ways (``精确匹配`` and ``精准匹配``) is left out."""
    spellings: dict[str, set[str]] = {}
    for raw, kind in set(zip(values[keep].tolist(), kinds[keep].tolist(), strict=True)):
        if kind is not None:
            spellings.setdefault(kind, set()).add(str(raw).strip())
    return {kind: next(iter(s)) for kind, s in sorted(spellings.items()) if len(s) == 1}


def parse_match_types(values: npt.NDArray[Any]) -> tuple[npt.NDArray[np.object_], BoolArray]:
    """Map match-type spellings (English or Chinese) to ``exact`` / ``phrase`` / ``broad``.

    Unknown spellings map to ``None`` and are flagged bad.
    """
    mapped = map_unique(
        values,
        lambda v: MATCH_TYPE_ALIASES.get(unicodedata.normalize("NFKC", str(v)).strip().lower()),
        object,
    )
    return mapped, np.asarray([m is None for m in mapped.tolist()], dtype=bool).reshape(
        mapped.shape
    )
