"""Old home of the xlsx helpers, kept so existing imports work: the code is in
:mod:`saiteki.core.exporting` (writer, download, cells)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from saiteki.core.exporting.cells import (  # noqa: F401 - re-exported
    _FORMULA_PREFIXES,
    FORMULA_PREFIXES,
    HEADER_ALIGN,
    HEADER_FILL,
    HEADER_FONT,
    READONLY_FILL,
    XLSX_CONTENT_TYPE,
    cell_value,
    xlsx_cell,
    xlsx_header_row,
    xlsx_list_validation,
)
from saiteki.core.exporting.writer import SheetColumn, write_sheet_xlsx


def write_xlsx(
    *, title: str, headers: Sequence[str], rows: Iterable[Sequence], number_formats: Sequence[str | None] = ()
) -> bytes:
    """One sheet with a bold, frozen header row (compatibility wrapper over the xlsxwriter writer;
    a ``#,##0`` number format marks a yen column)."""
    columns = [
        SheetColumn(
            str(h), kind="yen" if i < len(number_formats) and number_formats[i] == "#,##0" else "text"
        )
        for i, h in enumerate(headers)
    ]
    return write_sheet_xlsx(name=title, columns=columns, rows=rows)
