"""The keyword performance log: one row per keyword and day."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from bidopt._optional import require_pandas
from bidopt._validation import (
    as_owned,
    check_choice,
    check_rows,
    frozen,
    rebuild_on_unpickle,
    short_repr,
)
from bidopt._wording import counted
from bidopt.datasets._categorical import Categorical
from bidopt.datasets._load_issues import ISSUE_KINDS, KeywordDay, LoadIssue
from bidopt.exceptions import InvalidInputError, MissingColumnError
from bidopt.typing import FloatArray, IntArray

__all__ = ["KEYWORD_LOG_COLUMNS", "MATCH_TYPES", "KeywordLog", "LoadReport"]

#: Allowed match types, in the order of their codes.
MATCH_TYPES: tuple[str, ...] = ("exact", "phrase", "broad")

#: Column names of a keyword log, in display order.
KEYWORD_LOG_COLUMNS: tuple[str, ...] = (
    "date",
    "campaign",
    "ad_group",
    "keyword",
    "match_type",
    "bid",
    "impressions",
    "clicks",
    "cost",
    "conversions",
    "revenue",
)

_STRING_COLUMNS = ("campaign", "ad_group", "keyword", "match_type")

#: How a split row dropped only because another row of its keyword-day was says so
#: (after "shares its keyword-day with row N, "): the readers' words and the summary's.
WITH_ITS_DAY = (
    "which was dropped; the day's other split rows alone would undercount it, so they are "
    "dropped with it"
)
_DAY = np.dtype("datetime64[D]")
#: The rule whose waived breaches are Taobao attribution (more orders than clicks).
_ATTRIBUTION = "conversions_le_clicks"


def _check_rows(
    name: str, values: npt.NDArray[Any], ok: npt.NDArray[np.bool_], contract: str
) -> None:
    if not ok.all():
        row = int(np.flatnonzero(~ok)[0])
        raise InvalidInputError(
            f"KeywordLog `{name}` must be {contract}. Got {values[row]} at row {row} "
            f"instead ({int((~ok).sum())} bad rows in all)."
        )


@dataclass(frozen=True, slots=True, eq=False)
class LoadReport:
    """What a loader read, mapped, and dropped.

    Attributes
    ----------
    source : str
        Where the rows came from (a path, ``"<mapping>"`` or ``"<DataFrame>"``).
    n_read : int
        Data rows read from the source.
    dropped_rows : array of int64, shape (n_dropped,)
        0-based indices (among the source's data rows) of the rows dropped.
    issues : tuple of LoadIssue
        Why each dropped row was dropped (one each, in row order) and why each flagged
        row was flagged (one or more each), as records: kind, row, column, the row it
        repeats or goes with, the split label, the rule; each renders its English
        sentence (``LoadIssue.text``).  Code that counts or names rows reads these, never
        the sentences.
    column_map : dict of str to str
        Source header -> bidopt column, for every column used.
    ignored_columns : tuple of str
        Source columns that bidopt does not use (kept out of the log, not lost silently).
    flagged_rows : array of int64, shape (n_flagged,)
        0-based indices of rows kept although they break a rule waived with ``relax=``.
    title_rows : tuple of str
        Rows of a file above its header row (an export's title, shop name, date range),
        skipped, each as its non-blank cells joined by spaces.
    header_line : int or None
        The 1-based line (Excel row) of a file's header row.
    lost_keys : tuple of str
        The keywords (campaign / ad group / keyword / match type as the source has them;
        keyword / crowd for a crowd report) every row of which was dropped, so that
        nothing read from the source speaks for them, each with its row count and the
        first row's reason.
    match_labels : dict of str to str
        Match type (``exact`` / ``phrase`` / ``broad``) -> the spelling the source wrote
        it in (``精准匹配``, ``中心词匹配``, ...), among the rows kept, for every type the
        source wrote one way; files written back for the platform (the bid sheet) use it,
        so that each key reads as in the merchant's own export.
    split_columns : tuple of str
        The source's headers that split a keyword-day over several rows (a device,
        hour or traffic-source column such as 设备 / 终端 / 小时 / 流量来源), empty when
        it has none.
    n_summed_rows : int
        Rows summed into one row per keyword-day (each counted once, the first too).
    n_summed_days : int
        The keyword-days those rows made (``n_summed_rows`` rows became this many).
    averaged : tuple of KeywordDay
        Of those, the keyword-days whose rows carried different bids, summed at their
        click-weighted bid (``splits="sum_click_weighted"`` or
        ``KeywordLog.sum_days(bids="click_weighted")``), each with its key, date and its
        rows' bids (``averaged_days``: the same in words).
    unsummed : tuple of KeywordDay
        The keyword-days left on several rows because their rows carry different bids
        (device bid premiums, or a bid changed within the day), each with its rows'
        split labels and bids (``unsummed_days``: the same in words); a per-day model
        (``estimate_landscapes``) refuses them until they are summed.
    """

    source: str = "<unknown>"
    n_read: int = 0
    dropped_rows: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    issues: tuple[LoadIssue, ...] = ()
    column_map: Mapping[str, str] = field(default_factory=dict)
    ignored_columns: tuple[str, ...] = ()
    flagged_rows: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    title_rows: tuple[str, ...] = ()
    header_line: int | None = None
    lost_keys: tuple[str, ...] = ()
    match_labels: Mapping[str, str] = field(default_factory=dict)
    split_columns: tuple[str, ...] = ()
    n_summed_rows: int = 0
    n_summed_days: int = 0
    averaged: tuple[KeywordDay, ...] = ()
    unsummed: tuple[KeywordDay, ...] = ()

    def __post_init__(self) -> None:
        for name in ("dropped_rows", "flagged_rows"):
            value = getattr(self, name)
            array = np.asarray(value, dtype=np.int64).reshape(-1)
            object.__setattr__(self, name, as_owned(array, value))
        for name, kind in (
            ("issues", LoadIssue),
            ("averaged", KeywordDay),
            ("unsummed", KeywordDay),
        ):
            items = tuple(getattr(self, name))
            if not all(isinstance(item, kind) for item in items):
                raise InvalidInputError(
                    f"LoadReport `{name}` must be a tuple of {kind.__name__}. Got "
                    f"{short_repr(items)} instead."
                )
            object.__setattr__(self, name, items)
        dropped = [i.row for i in self.issues if i.action == "dropped"]
        flagged = sorted({i.row for i in self.issues if i.action == "flagged"})
        for rows, listed, what in (
            (dropped, self.dropped_rows, "dropped_rows"),
            (flagged, self.flagged_rows, "flagged_rows"),
        ):
            if rows != listed.tolist():
                raise InvalidInputError(
                    f"LoadReport `issues` must give one reason per row of `{what}` (in its "
                    f"order). Got issues for rows {short_repr(rows)} and {what} "
                    f"{short_repr(listed.tolist())} instead."
                )

    @property
    def reasons(self) -> tuple[str, ...]:
        """Why each dropped row was dropped (row, column, value, contract), in English,
        one per row of ``dropped_rows``."""
        return tuple(i.text for i in self.issues if i.action == "dropped")

    @property
    def flags(self) -> tuple[str, ...]:
        """Which waived rule each flagged row breaks, with its values, in English, one per
        row of ``flagged_rows`` (a row's several issues joined by ``"; "``)."""
        texts: dict[int, list[str]] = {}
        for issue in self.issues:
            if issue.action == "flagged":
                texts.setdefault(issue.row, []).append(issue.text)
        return tuple("; ".join(texts[row]) for row in sorted(texts))

    @property
    def averaged_days(self) -> tuple[str, ...]:
        """``averaged`` in words: each keyword-day with its rows' bids."""
        return tuple(d.text() for d in self.averaged)

    @property
    def unsummed_days(self) -> tuple[str, ...]:
        """``unsummed`` in words: each keyword-day with its rows' split labels and bids."""
        return tuple(d.text() for d in self.unsummed)

    def issues_of(
        self, *kinds: str, action: Literal["dropped", "flagged"] | None = None
    ) -> tuple[LoadIssue, ...]:
        """The issues of the given kinds (every kind when none is given; each one of
        :data:`~bidopt.datasets.ISSUE_KINDS`), of ``action`` (both when None), in the
        report's order.  An unknown kind or action raises (a misspelt kind would
        otherwise find nothing)."""
        for kind in kinds:
            check_choice(kind, "issue kind", ISSUE_KINDS)
        if action is not None:
            check_choice(action, "action", ("dropped", "flagged"))
        return tuple(
            i
            for i in self.issues
            if (not kinds or i.kind in kinds) and (action is None or i.action == action)
        )

    @property
    def n_attribution(self) -> int:
        """Rows kept with more orders than clicks (Taobao's attribution window: the
        ``conversions_le_clicks`` rule waived)."""
        return len(
            {i.row for i in self.issues_of("rule", action="flagged") if i.rule == _ATTRIBUTION}
        )

    @property
    def n_dropped(self) -> int:
        """Number of rows dropped."""
        return int(self.dropped_rows.size)

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return rebuild_on_unpickle(self)

    @property
    def n_kept(self) -> int:
        """Number of rows kept."""
        return self.n_read - self.n_dropped

    def summary(self, max_reasons: int = 10) -> str:
        """A readable account of the load."""
        lines = [
            f"Read {counted(self.n_read, 'row')} from {self.source}: kept {self.n_kept:,}, "
            f"dropped {self.n_dropped:,}."
        ]
        if self.title_rows:
            lines.append(self.title_note())
        if note := self.split_note():
            lines.append(note)
        if self.column_map:
            mapped = ", ".join(f"{k!r} -> {v}" for k, v in self.column_map.items())
            lines.append(f"Columns: {mapped}.")
        if self.ignored_columns:
            lines.append(f"Ignored columns: {', '.join(map(repr, self.ignored_columns))}.")
        flags = self.flags
        if flags:
            lines.append(
                f"Kept {counted(len(flags), 'row')} that "
                f"{'breaks' if len(flags) == 1 else 'break'} a waived rule "
                "(see `flagged_rows`):"
            )
            lines.extend(f"  flagged {flag}" for flag in flags[:max_reasons])
        if self.lost_keys:
            n_lost = len(self.lost_keys)
            lines.append(f"{n_lost} keyword{'s' * (n_lost != 1)} lost every row (none is read):")
            lines.extend(f"  lost {key}" for key in self.lost_keys[:max_reasons])
        # the bad rows first: a split keyword-day's other rows, dropped with its bad row,
        # are counted after them (listed first, in row order, they hid the bad row)
        causes = self.causes()
        n_bad = len(causes) - len(self.issues_of("with_its_day", action="dropped"))
        bad, followers = causes[:n_bad], causes[n_bad:]
        for reason in bad[:max_reasons]:
            lines.append(f"  dropped {reason}")
        if len(bad) > max_reasons:
            lines.append(f"  ... and {counted(len(bad) - max_reasons, 'more dropped row')}.")
        if followers:
            lines.append(
                f"  dropped {counted(len(followers), 'more row')} with them: each shares "
                "its keyword-day "
                "with a dropped row, and the day's other split rows alone would undercount it."
            )
        return "\n".join(lines)

    def causes(self) -> list[str]:
        """The drop reasons, each bad row's own first (in row order), then the rows
        dropped only because another row of their split keyword-day was (listed first,
        they would name a row that was fine instead of the fault)."""
        dropped = self.issues_of(action="dropped")
        return [i.text for i in sorted(dropped, key=lambda i: i.kind == "with_its_day")]

    def title_note(self) -> str:
        """What was skipped above the header row, in a line ("" when nothing was)."""
        if not self.title_rows:
            return ""
        shown = "; ".join(repr(t) for t in self.title_rows[:3])
        more = f"; ... ({len(self.title_rows) - 3} more)" if len(self.title_rows) > 3 else ""
        return (
            f"Header on line {self.header_line}: skipped "
            f"{counted(len(self.title_rows), 'row')} above it as the export's title: "
            f"{shown}{more}."
        )

    def split_note(self, lang: Literal["en", "zh"] = "en") -> str:
        """What was summed into one row per keyword-day, and what was not, in plain words
        (``lang``: ``"en"`` or ``"zh"``); ``""`` when nothing was and nothing is left."""
        lang = check_choice(lang, "lang", ("en", "zh"))  # type: ignore[assignment]
        zh = lang == "zh"
        # (a timestamp column's time of day: "日期 (time of day)", read "日期中的时刻")
        by = "/".join(self.split_columns)
        if zh:
            by = by.replace(" (time of day)", "中的时刻")

        parts = []
        if self.n_summed_rows:
            rows, days = f"{self.n_summed_rows:,}", f"{self.n_summed_days:,}"
            parts.append(
                (
                    f"按{by}拆分的 {rows} 行已合并为 {days} 个关键词-天（每个关键词每天一行："
                    "展现量、点击量、花费、成交笔数和成交金额相加，点击率、平均点击花费等比率"
                    "不相加）。"
                    if by
                    else f"{rows} 行已合并为 {days} 个关键词-天（展现量、点击量、花费、成交笔数"
                    "和成交金额相加）。"
                )
                if zh
                else f"Summed {rows} rows"
                + (f" split by {by}" if by else "")
                + f" into {days} keyword-day{'s' * (self.n_summed_days != 1)} (one row per "
                "keyword and day: impressions, "
                "clicks, cost, orders and revenue added; rates such as CTR or CPC are not "
                "added)."
            )
        if self.averaged_days:
            n = f"{len(self.averaged_days):,}"
            parts.append(
                f"其中 {n} 个关键词-天的各行出价不同（设备溢价或当天改过出价），按点击加权的"
                f"平均出价合并（第一个：{self.averaged[0].text(lang)}）：出价曲线在这些天读的是平均"
                "出价，不是后台的某一个出价。"
                if zh
                else f"{n} of them had different bids on their rows (device bid premiums, or "
                "a bid changed within the day) and were summed at their click-weighted bid "
                f"(first: {self.averaged_days[0]}): the landscape reads those days at an "
                "average bid, not at a bid the platform shows."
            )
        if self.unsummed_days:
            n = f"{len(self.unsummed_days):,}"
            first = self.unsummed[0].text(lang)
            parts.append(
                f"{n} 个关键词-天的各行出价不同（设备溢价或当天改过出价），未合并（第一个："
                f"{first}）：按天建模（estimate_landscapes）会拒绝它们；不按{by or '设备'}拆分"
                "重新导出报表，或用 read_keyword_log(..., splits='sum_click_weighted') 按点击"
                "加权的平均出价合并。"
                if zh
                else f"{n} keyword-day{'s were' if n != '1' else ' was'} left unsummed "
                "because its rows carry "
                f"different bids (device bid premiums, or a bid changed within the day; first: "
                f"{first}): a per-day model (estimate_landscapes) refuses them. Export the "
                f"report without the {by or 'device'} split, or read it with "
                "read_keyword_log(..., splits='sum_click_weighted') to sum them at their "
                "click-weighted bid."
            )
        return "".join(parts) if zh else " ".join(parts)

    def to_frame(self) -> Any:
        """One row per dropped or flagged source row: ``row`` (0-based among the
        source's data rows), ``action`` (``"dropped"`` or ``"flagged"``), ``kind`` (its
        issues' kinds, joined by ``"; "`` for a row flagged twice) and ``reason`` (needs
        pandas)."""
        pd = require_pandas("LoadReport.to_frame()")
        found: dict[tuple[str, int], list[LoadIssue]] = {}
        for issue in self.issues:
            found.setdefault((issue.action, issue.row), []).append(issue)
        keys = [("dropped", r) for r in self.dropped_rows.tolist()]
        keys += [("flagged", r) for r in self.flagged_rows.tolist()]
        return pd.DataFrame(
            {
                "row": np.asarray([r for _, r in keys], dtype=np.int64),
                "action": [a for a, _ in keys],
                "kind": ["; ".join(i.kind for i in found.get(k, [])) for k in keys],
                "reason": ["; ".join(i.text for i in found.get(k, [])) for k in keys],
            }
        )

    def __repr__(self) -> str:
        return (
            f"LoadReport(source={self.source!r}, n_read={self.n_read}, n_dropped={self.n_dropped})"
        )


@dataclass(frozen=True, slots=True, eq=False)
class KeywordLog:
    """A columnar table of keyword x day performance rows.

    Build one with :func:`bidopt.datasets.read_keyword_log` (which validates every row)
    or get one from :func:`bidopt.datasets.make_search_account`.  The constructor itself
    checks that the columns have one length and the right dtypes, that every date is a
    day (not NaT) and every number finite and >= 0 (the cross-column rules of the
    reader, such as ``clicks <= impressions``, are the reader's).  The log owns its
    columns and stores them as read-only views of read-only arrays: editing the arrays
    it was built from does not change it (every array the caller passes is copied once,
    a read-only one too), and editing a column or setting its ``flags.writeable = True``
    raises.  The reader, the generator, :meth:`take` and :meth:`concat` hand over the
    arrays they build without a second copy.

    Attributes
    ----------
    date : array of datetime64[D], shape (n_rows,)
        The day of the row.
    keyword : Categorical
        The keyword text.
    impressions, clicks : array of int64, shape (n_rows,)
        Observed counts.
    campaign, ad_group : Categorical or None
        Campaign (推广计划) and ad group (推广单元), None when the source has none.
    match_type : Categorical or None
        ``"exact"``, ``"phrase"`` or ``"broad"``; None when the source has none.
    bid : array of float64 or None
        Max CPC bid in force that day, yuan.
    cost : array of float64 or None
        Spend, yuan.
    conversions : array of int64 or None
        Orders (成交笔数).
    revenue : array of float64 or None
        Order value (成交金额), yuan.
    report : LoadReport
        How the log was loaded, including any dropped rows.
    """

    date: npt.NDArray[np.datetime64]
    keyword: Categorical
    impressions: IntArray
    clicks: IntArray
    campaign: Categorical | None = None
    ad_group: Categorical | None = None
    match_type: Categorical | None = None
    bid: FloatArray | None = None
    cost: FloatArray | None = None
    conversions: IntArray | None = None
    revenue: FloatArray | None = None
    report: LoadReport = field(default_factory=LoadReport)

    def __post_init__(self) -> None:
        # every caller column is copied (see ``as_owned``) and stored read-only;
        # the values are checked here too (finite, non-negative, real days), so a log
        # built directly cannot carry a NaN into a model
        date = self.date
        if not isinstance(date, np.ndarray) or date.ndim != 1 or date.dtype != _DAY:
            shown = (
                f"an array of shape {date.shape} and dtype {date.dtype}"
                if isinstance(date, np.ndarray)
                else short_repr(date)
            )
            raise InvalidInputError(
                f"KeywordLog `date` must be a 1-dimensional datetime64[D] array. Got {shown} "
                "instead."
            )
        date = as_owned(date, self.date)
        _check_rows("date", date, ~np.isnat(date), "a day, not NaT")
        object.__setattr__(self, "date", date)
        n = date.shape[0]
        for name in KEYWORD_LOG_COLUMNS[1:]:
            value = getattr(self, name)
            if value is None:
                if name in ("keyword", "impressions", "clicks"):
                    raise InvalidInputError(
                        f"KeywordLog column `{name}` must be given (every log has date, "
                        "keyword, impressions and clicks). Got None instead."
                    )
                continue
            if len(value) != n:
                raise InvalidInputError(
                    f"KeywordLog column `{name}` must have one row per `date` ({n}). Got "
                    f"{len(value)} rows instead."
                )
            if name in _STRING_COLUMNS:
                if not isinstance(value, Categorical):
                    raise InvalidInputError(
                        f"KeywordLog column `{name}` must be a Categorical. Got "
                        f"{type(value).__name__} instead."
                    )
                continue
            kind = np.int64 if name in ("impressions", "clicks", "conversions") else np.float64
            if not isinstance(value, np.ndarray) or value.dtype != kind or value.ndim != 1:
                raise InvalidInputError(
                    f"KeywordLog column `{name}` must be a 1-dimensional {np.dtype(kind)} array. "
                    f"Got {short_repr(value)} instead."
                )
            array = as_owned(value, value)
            if kind is np.int64:
                _check_rows(name, array, array >= 0, ">= 0")
            else:
                _check_rows(name, array, np.isfinite(array) & (array >= 0), "finite and >= 0")
            object.__setattr__(self, name, array)

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return rebuild_on_unpickle(self)

    def __len__(self) -> int:
        return int(self.date.shape[0])

    @property
    def n_rows(self) -> int:
        """Number of rows."""
        return len(self)

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns present (not None), in display order."""
        return tuple(c for c in KEYWORD_LOG_COLUMNS if getattr(self, c) is not None)

    def column(self, name: str) -> npt.NDArray[Any]:
        """One column as a plain numpy array (strings materialised).

        Raises
        ------
        MissingColumnError
            If the log has no such column (for example ``cost`` in a log without spend);
            also a KeyError.  The message lists the columns the log has.
        """
        available = ", ".join(self.columns)
        if not isinstance(name, str) or name not in KEYWORD_LOG_COLUMNS:
            raise MissingColumnError(
                f"`name` must be a keyword-log column ({', '.join(KEYWORD_LOG_COLUMNS)}). Got "
                f"{name!r} instead; this log has {available}."
            )
        value = getattr(self, name)
        if value is None:
            raise MissingColumnError(
                f"`name` must be a column this log has ({available}). Got {name!r} instead "
                f"(source: {self.report.source})."
            )
        return value.to_numpy() if isinstance(value, Categorical) else np.asarray(value)

    def take(self, rows: npt.NDArray[np.intp] | npt.NDArray[np.bool_]) -> KeywordLog:
        """A new log with the selected rows (index array or boolean mask)."""
        rows = check_rows(rows, len(self))
        values: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "report":
                values[f.name] = value
            elif value is None:
                values[f.name] = None
            elif isinstance(value, Categorical):
                values[f.name] = value.take(rows)
            else:
                selected = value[rows]
                values[f.name] = frozen(selected) if selected.flags.owndata else selected
        return KeywordLog(**values)

    @classmethod
    def concat(cls, logs: list[KeywordLog]) -> KeywordLog:
        """Stack logs (same columns) row-wise; string columns are re-encoded on the union
        of their categories, so codes stay consistent.  The report is the first log's."""
        if not isinstance(logs, list | tuple) or not all(
            isinstance(log, KeywordLog) for log in logs
        ):
            raise InvalidInputError(
                f"`logs` must be a list of KeywordLog. Got {short_repr(logs)} instead."
            )
        if not logs:
            raise InvalidInputError("`logs` must hold at least one KeywordLog. Got [] instead.")
        columns = logs[0].columns
        other = next((log.columns for log in logs[1:] if log.columns != columns), None)
        if other is not None:
            raise InvalidInputError(
                f"`logs` must all have the same columns. Got {columns} and {other} instead."
            )
        values: dict[str, Any] = {"report": logs[0].report}
        for name in KEYWORD_LOG_COLUMNS:
            if name not in columns:
                continue
            parts = [getattr(log, name) for log in logs]
            if isinstance(parts[0], Categorical):
                table = np.unique(np.concatenate([p.categories.astype(str) for p in parts]))
                codes = [np.searchsorted(table, p.categories.astype(str))[p.codes] for p in parts]
                values[name] = Categorical(
                    frozen(np.concatenate(codes).astype(np.int32)), frozen(table.astype(object))
                )
            else:
                values[name] = frozen(np.concatenate(parts))
        return cls(**values)

    def day_key(self) -> IntArray:
        """Per row, the index of its keyword-day (same campaign, ad group, keyword, match
        type and date; the columns the log has), numbered in order of first appearance:
        array of int64, shape (n_rows,)."""
        n = len(self)
        key = np.zeros(n, dtype=np.int64)
        parts = [
            getattr(self, c).codes
            for c in ("campaign", "ad_group", "keyword", "match_type")
            if getattr(self, c) is not None
        ]
        for part in (*parts, self.date.view(np.int64)):
            code = np.unique(part, return_inverse=True)[1].ravel()
            key = np.unique(key * (int(code.max(initial=0)) + 1) + code, return_inverse=True)[1]
            key = key.ravel().astype(np.int64)
        return _in_order_of_appearance(key)

    def sum_days(self, *, bids: Literal["same", "click_weighted"] = "same") -> KeywordLog:
        """The log with the rows of each keyword-day summed into one.

        For a report split by device, hour or traffic source that was read without its
        split column (``read_keyword_log`` sums such reports itself when it recognises the
        column): impressions, clicks, cost, conversions and revenue are added; the text
        columns and the date are the keyword-day's.  Rows keep their source order, each
        keyword-day at its first row.  ``report`` says how many rows were summed.

        Parameters
        ----------
        bids : {"same", "click_weighted"}, default "same"
            ``"same"``: every row of a keyword-day must carry the same bid (a row that
            bids 0 and buys nothing aside: a device not bid on that day; else
            :class:`~bidopt.exceptions.InvalidInputError` names the keyword-days);
            ``"click_weighted"``: a keyword-day whose rows carry different bids (device
            bid premiums, a bid changed within the day) gets its click-weighted bid
            (weighted by impressions on a day without clicks, a plain mean on a day
            without either): a per-day model then reads that day at an average bid,
            which no single platform bid equals.

        Returns
        -------
        KeywordLog
            One row per keyword-day; the log itself when no keyword-day has two rows.

        Examples
        --------
        >>> from bidopt.datasets import read_keyword_log
        >>> log = read_keyword_log(
        ...     {"date": ["2024-11-11"] * 2, "keyword": ["a", "a"], "bid": [1.0, 1.0],
        ...      "impressions": [100, 50], "clicks": [5, 2]}
        ... )
        >>> summed = log.sum_days()
        >>> len(summed), int(summed.clicks[0]), summed.report.n_summed_rows
        (1, 7, 2)
        """
        bids = check_choice(bids, "bids", ("same", "click_weighted"))  # type: ignore[assignment]
        key = self.day_key()
        counts = np.bincount(key)
        if counts.size == 0 or counts.max() <= 1:
            return self
        differ = _bids_differ(self, key, counts.size)
        if bids == "same" and differ.any():
            named = _name_days(self, key, np.flatnonzero(differ)[:3])
            raise InvalidInputError(
                "`bids` must be 'click_weighted' to sum keyword-days whose rows carry "
                f"different bids. Got bids='same' and {int(differ.sum()):,} such keyword-days "
                f"({'; '.join(d.text() for d in named)}{'; ...' if differ.sum() > 3 else ''}) "
                "instead. Pass "
                "bids='click_weighted' to read each such day at its click-weighted bid (an "
                "average bid, which no single platform bid equals), or keep those rows apart."
            )
        report = replace(
            self.report,
            n_summed_rows=self.report.n_summed_rows + int(counts[counts > 1].sum()),
            n_summed_days=self.report.n_summed_days + int(np.count_nonzero(counts > 1)),
            averaged=self.report.averaged + _name_days(self, key, np.flatnonzero(differ)),
        )
        return _merge_rows(self, key, report)

    def to_dict(self) -> dict[str, npt.NDArray[Any]]:
        """Column name -> numpy array, for every column present."""
        return {c: self.column(c) for c in self.columns}

    def to_frame(self) -> Any:
        """The log as a :class:`pandas.DataFrame` (needs pandas).

        String columns become ``category`` dtype.
        """
        pd = require_pandas("KeywordLog.to_frame()")
        data: dict[str, Any] = {}
        for c in self.columns:
            value = getattr(self, c)
            if isinstance(value, Categorical):
                data[c] = pd.Categorical.from_codes(value.codes, categories=value.categories)
            else:
                data[c] = value
        return pd.DataFrame(data)

    def per_keyword(self, name: str) -> FloatArray:
        """A numeric column summed per keyword, in the order of ``keyword.categories``.

        Examples
        --------
        >>> from bidopt.datasets import make_search_account
        >>> log = make_search_account(50, n_days=3, rng=0).log
        >>> clicks = log.per_keyword("clicks")
        >>> clicks.shape == (log.keyword.n_categories,), bool(clicks.sum() == log.clicks.sum())
        (True, True)
        """
        values = self.column(name)  # (MissingColumnError for a column the log lacks)
        if values.dtype.kind not in "iuf":
            raise InvalidInputError(
                f"`name` must be a numeric column of the log, such as clicks or cost. Got {name!r} "
                "instead."
            )
        return np.asarray(
            np.bincount(
                self.keyword.codes,
                weights=values.astype(np.float64),
                minlength=self.keyword.n_categories,
            ),
            dtype=np.float64,
        )

    def totals(self) -> dict[str, float]:
        """Account totals: impressions, clicks, cost, conversions, revenue and ratios.

        Ratios (``ctr``, ``cvr``, ``cpc``, ``cpa``, ``roas``) are NaN where undefined.
        """
        out: dict[str, float] = {
            "impressions": float(self.impressions.sum()),
            "clicks": float(self.clicks.sum()),
        }
        for c in ("cost", "conversions", "revenue"):
            value = getattr(self, c)
            if value is not None:
                out[c] = float(value.sum())

        def ratio(a: str, b: str) -> float:
            if a in out and b in out and out[b] > 0:
                return out[a] / out[b]
            return float("nan")

        out["ctr"] = ratio("clicks", "impressions")
        out["cvr"] = ratio("conversions", "clicks")
        out["cpc"] = ratio("cost", "clicks")
        out["cpa"] = ratio("cost", "conversions")
        out["roas"] = ratio("revenue", "cost")
        return out

    def summary(self) -> str:
        """A short human-readable description of the log."""
        n_days = int(np.unique(self.date).size) if len(self) else 0
        first = str(self.date.min()) if len(self) else "-"
        last = str(self.date.max()) if len(self) else "-"
        t = self.totals()
        parts = [
            f"KeywordLog: {len(self)} rows, {self.keyword.n_categories} keywords, "
            f"{n_days} days ({first} .. {last})",
            f"  impressions {t['impressions']:.0f}, clicks {t['clicks']:.0f}, CTR {t['ctr']:.2%}",
        ]
        if "cost" in t:
            parts.append(f"  cost {t['cost']:.2f} yuan, CPC {t['cpc']:.2f} yuan")
        if "conversions" in t:
            parts.append(
                f"  conversions {t['conversions']:.0f}, CVR {t['cvr']:.2%}, CPA {t['cpa']:.2f} yuan"
            )
        if "revenue" in t:
            parts.append(f"  revenue {t['revenue']:.2f} yuan, ROAS {t['roas']:.2f}")
        if self.report.n_dropped:
            parts.append(f"  {self.report.n_dropped} rows dropped on load (see .report)")
        return "\n".join(parts)

    def __repr__(self) -> str:
        return (
            f"KeywordLog(n_rows={len(self)}, n_keywords={self.keyword.n_categories}, "
            f"columns={self.columns})"
        )


def _in_order_of_appearance(key: npt.NDArray[Any]) -> IntArray:
    """``key`` (array of int, shape (n,)) renumbered 0, 1, ... in the order in which its
    values first appear."""
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    rank = np.empty(first.size, dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(first.size)
    return rank[inverse.ravel()]


def _first_rows(key: IntArray, n_keys: int) -> IntArray:
    """Per key 0 .. ``n_keys - 1``, the index of its first row in ``key`` (array of int,
    shape (n_rows,)); ``n_rows`` for a key with no row.  Array of int64, shape (n_keys,)."""
    first = np.full(n_keys, key.size, dtype=np.int64)
    np.minimum.at(first, key, np.arange(key.size, dtype=np.int64))
    return first


def _idle(log: KeywordLog) -> npt.NDArray[np.bool_]:
    """Per row, whether it bids nothing and buys nothing (bid 0, no impressions, clicks
    or cost: a device the keyword does not bid on that day), shape (n_rows,)."""
    assert log.bid is not None
    idle = (log.bid == 0) & (log.impressions == 0) & (log.clicks == 0)
    return np.asarray(idle if log.cost is None else idle & (log.cost == 0))


def _bids_differ(log: KeywordLog, key: IntArray, n_days: int) -> npt.NDArray[np.bool_]:
    """Per keyword-day (``key``: the row's keyword-day, ``n_days`` of them), whether its
    rows carry different bids (all False for a log without bids).  A row that bids 0 and
    buys nothing (:func:`_idle`: PC not bid on, beside the 无线 row's bid) does not make
    a day's bids differ: the other rows' bid is the one all its traffic was bought at."""
    if log.bid is None:
        return np.zeros(n_days, dtype=bool)
    active = ~_idle(log)
    low = np.full(n_days, np.inf)
    high = np.full(n_days, -np.inf)
    np.minimum.at(low, key[active], log.bid[active])
    np.maximum.at(high, key[active], log.bid[active])
    return np.asarray(np.isfinite(low) & (low != high))


def _name_days(
    log: KeywordLog,
    key: IntArray,
    days: IntArray,
    labels: npt.NDArray[np.object_] | None = None,
) -> tuple[KeywordDay, ...]:
    """Each keyword-day of ``days`` (values of ``key``, the rows' keyword-days) as a
    :class:`KeywordDay`: its key, date and rows' bids (with each row's ``labels``, its
    split such as ``设备 无线``, when given); its text reads
    ``'campaign / ad group / keyword / match type' on DATE: bids b1, b2``."""
    order = np.argsort(key, kind="stable")
    starts = np.searchsorted(key[order], days, side="left")
    ends = np.searchsorted(key[order], days, side="right")
    text = [getattr(log, c) for c in ("campaign", "ad_group", "keyword", "match_type")]
    out = []
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
        rows = order[start:end]
        first = int(rows[0])
        parts = [
            None if column is None else str(column.categories[column.codes[first]])
            for column in text
        ]
        bids = () if log.bid is None else tuple(float(b) for b in log.bid[rows])
        named = () if labels is None or log.bid is None else tuple(str(labels[r]) for r in rows)
        campaign, ad_group, keyword, match_type = parts
        out.append(
            KeywordDay(
                campaign=campaign,
                ad_group=ad_group,
                keyword=keyword,
                match_type=match_type,
                date=str(log.date[first]),
                bids=bids,
                labels=named,
            )
        )
    return tuple(out)


def _merge_rows(log: KeywordLog, key: IntArray, report: LoadReport) -> KeywordLog:
    """``log`` with the rows of each ``key`` (array of int64, shape (n_rows,), numbered
    0.. in order of first appearance) summed into one, at the key's first row; additive
    columns added, the bid kept where the key's rows share it and click-weighted where
    they do not (see :meth:`KeywordLog.sum_days`)."""
    n_keys = int(key.max()) + 1
    merged = log.take(_first_rows(key, n_keys))

    def add(values: npt.NDArray[Any]) -> npt.NDArray[Any]:
        if values.dtype == np.int64:
            out = np.zeros(n_keys, dtype=np.int64)
            np.add.at(out, key, values)
            return frozen(out)
        return frozen(np.bincount(key, weights=values, minlength=n_keys))

    columns: dict[str, Any] = {"report": report}
    for name in ("impressions", "clicks", "cost", "conversions", "revenue"):
        value = getattr(log, name)
        if value is not None:
            columns[name] = add(value)
    if log.bid is not None:
        differ = _bids_differ(log, key, n_keys)
        clicks = columns["clicks"].astype(np.float64)[key]
        impressions = columns["impressions"].astype(np.float64)[key]
        weight = np.where(
            clicks > 0, log.clicks, np.where(impressions > 0, log.impressions, ~_idle(log))
        ).astype(np.float64)
        with np.errstate(invalid="ignore"):  # (0 / 0 on days whose bids do not differ)
            weighted = np.bincount(key, weights=weight * log.bid, minlength=n_keys) / (
                np.bincount(key, weights=weight, minlength=n_keys)
            )
        # a day whose rows share a bid: that bid (its idle rows' 0 aside, see _bids_differ)
        shared = np.zeros(n_keys)
        np.maximum.at(shared, key, log.bid)
        columns["bid"] = frozen(np.where(differ, weighted, shared))
    return replace(merged, **columns)
