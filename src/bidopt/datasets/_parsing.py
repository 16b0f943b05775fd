"""Vectorised parsing of report cells: numbers, money, dates, text, match types.

Dates are the library's one reading (:mod:`bidopt._dates`, shared with the order logs
of ``bidopt.customers``), re-exported here with the other cell parsers.

Each parser maps the *distinct* values of a column (``numpy.unique``) and broadcasts the
result back, so a column of a million rows with a few thousand distinct cells costs a few
thousand Python calls.  Parsers never raise on a bad cell: they return NaN / NaT / a
``bad`` mask, and the loader turns those into row-level errors that name the cell.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import numpy as np
import numpy.typing as npt

from bidopt._dates import clock_label, parse_dates, times_of_day
from bidopt._numbers import map_unique, parse_numbers
from bidopt._validation import missing_mask
from bidopt.typing import BoolArray

__all__ = [
    "MATCH_TYPE_ALIASES",
    "TOTALS_LABELS",
    "clock_label",
    "match_labels",
    "parse_dates",
    "parse_match_types",
    "parse_numbers",
    "parse_text",
    "times_of_day",
    "totals_rows",
]

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
