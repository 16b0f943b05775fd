"""Reading raw tables (CSV files, mappings of columns, DataFrames) into columns.

Shared by the loaders of ``bidopt.datasets`` and ``BidLandscape.from_points``: "a table"
comes in three shapes and becomes a dict of column name -> numpy array, without pandas:

* a path to a delimited text file (comma, tab or semicolon; UTF-8, UTF-8 with BOM, or
  GB18030 as Chinese report exports often are; ``.gz`` is decompressed);
* a path to an Excel workbook (``.xlsx``, its first sheet; needs openpyxl);
* a mapping of column name -> array-like;
* a pandas DataFrame (duck-typed: anything with ``columns`` and ``__getitem__``).

A report export may carry title rows above its header ("推广计划报告 2026-11-01~2026-11-07",
the shop's name, the export time): a reader that knows its columns passes a
:class:`HeaderSpec`, and the header of a file is the first of its first rows that holds
the reader's required columns; the rows above it are skipped and kept in
``RawTable.skipped`` for the reader to say so.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from bidopt._excel import is_xlsx, read_xlsx
from bidopt._optional import require_pandas
from bidopt._validation import short_repr
from bidopt._wording import counted
from bidopt.exceptions import InvalidInputError

__all__ = ["HEADER_SEARCH_ROWS", "HeaderSpec", "RawTable", "read_table"]

#: How many non-blank rows at the top of a file are searched for the header row.
HEADER_SEARCH_ROWS = 10


@dataclass(frozen=True, slots=True)
class RawTable:
    """Columns as read, before any parsing.

    Attributes
    ----------
    columns : dict of str to ndarray
        Source header -> values (object arrays for text files).
    source : str
        A description of where the table came from, for messages.
    line_numbers : ndarray of int64 or None
        For files, the 1-based line (Excel row) number of each data row.
    header_line : int or None
        For files, the 1-based line (Excel row) number of the header row.
    skipped : tuple of str
        For files, the rows above the header row (an export's title rows), each as its
        non-blank cells joined by spaces; empty when the header is the first row.
    """

    columns: dict[str, npt.NDArray[Any]]
    source: str
    line_numbers: npt.NDArray[np.int64] | None = None
    header_line: int | None = None
    skipped: tuple[str, ...] = ()

    @property
    def n_rows(self) -> int:
        """Number of data rows."""
        return 0 if not self.columns else len(next(iter(self.columns.values())))

    def where(self, row: int) -> str:
        """Describe data row ``row`` (0-based) for a message: ``line N of 'file'`` for a
        file (its line as a text editor and Excel number it: never the 0-based index),
        ``row k`` (the 0-based index, as a DataFrame's) for a table in memory."""
        if self.line_numbers is not None:
            return f"line {int(self.line_numbers[row])} of {self.source}"
        return f"row {row}"

    def ref(self, row: int) -> str:
        """Data row ``row`` (0-based) named within its own file: ``line N`` for a file,
        ``row k`` for a table in memory (for "repeats line N" after :meth:`where`)."""
        if self.line_numbers is not None:
            return f"line {int(self.line_numbers[row])}"
        return f"row {row}"


@dataclass(frozen=True, slots=True)
class HeaderSpec:
    """How a reader recognises its header row among the first rows of a file.

    Attributes
    ----------
    column : callable of str to str or None
        A header cell -> the reader's column it names (None: not one of its columns).
    required : tuple of str
        The reader's columns a header row must hold.
    hint : mapping of str to str
        For a required column, the headers recognised for it (for the error message).
    """

    column: Callable[[str], str | None]
    required: tuple[str, ...]
    hint: Mapping[str, str] = field(default_factory=dict)

    def pick(self, records: Sequence[tuple[int, Sequence[Any]]], source: str) -> int:
        """The index of the header among ``records`` (a file's non-blank rows as (line,
        cells), in order): the first of the first :data:`HEADER_SEARCH_ROWS` that holds
        every required column.

        Raises
        ------
        InvalidInputError
            If none does: it names the columns missing from the row holding the most
            of the reader's columns, and that row's line.
        """
        best, most = 0, -1
        for i, (_, cells) in enumerate(records[:HEADER_SEARCH_ROWS]):
            named = {self.column(str(c).strip()) for c in cells if c is not None}
            if all(r in named for r in self.required):
                return i
            named.discard(None)
            if len(named) > most:
                best, most = i, len(named)
        line, cells = records[best]
        named = {self.column(str(c).strip()) for c in cells if c is not None}
        missing = [r for r in self.required if r not in named]
        closest = (
            f"the closest, line {line}, lacks {missing}: {short_repr(_joined(cells))}"
            if most > 0
            else f"none of them names any of its columns (line {line}: "
            f"{short_repr(_joined(cells))})"
        )
        raise InvalidInputError(
            f"`source` must have a header row with columns for {list(self.required)} "
            f"within its first {HEADER_SEARCH_ROWS} rows. Got no such row in {source} "
            f"instead: {closest}. Recognised headers: "
            + "; ".join(f"{c}: {self.hint[c]}" for c in missing if c in self.hint)
            + "."
        )


def _joined(cells: Sequence[Any]) -> str:
    """A skipped row's non-blank cells, joined by spaces."""
    return " ".join(str(c).strip() for c in cells if c is not None and str(c).strip())


def _is_common(char: str, encoding: str) -> bool:
    """Whether ``char`` is ordinary text in ``encoding``: a first-level (most common)
    hanzi or a punctuation mark of GB2312 (``gb2312``) or Big5 (``big5``)."""
    try:
        lead = char.encode(encoding)[0]
    except UnicodeEncodeError:
        return False
    if encoding == "gb2312":
        return 0xA1 <= lead <= 0xA3 or 0xB0 <= lead <= 0xD7
    return 0xA1 <= lead <= 0xA3 or 0xA4 <= lead <= 0xC6


def _rare_share(text: str, encoding: str) -> tuple[float, list[str]]:
    """Share of the distinct non-ASCII characters of ``text`` that are rare (or private
    use) in ``encoding``, and those characters."""
    distinct = sorted({c for c in text if not c.isascii()})
    if not distinct:
        return 0.0, []
    rare = [c for c in distinct if not _is_common(c, encoding)]
    return len(rare) / len(distinct), rare


# A GB18030 decoding whose distinct characters are more than this share rare is not
# believed (simplified Chinese reports sit near 0.15; Big5 bytes read as GB18030 near
# 0.7); below it the file is read as GB18030.
_RARE_LIMIT = 0.3


def _decode(data: bytes, source: str) -> str:
    """Decode a report: UTF-8 (with or without a BOM), else GB18030.

    GB18030 decodes almost any bytes, so its result is checked: text that is mostly
    rare characters or private-use code points (U+E000-U+F8FF) is mojibake, most often
    a Big5 (traditional Chinese) export, and raises instead of giving wrong keywords.
    """
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        raise InvalidInputError(
            f"The file must be UTF-8 or GB18030 text. Got {source}, which is neither, "
            "instead; re-export the report as UTF-8."
        ) from None
    share, rare = _rare_share(text, "gb2312")
    private = any("\ue000" <= c <= "\uf8ff" for c in rare)
    if share <= _RARE_LIMIT and not private:
        return text
    hint = ""
    try:
        big5 = data.decode("big5")
    except UnicodeDecodeError:
        big5 = None
    if big5 is not None and _rare_share(big5, "big5")[0] < share:
        sample = "".join(sorted({c for c in big5 if not c.isascii()})[:8])
        hint = f" It decodes as Big5 (traditional Chinese: {sample!r}...)."
    raise InvalidInputError(
        f"The file must be UTF-8 or GB18030 text. Got {source} instead: it is not UTF-8, "
        "and as GB18030 it reads as "
        f"mojibake ({share:.0%} of its distinct characters are rare or private-use, such "
        f"as {''.join(rare[:8])!r}).{hint} Tried UTF-8 and GB18030. Re-export the report as "
        "UTF-8 (in Excel: Save As > CSV UTF-8)."
    )


def _read_text(path: Path, header: HeaderSpec | None) -> RawTable:
    raw = path.read_bytes()
    if path.suffix == ".gz":
        raw = gzip.decompress(raw)
    text = _decode(raw, str(path))
    dialect = _dialect(text, header)
    # a field may be as long as the whole file (the csv module's default cap is 128 KiB,
    # which a long keyword list or note pasted into a cell can pass); the cap is the
    # module's global state, so it is restored afterwards
    limit = csv.field_size_limit()
    try:
        csv.field_size_limit(max(limit, len(text) + 1))
        return _parse_rows(csv.reader(io.StringIO(text, newline=""), dialect), path, header)
    finally:
        csv.field_size_limit(limit)


_DELIMITERS = ",\t;"


def _dialect(text: str, spec: HeaderSpec | None) -> Any:
    """The csv dialect of ``text``: the one :class:`csv.Sniffer` finds on its start.

    An export's title row (one cell, no delimiter) can mislead the sniffer (or make it
    give up, which means commas): when a reader's ``spec`` finds no header row among the
    first rows as sniffed, each of comma, tab and semicolon is tried in turn and the
    first under which a header row holds the required columns is used. When none does,
    the sniffed dialect is kept and the header search raises its error.
    """
    try:
        sniffed: Any = csv.Sniffer().sniff(text[:8192], delimiters=_DELIMITERS)
    except csv.Error:
        sniffed = csv.excel
    if spec is None or not text.strip():
        return sniffed
    candidates = [sniffed] + [
        type(f"_{ord(d)}", (csv.excel,), {"delimiter": d})
        for d in _DELIMITERS
        if d != sniffed.delimiter
    ]
    for dialect in candidates:
        records: list[tuple[int, list[str]]] = []
        reader = csv.reader(io.StringIO(text[:65536], newline=""), dialect)
        try:
            for record in reader:
                if record and any(cell.strip() for cell in record):
                    records.append((reader.line_num, record))
                    if len(records) >= HEADER_SEARCH_ROWS:
                        break
            spec.pick(records, "")
        except (csv.Error, InvalidInputError):
            continue
        return dialect
    return sniffed


def _parse_rows(reader: Any, path: Path, spec: HeaderSpec | None) -> RawTable:
    records: list[tuple[int, list[str]]] = []
    # each record's line is the line it starts on (what a text editor shows, and Excel's
    # row unless a cell above holds a line break): reader.line_num is the line it ends
    # on, later than its start for a quoted cell with a line break in it
    start = 1
    for record in reader:
        first, start = start, reader.line_num + 1
        if not record or all(not cell.strip() for cell in record):
            continue  # blank lines carry no data
        records.append((first, record))
    if not records:
        raise InvalidInputError(
            f"The file must have a header row and data rows. Got the empty file {path} instead."
        )
    at = 0 if spec is None else spec.pick(records, repr(str(path)))
    header_line, cells = records[at]
    header = [cell.strip() for cell in cells]
    for line, record in records[at + 1 :]:
        if len(record) != len(header):
            raise InvalidInputError(
                f"Every line of {path} must have as many fields as its header "
                f"({len(header)}: {', '.join(header)}). Got {short_repr(record)} "
                f"({len(record)} fields) on line {line} instead."
            )
    return _rows_table(
        header,
        [cells for _, cells in records[at + 1 :]],
        [line for line, _ in records[at + 1 :]],
        path,
        repr(str(path)),
        header_line=header_line,
        skipped=records[:at],
    )


def _rows_table(
    header: list[str],
    rows: Sequence[Sequence[Any]],
    lines: list[int],
    path: Path,
    where: str,
    *,
    header_line: int,
    skipped: Sequence[tuple[int, Sequence[Any]]],
) -> RawTable:
    """The table of a file read as a header and rows of cells (CSV lines or worksheet
    rows, each as long as the header), ``lines`` the file's line (row) number of each,
    ``header_line`` the header's and ``skipped`` the rows above it (number, cells)."""
    duplicated = sorted({h for h in header if header.count(h) > 1})
    if duplicated:
        raise InvalidInputError(
            f"The header of {path} must name each column once. Got {duplicated} more than "
            "once instead"
            + (
                f" (line {header_line}; {counted(len(skipped), 'row')} above it "
                f"{'was' if len(skipped) == 1 else 'were'} skipped as titles)."
                if skipped
                else "."
            )
        )
    if rows:
        matrix = np.empty((len(rows), len(header)), dtype=object)
        matrix[:] = rows
        columns = {h: matrix[:, j] for j, h in enumerate(header)}
    else:
        columns = {h: np.zeros(0, dtype=object) for h in header}
    return RawTable(
        columns,
        where,
        np.asarray(lines, dtype=np.int64),
        header_line,
        tuple(_joined(cells) for _, cells in skipped),
    )


def _column(values: Any) -> npt.NDArray[Any]:
    """One column of a mapping as an array.  A list mixing text with other values
    (``[nan, "b"]``, ``[None, "b"]``) stays an object array: numpy would turn it into
    text (``"nan"``, ``"None"``) and a missing cell would read as a value."""
    array = np.asarray(values)
    if (
        array.dtype.kind == "U"
        and isinstance(values, (list, tuple))
        and any(not isinstance(v, str) for v in values)
    ):
        return np.array(values, dtype=object)
    return array


def read_table(source: Any, *, name: str = "source", header: HeaderSpec | None = None) -> RawTable:
    """Read a path, a mapping of columns, or a DataFrame into a :class:`RawTable`.

    ``header`` (files only): how to find the header row below an export's title rows
    (:class:`HeaderSpec`); without it the first non-blank row is the header.

    Raises
    ------
    InvalidInputError
        If the source is of none of these kinds, a file cannot be parsed, or the
        columns have different lengths.
    """
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.is_file():
            raise InvalidInputError(
                f"`{name}` must be an existing file. Got {str(path)!r} instead."
            )
        if is_xlsx(path):
            names, rows, lines, where, at, skipped = read_xlsx(
                path, pick=None if header is None else header.pick
            )
            return _rows_table(names, rows, lines, path, where, header_line=at, skipped=skipped)
        return _read_text(path, header)
    if isinstance(source, Mapping):
        labels = [str(k) for k in source]
        columns = {str(k): _column(v) for k, v in source.items()}
        where = "<mapping>"
    elif hasattr(source, "columns") and hasattr(source, "__getitem__"):
        labels = [str(c) for c in source.columns]
        duplicated = sorted({c for c in labels if labels.count(c) > 1})
        if duplicated:
            raise InvalidInputError(
                f"`{name}` must name each column once. Got {duplicated} more than once "
                "instead; keep one of each."
            )
        columns = {str(c): np.asarray(source[c]) for c in source.columns}
        where = "<DataFrame>"
    else:
        raise InvalidInputError(
            f"`{name}` must be a path to a CSV file, a mapping of column name -> array, "
            f"or a pandas DataFrame. Got {short_repr(source)} instead."
        )
    if len(columns) != len(labels):
        raise InvalidInputError(
            f"`{name}` must have column names that differ as text. Got {labels} instead; "
            "keep one of each."
        )
    lengths = {k: (v.shape[0] if v.ndim >= 1 else -1) for k, v in columns.items()}
    bad = {k: n for k, n in lengths.items() if n < 0}
    if bad:
        raise InvalidInputError(
            f"`{name}` columns must be 1-dimensional. Got scalars in {bad} instead."
        )
    shaped = {k: v.shape for k, v in columns.items() if v.ndim > 1}
    if shaped:
        raise InvalidInputError(
            f"`{name}` columns must be 1-dimensional. Got shapes {shaped} instead."
        )
    if len(set(lengths.values())) > 1:
        raise InvalidInputError(
            f"`{name}` columns must all have the same length. Got lengths {lengths} instead."
        )
    return RawTable(columns, where, None)


def slot_frame(
    multipliers: npt.NDArray[np.float64], spend: npt.NDArray[np.float64], caller: str
) -> Any:
    """One row per time slot: the multiplier, the spend and the cumulative spend (a
    pandas DataFrame; ``caller`` names what needs pandas when it is missing)."""
    pd = require_pandas(caller)
    return pd.DataFrame(
        {
            "slot": np.arange(multipliers.size),
            "multiplier": multipliers,
            "spend": spend,
            "cumulative_spend": np.cumsum(spend),
        }
    )
