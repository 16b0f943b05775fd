"""``read_keyword_log``: keyword reports (English or Chinese headers) into a KeywordLog."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from bidopt._dates import describe_not_a_date
from bidopt._numbers import map_unique
from bidopt._tables import HeaderSpec, RawTable, read_table
from bidopt._validation import check_choice, frozen, missing_mask, short_repr
from bidopt._wording import counted
from bidopt.datasets._categorical import Categorical
from bidopt.datasets._keyword_log import (
    MATCH_TYPES,
    WITH_ITS_DAY,
    KeywordLog,
    LoadReport,
    _bids_differ,
    _first_rows,
    _in_order_of_appearance,
    _merge_rows,
    _name_days,
)
from bidopt.datasets._load_issues import IssueKind, LoadIssue
from bidopt.datasets._parsing import (
    TOTALS_LABELS,
    clock_label,
    match_labels,
    parse_dates,
    parse_match_types,
    parse_numbers,
    parse_text,
    times_of_day,
    totals_rows,
)
from bidopt.exceptions import InvalidInputError
from bidopt.typing import BoolArray

__all__ = [
    "DEFAULT_RELAX",
    "HEADER_ALIASES",
    "RELAXABLE_RULES",
    "SPLIT_ALIASES",
    "read_keyword_log",
]

#: Recognised report headers for each keyword-log column (compared after NFKC,
#: lower-casing, and removing white space, ``_``, ``-``, ``.`` and unit suffixes such as
#: ``(元)``).  Chinese names are those of Tmall/Taobao (Zhitongche) report exports.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "date": ("date", "day", "日期", "时间", "统计日期"),
    "campaign": ("campaign", "campaignname", "推广计划", "推广计划名称", "计划名称", "计划"),
    "ad_group": ("adgroup", "adgroupname", "推广单元", "推广单元名称", "单元名称", "单元"),
    "keyword": ("keyword", "keywordtext", "关键词", "关键字"),
    "match_type": ("matchtype", "match", "匹配方式", "匹配类型"),
    "bid": ("bid", "maxcpc", "cpcbid", "出价", "关键词出价"),
    "impressions": ("impressions", "impr", "展现量", "展示量", "曝光量"),
    "clicks": ("clicks", "click", "点击量", "点击数"),
    "cost": ("cost", "spend", "花费", "消耗", "总花费"),
    "conversions": ("conversions", "orders", "成交笔数", "总成交笔数", "订单数"),
    "revenue": (
        "revenue",
        "conversionvalue",
        "convvalue",
        "sales",
        "gmv",
        "成交金额",
        "总成交金额",
    ),
}

#: Recognised headers of the columns that split a keyword-day over several rows (compared
#: as :data:`HEADER_ALIASES` are): reports exported by device (PC / 无线 / 移动), by hour,
#: or by traffic source.  A report with one of them has one row per keyword-day and
#: split label, which ``read_keyword_log`` sums into one row per keyword-day.
SPLIT_ALIASES: dict[str, tuple[str, ...]] = {
    "device": (
        "device",
        "devicetype",
        "terminal",
        "设备",
        "终端",
        "设备类型",
        "终端类型",
        "投放设备",
        "投放终端",
        "设备平台",
    ),
    "hour": ("hour", "hourofday", "小时", "时段", "分时", "投放时段"),
    "traffic_source": (
        "trafficsource",
        "trafficchannel",
        "network",
        "流量来源",
        "流量类型",
        "流量渠道",
        "投放平台",
    ),
}

_REQUIRED = ("date", "keyword", "impressions", "clicks")
_UNIT_SUFFIX = re.compile(r"\((?:元|yuan|cny|rmb|¥|次|笔|个)\)$")
_DROP_CHARS = re.compile(r"[\s_\-.]")
_LOOKUP = {
    alias: column
    for column, aliases in (HEADER_ALIASES | SPLIT_ALIASES).items()
    for alias in aliases
}


def _canonical_header(header: str) -> str:
    s = unicodedata.normalize("NFKC", header).strip().lower()
    s = _UNIT_SUFFIX.sub("", s)
    return _DROP_CHARS.sub("", s)


def _map_headers(table: RawTable) -> tuple[dict[str, str], tuple[str, ...]]:
    """Source header -> keyword-log column; and the headers not used."""
    mapping: dict[str, str] = {}
    used: dict[str, str] = {}
    ignored: list[str] = []
    for header in table.columns:
        column = _LOOKUP.get(_canonical_header(header))
        if column is None:
            ignored.append(header)
            continue
        if column == "date" and column in used and "hour" not in used:
            # 日期 and 时间 side by side: an hourly report whose 时间 is the time of day
            # ("09:00", "9", "09:00-10:00"), the one of the two whose cells hold no date
            first = used["date"]
            hour = next((h for h in (header, first) if _no_dates(table.columns[h])), None)
            if hour is not None:
                day = first if hour == header else header
                used["date"], used["hour"] = day, hour
                mapping[day], mapping[hour] = "date", "hour"
                continue
        if column in used:
            raise InvalidInputError(
                f"`source` must have one column per keyword-log field. Got columns "
                f"{used[column]!r} and {header!r} of {table.source} that both map to "
                f"`{column}` instead; keep one of them."
            )
        used[column] = header
        mapping[header] = column
    missing = [c for c in _REQUIRED if c not in used]
    if missing:
        raise InvalidInputError(
            f"`source` must have columns for {missing}. Got columns "
            f"{list(table.columns)} from {table.source} instead. Recognised headers: "
            + "; ".join(f"{c}: {'/'.join(HEADER_ALIASES[c][:4])}" for c in missing)
            + "."
        )
    return mapping, tuple(ignored)


def _no_dates(cells: npt.NDArray[Any]) -> bool:
    """Whether a column holds values and none of them is a date (a time-of-day column
    beside the date column)."""
    blank = parse_text(cells)[1]
    return bool((~blank).any()) and bool(np.isnat(parse_dates(cells)[0])[~blank].all())


#: A file's header row: the first of its first rows with the required columns.
_HEADER = HeaderSpec(
    lambda h: _LOOKUP.get(_canonical_header(h)),
    _REQUIRED,
    {c: "/".join(HEADER_ALIASES[c][:4]) for c in _REQUIRED},
)


@dataclass(frozen=True, slots=True)
class _Check:
    """One row-level rule: which rows break it and how to describe a breach (the
    :class:`LoadIssue` of each row that breaks it)."""

    column: str
    mask: BoolArray
    describe: Callable[[int], str]
    rule: str | None = None  # name of a cross-column rule that ``relax=`` may waive
    kind: IssueKind = "cell"  # ("rule" for a check with a ``rule``)
    remedy: str = ""
    other_row: Callable[[int], int] | None = None  # the row a breach repeats / goes with
    label: Callable[[int], str] | None = None  # a split total row's label
    # the cells at fault: (bidopt column, the column's raw cells), for LoadIssue.values
    cells: tuple[tuple[str, npt.NDArray[Any]], ...] = ()

    def issue(
        self,
        row: int,
        action: Literal["dropped", "flagged"],
        where: str,
        keyword: str = "",
        date: str = "",
        line: int | None = None,
        line_of: npt.NDArray[np.int64] | None = None,
    ) -> LoadIssue:
        """The record of ``row``'s breach (``where``, ``keyword``, ``date``, ``line``: the
        row, its keyword, its date and its file line as the reader names them;
        ``line_of``: each data row's file line, for the line of the row it repeats).
        (Positional arguments: a report can hold a record per row of a large file.)"""
        other = None if self.other_row is None else self.other_row(row)
        return LoadIssue(
            row,
            action,
            "rule" if self.rule is not None else self.kind,
            self.column,
            where,
            self.describe(row),
            self.remedy,
            self.rule,
            other,
            None if self.label is None else self.label(row),
            keyword,
            date,
            line,
            tuple([(name, _as_written(cells[row])) for name, cells in self.cells]),
            None if other is None or line_of is None else int(line_of[other]),
        )


def _as_written(cell: Any) -> str:
    """A raw cell as the source writes it (``""`` for an empty or missing cell; a whole
    number that a worksheet stores as a float without its ``.0``)."""
    if isinstance(cell, str):
        return cell
    if isinstance(cell, np.datetime64):
        return "" if np.isnat(cell) else str(cell)
    if hasattr(cell, "item"):
        cell = cell.item()
    if cell is None or (isinstance(cell, float) and cell != cell):
        return ""
    if isinstance(cell, float) and cell.is_integer() and abs(cell) < 2.0**53:
        return str(int(cell))
    return str(cell)


def _cells(raw: dict[str, Any], *columns: str) -> tuple[tuple[str, npt.NDArray[Any]], ...]:
    """``columns`` that the source has, each with its raw cells (a check's ``cells``)."""
    return tuple((column, raw[column]) for column in columns if column in raw)


def _describe_cell(raw: npt.NDArray[Any], contract: str) -> Callable[[int], str]:
    return lambda i: (
        f"{contract}; got {short_repr(raw[i].item() if hasattr(raw[i], 'item') else raw[i])}"
    )


def _cell_check(raw: dict[str, Any], column: str, mask: BoolArray, contract: str) -> _Check:
    """The check that each cell of ``column`` flagged by ``mask`` breaks ``contract``
    (``"is empty"``, ``"must be >= 0"``, ...), its cells kept for the record."""
    return _Check(column, mask, _describe_cell(raw[column], contract), cells=_cells(raw, column))


def _describe_date(raw: npt.NDArray[Any]) -> Callable[[int], str]:
    """A date cell's fault: not a date, or a month (year, week) where a day is due."""

    def describe(i: int) -> str:
        cell = raw[i]
        if not isinstance(cell, np.datetime64) and hasattr(cell, "item"):
            cell = cell.item()
        return describe_not_a_date(cell)

    return describe


#: Cross-column rules that ``relax=`` can waive (the row is then kept and flagged).
RELAXABLE_RULES = (
    "clicks_le_impressions",
    "conversions_le_clicks",
    "cost_needs_clicks",
    "bid_zero_means_paused",
)

#: Rules waived by default: Taobao / Tmall reports count an order against the click that
#: led to it within the attribution window (up to 15 days), so a keyword-day can show
#: more orders (成交笔数) than clicks (点击量).  Such rows are kept and counted in the
#: load report; pass ``relax=()`` to reject them.
DEFAULT_RELAX: tuple[str, ...] = ("conversions_le_clicks",)

_ATTRIBUTION_NOTE = (
    " (orders counted against earlier clicks under Taobao's attribution window; kept)"
)


def _attribution(check: _Check) -> _Check:
    """The conversions-above-clicks rule, described as Taobao attribution when waived."""

    def describe(i: int) -> str:
        text = check.describe(i).replace("must be <= `clicks`", "exceeds `clicks`", 1)
        return text + _ATTRIBUTION_NOTE

    return replace(check, describe=describe)


def read_keyword_log(
    source: Any,
    *,
    errors: Literal["raise", "drop"] = "raise",
    relax: Collection[str] = DEFAULT_RELAX,
    splits: Literal["sum", "sum_click_weighted", "keep"] = "sum",
) -> KeywordLog:
    """Read a keyword performance report into a :class:`KeywordLog`.

    Parameters
    ----------
    source : path, mapping of str to array-like, or pandas.DataFrame
        A CSV/TSV file (UTF-8 or GB18030, optionally ``.gz``), an Excel workbook
        (``.xlsx``, its first sheet; needs openpyxl, ``pip install bidopt[excel]``), a
        mapping of column name
        -> values, or a DataFrame.  Headers may be English (``date, campaign, ad_group,
        keyword, match_type, bid, impressions, clicks, cost, conversions, revenue``) or
        the Chinese headers of Tmall/Taobao report exports (日期, 推广计划, 推广单元,
        关键词, 匹配方式, 出价, 展现量, 点击量, 花费, 成交笔数, 成交金额).  ``date``,
        ``keyword``, ``impressions`` and ``clicks`` are required; other columns are
        optional and None on the log when absent.  Money may be written ``"1,234.50"``
        or ``"¥12.3"``, counts and money ``"1.2万"`` (12,000) or ``"3亿"``; dates
        ``2024-11-11``, ``2024/11/11``, ``20241111`` or
        ``2024年11月11日``; match types in English or Chinese (精确匹配, 中心词匹配 /
        短语匹配, 广泛匹配).
    errors : {"raise", "drop"}, default "raise"
        What to do with a bad row: a missing or non-numeric value, a negative count or
        amount, a fractional count, ``clicks > impressions``, ``conversions > clicks``,
        ``cost > 0`` with 0 clicks, a bid of 0 on a keyword-day with impressions, clicks
        or cost (0 means not bidding), an unknown match type, an unparseable date, an
        empty keyword, or a row that repeats an earlier row exactly (every column
        equal; the first copy is kept).  ``"raise"`` raises
        :class:`~bidopt.exceptions.InvalidInputError` naming the first bad row, its column
        and value; ``"drop"`` drops the bad rows and lists each, with its reason, in ``log.report``.
        Either way the export's totals row (合计, 总计, 汇总, 小计, Total, Sum or a dash in
        the date cell) is dropped and listed, and ``log.report.lost_keys`` names the
        keywords every row of which was dropped.
    relax : collection of str, default ``DEFAULT_RELAX``
        Cross-column rules to waive for sources known to break them (real AdWords
        exports have a few keyword-days with more clicks than impressions):
        ``"clicks_le_impressions"``, ``"conversions_le_clicks"``,
        ``"cost_needs_clicks"``, ``"bid_zero_means_paused"``.  Rows that break a waived
        rule are kept and listed, with the reason, in ``log.report.flagged_rows`` /
        ``log.report.flags``.  By default ``"conversions_le_clicks"`` is waived: under
        Taobao's attribution window a keyword-day may show more orders than clicks
        (the report says how many such rows it kept); ``relax=()`` rejects them.
    splits : {"sum", "sum_click_weighted", "keep"}, default "sum"
        What to do with a report split by device, hour or traffic source (a column of
        :data:`SPLIT_ALIASES`: 设备 / 终端 / 小时 / 流量来源, device, hour, ...; a 时间 column
        of times of day beside the 日期 column; or a date column whose cells carry times
        of day, ``2024-11-01 09:00``, where a date alone is midnight), which has several
        rows per keyword-day, one per split label.  ``"sum"``: the rows of a keyword-day
        that share one bid (a row that bids 0 and buys nothing, a device not bid on,
        aside) are summed into one row (impressions, clicks, cost,
        conversions and revenue added; rate columns such as CTR or CPC are not read); a
        keyword-day whose rows carry different bids (device bid premiums, a bid changed
        within the day) is left on its rows, flagged and named in
        ``log.report.unsummed_days`` (a per-day model such as
        :func:`~bidopt.landscape.estimate_landscapes` refuses it).
        ``"sum_click_weighted"``: those are summed too, at their click-weighted bid
        (named in ``log.report.averaged_days``: the day is read at an average bid).
        ``"keep"``: every split row is kept (each later row of a keyword-day flagged; the
        log has no split column, so a total row is dropped as below; with
        ``errors="drop"`` a keyword-day that lost a bad row is dropped whole, as with
        ``"sum"``).  Rows of
        one keyword-day with the same split label are never summed (a report exported
        twice; flagged); a row labelled as the keyword-day's total (全部, 合计, All)
        beside its split rows is dropped and listed, and so is a row whose split cell is
        empty when the day's labelled rows add up to it (each count, and each amount to
        the cent).  ``log.report.split_note()`` says
        what was summed.  A report without a split column is read row for row;
        :meth:`KeywordLog.sum_days` sums its keyword-days when the user knows they are
        a split.

    Returns
    -------
    KeywordLog
        Rows in source order (minus dropped rows), with ``report`` describing the load.

    Raises
    ------
    InvalidInputError
        For a bad row (with ``errors="raise"``), a missing required column, two columns
        mapping to the same field, or an unreadable source.

    Examples
    --------
    >>> from bidopt.datasets import read_keyword_log
    >>> log = read_keyword_log({
    ...     "日期": ["2024-11-01", "2024-11-01"], "关键词": ["连衣裙", "tasco望远镜"],
    ...     "展现量": [120, 40], "点击量": [6, 1], "花费": ["¥12.30", "1,234.50"],
    ... })
    >>> log.cost
    array([  12.3, 1234.5])
    """
    errors = check_choice(errors, "errors", ("raise", "drop"))  # type: ignore[assignment]
    relaxed = _check_relax(relax, RELAXABLE_RULES)
    splits = check_choice(splits, "splits", ("sum", "sum_click_weighted", "keep"))  # type: ignore[assignment]
    # a file's header may sit below an export's title rows: it is the row holding the
    # required columns
    table = read_table(source, header=_HEADER)
    mapping, ignored = _map_headers(table)
    raw = {column: table.columns[header] for header, column in mapping.items()}
    checks: list[_Check] = []
    parsed: dict[str, Any] = {}

    dates, bad = parse_dates(raw["date"])
    checks.append(_Check("date", bad, _describe_date(raw["date"]), cells=_cells(raw, "date")))
    parsed["date"] = dates

    for column in ("campaign", "ad_group", "keyword"):
        if column in raw:
            text, bad = parse_text(raw[column])
            checks.append(_cell_check(raw, column, bad, "is empty"))
            parsed[column] = text
    if "match_type" in raw:
        kinds, bad = parse_match_types(raw["match_type"])
        contract = "is not a known match type (exact/phrase/broad, 精确匹配/短语匹配/广泛匹配)"
        checks.append(_cell_check(raw, "match_type", bad, contract))
        parsed["match_type"] = kinds
    split_columns = tuple(c for c in SPLIT_ALIASES if c in raw)
    headers_of = {column: header for header, column in mapping.items()}
    blank: dict[str, BoolArray] = {}  # split cells left empty
    for column in split_columns:  # a label per row; an empty cell is a label of its own
        text, blank[column] = parse_text(raw[column])
        text[blank[column]] = ""  # (an empty cell, not 'None' or 'nan')
        # (full-width ＰＣ is PC: the same device twice on a day is not summed)
        parsed[column] = map_unique(text, lambda v: unicodedata.normalize("NFKC", v), object)
        if column == "hour":  # (9, "09:00" and an Excel 9:00 are one hour: never summed)
            parsed[column] = map_unique(parsed[column], clock_label, object)
    times = None if "hour" in raw else _times_of_day(raw["date"])
    blank_note = {}
    if times is not None:  # an hourly report with one timestamp column: split by its time
        parsed["hour"], undated = times
        # (a date without its time: midnight's hour, or the keyword-day's total line)
        blank["hour"] = undated & ~np.isnat(dates)
        blank_note["hour"] = "its date written without a time of day"
        split_columns += ("hour",)
        headers_of["hour"] = f"{headers_of['date']} (time of day)"

    for column in ("bid", "impressions", "clicks", "cost", "conversions", "revenue"):
        if column not in raw:
            continue
        values, missing, unparseable = parse_numbers(raw[column])
        checks.append(_cell_check(raw, column, missing, "is missing or NaN"))
        checks.append(_cell_check(raw, column, unparseable, "is not a number"))
        with np.errstate(invalid="ignore"):
            negative = values < 0
        checks.append(_cell_check(raw, column, negative, "must be >= 0"))
        if column in ("impressions", "clicks", "conversions"):
            with np.errstate(invalid="ignore"):
                fractional = np.isfinite(values) & (values != np.round(values))
            checks.append(_cell_check(raw, column, fractional, "must be a whole number"))
            with np.errstate(invalid="ignore"):
                huge = np.isfinite(values) & (values >= 2.0**53)  # (exact in float64, int64)
            checks.append(_cell_check(raw, column, huge, "must be a whole number below 2**53"))
        parsed[column] = values

    def pair(a: str, b: str, mask: BoolArray, contract: str, rule: str) -> _Check:
        va, vb = parsed[a], parsed[b]
        return _Check(
            a,
            mask,
            lambda i: f"{contract}; got {a}={va[i]:g}, {b}={vb[i]:g}",
            rule,
            cells=_cells(raw, a, b),
        )

    with np.errstate(invalid="ignore"):
        clicks = parsed["clicks"]
        checks.append(
            pair(
                "clicks",
                "impressions",
                clicks > parsed["impressions"],
                "must be <= `impressions`",
                "clicks_le_impressions",
            )
        )
        if "conversions" in parsed:
            checks.append(
                pair(
                    "conversions",
                    "clicks",
                    parsed["conversions"] > clicks,
                    "must be <= `clicks`",
                    "conversions_le_clicks",
                )
            )
        if "cost" in parsed:
            checks.append(
                pair(
                    "cost",
                    "clicks",
                    (parsed["cost"] > 0) & (clicks == 0),
                    "must be 0 when `clicks` is 0",
                    "cost_needs_clicks",
                )
            )
        if "bid" in parsed:
            # a bid of 0 means the keyword did not bid that day: it cannot buy anything
            bid, impressions = parsed["bid"], parsed["impressions"]
            traffic = (impressions > 0) | (clicks > 0)
            if "cost" in parsed:
                traffic |= parsed["cost"] > 0
            checks.append(
                _Check(
                    "bid",
                    (bid == 0) & traffic,
                    lambda i: (
                        "must be > 0 when the keyword-day has impressions, clicks or cost (a "
                        f"bid of 0 means not bidding); got bid={bid[i]:g}, "
                        f"impressions={impressions[i]:g}, clicks={clicks[i]:g}"
                        + (f", cost={parsed['cost'][i]:g}" if "cost" in parsed else "")
                    ),
                    "bid_zero_means_paused",
                    cells=_cells(raw, "bid", "impressions", "clicks", "cost"),
                )
            )
    totals = totals_rows(raw["date"], among=np.isnat(dates))
    subtotals = tuple(
        # (with splits='keep' too: the log has no split column to tell such a row by)
        _subtotal_check(
            column,
            headers_of[column],
            parsed,
            blank.get(column),
            blank_note.get(column),
            # (an hourly report by device: each device's day total line; a row with
            # no device label beside one hour's device rows is not read as their total)
            within=tuple(c for c in split_columns if c != column) if column == "hour" else (),
        )
        for column in split_columns
    )
    if times is not None:
        # (a 合计 line is no evidence of how the report writes midnight: see _key_totals)
        named_totals = [_cells_where(raw[c], _is_key_total) for c in _KEY_COLUMNS if c in raw]
        hour_total, undated_check = _undated_hours(
            parsed, blank["hour"] & ~np.logical_or.reduce(named_totals), subtotals[-1]
        )
        subtotals = (*subtotals[:-1], hour_total)
        checks.append(replace(undated_check, cells=_cells(raw, "date")))
    # (the split totals, dropped, are no part of the export's totals lines)
    split_totals = np.logical_or.reduce([c.mask for c in subtotals], initial=False)
    key_totals, not_totals = _key_totals(parsed, raw, split_totals)
    subtotals = key_totals + subtotals
    checks.extend(not_totals)
    keep, report = _screen_rows(
        table,
        checks,
        parsed,
        totals=totals,
        day_columns=_DAY_COLUMNS,
        split_columns=() if splits == "keep" else split_columns,
        # (kept apart too: a partial day, summed later by sum_days(), would undercount,
        # and a blank total row beside it, unverifiable, would count it twice)
        whole_days=bool(split_columns),
        sum_remedy="sum them with log.sum_days() if the report is split by device or hour",
        subtotals=subtotals,
        relaxed=relaxed,
        errors=errors,
        column_map=mapping,
        ignored=ignored,
    )
    if "match_type" in parsed:
        labels = match_labels(raw["match_type"], parsed["match_type"], keep)
        report = replace(report, match_labels=labels)
    headers = headers_of
    report = replace(report, split_columns=tuple(headers[c] for c in split_columns))
    log = _build_log(parsed, keep, report)
    if split_columns and splits != "keep":
        split_of = [headers[c] + " " + parsed[c][keep].astype(str) for c in split_columns]
        label = (
            split_of[0]
            if len(split_of) == 1
            else np.char.add(np.char.add(split_of[0].astype(str), " "), split_of[1].astype(str))
        )
        label = np.asarray(label, dtype=object)
        log = _sum_splits(log, label, np.flatnonzero(keep), splits, table.where, table.line_numbers)
    return log


#: Split labels of a row that totals the others of its keyword-day (all devices, all
#: hours), compared as totals labels are (NFKC, lower case, no white space).
_ALL_LABELS = TOTALS_LABELS | frozenset(
    (
        "全部",
        "所有",
        "全部设备",
        "所有设备",
        "全部终端",
        "全天",
        "全部时段",
        "全部流量",
        "全部来源",
        "all",
        "alldevices",
        "allhours",
        "allday",
        "alltraffic",
    )
)


def _subtotal_check(
    column: str,
    header: str,
    parsed: dict[str, Any],
    blank: BoolArray | None = None,
    blank_note: str | None = None,
    within: tuple[str, ...] = (),
) -> _Check:
    """The rows whose ``column`` (a split column, source ``header``) labels them as the
    total of their keyword-day's other rows (全部, 合计, All, ...), when the keyword-day
    has a row with another label: such a row would count the day twice once summed.  A
    row whose label is empty (``blank``, shape (n_rows,)) is such a total when each of
    its counts and amounts equals the sum of the keyword-day's labelled rows (an export
    that writes each keyword-day's total under its device rows with the device left
    empty); an empty label beside rows that do not add up to it stays a label of its
    own.  ``blank_note`` says how such a row's label is empty (default: "the label left
    empty").  In a report split by other columns too (``within``: device beside hour),
    such a row may also be the total of its keyword-day's rows that share its labels of
    those columns (each device's day total line in an hourly report by device)."""
    label = parsed[column]
    total = map_unique(
        label,
        lambda v: (
            re.sub(r"\s", "", unicodedata.normalize("NFKC", str(v)).lower()).rstrip(":")
            in _ALL_LABELS
        ),
        bool,
    )
    key = _key(parsed, [c for c in _DAY_COLUMNS if c in parsed], label.size)
    n_days = int(key.max(initial=0)) + 1
    if blank is not None and blank.any():
        # (a row repeated exactly counts once: the copy is dropped as a repeat)
        copy = _first_copy(parsed, label.size, (*_DAY_COLUMNS, column))[0] != np.arange(key.size)
        labelled = ~total & ~blank & ~copy
        adds_up = _adds_up(parsed, key, blank, labelled)
        if within:
            inner = _key(parsed, [c for c in (*_DAY_COLUMNS, *within) if c in parsed], key.size)
            adds_up |= _adds_up(parsed, inner, blank, labelled)
        total = total | adds_up
    parts = np.bincount(key, weights=(~total).astype(np.float64), minlength=n_days)
    has_parts = parts > 0
    return _Check(
        column,
        total & has_parts[key],
        lambda i: (
            f"labels the row as its keyword-day's total over the {header} split "
            + (
                f"('': the sum of its other rows, {blank_note or 'the label left empty'})"
                if blank is not None and blank[i]
                else f"({label[i]!r}: the sum of its other rows)"
            )
            + "; dropped, the other rows are summed"
        ),
        kind="split_total",
        label=lambda i: "" if blank is not None and blank[i] else str(label[i]),
    )


def _adds_up(
    parsed: dict[str, Any], key: npt.NDArray[np.int64], rows: BoolArray, parts: BoolArray
) -> BoolArray:
    """Which of ``rows`` (shape (n_rows,)) hold, in each count exactly and in each amount
    to the cent, the sum of the ``parts`` rows of their group (``key``: dense group codes;
    a group without parts: no)."""
    n_groups = int(key.max(initial=0)) + 1
    n_parts = np.bincount(key, weights=parts, minlength=n_groups)
    adds_up = rows & (n_parts[key] > 0)
    # (amounts written to the cent on each row: their sum within half a cent a row of
    # the total's; counts exactly)
    cents = (0.005 * n_parts + 1e-9)[key]
    for name in ("impressions", "clicks", "cost", "conversions", "revenue"):
        if name not in parsed:
            continue
        values = parsed[name]
        with np.errstate(invalid="ignore"):
            sums = np.bincount(key, weights=np.where(parts, values, 0.0), minlength=n_groups)
            adds_up &= np.abs(values - sums[key]) <= (cents if name in ("cost", "revenue") else 0.5)
    return adds_up


def _undated_hours(
    parsed: dict[str, Any], undated: BoolArray, hour_total: _Check
) -> tuple[_Check, _Check]:
    """The hour split's total check (``hour_total``) of an hourly report (a timestamp per
    row) as its lines without a time of day (``undated``, shape (n_rows,)) allow, and
    the check of those lines that are neither an hour nor a total.

    A line without a time that adds up to its keyword-day's hourly rows is the day's
    total line, unless the report writes midnight's hour without a time: when some such
    line is an hour (it does not add up, and no row of its keyword-day is written at
    00:00) and none is evidently a total (adding up beside a 00:00 row, which midnight's
    hour is), a line that adds up is midnight's hour too (a sparse keyword with the same
    few impressions at midnight as in its other hours), as the report's other lines
    without a time are.  A line without a time that does not add up beside a row of the
    same keyword-day written at 00:00 (not an exact copy of it) is neither midnight's
    hour, which that row is, nor the day's total: refused, not guessed."""
    n = undated.size
    key = _key(parsed, [c for c in _DAY_COLUMNS if c in parsed], n)
    midnight = ~undated & (parsed["hour"] == "00:00")
    has_midnight = np.bincount(key, weights=midnight, minlength=int(key.max(initial=0)) + 1) > 0
    beside = has_midnight[key]
    total = hour_total.mask
    if (undated & ~total & ~beside).any() and not (undated & total & beside).any():
        total = total & ~undated
        hour_total = replace(hour_total, mask=total)
    first = _first_copy(parsed, n, (*_DAY_COLUMNS, "hour"))[0]
    twin = (np.bincount(first, minlength=n) > 1)[first]  # (an exact copy: a repeat)
    return hour_total, _Check(
        "date",
        undated & ~total & beside & ~twin,
        lambda i: (
            f"has no time of day ({parsed['date'][i]}, read as 00:00) beside its "
            "keyword-day's hourly rows, which have a 00:00 row, and is not their total "
            "(its counts and amounts do not add up to theirs): neither an hour nor the "
            "day's total"
        ),
        remedy="write its time of day, or leave the row out",
    )


#: Totals labels in a key cell (campaign, ad group, keyword): a dash there is a
#: placeholder (no keyword), not a label.
_KEY_TOTALS = TOTALS_LABELS - {"-", "--"}
_KEY_TOTAL_STARTS = frozenset(label[0] for label in _KEY_TOTALS)
_KEY_COLUMNS = ("keyword", "ad_group", "campaign")  # (finest first)


def _key_totals(
    parsed: dict[str, Any], raw: dict[str, Any], split_totals: BoolArray | bool = False
) -> tuple[tuple[_Check, ...], tuple[_Check, ...]]:
    """The rows whose campaign, ad group or keyword cell labels them as a total (合计,
    总计, Total, ...; an export's line totalling a day under a date, such as a daily line
    among hourly rows): as checks of (the rows that are the sum of the other rows of
    their date, each count exactly and each amount to the cent: the export's totals rows,
    dropped and listed; a row that names its campaign (and ad group) and is the sum of
    their rows of its date, a subtotal; a row with no date, or a date range, against every
    dated row) and of (the others: a total over rows the report does not hold, or a
    keyword so named, refused rather than read as a keyword).  A totals label in the
    campaign or ad group cell counts only where the row's finer key cells are empty, a
    dash or labels too (a campaign named "Total" holds keywords).  The ``split_totals``
    rows (a keyword-day's total over its device or hour rows, shape (n_rows,)) are no
    part of any such total."""
    dates = parsed["date"]
    n = dates.size
    hits: dict[str, BoolArray] = {
        column: _cells_where(raw[column], _is_key_total) for column in _KEY_COLUMNS if column in raw
    }
    if not any(hit.any() for hit in hits.values()):
        return (), ()
    finer = np.zeros(n, dtype=bool)  # a finer key cell of the row names something
    found: dict[str, BoolArray] = {}
    names: dict[str, BoolArray] = {}  # the cells that name a campaign, ad group, keyword
    labelled = np.zeros(n, dtype=bool)
    for column, hit in hits.items():
        # (a campaign or ad group named "Total" holds real keywords: a totals label
        # there marks a totals line only when the row's finer key cells are empty, a
        # dash, or totals labels too)
        found[column] = hit & ~labelled & ~finer
        labelled |= found[column]
        names[column] = ~hit & ~_cells_where(raw[column], _is_placeholder)
        finer |= names[column]
    if not labelled.any():
        return (), ()
    day = np.unique(dates.astype(np.int64), return_inverse=True)[1].ravel()
    dated = ~np.isnat(dates)
    parts = ~labelled & dated & ~split_totals
    # what each row that adds up is the sum of: its date's rows (""), or those of its
    # campaign (its ad group) on its date: a 小计 line under each campaign
    scope = np.full(n, None, dtype=object)
    adds_up = _adds_up(parsed, day, labelled & dated, parts)
    scope[adds_up] = ""
    coarser = [c for c in ("campaign", "ad_group") if c in names]
    for depth in range(1, len(coarser) + 1):
        within = coarser[:depth]
        named = labelled & dated & ~adds_up & np.logical_and.reduce([names[c] for c in within])
        if named.any():
            sub = _adds_up(parsed, _key(parsed, ["date", *within], n), named, parts)
            scope[named & ~sub] = f"{within[-1]} or date"  # (for the refusal's words)
            scope[sub] = within[-1]
            adds_up |= sub
    # (a line with an empty date, or a date range, totals the whole report: an export
    # whose first column is the campaign writes its 合计 there and leaves the date empty)
    whole = _adds_up(parsed, np.zeros(n, dtype=np.int64), labelled & ~dated, parts)
    scope[whole] = "report"
    adds_up |= whole
    totals, refused = [], []
    for column, hit in found.items():
        total, other = _key_total_words(parsed[column], dated, scope)
        totals.append(_Check(column, hit & adds_up, total, kind="export_total"))
        refused.append(
            _Check(
                column,
                hit & ~adds_up,
                other,
                remedy="leave the row out of the report, or rename the keyword",
                cells=_cells(raw, column),
            )
        )
    return tuple(totals), tuple(refused)


def _is_key_total(cell: object) -> bool:
    """A key cell that labels its row as a total (compared as totals labels are: NFKC,
    lower case, no white space, no trailing colon; a dash is no label there)."""
    text = str(cell).lstrip()
    if unicodedata.normalize("NFKC", text[:1]).lower()[:1] not in _KEY_TOTAL_STARTS:
        return False  # (most keywords: no label starts as they do)
    text = unicodedata.normalize("NFKC", text).lower()
    return re.sub(r"\s", "", text).rstrip(":") in _KEY_TOTALS


def _is_placeholder(cell: object) -> bool:
    """An empty key cell: missing, blank or a dash."""
    if cell is None or (isinstance(cell, float) and cell != cell):
        return True
    return str(cell).strip() in ("", "-", "--")


def _cells_where(cells: npt.NDArray[Any], test: Callable[[Any], bool]) -> BoolArray:
    """``test`` of each cell (shape (n_rows,)), asked once per distinct cell (a set of
    the cells, not a sort of them: most columns hold no cell it accepts)."""
    values = cells.tolist()
    hits = {v for v in set(values) if test(v)}
    if not hits:
        return np.zeros(len(values), dtype=bool)
    return np.fromiter((v in hits for v in values), dtype=bool, count=len(values))


def _key_total_words(
    cells: npt.NDArray[np.object_], dated: BoolArray, scope: npt.NDArray[np.object_]
) -> tuple[Callable[[int], str], Callable[[int], str]]:
    """How :func:`_key_totals` words a row labelled as a total in ``cells`` (its key
    column; ``dated``: which rows have a date; ``scope``: what a row that adds up is the
    sum of: ``""`` its date's rows, ``"campaign"`` / ``"ad_group"`` those of its campaign
    / ad group on its date, ``"report"`` every row; ``"campaign or date"``: a row that
    names its campaign and adds up to neither): one that adds up, and one that does
    not."""

    def rows(i: int) -> str:
        if scope[i] in ("campaign", "ad_group"):
            return f"the rows of its {str(scope[i]).replace('_', ' ')} on its date"
        if scope[i] in ("campaign or date", "ad_group or date"):
            level = str(scope[i]).split()[0].replace("_", " ")
            return f"the rows of its {level} on its date, nor of its date's other rows"
        return "the other rows of its date" if dated[i] else "the report's other rows"

    def total(i: int) -> str:
        return (
            f"labels the row as the export's totals row ({cells[i]!r}: the sum of {rows(i)}); "
            "dropped"
        )

    def other(i: int) -> str:
        return (
            f"is a totals label ({cells[i]!r}) but the row is not the sum of {rows(i)} (a "
            "total over rows the report does not hold, or a keyword so named)"
        )

    return total, other


def _sum_splits(
    log: KeywordLog,
    label: npt.NDArray[np.object_],
    source_row: npt.NDArray[np.intp],
    how: str,
    where: Callable[[int], str],
    lines: npt.NDArray[np.int64] | None = None,
) -> KeywordLog:
    """Sum the rows of each keyword-day of a split report (``label``: each row's split,
    such as ``设备 无线``; ``source_row``: its row in the source, described by ``where``)
    as ``splits=how`` says, and say so in the log's report (see
    :func:`read_keyword_log`)."""

    def ref(row: int) -> str:  # (as RawTable.ref: the file's line, or the row in memory)
        return f"row {row}" if lines is None else f"line {int(lines[row])}"

    key = log.day_key()
    n_days = int(key.max(initial=-1)) + 1
    counts = np.bincount(key, minlength=n_days)
    if n_days == 0 or counts.max() <= 1:
        return log
    # a keyword-day with a split label twice is not a split (two exports): not summed
    code = np.unique(label.astype(str), return_inverse=True)[1].ravel()
    width = int(code.max()) + 1
    pairs, pair_counts = np.unique(key * width + code, return_counts=True)
    clash = np.zeros(n_days, dtype=bool)
    clash[pairs[pair_counts > 1] // width] = True
    differ = _bids_differ(log, key, n_days)
    split = (counts > 1) & ~clash
    summed = split & (~differ if how == "sum" else True)
    left = split & differ & ~summed
    # rows of a summed keyword-day share its key; every other row keeps a key of its own
    merge = np.where(summed[key], key, n_days + np.arange(key.size))
    merge = _in_order_of_appearance(merge)
    report = replace(
        log.report,
        n_summed_rows=int(counts[summed].sum()),
        n_summed_days=int(np.count_nonzero(summed)),
        averaged=_name_days(log, key, np.flatnonzero(summed & differ), label),
        unsummed=_name_days(log, key, np.flatnonzero(left), label),
    )
    if left.any():  # flag each later row of a keyword-day left unsummed, as other flags
        rows = np.flatnonzero(left[key])
        first_row = _first_rows(key, n_days)
        later = rows[first_row[key[rows]] != rows]
        assert log.bid is not None  # (bids differ only in a log with bids)
        issues = []
        for r in later.tolist():
            r0 = int(first_row[key[r]])
            issues.append(
                LoadIssue(
                    row=int(source_row[r]),
                    action="flagged",
                    kind="unsummed_bid",
                    column="bid",
                    where=where(int(source_row[r])),
                    detail=(
                        f"{log.bid[r]:g} ({label[r]}) differs from {log.bid[r0]:g} "
                        f"({label[r0]}) on {ref(int(source_row[r0]))} of the same keyword-day: "
                        "the rows are kept apart, not summed (a per-day model such as "
                        "estimate_landscapes refuses them)"
                    ),
                    remedy="splits='sum_click_weighted' sums them at the click-weighted bid",
                    other_row=int(source_row[r0]),
                    keyword=str(log.keyword.categories[log.keyword.codes[r]]),
                    date=str(log.date[r]),
                    line=None if lines is None else int(lines[int(source_row[r])]),
                    other_line=None if lines is None else int(lines[int(source_row[r0])]),
                )
            )
        flagged = sorted({*report.flagged_rows.tolist(), *(i.row for i in issues)})
        report = replace(
            report,
            flagged_rows=np.asarray(flagged, dtype=np.int64),
            issues=report.issues + tuple(issues),
        )
    return _merge_rows(log, merge, report)


def _times_of_day(
    values: npt.NDArray[Any],
) -> tuple[npt.NDArray[np.object_], BoolArray] | None:
    """The time of day each date cell carries (:func:`times_of_day`), when the cells
    carry more than one (an hourly report that writes a timestamp per row), and which
    cells carry none; else None.  A date written without a time is midnight ("00:00"),
    as a spreadsheet shows a timestamp at 0:00: the day pasted once as ``2024-11-01``
    and once as ``2024-11-01 00:00:00`` is one time of day twice, not two hours (unless
    it is the keyword-day's total line: see :func:`_subtotal_check`)."""
    labels = times_of_day(values)
    undated = labels == ""
    labels[undated] = "00:00"
    return (labels, undated) if np.unique(labels.astype(str)).size > 1 else None


def _check_relax(relax: Any, rules: tuple[str, ...]) -> set[str]:
    """``relax=`` as a set of rule names from ``rules`` (else InvalidInputError)."""
    try:
        relaxed: set[Any] = set(relax)
    except TypeError:  # not a collection of hashable names
        relaxed = {None}
    unknown = sorted(relaxed - set(rules), key=repr)
    if unknown or isinstance(relax, str):
        raise InvalidInputError(
            f"`relax` must be a collection of rule names from {rules}. Got {relax!r} instead."
        )
    return relaxed


#: The columns that identify a keyword-day (a row of a keyword report).
_DAY_COLUMNS = ("date", "campaign", "ad_group", "keyword", "match_type")


def _screen_rows(
    table: RawTable,
    checks: list[_Check],
    parsed: dict[str, Any],
    *,
    totals: BoolArray,
    day_columns: tuple[str, ...],
    relaxed: Collection[str],
    errors: str,
    column_map: dict[str, str],
    ignored: tuple[str, ...],
    key_name: str = "keyword-day",
    split_columns: tuple[str, ...] = (),
    sum_remedy: str = "sum them (a report split by device or hour)",
    subtotals: tuple[_Check, ...] = (),
    whole_days: bool = False,
) -> tuple[BoolArray, LoadReport]:
    """Apply a reader's row rules: which rows to keep, and the load report.

    Shared by the report readers (keyword log, crowd report).  ``checks`` are the
    reader's cell and cross-column rules; on top of them, a row that repeats an earlier
    row exactly (every parsed column equal) is bad, and a row that repeats the key of an
    earlier row (``day_columns``, and the ``split_columns`` that split a key over rows,
    such as a device column) with other values is kept and flagged (``sum_remedy`` says
    how to sum such rows when there are no split columns).  ``subtotals`` are rows that
    total others (a keyword-day's 全部 row over its device rows): dropped and listed as
    the totals rows are.  With ``split_columns`` (or ``whole_days``: a split report whose
    rows are kept apart) and ``errors="drop"``, a keyword-day's other rows are dropped
    with its bad row.  Rules named in
    ``relaxed`` are waived (rows kept and flagged; orders above clicks described as
    Taobao attribution).  ``totals`` rows (the export's 合计 row, see
    :func:`~bidopt.datasets._parsing.totals_rows`) are always dropped and listed, never
    raised on.  With ``errors="raise"`` any other bad row raises
    :class:`InvalidInputError` naming the first one.

    Returns
    -------
    keep : ndarray of bool, shape (n_rows,)
    report : LoadReport
    """
    n = table.n_rows
    export_totals = totals
    # exact duplicates: a row equal in every column to an earlier one (a report exported
    # twice, or pasted together with an overlap) would count the keyword-day twice
    for check in subtotals:
        totals = totals | check.mask
    first_copy, first_of_day = _first_copy(parsed, n, day_columns + split_columns)
    repeats = first_copy != np.arange(n)
    checks = [
        _Check(
            "date",
            export_totals,
            lambda i: "is the export's totals row (合计: the sum of the other rows); dropped",
            kind="export_total",
        ),
        *subtotals,
        *checks,
        _Check(
            "keyword",
            repeats & ~totals,
            lambda i: (
                f"repeats {table.ref(int(first_copy[i]))} exactly (same {key_name} and values)"
            ),
            kind="repeat",
            remedy="keep one copy",
            other_row=lambda i: int(first_copy[i]),
        ),
    ]
    waived = [_attribution(c) if c.rule == "conversions_le_clicks" else c for c in checks]
    waived = [c for c in waived if c.rule in relaxed]
    checks = [c for c in checks if c.rule not in relaxed]
    bad_any = np.zeros(n, dtype=bool)
    for check in checks:
        bad_any |= check.mask
    partial = np.zeros(n, dtype=bool)  # rows dropped only with their keyword-day
    if (split_columns or whole_days) and errors != "raise":
        # a split keyword-day that lost a row (dropped) would be summed from the rest and
        # undercount the day: its other rows go with it, each saying why
        day = _key(parsed, [c for c in day_columns if c in parsed], n)
        first_bad = np.full(int(day.max(initial=0)) + 1, n, dtype=np.int64)
        lost = bad_any & ~totals & ~repeats  # (an exact repeat loses nothing)
        np.minimum.at(first_bad, day[lost], np.flatnonzero(lost))
        partial = (first_bad[day] < n) & ~bad_any
        day_name = key_name  # (key_name names the key with its split label below)
        checks.append(
            _Check(
                "keyword",
                partial,
                lambda i: (
                    f"shares its {day_name} with {table.ref(int(first_bad[day[i]]))}, "
                    f"{WITH_ITS_DAY}"
                ),
                kind="with_its_day",
                other_row=lambda i: int(first_bad[day[i]]),
            )
        )
        bad_any |= partial
    bad_rows = np.flatnonzero(bad_any)

    line_of = table.line_numbers
    keywords = table.columns.get(
        next((h for h, c in column_map.items() if c == "keyword"), ""), None
    )

    def named(rows: npt.NDArray[np.intp]) -> tuple[list[str], list[str]]:
        """The keyword and date of each of ``rows`` as the records hold them ("" when
        missing), for all the rows at once."""
        if keywords is None:
            words = [""] * rows.size
        else:
            cells = keywords[rows]
            words = [
                "" if gone else str(cell).strip()
                for cell, gone in zip(cells.tolist(), missing_mask(cells).tolist(), strict=True)
            ]
        if "date" not in parsed:
            return words, [""] * rows.size
        days = parsed["date"][rows]
        text = np.datetime_as_string(days).astype(object)
        text[np.isnat(days)] = ""
        return words, text.tolist()

    def issues(
        rows: npt.NDArray[np.intp],
        among: list[_Check],
        action: Literal["dropped", "flagged"] = "dropped",
    ) -> list[LoadIssue]:
        if rows.size == 0:
            return []
        # (for all the rows at once: a dropped row's first check that it breaks, its
        # reason; every waived rule a kept row breaks, and its repeated keyword-day)
        hit = np.stack([check.mask[rows] for check in among])
        assert hit.any(axis=0).all()  # (each row breaks a check: why it is listed)
        if action == "flagged":
            at, which = np.nonzero(hit.T)
        else:
            at, which = np.arange(rows.size), hit.argmax(axis=0)
        words, days = named(rows)
        listed = rows.tolist()
        lines = [None] * rows.size if line_of is None else line_of[rows].tolist()
        return [
            among[k].issue(
                listed[j], action, table.where(listed[j]), words[j], days[j], lines[j], line_of
            )
            for j, k in zip(at.tolist(), which.tolist(), strict=True)
        ]

    def reason(row: int, among: list[_Check]) -> str:
        return issues(np.asarray([row]), among)[0].text

    refused = np.flatnonzero(bad_any & ~totals)
    if refused.size and errors == "raise":
        first = reason(int(refused[0]), checks)
        more = ""
        if refused.size > 1:
            # (a file's lines, as its other messages: never the 0-based index)
            unit, numbers = ("row", refused) if line_of is None else ("line", line_of[refused])
            shown = ", ".join(str(int(r)) for r in numbers[1:6])
            more = (
                f" {counted(refused.size - 1, 'more bad row')} "
                f"({unit if refused.size == 2 else unit + 's'} {shown}"
                f"{', ...' if refused.size > 6 else ''})."
            )
        raise InvalidInputError(
            f"`source` must have valid rows. Got a bad row instead: {first}.{more} Fix the "
            "source, or pass errors='drop' to drop bad rows and list them in its `.report`."
        )

    keep = ~bad_any
    lost = _lost_keys(parsed, keep, totals, day_columns, lambda r: reason(r, checks), partial)
    flagged_any = np.zeros(n, dtype=bool)
    for check in waived:
        flagged_any |= check.mask
    # a keyword-day on several rows with different values (a report split by device or
    # hour, or two exports that disagree) is kept, and each later row is flagged: the
    # rows add up in per-keyword totals (a per-day model needs them summed first)
    split_day = (first_of_day != np.arange(n)) & ~repeats
    if split_columns:  # the same key and split label twice: not a split
        key_name = f"{key_name} and {' and '.join(split_columns)}".replace("_", " ")
        remedy = (
            "both rows are kept and not summed, but a model of each day (such as "
            "estimate_landscapes) needs one row: drop one if the report was exported twice"
        )
    else:
        remedy = (
            "both rows are kept and add up in totals, but a model of each "
            f"{key_name} (such as estimate_landscapes) needs one row: {sum_remedy}, or drop "
            "one if the report was exported twice"
        )
    waived.append(
        _Check(
            "keyword",
            split_day,
            lambda i: (
                f"repeats the {key_name} of {table.ref(int(first_of_day[i]))} with different values"
            ),
            kind="key_repeat",
            remedy=remedy,
            other_row=lambda i: int(first_of_day[i]),
        )
    )
    flagged_any |= split_day
    flagged_rows = np.flatnonzero(flagged_any & keep)
    report = LoadReport(
        source=table.source,
        n_read=n,
        dropped_rows=bad_rows.astype(np.int64),
        issues=(*issues(bad_rows, checks), *issues(flagged_rows, waived, "flagged")),
        flagged_rows=flagged_rows.astype(np.int64),
        column_map=dict(column_map),
        ignored_columns=ignored,
        title_rows=table.skipped,
        header_line=table.header_line,
        lost_keys=lost,
    )
    return keep, report


def _lost_keys(
    parsed: dict[str, Any],
    keep: BoolArray,
    totals: BoolArray,
    day_columns: tuple[str, ...],
    reason: Callable[[int], str],
    followers: BoolArray | None = None,
) -> tuple[str, ...]:
    """The keys (``day_columns`` but the date, joined by " / ") of the dropped rows
    (not totals rows) that no kept row has, in source order, each with its row count
    and the reason of its first row that is not one of ``followers`` (rows dropped only
    with their keyword-day's bad row, which would name the bad row instead of its fault)."""
    dropped = ~keep & ~totals
    if not dropped.any():
        return ()
    columns = [c for c in day_columns if c != "date" and c in parsed]
    key = _key(parsed, columns, keep.size)
    lost = np.setdiff1d(key[dropped], key[keep])
    rows = np.flatnonzero(np.isin(key, lost))  # (every row of a lost key is dropped)
    _, first, count = np.unique(key[rows], return_index=True, return_counts=True)
    # each key's first row that is not a follower (its first row when all are)
    later = np.zeros(rows.size, dtype=bool) if followers is None else followers[rows]
    by_cause = np.lexsort((rows, later, key[rows]))
    cause = rows[by_cause][np.unique(key[rows][by_cause], return_index=True)[1]]
    out = []
    order = np.argsort(rows[first])  # in source order
    for row, k in zip(cause[order].tolist(), count[order].tolist(), strict=True):
        name = " / ".join(str(parsed[c][row]) for c in columns)
        out.append(f"{name!r}: all {k} of its rows dropped (first: {reason(row)})")
    return tuple(out)


def _key(parsed: dict[str, Any], columns: list[str], n: int) -> npt.NDArray[np.int64]:
    """Dense integer codes of the rows' values in ``columns`` together, shape (n,)."""
    key = np.zeros(n, dtype=np.int64)
    for column in columns:
        code = _codes(parsed[column])
        key = np.unique(key * (int(code.max()) + 1) + code, return_inverse=True)[1].ravel()
    return key


def _codes(values: npt.NDArray[Any]) -> npt.NDArray[np.int64]:
    """Dense integer codes of a column's values (NaN equal to NaN, None to None)."""
    keys = values.astype(str) if values.dtype == object else values
    return np.unique(keys, return_inverse=True)[1].ravel().astype(np.int64)


def _first_copy(
    parsed: dict[str, Any], n: int, day_columns: tuple[str, ...] = _DAY_COLUMNS
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """For each row, the first row equal to it in every parsed column (itself if none),
    and the first row with the same key (``day_columns``; itself if none).

    The key columns (date and text) are compared first; only rows whose key repeats are
    compared on every column.
    """
    first = np.arange(n, dtype=np.int64)
    if n < 2:
        return first, first.copy()

    def combine(key: npt.NDArray[np.int64], values: npt.NDArray[Any]) -> npt.NDArray[np.int64]:
        code = _codes(values)
        size = int(code.max()) + 1
        inverse = np.unique(key * size + code, return_inverse=True)[1]
        return np.asarray(inverse.ravel(), dtype=np.int64)

    key = np.zeros(n, dtype=np.int64)
    for column in day_columns:
        if column in parsed:
            key = combine(key, parsed[column])
    counts = np.bincount(key)
    rows = np.flatnonzero(counts[key] > 1)
    same_day = first.copy()
    if rows.size == 0:
        return first, same_day
    _, day_index, day_inverse = np.unique(key[rows], return_index=True, return_inverse=True)
    same_day[rows] = rows[day_index[day_inverse.ravel()]]
    sub = key[rows]
    for column, values in parsed.items():
        if column not in day_columns:
            sub = combine(sub, values[rows])
    _, index, inverse = np.unique(sub, return_index=True, return_inverse=True)
    first[rows] = rows[index[inverse.ravel()]]  # np.unique's index is the first occurrence
    return first, same_day


def _build_log(parsed: dict[str, Any], keep: BoolArray, report: LoadReport) -> KeywordLog:
    # (every column is a fresh array: read-only, the log keeps it without a copy)
    columns: dict[str, Any] = {"report": report, "date": frozen(parsed["date"][keep])}
    for column in ("campaign", "ad_group", "keyword"):
        if column in parsed:
            columns[column] = Categorical.from_values(parsed[column][keep])
    if "match_type" in parsed:
        columns["match_type"] = Categorical.from_values(
            parsed["match_type"][keep], categories=MATCH_TYPES
        )
    for column in ("impressions", "clicks", "conversions"):
        if column in parsed:
            columns[column] = frozen(parsed[column][keep].astype(np.int64))
    for column in ("bid", "cost", "revenue"):
        if column in parsed:
            columns[column] = frozen(parsed[column][keep])
    return KeywordLog(**columns)
