"""``read_channel_history``: a spend history per channel and period, with its KPI."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from bidopt._optional import require_pandas
from bidopt._tables import HeaderSpec, read_table
from bidopt._validation import frozen
from bidopt._wording import counted
from bidopt.datasets._keyword_reader import _UNIT_SUFFIX
from bidopt.datasets._parsing import parse_dates, parse_numbers, totals_rows
from bidopt.exceptions import InvalidInputError, MissingColumnError
from bidopt.typing import FloatArray

__all__ = ["ChannelHistory", "read_channel_history"]

#: Headers read as the period column and as the KPI column (compared after NFKC and
#: lower-casing, without spaces).
PERIOD_HEADERS = (
    "date",
    "day",
    "week",
    "month",
    "period",
    "日期",
    "周",
    "月",
    "月份",
    "年月",
    "统计日期",
    "统计月份",
    "时间",
)
KPI_HEADERS = ("revenue", "gmv", "sales", "kpi", "成交金额", "总成交金额", "销售额", "gmv(元)")


def _canon(header: str) -> str:
    # a unit suffix is not part of the name: 成交金额(元) is 成交金额, as in keyword reports
    return _UNIT_SUFFIX.sub(
        "", unicodedata.normalize("NFKC", header).strip().lower().replace(" ", "")
    )


@dataclass(frozen=True, slots=True, eq=False)
class ChannelHistory:
    """Spend per channel and period, and the KPI (revenue) of each period.

    Attributes
    ----------
    periods : ndarray of datetime64[D] or None, shape (n_periods,)
        The period's date (None when the file has no date column, or when its period
        labels are not dates, such as ``W1``); a month (a ``datetime64`` month or year,
        ``2026-01``, ``2026年1月``, a pandas ``Period`` of months) is read as its period's
        first day (monthly periods are periods here, unlike in the keyword reader, where
        a row is a day).
    channels : tuple of str
    spend : ndarray of float64, shape (n_periods, n_channels)
        Yuan per period.
    kpi : ndarray of float64, shape (n_periods,)
        Revenue (or the KPI column named) per period.
    kpi_name : str
        The KPI's column in the file.
    source : str
    dropped : tuple of str
        The source rows left out, each with its reason: an export's title rows above the
        header, and its totals row (合计, 总计, Total, or a dash in the period cell), which
        is the sum of the periods and not one more period.
    """

    periods: npt.NDArray[np.datetime64] | None
    channels: tuple[str, ...]
    spend: FloatArray
    kpi: FloatArray
    kpi_name: str
    source: str
    dropped: tuple[str, ...] = ()

    @property
    def n_periods(self) -> int:
        """Number of periods (rows)."""
        return int(self.kpi.size)

    def spend_by_channel(self) -> dict[str, FloatArray]:
        """Channel -> its spend per period (the input of ``fit_response``)."""
        return {c: self.spend[:, j] for j, c in enumerate(self.channels)}

    def observed_range(self) -> dict[str, tuple[float, float]]:
        """Channel -> (lowest, highest) spend per period in the history, yuan."""
        return {
            c: (float(self.spend[:, j].min()), float(self.spend[:, j].max()))
            for j, c in enumerate(self.channels)
        }

    def summary(self) -> str:
        """Periods, channels and their spend ranges."""
        lines = [
            f"ChannelHistory from {self.source}: {self.n_periods} periods, "
            f"{len(self.channels)} channels, KPI {self.kpi_name!r} "
            f"(total {self.kpi.sum():,.0f})"
        ]
        lines += [f"  left out {reason}" for reason in self.dropped]
        for c, (lo, hi) in self.observed_range().items():
            lines.append(f"  {c}: spend {lo:,.0f}..{hi:,.0f} per period")
        return "\n".join(lines)

    def to_frame(self) -> Any:
        """One row per period: date (if any), each channel's spend, the KPI (needs pandas)."""
        pd = require_pandas("ChannelHistory.to_frame()")
        data: dict[str, Any] = {}
        if self.periods is not None:
            data["date"] = self.periods
        data.update(self.spend_by_channel())
        data[self.kpi_name] = self.kpi
        return pd.DataFrame(data)


def _check_unlabelled_totals(values: FloatArray, table: Any, rows: npt.NDArray[np.intp]) -> None:
    """Refuse a last row that equals the sum of the rows above it in every column (spend
    and KPI, to the cent): without a period column a totals row has no label to drop it
    by, and it would be fitted as one more period."""
    above = values[:-1].sum(axis=0)
    tolerance = 0.005 * values.shape[0] + 1e-9 * np.abs(above)
    informative = bool(above[-1] > 0 and (above[:-1] > 0).any())  # (not all zeros)
    if informative and bool((np.abs(values[-1] - above) <= tolerance).all()):
        raise InvalidInputError(
            f"`source` must hold one row per period. Got {table.where(int(rows[-1]))} of "
            f"{table.source}, which equals the sum of the rows above it in every column "
            "(a totals row), instead; remove it, or give the file a period column (日期) "
            "where the totals row reads 合计."
        )


def _header(kpi: str | None) -> HeaderSpec:
    """The header row is the first that names the KPI column (``kpi``, or a revenue
    header when ``kpi`` is None), so an export's title rows, or a note sheet before the
    history's sheet in a workbook, are skipped as the keyword reader skips them."""

    def column(cell: str) -> str | None:
        if (cell == kpi) if kpi is not None else (_canon(cell) in KPI_HEADERS):
            return "kpi"
        return "period" if _canon(cell) in PERIOD_HEADERS else None

    return HeaderSpec(column, ("kpi",), {"kpi": kpi or "/".join(KPI_HEADERS[:6])})


def read_channel_history(
    source: Any,
    *,
    kpi: str | None = None,
    channels: Sequence[str] | None = None,
) -> ChannelHistory:
    """Read a channel spend history: one row per period (day, week or month), one spend
    column per channel, and a KPI column.

    Parameters
    ----------
    source : path, mapping of str to array-like, or pandas.DataFrame
        CSV/TSV (UTF-8 or GB18030) or ``.xlsx``, as :func:`read_keyword_log` reads.
        Numbers may be written ``"1,234"``, ``"¥12.3"``, ``"1.2万"``.
    kpi : str, optional
        The KPI column.  Default: the column headed revenue / GMV / sales / 成交金额 /
        销售额.
    channels : sequence of str, optional
        The spend columns.  Default: every column but the period (headed date / week /
        month / 日期 / 周 / 月份 ...) and the KPI.

    Returns
    -------
    ChannelHistory

    Raises
    ------
    MissingColumnError
        If ``kpi`` or a channel is not a column, or no KPI column is found.
    InvalidInputError
        For a cell that is not a number >= 0, a period cell that is not a date when
        others are, a period that repeats an earlier one, or fewer than 3 periods.

    Notes
    -----
    The header is the first row that names the KPI column: an export's title rows above it
    are left out and listed in ``dropped``, and in a workbook whose first sheet holds no
    such row (a note, 说明) the first sheet that does is read (its name is in ``source``).
    An export's totals row (合计, 总计, 汇总, 小计, Total, Sum or a dash in the period
    cell) is left out and listed in ``dropped``.  Without a period column, a last row that
    equals the sum of the rows above it in every column is refused as a totals row.
    """
    try:
        table = read_table(source, header=_header(kpi))
    except InvalidInputError:
        # no row names the KPI: read the first row as the header, and say below what is
        # missing from it (as before the header search)
        table = read_table(source)
    headers = list(table.columns)
    canon = {_canon(h): h for h in headers}
    period = next((canon[p] for p in PERIOD_HEADERS if p in canon), None)
    if kpi is None:
        kpi = next((canon[k] for k in KPI_HEADERS if k in canon), None)
        if kpi is None:
            raise MissingColumnError(
                f"`kpi` must name the revenue column of {table.source}; none of its columns "
                f"{headers} is headed {', '.join(KPI_HEADERS[:6])}. Name it (--kpi COLUMN)."
            )
    elif kpi not in table.columns:
        raise MissingColumnError(
            f"`kpi` must be a column of {table.source}. Got {kpi!r} instead; its columns: "
            f"{headers}."
        )
    if channels is None:
        names = [h for h in headers if h not in (period, kpi)]
    else:
        names = list(channels)
        missing = [c for c in names if c not in table.columns]
        if missing:
            raise MissingColumnError(
                f"`channels` must be columns of {table.source}. Got {missing} instead; its "
                f"columns: {headers}."
            )
    if not names:
        raise InvalidInputError(
            f"`source` must have at least one spend column besides the period and the KPI. "
            f"Got columns {headers} instead."
        )
    # an export's totals row (合计 in the period cell) is the sum of the periods, not one
    # more period: it is left out and listed (as the keyword reader drops it)
    totals = (
        totals_rows(table.columns[period])
        if period is not None
        else np.zeros(table.n_rows, dtype=bool)
    )
    rows = np.flatnonzero(~totals)
    dropped = tuple(
        f"a title row above the header (line {table.header_line}): {text!r}"
        for text in table.skipped
    ) + tuple(
        f"{table.where(int(r))}: {table.columns[period][r]!r} in {period!r} is the export's "
        "totals row (the sum of the periods, not a period)"
        for r in np.flatnonzero(totals)
        if period is not None
    )
    n = rows.size
    if n < 3:
        raise InvalidInputError(
            f"`source` must have at least 3 periods to fit response curves. Got {n} instead."
        )
    matrix = np.empty((n, len(names)))
    for j, name in enumerate([*names, kpi]):
        column = table.columns[name][rows]
        values, missing_cells, bad = parse_numbers(column)
        wrong = missing_cells | bad | ~(np.nan_to_num(values, nan=-1.0) >= 0)
        if wrong.any():
            row = int(np.flatnonzero(wrong)[0])
            raise InvalidInputError(
                f"Column {name!r} of {table.source} must hold numbers >= 0. Got "
                f"{column[row]!r} at {table.where(int(rows[row]))} instead."
            )
        if j < len(names):
            matrix[:, j] = values
        else:
            kpi_values = values
    if period is None:
        _check_unlabelled_totals(np.column_stack([matrix, kpi_values]), table, rows)
    dates = None
    if period is not None:
        cells = table.columns[period][rows]
        # (a period column: a month, as datetime64, text or a Period, is its first day)
        parsed, bad_dates = parse_dates(cells, periods=True)
        if not bad_dates.any():
            dates = frozen(parsed)
            # a period twice (a history exported twice, or pasted with an overlap) would be
            # fitted as two periods: refused, as the keyword reader refuses a repeated row
            _, first, inverse = np.unique(parsed, return_index=True, return_inverse=True)
            repeats = np.flatnonzero(first[inverse.ravel()] != np.arange(n))
            if repeats.size:
                row = int(repeats[0])
                earlier = int(first[inverse.ravel()[row]])
                raise InvalidInputError(
                    f"Column {period!r} of {table.source} must hold each period once. Got "
                    f"{cells[row]!r} at {table.where(int(rows[row]))}, which repeats "
                    f"{table.where(int(rows[earlier]))}, instead "
                    f"({counted(repeats.size, 'repeated row')} in all); keep one row per period."
                )
        elif not bad_dates.all():
            # some periods are dates and some are not: a stray row, not a period label
            row = int(np.flatnonzero(bad_dates)[0])
            raise InvalidInputError(
                f"Column {period!r} of {table.source} must hold a date in every row (or in "
                f"none). Got {cells[row]!r} at {table.where(int(rows[row]))} instead; a "
                "totals row is recognised by 合计/总计/汇总/小计/Total/Sum/- in this column."
            )
    return ChannelHistory(
        periods=dates,
        channels=tuple(names),
        spend=frozen(matrix),
        kpi=frozen(kpi_values),
        kpi_name=kpi,
        source=table.source,
        dropped=dropped,
    )
