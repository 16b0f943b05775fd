"""Reading and writing Excel workbooks (``.xlsx``) through the optional openpyxl.

Taobao / Tmall report downloads are usually ``.xlsx``; :func:`read_xlsx` reads the first
worksheet (for a reader that looks for its header row, the first sheet that has one)
into the columns ``bidopt._tables.read_table`` gives for a CSV file (cells as Python
values: numbers stay numbers, text such as ``"1.2万"`` is parsed later by the loaders),
and :func:`write_xlsx` writes one sheet for the bid file.  Cells merged down several
rows read as their top-left value in each row (see :func:`_records`).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bidopt._optional import require_openpyxl
from bidopt._validation import short_repr
from bidopt._wording import display_width
from bidopt.exceptions import InvalidInputError

__all__ = ["EXCEL_SUFFIXES", "is_xlsx", "read_xlsx", "sheet_note", "write_xlsx"]

#: File suffixes read as Excel workbooks.
EXCEL_SUFFIXES = (".xlsx", ".xlsm")

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an old-format (.xls) workbook's first bytes
_HEAD = 4096  # bytes read to tell a workbook, an old .xls or a web page from text


def is_xlsx(path: Path) -> bool:
    """Whether ``path`` is an Excel workbook to read with :func:`read_xlsx`: a zip named
    ``.xlsx`` / ``.xlsm``, or a workbook whatever its name (a report saved as
    ``报表.xls`` that is an .xlsx inside).  An old-format ``.xls`` workbook (an OLE2 file,
    which openpyxl cannot read; a password-protected .xlsx is one too) and a web page
    saved as ``.xls`` (an HTML table, as some exports are) raise, saying how to convert
    them, instead of being read as text (they were refused as 'not UTF-8 or GB18030 text'
    or as having no header row)."""
    with path.open("rb") as handle:
        head = handle.read(_HEAD)
    convert = "open it in Excel or WPS and save it as .xlsx (or as CSV UTF-8)."
    if head.startswith(_OLE2):
        if path.suffix.lower() in EXCEL_SUFFIXES:
            kind = "a password-protected workbook or an old-format .xls renamed"
            convert = "open it in Excel or WPS, remove any password, and save it as .xlsx."
        else:
            kind = "an old-format Excel workbook (.xls)"
        raise InvalidInputError(
            f"The file must be an .xlsx workbook or a CSV file. Got {str(path)!r}, {kind}, "
            f"instead; {convert}"
        )
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith(b"<") and (b"<table" in start or b"<html" in start):
        raise InvalidInputError(
            f"The file must be an .xlsx workbook or a CSV file. Got {str(path)!r}, a web "
            f"page (an HTML table, as some exports saved as .xls are), instead; {convert}"
        )
    if path.suffix.lower() in EXCEL_SUFFIXES:
        return True  # (not a workbook: read_xlsx says openpyxl cannot open it)
    if not head.startswith(b"PK\x03\x04") or not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as archive:
        return "xl/workbook.xml" in archive.namelist()


def _blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _empty(path: Path) -> str:
    return (
        f"The workbook must have a header row and data rows. Got the empty first sheet of "
        f"{path} instead."
    )


_LATER = ": the first sheet, "


def sheet_note(source: str) -> str:
    """`` (sheet 'X': the first sheet, 'Y', has no header row)`` when ``source`` (a
    description :func:`read_xlsx` gave) is a sheet after the first, else ``""``: for a
    message that names the file alone."""
    at = source.find(" (sheet ")
    return source[at:] if at >= 0 and _LATER in source[at:] else ""


# a merged range in a worksheet's XML (``<mergeCell ref="A2:A4"/>``, with or without a
# namespace prefix such as ``x:``), after its cells
_MERGE = re.compile(rb"""<(?:\w+:)?mergeCell\b[^>]*?\bref\s*=\s*["']([^"']+)["']""")
_CHUNK = 1 << 20


def _merged_ranges(sheet: Any) -> list[tuple[int, int, int, int]]:
    """The merged ranges of a worksheet opened read-only, each as (min_col, min_row,
    max_col, max_row), 1-based.  openpyxl's read-only mode does not read them: the
    sheet's XML is streamed once more (decompression only) and the merge list, which
    follows the cells, is the only part parsed."""
    source = getattr(sheet, "_get_source", None)  # openpyxl's ReadOnlyWorksheet
    if source is None:
        return []
    openpyxl = require_openpyxl("Reading merged cells")
    found = bytearray()
    tail = b""
    with source() as stream:
        while chunk := stream.read(_CHUNK):
            if found:
                found += chunk
                continue
            text = tail + chunk
            at = text.find(b"mergeCells")  # the list's opening tag
            if at >= 0:
                found += text[max(0, text.rfind(b"<", 0, at)) :]
            else:
                tail = text[-64:]
    out = []
    for ref in _MERGE.findall(found):
        try:
            out.append(openpyxl.utils.cell.range_boundaries(ref.decode("ascii")))
        except (ValueError, TypeError, UnicodeDecodeError):
            continue  # not a range: Excel ignores it too
    return out


def _records(sheet: Any) -> list[tuple[int, list[Any]]]:
    """The non-blank rows of a worksheet, as (Excel row number, cells).

    A range merged over several rows (a report's 日期 or 关键词 merged down a day's
    device rows) reads as its top-left value in every row of its first column, as Excel
    shows it: without that, every row but the first of the merge had an empty date.  A
    range merged within one row (a title over the columns) reads as it is stored, and a
    row with no cell of its own (inside a note or a title merged over several rows) is
    blank.  Rows are read as stored, whatever size the sheet declares (rows of
    different lengths)."""
    starts: dict[int, list[int]] = {}  # row -> columns (0-based) whose value fills down
    fills: dict[int, list[tuple[int, int]]] = {}  # row -> (column, row of its value)
    for min_col, min_row, _, max_row in _merged_ranges(sheet):
        if max_row > min_row:
            starts.setdefault(min_row, []).append(min_col - 1)
            for row in range(min_row + 1, max_row + 1):
                fills.setdefault(row, []).append((min_col - 1, min_row))
    tops: dict[tuple[int, int], Any] = {}
    out = []
    # the cells as stored, not cut to the sheet's declared size: some exporters declare
    # <dimension ref="A1"/>, and read-only openpyxl then gave only column A of every row
    reset = getattr(sheet, "reset_dimensions", None)
    if reset is not None:
        reset()
    for number, record in enumerate(sheet.iter_rows(values_only=True), start=1):
        cells = list(record)
        for col in starts.get(number, ()):
            tops[(number, col)] = cells[col] if col < len(cells) else None
        if all(_blank(c) for c in cells):
            # a row holding nothing but a merge's continuation (a note or a title
            # merged over a block of rows and columns) stays blank: filled, each of its
            # rows was read as a copy of the note
            continue
        for col, top in fills.get(number, ()):
            cells += [None] * (col + 1 - len(cells))
            cells[col] = tops.get((top, col))
        out.append((number, cells))
    return out


def _later_sheet(
    sheets: Sequence[Any],
    pick: Callable[[list[tuple[int, list[Any]]], str], int],
    path: Path,
    error: InvalidInputError,
) -> tuple[list[tuple[int, list[Any]]], str, int]:
    """The first sheet after the first whose rows ``pick`` accepts: its rows,
    description and header index; ``error`` (the first sheet's), extended, when none."""
    first = sheets[0].title
    for sheet in sheets[1:]:
        records = _records(sheet)
        where = (
            f"{str(path)!r} (sheet {sheet.title!r}: the first sheet, {first!r}, has no header row)"
        )
        if not records:
            continue
        try:
            return records, where, pick(records, where)
        except InvalidInputError:
            continue
    others = ", ".join(repr(sheet.title) for sheet in sheets[1:])
    raise InvalidInputError(
        f"{error}"
        + (f" The workbook's other sheets ({others}) have none either." if others else "")
    ) from None


def read_xlsx(
    path: Path, *, pick: Callable[[list[tuple[int, list[Any]]], str], int] | None = None
) -> tuple[list[str], list[list[Any]], list[int], str, int, list[tuple[int, list[Any]]]]:
    """The first worksheet of ``path`` (with ``pick``: the first whose rows ``pick``
    accepts, when the first holds no header row): its header, its data rows (cell values,
    each row as long as the header), the Excel row number of each data row, a description
    of the source (naming the sheet), the header's Excel row number, and the rows above
    the header (Excel row number and cells: an export's title rows, skipped).

    Blank rows are skipped.  The header is the first non-blank row, or the one ``pick``
    chooses: it is given the non-blank rows (lists of cells, in order) and returns the
    index of the header among them."""
    openpyxl = require_openpyxl(f"Reading {path.name}")
    # a handle, not the name: openpyxl refuses an .xlsx workbook named .xls
    with path.open("rb") as handle:
        try:
            book = openpyxl.load_workbook(handle, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises zipfile / KeyError / InvalidFileException
            raise InvalidInputError(
                f"The file must be an Excel workbook (.xlsx). Got {str(path)!r}, which openpyxl "
                f"cannot open ({type(exc).__name__}: {exc}), instead; re-export it from Excel."
            ) from None
        try:
            records = _records(book.worksheets[0])
            where = f"{str(path)!r} (sheet {book.worksheets[0].title!r})"
            at = 0
            if pick is not None:
                # a workbook whose first sheet is a note (说明, 汇总) or empty and whose data
                # is on a later sheet: the first sheet with a header row is read, and its
                # source says which and why
                try:
                    if not records:
                        raise InvalidInputError(_empty(path))
                    at = pick(records, where)
                except InvalidInputError as error:
                    records, where, at = _later_sheet(book.worksheets, pick, path, error)
        finally:
            book.close()
    if not records:
        raise InvalidInputError(_empty(path))
    header_row, cells = records[at]
    while cells and _blank(cells[-1]):
        cells.pop()
    header = ["" if c is None else str(c).strip() for c in cells]
    rows: list[list[Any]] = []
    lines: list[int] = []
    for number, cells in records[at + 1 :]:
        if len(cells) > len(header):
            extra = cells[len(header) :]
            if not all(_blank(c) for c in extra):
                raise InvalidInputError(
                    f"Every row of {path} must fit under its header ({len(header)} "
                    f"columns: {', '.join(header)}). Got {short_repr(extra)} beyond the "
                    f"last header column on row {number} instead."
                )
            cells = cells[: len(header)]
        cells += [None] * (len(header) - len(cells))
        rows.append(cells)
        lines.append(number)
    return header, rows, lines, where, header_row, records[:at]


def write_xlsx(
    path: Path,
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    sheet: str = "Sheet1",
    number_formats: dict[int, str] | None = None,
) -> None:
    """Write one sheet: the header row (bold, frozen) and the rows; ``number_formats``
    maps a column index to an Excel number format such as ``"0.00"``.

    Every ``str`` cell is written as text, never as a formula, whatever its first
    character (a keyword may start with ``=``, ``+``, ``-`` or ``@``).  Control
    characters, which a worksheet cannot hold (a stray BEL or ESC in an exported
    keyword), are written as U+FFFD (the replacement character), so that the cell shows
    that something unprintable is there."""
    openpyxl = require_openpyxl(f"Writing {path.name}")
    illegal = openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE
    # (openpyxl raised IllegalCharacterError on such a cell and no file was written)
    rows = [[illegal.sub("\ufffd", v) if isinstance(v, str) else v for v in r] for r in rows]
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    ws.append(list(header))
    for cell in ws[1]:
        cell.font = openpyxl.styles.Font(bold=True)
    for r, row in enumerate(rows, start=2):
        ws.append(list(row))
        for j, value in enumerate(row, start=1):
            # text is text: openpyxl would store "=braun洗发水" as a formula, which Excel
            # evaluates (#NAME? or worse) instead of showing the keyword
            if isinstance(value, str) and value.startswith("="):
                ws.cell(row=r, column=j).data_type = "s"
    for j, fmt in (number_formats or {}).items():
        for (cell,) in ws.iter_rows(min_row=2, min_col=j + 1, max_col=j + 1):
            cell.number_format = fmt
    ws.freeze_panes = "A2"
    for j, name in enumerate(header):
        # in display columns: a Chinese keyword takes two per character (len() cut
        # "轻量yonex跑步机" to 13 columns where it needs 17)
        width = max(display_width(str(c)) for c in [name, *(r[j] for r in rows[:200])])
        ws.column_dimensions[openpyxl.utils.get_column_letter(j + 1)].width = min(
            60, max(8, width + 2)
        )
    book.save(path)
