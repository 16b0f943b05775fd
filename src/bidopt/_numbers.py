"""Parsing numbers and money as reports and users write them (``1,234.50``, ``¥12.3``,
``１２``, ``1.2万``): the cell parser of every reader (:mod:`bidopt.datasets`) and the
command line's amounts, written once.

Each parser maps the *distinct* values of a column (``numpy.unique``) and broadcasts the
result back, so a column of a million rows with a few thousand distinct cells costs a few
thousand Python calls.
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

from bidopt.typing import BoolArray, FloatArray

__all__ = ["map_unique", "parse_numbers"]

_T = TypeVar("_T")

_MISSING = frozenset({"", "-", "--", "nan", "none", "null", "n/a", "na", "nat"})
_CURRENCY = re.compile(r"[¥$]|cny|rmb|元|yuan")
# a plain number, or one with well-formed thousands grouping (1,234 / 12,345,678.50);
# "1.234,50", "12,34", "5 5" and "1,2,3" are not numbers
_PLAIN_NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$")
_GROUPED_NUMBER = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?$")
# magnitude suffixes of Chinese exports (Tmall, Taobao): 1.2万 = 12,000, 3亿 = 3e8
_MAGNITUDE = {"万": 10_000, "萬": 10_000, "亿": 100_000_000, "億": 100_000_000}


def map_unique(
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
    if values.dtype.kind in "bMm":  # (a yes/no, a date or a duration is no number)
        return (
            np.full(values.shape, np.nan),
            np.zeros(values.shape, dtype=bool),
            np.ones(values.shape, dtype=bool),
        )
    numbers = map_unique(values, _clean_number, np.float64)
    unparseable = numbers == _UNPARSEABLE
    numbers[unparseable] = np.nan
    missing = ~np.isfinite(numbers) & ~unparseable
    numbers[missing] = np.nan
    return numbers, missing, unparseable
