"""xlsx writing shared by every list export and by the workbooks meant to come back (import
templates, division surveys). The reading side is :mod:`saiteki.core.importing`."""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDE5F0")
READONLY_FILL = PatternFill("solid", fgColor="EEEEEE")  # reference columns: shown to help, ignored on import
HEADER_ALIGN = Alignment(vertical="center", wrap_text=True)


def cell_value(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return "○" if value else ""
    if isinstance(value, datetime.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, int | float | datetime.date):
        return value
    return str(value)


def xlsx_cell(ws, value, *, number_format: str | None = None, fill=None) -> WriteOnlyCell:
    """A write-only cell that neutralises spreadsheet formula injection (CWE-1236).

    Text starting with ``=``, ``+``, ``-`` or ``@`` is stored as a string cell with ``quotePrefix``:
    Excel shows it exactly and never evaluates it. Numbers stay numbers (a negative amount is not text).
    """
    value = cell_value(value)
    c = WriteOnlyCell(ws, value=value)
    if isinstance(value, str) and value.startswith(_FORMULA_PREFIXES):
        c.data_type = "s"
        c.quotePrefix = True
    if number_format:
        c.number_format = number_format
    elif isinstance(value, datetime.date):
        c.number_format = "yyyy-mm-dd"
    if fill is not None:
        c.fill = fill
    return c


def xlsx_header_row(ws, headers: Sequence[tuple[str, int, bool]]) -> None:
    """Bold header row with column widths: (label, width, read-only); read-only columns are grey."""
    for i, (_label, width, _ro) in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    row = []
    for label, _width, read_only in headers:
        c = WriteOnlyCell(ws, value=str(label))
        c.font = HEADER_FONT
        c.fill = READONLY_FILL if read_only else HEADER_FILL
        c.alignment = HEADER_ALIGN
        row.append(c)
    ws.append(row)


def xlsx_list_validation(ws, column_index: int, source: str, rows: int) -> None:
    """A drop-down on a column (rows below the data too, for added rows); warnings only, never blocking,
    because the import checks every value anyway and pasting must keep working."""
    letter = get_column_letter(column_index)
    dv = DataValidation(type="list", formula1=source, allow_blank=True, showErrorMessage=False)
    dv.add(f"{letter}2:{letter}{max(rows, 1) + 1000}")
    ws.data_validations.append(dv)


def write_xlsx(
    *, title: str, headers: Sequence[str], rows: Iterable[Sequence], number_formats: Sequence[str | None] = ()
) -> bytes:
    """Write one sheet with a bold, frozen Japanese header row; returns the file's bytes.

    Uses openpyxl's write-only mode so 10,000+ row exports stream with flat memory.
    """
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=title[:31] or "Sheet1")
    ws.freeze_panes = "A2"
    xlsx_header_row(ws, [(str(h), max(10, min(40, len(str(h)) * 2 + 4)), False) for h in headers])
    for row in rows:
        ws.append(
            [
                xlsx_cell(ws, raw, number_format=number_formats[i] if i < len(number_formats) else None)
                for i, raw in enumerate(row)
            ]
        )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
