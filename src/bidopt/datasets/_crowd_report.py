"""The keyword x crowd report (人群报表): :class:`CrowdReport` and ``read_crowd_report``.

Header and number parsing are the keyword reader's (``_keyword_reader``, ``_parsing``):
the same aliases for keyword, date and metrics, plus the crowd name and its premium.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from bidopt._optional import require_pandas
from bidopt._tables import HeaderSpec, read_table
from bidopt._validation import check_choice
from bidopt.datasets._keyword_log import LoadReport
from bidopt.datasets._keyword_reader import (
    DEFAULT_RELAX,
    HEADER_ALIASES,
    _canonical_header,
    _Check,
    _check_relax,
    _describe_cell,
    _describe_date,
    _screen_rows,
)
from bidopt.datasets._parsing import parse_dates, parse_numbers, parse_text, totals_rows
from bidopt.exceptions import InvalidInputError
from bidopt.typing import BoolArray, FloatArray, IntArray, ObjectArray

__all__ = ["CROWD_HEADER_ALIASES", "CrowdReport", "read_crowd_report"]

#: Recognised headers of the crowd report, compared as the keyword reader compares them
#: (NFKC, lower case, no spaces, ``_``, ``-``, ``.`` or unit suffixes).
CROWD_HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "date": HEADER_ALIASES["date"],
    "keyword": HEADER_ALIASES["keyword"],
    "crowd": ("crowd", "audience", "crowdname", "audiencename", "人群名称", "人群", "定向人群"),
    "premium": ("premium", "bidmodifier", "bidadjustment", "溢价比例", "溢价", "人群溢价"),
    "impressions": HEADER_ALIASES["impressions"],
    "clicks": HEADER_ALIASES["clicks"],
    "cost": HEADER_ALIASES["cost"],
    "conversions": HEADER_ALIASES["conversions"],
    "revenue": HEADER_ALIASES["revenue"],
}
_REQUIRED = ("keyword", "crowd", "impressions", "clicks", "cost")
#: The ratios ``CrowdReport.summary`` prints: key, format and unit.
_RATIOS = (("ctr", ".2%", ""), ("cpc", ".2f", " yuan"), ("cvr", ".2%", ""))
#: Cross-column rules of a crowd report that ``relax=`` can waive.
CROWD_RELAXABLE_RULES = ("clicks_le_impressions", "conversions_le_clicks")
_LOOKUP = {
    _canonical_header(alias): column
    for column, aliases in CROWD_HEADER_ALIASES.items()
    for alias in aliases
}
#: A file's header row: the first of its first rows with the required columns (an
#: export's title rows above it are skipped, as in keyword reports).
_HEADER = HeaderSpec(
    lambda h: _LOOKUP.get(_canonical_header(h)),
    _REQUIRED,
    {c: "/".join(CROWD_HEADER_ALIASES[c][:5]) for c in _REQUIRED},
)


@dataclass(frozen=True, slots=True, eq=False)
class CrowdReport:
    """Keyword x crowd performance rows (one per keyword, crowd and day when dated).

    Attributes
    ----------
    date : ndarray of datetime64[D] or None, shape (n_rows,)
    keyword, crowd : ndarray of object, shape (n_rows,)
    premium : ndarray of float64 or None, shape (n_rows,)
        The premium in force, a fraction (0.3 is +30%; 0 not targeted).
    impressions, clicks : ndarray of int64, shape (n_rows,)
    cost : ndarray of float64, shape (n_rows,)
        Spend, yuan.
    conversions : ndarray of int64 or None, shape (n_rows,)
        Orders.
    revenue : ndarray of float64 or None, shape (n_rows,)
        Order value, yuan.
    report : LoadReport
        Source, rows read and dropped (with reasons), header mapping.
    """

    date: npt.NDArray[np.datetime64] | None
    keyword: ObjectArray
    crowd: ObjectArray
    premium: FloatArray | None
    impressions: IntArray
    clicks: IntArray
    cost: FloatArray
    conversions: IntArray | None
    revenue: FloatArray | None
    report: LoadReport

    def __len__(self) -> int:
        return int(self.keyword.size)

    def by_crowd(self) -> dict[str, dict[str, float]]:
        """Totals per crowd: impressions, clicks, cost, orders, revenue, CTR, CPC, CVR."""
        out: dict[str, dict[str, float]] = {}
        names, code = np.unique(self.crowd.astype(str), return_inverse=True)
        code = code.ravel()
        for j, name in enumerate(names.tolist()):
            rows = code == j
            t = {
                "impressions": float(self.impressions[rows].sum()),
                "clicks": float(self.clicks[rows].sum()),
                "cost": float(self.cost[rows].sum()),
                "conversions": float("nan")
                if self.conversions is None
                else float(self.conversions[rows].sum()),
                "revenue": float("nan")
                if self.revenue is None
                else float(self.revenue[rows].sum()),
            }
            nan = float("nan")
            t["ctr"] = t["clicks"] / t["impressions"] if t["impressions"] else nan
            t["cpc"] = t["cost"] / t["clicks"] if t["clicks"] else nan
            t["cvr"] = t["conversions"] / t["clicks"] if t["clicks"] else nan
            out[name] = t
        return out

    def summary(self) -> str:
        """Rows, keywords and crowds, and each crowd's totals."""
        lines = [
            f"CrowdReport from {self.report.source}: {len(self)} rows, "
            f"{np.unique(self.keyword.astype(str)).size} keywords, "
            f"{np.unique(self.crowd.astype(str)).size} crowds"
            + (
                f"; {self.report.dropped_rows.size} bad rows dropped"
                if self.report.dropped_rows.size
                else ""
            )
        ]
        for name, t in self.by_crowd().items():
            # a ratio with nothing under it is left out, not printed as nan
            ratios = "".join(
                f", {key.upper()} {t[key]:{spec}}{unit}"
                for key, spec, unit in _RATIOS
                if np.isfinite(t[key])
            )
            lines.append(
                f"  {name}: {t['impressions']:,.0f} impressions, {t['clicks']:,.0f} clicks, "
                f"cost {t['cost']:,.2f} yuan{ratios}"
            )
        return "\n".join(lines)

    def to_frame(self) -> Any:
        """One row per report row (needs pandas)."""
        pd = require_pandas("CrowdReport.to_frame()")
        data: dict[str, Any] = {}
        for name in ("date", "keyword", "crowd", "premium", "impressions", "clicks", "cost",
                     "conversions", "revenue"):  # fmt: skip
            values = getattr(self, name)
            if values is not None:
                data[name] = values
        return pd.DataFrame(data)


def _parse_premiums(values: npt.NDArray[Any]) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """Premiums as fractions: ``"30%"`` is 0.30; a plain number of 5 to 300 is a percent
    and one of 0 to 3 a fraction (the platform's box is 5% .. 300%, so the two never
    overlap); numbers strictly between 3 and 5 are ambiguous and bad, and so is a
    premium outside the box (above 0 and below 5%, or above 300%): a plain 3 is read as
    300% only because 3% cannot occur."""
    raw = values.astype(object) if values.dtype.kind not in "iuf" else values
    percent = np.zeros(raw.shape, dtype=bool)
    if raw.dtype == object:
        text = np.array(
            [unicodedata.normalize("NFKC", str(v)).strip() if v is not None else "" for v in raw],
            dtype=object,
        )
        percent = np.array([t.endswith("%") for t in text.tolist()], dtype=bool)
        raw = np.array(
            [t[:-1] if p else t for t, p in zip(text, percent, strict=True)], dtype=object
        )
    numbers, missing, unparseable = parse_numbers(raw)
    out = numbers.copy()
    out[percent] = numbers[percent] / 100.0
    plain = ~percent
    out[plain] = np.where(numbers[plain] >= 5.0, numbers[plain] / 100.0, numbers[plain])
    with np.errstate(invalid="ignore"):
        ambiguous = plain & (numbers > 3.0) & (numbers < 5.0)
        outside = (out < 0) | ((out > 0) & (out < 0.05 - 1e-9)) | (out > 3.0 + 1e-9)
        bad = missing | unparseable | ambiguous | outside
    return out, bad


def read_crowd_report(
    source: Any,
    *,
    errors: Literal["raise", "drop"] = "raise",
    relax: Collection[str] = DEFAULT_RELAX,
) -> CrowdReport:
    """Read a keyword x crowd report (English or Tmall/Taobao Chinese headers).

    Parameters
    ----------
    source : path, mapping of str to array-like, or pandas.DataFrame
        A CSV/TSV file (UTF-8 or GB18030), a mapping of column -> values or a DataFrame.
        Columns: ``keyword`` (关键词), ``crowd`` (人群名称), ``impressions`` (展现量),
        ``clicks`` (点击量) and ``cost`` (花费) are required; ``date`` (日期),
        ``premium`` (溢价比例), ``conversions`` (成交笔数) and ``revenue`` (成交金额)
        are optional.  Numbers are read as by :func:`read_keyword_log` (``"1,234.50"``,
        ``"¥12.3"``, ``"1.2万"``).  A premium ``"30%"`` is 0.30; a plain number from 5
        to 300 is read as a percent and one from 0 to 3 as a fraction; a premium above 0
        and below 5%, or above 300% (outside the platform's box), is a bad value.
    errors : {"raise", "drop"}, default "raise"
        A bad row (missing or non-numeric value, negative or fractional count, clicks
        above impressions, an empty keyword or crowd, a bad date or premium, or a row
        that repeats an earlier row exactly: the first copy is kept) raises
        :class:`~bidopt.exceptions.InvalidInputError` naming the row, or with ``"drop"``
        is dropped and listed in ``report``.  The export's totals row (合计 in the date
        cell) is always dropped and listed.  Rows are screened as
        :func:`read_keyword_log` screens them.
    relax : collection of str, default ``DEFAULT_RELAX``
        Rules to waive, from ``"clicks_le_impressions"`` and ``"conversions_le_clicks"``;
        rows breaking them are kept and listed in ``report.flagged_rows`` /
        ``report.flags``.  By default orders above clicks are kept (Taobao counts an
        order against the click that led to it within its attribution window, so a
        keyword-crowd-day can show more orders than clicks); ``relax=()`` rejects them.

    Returns
    -------
    CrowdReport

    Examples
    --------
    >>> from bidopt.datasets import read_crowd_report
    >>> report = read_crowd_report({
    ...     "关键词": ["连衣裙", "连衣裙"], "人群名称": ["店铺老客", "高价值人群"],
    ...     "溢价比例": ["30%", "120%"], "展现量": [200, 150], "点击量": [12, 9],
    ...     "花费": ["¥20.40", "18.90"], "成交笔数": [2, 3], "成交金额": ["356", "1.2万"],
    ... })
    >>> report.premium.tolist(), report.revenue.tolist()
    ([0.3, 1.2], [356.0, 12000.0])
    """
    errors = check_choice(errors, "errors", ("raise", "drop"))  # type: ignore[assignment]
    relaxed = _check_relax(relax, CROWD_RELAXABLE_RULES)
    table = read_table(source, header=_HEADER)
    mapping: dict[str, str] = {}
    ignored: list[str] = []
    for header in table.columns:
        column = _LOOKUP.get(_canonical_header(header))
        if column is None:
            ignored.append(header)
        elif column in mapping.values():
            raise InvalidInputError(
                f"`source` must have one column per crowd-report field. Got two columns "
                f"that map to `{column}` (the second is {header!r}) instead; keep one."
            )
        else:
            mapping[header] = column
    missing = [c for c in _REQUIRED if c not in mapping.values()]
    if missing:
        raise InvalidInputError(
            f"`source` must have columns for {missing}. Got columns {list(table.columns)} "
            f"from {table.source} instead. Recognised headers: "
            + "; ".join(f"{c}: {'/'.join(CROWD_HEADER_ALIASES[c][:5])}" for c in missing)
            + "."
        )
    raw = {column: table.columns[header] for header, column in mapping.items()}
    parsed: dict[str, Any] = {}
    checks: list[_Check] = []
    for column in ("keyword", "crowd"):
        parsed[column], bad = parse_text(raw[column])
        checks.append(_Check(column, bad, _describe_cell(raw[column], "is empty")))
    if "date" in raw:
        parsed["date"], bad = parse_dates(raw["date"])
        checks.append(_Check("date", bad, _describe_date(raw["date"])))
    if "premium" in raw:
        parsed["premium"], bad = _parse_premiums(raw["premium"])
        contract = "is not a premium (0, or 5% .. 300%)"
        checks.append(_Check("premium", bad, _describe_cell(raw["premium"], contract)))
    for column in ("impressions", "clicks", "cost", "conversions", "revenue"):
        if column not in raw:
            continue
        values, miss, unparseable = parse_numbers(raw[column])
        with np.errstate(invalid="ignore"):
            bad = miss | unparseable | (values < 0)
            if column in ("impressions", "clicks", "conversions"):
                bad |= np.isfinite(values) & (values != np.round(values))
        contract = "must be a number >= 0 (whole for counts)"
        checks.append(_Check(column, bad, _describe_cell(raw[column], contract)))
        parsed[column] = values

    def pair(a: str, b: str, mask: BoolArray, rule: str) -> _Check:
        va, vb = parsed[a], parsed[b]
        contract = f"must be <= `{b}`"
        return _Check(a, mask, lambda i: f"{contract}; got {a}={va[i]:g}, {b}={vb[i]:g}", rule)

    with np.errstate(invalid="ignore"):
        clicks = parsed["clicks"]
        checks.append(
            pair("clicks", "impressions", clicks > parsed["impressions"], "clicks_le_impressions")
        )
        if "conversions" in parsed:
            checks.append(
                pair(
                    "conversions", "clicks", parsed["conversions"] > clicks, "conversions_le_clicks"
                )
            )
    # the keyword reader's screening: exact repeats dropped, attribution rows kept (#26)
    keep, report = _screen_rows(
        table,
        checks,
        parsed,
        totals=(
            totals_rows(raw["date"], among=np.isnat(parsed["date"]))
            if "date" in raw
            else np.zeros(table.n_rows, bool)
        ),
        day_columns=("date", "keyword", "crowd"),
        relaxed=relaxed,
        errors=errors,
        column_map=mapping,
        ignored=tuple(ignored),
        key_name="keyword-crowd-day",
    )

    def counts(name: str) -> IntArray | None:
        return None if name not in parsed else parsed[name][keep].astype(np.int64)

    return CrowdReport(
        date=parsed["date"][keep] if "date" in parsed else None,
        keyword=parsed["keyword"][keep],
        crowd=parsed["crowd"][keep],
        premium=parsed["premium"][keep] if "premium" in parsed else None,
        impressions=parsed["impressions"][keep].astype(np.int64),
        clicks=parsed["clicks"][keep].astype(np.int64),
        cost=parsed["cost"][keep],
        conversions=counts("conversions"),
        revenue=parsed["revenue"][keep] if "revenue" in parsed else None,
        report=report,
    )
