"""Cell values and the openpyxl cell helpers of the workbooks meant to come back (import templates,
division surveys), which need data validations and styled write-only cells.

Large list exports do not use these: they go through :mod:`saiteki.core.exporting.writer`
(xlsxwriter, constant memory). Both share :func:`cell_value` and the formula-injection rule.
"""

from __future__ import annotations

import datetime
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Text starting with one of these could be taken for a formula by a spreadsheet (CWE-1236).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_PREFIXES = FORMULA_PREFIXES  # old private name, still imported by some callers

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDE5F0")
READONLY_FILL = PatternFill("solid", fgColor="EEEEEE")  # reference columns: shown to help, ignored on import
HEADER_ALIGN = Alignment(vertical="center", wrap_text=True)


def cell_value(value):
    """A Python value as a spreadsheet holds it: ○ for true, naive datetimes, text for everything else."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "○" if value else ""
    if isinstance(value, datetime.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, int | float | datetime.date):
        return value
    return str(value)


def xlsx_cell(ws, value, *, number_format: str | None = None, fill=None) -> Any:
    """A write-only cell that neutralises spreadsheet formula injection (CWE-1236).

    Text starting with ``=``, ``+``, ``-`` or ``@`` is stored as a string cell with ``quotePrefix``:
    Excel shows it exactly and never evaluates it. Numbers stay numbers (a negative amount is not text).
    """
    value = cell_value(value)
    c = WriteOnlyCell(ws, value=value)
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        c.data_type = "s"
        c.quotePrefix = True
    if number_format:
        c.number_format = number_format
    elif isinstance(value, datetime.date):
        c.number_format = "yyyy-mm-dd"
    if fill is not None:
        c.fill = fill
    return c


def xlsx_header_row(ws, headers) -> None:
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
