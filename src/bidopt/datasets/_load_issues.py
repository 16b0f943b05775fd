"""What a report reader recorded about a row or a keyword-day, as data.

The readers word each dropped or flagged row and each summed keyword-day as an English
sentence, for people; the report pages and the command line count and name them from
these records (kind, rows, labels, keys, bids), never from the sentence, so that the
wording can change or be given in Chinese without breaking them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, Literal

from bidopt._optional import require_pandas

__all__ = ["ISSUE_KINDS", "KeywordDay", "LoadIssue"]

#: The kinds of :class:`LoadIssue`, in the order the readers check them.
ISSUE_KINDS: tuple[str, ...] = (
    "export_total",  # the export's own totals row (合计 in the date cell): dropped
    "split_total",  # a keyword-day's total row over its split rows (全部, 合计): dropped
    "cell",  # a cell that breaks its column's contract (not a date, not a number, ...)
    "rule",  # a row that breaks a cross-column rule (``rule``: its name)
    "repeat",  # a row repeating row ``other_row`` exactly: dropped
    "with_its_day",  # dropped only because row ``other_row`` of its keyword-day was
    "key_repeat",  # repeats the keyword-day of row ``other_row`` with other values: flagged
    "unsummed_bid",  # its bid differs from row ``other_row`` of its keyword-day: flagged
)

#: The kinds of the dropped rows that are no bad data: the export's totals line, a
#: keyword-day's total row over its split, an exact copy of an earlier row, and a row
#: dropped only because another row of its keyword-day was (:attr:`LoadIssue.bad_data`).
_NO_BAD_DATA = frozenset({"export_total", "split_total", "repeat", "with_its_day"})

IssueKind = Literal[
    "export_total",
    "split_total",
    "cell",
    "rule",
    "repeat",
    "with_its_day",
    "key_repeat",
    "unsummed_bid",
]


@dataclass(frozen=True, slots=True)
class LoadIssue:
    """Why one source row was dropped or flagged on load.

    Attributes
    ----------
    row : int
        0-based index of the row among the source's data rows.
    action : {"dropped", "flagged"}
        Dropped (not in the log), or kept and flagged (a waived rule, a repeated
        keyword-day, a keyword-day left unsummed).
    kind : str
        One of :data:`ISSUE_KINDS`.
    column : str
        The bidopt column at fault (``date``, ``clicks``, ...; for a split total row, the
        split column: ``device``, ``hour``, ...).
    where : str
        The row as a person finds it in the source: ``line 5 of 'report.csv'`` for a file
        (its line as a text editor and Excel number it), ``row 3`` (the 0-based index) for
        a table in memory.
    detail : str
        The fault after the column, in English (``is not a date; got 'x'``).
    remedy : str
        What to do about it, in English (``""`` when ``detail`` says it).
    rule : str or None
        The cross-column rule broken (``"conversions_le_clicks"``, ...), for ``"rule"``.
    other_row : int or None
        The row this one repeats or goes with (``"repeat"``, ``"with_its_day"``,
        ``"key_repeat"``, ``"unsummed_bid"``).
    label : str or None
        For ``"split_total"``: the row's split label as read (``"全部"``; ``""`` for an
        empty cell).
    keyword : str
        The row's keyword as read (``""`` when empty).
    date : str
        The row's date, ``YYYY-MM-DD`` (``""`` when it is not a date).
    line : int or None
        The row's 1-based line in the source file: the line it starts on in a text
        editor, which is the row number Excel shows (for a CSV file, unless a cell above
        holds a line break; for a workbook, always); None for a source that is not a file.
    values : tuple of (str, str)
        The cells at fault as (bidopt column, cell as written in the source; ``""`` for
        an empty cell): the cell of a ``"cell"`` issue, the cells a ``"rule"`` compares;
        empty for the other kinds (a row dropped or flagged as a whole).
    other_line : int or None
        The file line of row ``other_row`` (as ``line``); None without one.
    """

    row: int
    action: Literal["dropped", "flagged"]
    kind: IssueKind
    column: str
    where: str
    detail: str
    remedy: str = ""
    rule: str | None = None
    other_row: int | None = None
    label: str | None = None
    keyword: str = ""
    date: str = ""
    line: int | None = None
    values: tuple[tuple[str, str], ...] = ()
    other_line: int | None = None

    @property
    def fault(self) -> str:
        """The row, its column and the fault, in English (the text without its remedy)."""
        return f"{self.where}: `{self.column}` {self.detail}"

    @property
    def bad_data(self) -> bool:
        """False for a row that is no bad data (the export's totals line, a keyword-day's
        total row over its split, an exact copy of an earlier row, a row dropped only
        with its keyword-day), True for the others (a bad cell, a broken rule, a
        flagged repeat or bid)."""
        return self.kind not in _NO_BAD_DATA

    @property
    def text(self) -> str:
        """The issue as one English sentence (what ``LoadReport.reasons`` lists)."""
        return f"{self.fault}; {self.remedy}" if self.remedy else self.fault

    def __str__(self) -> str:
        return self.text

    def summary(self) -> str:
        """The issue in a line: its action, then its sentence."""
        return f"{self.action} ({self.kind}) {self.text}"

    def to_frame(self) -> Any:
        """The record as a one-row DataFrame, one column per field and ``text`` (needs
        pandas; ``LoadReport.to_frame()`` lists a report's rows)."""
        pd = require_pandas("LoadIssue.to_frame()")
        return pd.DataFrame([{**{f.name: getattr(self, f.name) for f in fields(self)}}])


@dataclass(frozen=True, slots=True)
class KeywordDay:
    """A keyword-day the reader summed at an average bid, or left on its split rows.

    Attributes
    ----------
    campaign, ad_group, keyword, match_type : str or None
        The keyword's key as the log holds it (``match_type`` as ``exact`` / ``phrase``
        / ``broad``); None for a column the source does not have.
    date : str
        ``YYYY-MM-DD``.
    bids : tuple of float
        Each of the day's rows' bid, in row order (empty for a log without bids).
    labels : tuple of str
        Each row's split label (``"设备 无线"``), in row order; empty when not named.
    """

    campaign: str | None
    ad_group: str | None
    keyword: str | None
    match_type: str | None
    date: str
    bids: tuple[float, ...] = ()
    labels: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[str | None, str | None, str | None, str | None]:
        """(campaign, ad group, keyword, match type)."""
        return (self.campaign, self.ad_group, self.keyword, self.match_type)

    def name(self, match_labels: Mapping[str, str] | None = None) -> str:
        """The key's parts that the source has, joined by `` / `` (the match type as
        ``match_labels`` spells it, when given: ``精确匹配`` for ``exact``)."""
        parts = list(self.key)
        if match_labels and parts[3] is not None:
            parts[3] = match_labels.get(parts[3], parts[3])
        return " / ".join(p for p in parts if p is not None)

    def text(
        self, lang: Literal["en", "zh"] = "en", match_labels: Mapping[str, str] | None = None
    ) -> str:
        """``'campaign / ad group / keyword / match type' on DATE: bids b1, b2`` (each
        row's split label before its bid when known); ``lang="zh"`` in Chinese."""
        name = repr(self.name(match_labels))
        zh = lang == "zh"
        head = f"{name} {self.date}" if zh else f"{name} on {self.date}"
        if not self.bids:
            return head
        bid, comma, colon = ("出价", "，", "：") if zh else ("bid", ", ", ": ")
        if self.labels:
            rows = comma.join(
                f"{label} {bid} {b:g}" for label, b in zip(self.labels, self.bids, strict=True)
            )
        else:
            rows = (f"{bid} " if zh else "bids ") + comma.join(f"{b:g}" for b in self.bids)
        return f"{head}{colon}{rows}"

    def __str__(self) -> str:
        return self.text()

    def summary(self) -> str:
        """The keyword-day in a line (:meth:`text`)."""
        return self.text()

    def to_frame(self) -> Any:
        """One row per row of the keyword-day: the key, the date, the row's split label
        and bid (needs pandas)."""
        pd = require_pandas("KeywordDay.to_frame()")
        n = len(self.bids)
        return pd.DataFrame(
            {
                "campaign": [self.campaign] * n,
                "ad_group": [self.ad_group] * n,
                "keyword": [self.keyword] * n,
                "match_type": [self.match_type] * n,
                "date": [self.date] * n,
                "label": list(self.labels) if self.labels else [""] * n,
                "bid": list(self.bids),
            }
        )
