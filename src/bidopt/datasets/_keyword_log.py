"""The keyword performance log: one row per keyword and day."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import numpy.typing as npt

from bidopt._optional import require_pandas
from bidopt._validation import as_owned, check_rows, frozen, rebuild_on_unpickle, short_repr
from bidopt.datasets._categorical import Categorical
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
_DAY = np.dtype("datetime64[D]")


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
    reasons : tuple of str, length n_dropped
        Why each dropped row was dropped (row, column, value, contract).
    column_map : dict of str to str
        Source header -> bidopt column, for every column used.
    ignored_columns : tuple of str
        Source columns that bidopt does not use (kept out of the log, not lost silently).
    flagged_rows : array of int64, shape (n_flagged,)
        0-based indices of rows kept although they break a rule waived with ``relax=``.
    flags : tuple of str, length n_flagged
        Which waived rule each flagged row breaks, with its values.
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
    """

    source: str = "<unknown>"
    n_read: int = 0
    dropped_rows: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    reasons: tuple[str, ...] = ()
    column_map: Mapping[str, str] = field(default_factory=dict)
    ignored_columns: tuple[str, ...] = ()
    flagged_rows: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    flags: tuple[str, ...] = ()
    title_rows: tuple[str, ...] = ()
    header_line: int | None = None
    lost_keys: tuple[str, ...] = ()
    match_labels: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("dropped_rows", "flagged_rows"):
            value = getattr(self, name)
            array = np.asarray(value, dtype=np.int64).reshape(-1)
            object.__setattr__(self, name, as_owned(array, value))

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
            f"Read {self.n_read} rows from {self.source}: kept {self.n_kept}, "
            f"dropped {self.n_dropped}."
        ]
        if self.title_rows:
            lines.append(self.title_note())
        if self.column_map:
            mapped = ", ".join(f"{k!r} -> {v}" for k, v in self.column_map.items())
            lines.append(f"Columns: {mapped}.")
        if self.ignored_columns:
            lines.append(f"Ignored columns: {', '.join(map(repr, self.ignored_columns))}.")
        if self.flags:
            lines.append(
                f"Kept {len(self.flags)} rows that break a waived rule (see `flagged_rows`):"
            )
            lines.extend(f"  flagged {flag}" for flag in self.flags[:max_reasons])
        if self.lost_keys:
            n_lost = len(self.lost_keys)
            lines.append(f"{n_lost} keyword{'s' * (n_lost != 1)} lost every row (none is read):")
            lines.extend(f"  lost {key}" for key in self.lost_keys[:max_reasons])
        for reason in self.reasons[:max_reasons]:
            lines.append(f"  dropped {reason}")
        if len(self.reasons) > max_reasons:
            lines.append(f"  ... and {len(self.reasons) - max_reasons} more dropped rows.")
        return "\n".join(lines)

    def title_note(self) -> str:
        """What was skipped above the header row, in a line ("" when nothing was)."""
        if not self.title_rows:
            return ""
        shown = "; ".join(repr(t) for t in self.title_rows[:3])
        more = f"; ... ({len(self.title_rows) - 3} more)" if len(self.title_rows) > 3 else ""
        return (
            f"Header on line {self.header_line}: skipped {len(self.title_rows)} row(s) above "
            f"it as the export's title: {shown}{more}."
        )

    def to_frame(self) -> Any:
        """One row per dropped or flagged source row: ``row`` (0-based among the
        source's data rows), ``action`` (``"dropped"`` or ``"flagged"``) and ``reason``
        (needs pandas)."""
        pd = require_pandas("LoadReport.to_frame()")
        return pd.DataFrame(
            {
                "row": np.r_[self.dropped_rows, self.flagged_rows].astype(np.int64),
                "action": ["dropped"] * self.n_dropped + ["flagged"] * len(self.flags),
                "reason": [*self.reasons, *self.flags],
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
