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
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from bidopt._validation import missing_mask
from bidopt.typing import BoolArray, FloatArray

__all__ = [
    "MATCH_TYPE_ALIASES",
    "TOTALS_LABELS",
    "parse_dates",
    "parse_match_types",
    "parse_numbers",
    "parse_text",
    "totals_rows",
]

_T = TypeVar("_T")

_MISSING = frozenset({"", "-", "--", "nan", "none", "null", "n/a", "na", "nat"})
_CURRENCY = re.compile(r"[¥$]|cny|rmb|元|yuan")
# a plain number, or one with well-formed thousands grouping (1,234 / 12,345,678.50);
# "1.234,50", "12,34", "5 5" and "1,2,3" are not numbers
_PLAIN_NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$")
_GROUPED_NUMBER = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?$")
# magnitude suffixes of Chinese exports (Tmall, Taobao): 1.2万 = 12,000, 3亿 = 3e8
_MAGNITUDE = {"万": 10_000, "萬": 10_000, "亿": 100_000_000, "億": 100_000_000}
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


def _map_unique(
    values: npt.NDArray[Any], func: Callable[[Any], _T], out_dtype: Any
) -> npt.NDArray[Any]:
    """Apply ``func`` to each distinct value and broadcast back to every row."""
    if values.size == 0:
        return np.zeros(0, dtype=out_dtype)
    keys = values.astype(str) if values.dtype == object else values
    uniques, inverse = np.unique(keys, return_inverse=True)
    mapped = np.array([func(u) for u in uniques.tolist()], dtype=out_dtype)
    return mapped[inverse.ravel()]


_UNPARSEABLE = float("-inf")  # sentinel for "present but not a number"


def _clean_number(text: str) -> float:
    s = unicodedata.normalize("NFKC", text).strip().lower()
    if s in _MISSING:
        return float("nan")
    s = _CURRENCY.sub("", s).strip()
    scale = _MAGNITUDE.get(s[-1:]) if s else None
    if scale is not None:
        s = s[:-1].rstrip()
    if _GROUPED_NUMBER.match(s):
        s = s.replace(",", "")
    elif not _PLAIN_NUMBER.match(s):
        # (also "inf" and "nan" spellings float() would take: missing, as before)
        try:
            value = float(s)
        except ValueError:
            return _UNPARSEABLE
        return value if not math.isfinite(value) and s.isalpha() else _UNPARSEABLE
    if scale is None:
        return float(s)
    try:
        # exact decimal scaling: "1.1万" is 11000, not 11000.000000000002
        return float(Decimal(s) * scale)
    except InvalidOperation:  # pragma: no cover - the patterns admit only decimals
        return _UNPARSEABLE


def parse_numbers(values: npt.NDArray[Any]) -> tuple[FloatArray, BoolArray, BoolArray]:
    """Parse numbers and money (``"1,234.50"``, ``"¥12.3"``, ``"１２"``, ``"1.2万"``).

    Commas are accepted only as well-formed thousands separators (``1,234``,
    ``12,345,678.50``); ``"1.234,50"``, ``"12,34"``, ``"5 5"`` or ``"1,2,3"`` are not
    numbers.  The magnitude suffixes of Chinese exports (Tmall, Taobao) are read:
    ``万`` (or ``萬``) is 10,000 and ``亿`` (or ``億``) 100,000,000, so ``"1.2万"`` is
    12000 and ``"3亿"`` is 3e8.  Currency marks (``¥``, ``$``, ``元``, ``CNY``,
    ``RMB``) are dropped.

    Returns
    -------
    numbers : ndarray of float64
        The parsed values, NaN where missing or unparseable.
    missing : ndarray of bool
        Empty, NaN or ``None`` cells (and non-finite numbers).
    unparseable : ndarray of bool
        Cells that are present but are not a number.
    """
    if values.dtype.kind in "iuf":
        numbers = values.astype(np.float64)
        missing = ~np.isfinite(numbers)
        return numbers, missing, np.zeros(values.shape, dtype=bool)
    if values.dtype.kind == "b":
        return (
            np.full(values.shape, np.nan),
            np.zeros(values.shape, dtype=bool),
            np.ones(values.shape, dtype=bool),
        )
    numbers = _map_unique(values, _clean_number, np.float64)
    unparseable = numbers == _UNPARSEABLE
    numbers[unparseable] = np.nan
    missing = ~np.isfinite(numbers) & ~unparseable
    numbers[missing] = np.nan
    return numbers, missing, unparseable


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
        dates = _map_unique(values, _parse_numeric_date, "datetime64[D]")
    else:
        dates = _map_unique(values, lambda v: _parse_date(str(v)), "datetime64[D]")
    return dates, np.isnat(dates)


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
        out[rows] = _map_unique(values[rows], lambda v: _is_totals_label(str(v)), bool)
    return out


def parse_text(values: npt.NDArray[Any]) -> tuple[npt.NDArray[np.object_], BoolArray]:
    """Strip surrounding white space from text cells; empty or missing cells are bad."""
    if values.dtype != object:
        values = values.astype(object)
    missing = missing_mask(values)
    text = _map_unique(values, lambda v: str(v).strip(), object)
    missing |= text == ""
    return text, missing


def parse_match_types(values: npt.NDArray[Any]) -> tuple[npt.NDArray[np.object_], BoolArray]:
    """Map match-type spellings (English or Chinese) to ``exact`` / ``phrase`` / ``broad``.

    Unknown spellings map to ``None`` and are flagged bad.
    """
    mapped = _map_unique(
        values,
        lambda v: MATCH_TYPE_ALIASES.get(unicodedata.normalize("NFKC", str(v)).strip().lower()),
        object,
    )
    return mapped, np.asarray([m is None for m in mapped.tolist()], dtype=bool).reshape(
        mapped.shape
    )
