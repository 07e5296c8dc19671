"""Exports: one xlsx writer, one audited download, list exports that are exactly the screen.

* :mod:`.writer` — :class:`ExcelWorkbook` / :class:`SheetColumn` (xlsxwriter, constant memory: yen
  formats, title lines, frozen header, widths, 和暦 dates, FY labels, formula-injection guard);
* :mod:`.download` — :func:`xlsx_response` / :func:`zip_response`: the audit record and the
  attachment response (RFC 5987 Japanese file name) together;
* :mod:`.rows` — a :class:`~saiteki.core.tables.Table`'s rows as plain values (no N+1, no model objects);
* :mod:`.lists` — the list page export (title, scope, filter in words) and :class:`ListExporter`;
* :mod:`.cells` — cell values and the openpyxl helpers of workbooks that must come back (templates).

``saiteki.core.excel`` re-exports the old names for existing callers.
"""

from saiteki.core.exporting.cells import XLSX_CONTENT_TYPE, cell_value
from saiteki.core.exporting.download import (
    ZIP_CONTENT_TYPE,
    content_disposition,
    download_response,
    xlsx_response,
    zip_response,
)
from saiteki.core.exporting.lists import ListExporter, filter_in_words, list_workbook
from saiteki.core.exporting.rows import TableRows
from saiteki.core.exporting.writer import ExcelSheet, ExcelWorkbook, SheetColumn, write_sheet_xlsx

__all__ = [
    "XLSX_CONTENT_TYPE",
    "ZIP_CONTENT_TYPE",
    "ExcelSheet",
    "ExcelWorkbook",
    "ListExporter",
    "SheetColumn",
    "TableRows",
    "cell_value",
    "content_disposition",
    "download_response",
    "filter_in_words",
    "list_workbook",
    "write_sheet_xlsx",
    "xlsx_response",
    "zip_response",
]
