"""xlsx export shared by every list (the import side lives in :mod:`saiteki.core.importing`)."""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _is_dangerous(value) -> bool:
    return isinstance(value, str) and value.startswith(_FORMULA_PREFIXES)


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


def write_xlsx(
    *, title: str, headers: Sequence[str], rows: Iterable[Sequence], number_formats: Sequence[str | None] = ()
) -> bytes:
    """Write one sheet with a bold, frozen Japanese header row; returns the file's bytes.

    Uses openpyxl's write-only mode so 10,000+ row exports stream with flat memory.
    """
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=title[:31] or "Sheet1")
    ws.freeze_panes = "A2"
    header_font = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDE5F0")
    for i, header in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(10, min(40, len(str(header)) * 2 + 4))
    header_cells = []
    for header in headers:
        c = WriteOnlyCell(ws, value=str(header))
        c.font = header_font
        c.fill = header_fill
        c.alignment = Alignment(vertical="center")
        header_cells.append(c)
    ws.append(header_cells)
    for row in rows:
        out = []
        for i, raw in enumerate(row):
            value = cell_value(raw)
            c = WriteOnlyCell(ws, value=value)
            if _is_dangerous(value):
                # Stored as a string cell with quotePrefix: Excel displays it as text, never as a formula.
                c.data_type = "s"
                c.quotePrefix = True
            fmt = number_formats[i] if i < len(number_formats) else None
            if fmt:
                c.number_format = fmt
            elif isinstance(value, datetime.date):
                c.number_format = "yyyy-mm-dd"
            out.append(c)
        ws.append(out)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
