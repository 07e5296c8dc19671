"""The xlsx writer of every export: xlsxwriter in constant-memory mode, one typed writer per column.

Why xlsxwriter and not openpyxl: a 10,000-system list took 5 s with openpyxl's write-only mode, most of
it in per-cell objects; xlsxwriter streams each row to a temporary file and keeps nothing else, so
memory stays flat for 400,000 rows and the time is spent on the cells themselves. openpyxl stays only
where a workbook needs data validations or is read back (import templates, tests).

What every sheet gets, so a download reads like the spreadsheet it replaces and still imports back:

* a title row (what was exported) and a line saying for which year, stage and filter — both above the
  header, within the rows the import searches for its header (``HEADER_SEARCH_ROWS``);
* the header row exactly as on screen (the import matches these texts), bold, read-only columns grey,
  frozen, with an autofilter;
* amounts as numbers in ``#,##0``; fiscal years as 「令和13年度（2031年度）」 (the import template's
  form, which the import parses back); dates as real dates shown in 和暦 (``[$-411]ggge"年"m"月"d"日"``)
  or 西暦 by the user's preference; ○ for true;
* column widths from the header and the first rows (full-width characters count double);
* text that a spreadsheet could take for a formula (``=``, ``+``, ``-``, ``@``) stored with a quote
  prefix, so it is shown and never evaluated (CWE-1236).
"""

from __future__ import annotations

import datetime
import decimal
import io
import itertools
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import xlsxwriter
from django.utils import timezone
from xlsxwriter.worksheet import Worksheet

from saiteki.core.display import fy_text, is_english
from saiteki.core.exporting.cells import FORMULA_PREFIXES

YEN_FORMAT = "#,##0"
#: Real dates shown in the user's style; ``[$-411]`` makes Excel use the Japanese calendar for ggge
#: whatever the machine's locale, and every reader still sees a date (the import reads it back as one).
DATE_FORMATS = {
    "wareki": '[$-411]ggge"年"m"月"d"日"',
    "seireki": 'yyyy"年"m"月"d"日"',
    "iso": "yyyy-mm-dd",
}
DATETIME_FORMATS = {
    "wareki": '[$-411]ggge"年"m"月"d"日" hh:mm',
    "seireki": 'yyyy"年"m"月"d"日" hh:mm',
    "iso": "yyyy-mm-dd hh:mm",
}
#: Column kinds (the same words as :class:`saiteki.core.tables.Column`); anything else is text.
KINDS = ("text", "number", "yen", "date", "datetime", "fy", "bool", "choice")
#: Widths are measured on this many rows (enough to see typical values, cheap for 400,000 rows).
WIDTH_SAMPLE_ROWS = 200
MIN_WIDTH, MAX_WIDTH = 6, 60
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")
_FIXED_WIDTHS = {"date": 16, "datetime": 22, "fy": 24, "bool": 6}


class Typed(NamedTuple):
    """A cell written as another kind than its column's (e.g. kWh in a column of yen amounts)."""

    value: Any
    kind: str


@dataclass(frozen=True)
class SheetColumn:
    """One column of a sheet: the header text, how its values are written, and whether the import
    ignores it (``read_only``: grey header, shown for reference)."""

    label: str
    kind: str = "text"
    read_only: bool = False
    width: float | None = None


def display_width(text: str) -> int:
    """Width in half-width character cells: full-width (Japanese) characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def sheet_name(name: str) -> str:
    """A name Excel accepts: no ``[]:*?/\\``, at most 31 characters, not empty."""
    cleaned = _SHEET_NAME_BAD.sub("_", str(name)).strip("'") or "Sheet1"
    return cleaned[:31]


class ExcelWorkbook:
    """One xlsx file being written. Add sheets in order, write their rows, then :meth:`close`.

    ``date_style`` is the user's preference (``request.date_style``): 和暦 or 西暦 date formats.
    """

    def __init__(self, *, date_style: str = "wareki"):
        self._buffer = io.BytesIO()
        self.book = xlsxwriter.Workbook(
            self._buffer,
            {
                "constant_memory": True,
                "strings_to_numbers": False,
                "strings_to_formulas": False,
                "strings_to_urls": False,
            },
        )
        self.book.set_properties({"creator": "Saiteki"})
        # English readers get ISO dates whatever their 和暦/西暦 preference (as on the screens).
        self.date_style = "iso" if is_english() else (date_style if date_style in DATE_FORMATS else "wareki")
        add = self.book.add_format
        self.formats = {
            "title": add({"bold": True, "font_size": 14}),
            "subtitle": add({"font_color": "#333333"}),
            "header": add(
                {"bold": True, "bg_color": "#DDE5F0", "text_wrap": True, "valign": "vcenter", "bottom": 1}
            ),
            "header_ro": add(
                {"bold": True, "bg_color": "#EEEEEE", "text_wrap": True, "valign": "vcenter", "bottom": 1}
            ),
            "yen": add({"num_format": YEN_FORMAT}),
            "date": add({"num_format": DATE_FORMATS[self.date_style]}),
            "datetime": add({"num_format": DATETIME_FORMATS[self.date_style]}),
            "quoted": add({"quote_prefix": True}),
            "bool": add({"align": "center"}),
        }
        self.sheets: list[ExcelSheet] = []
        self._bytes: bytes | None = None

    def add_sheet(
        self, name: str, columns: Sequence[SheetColumn], *, title: str = "", subtitle: str = ""
    ) -> ExcelSheet:
        """A new sheet with its title lines and header row written; the previous sheet is finished
        (constant-memory mode writes one sheet's rows at a time)."""
        if self.sheets:
            self.sheets[-1].finish()
        sheet = ExcelSheet(self, name, columns, title=title, subtitle=subtitle)
        self.sheets.append(sheet)
        return sheet

    def close(self) -> bytes:
        """Finish the last sheet and return the file's bytes."""
        if self._bytes is None:
            if self.sheets:
                self.sheets[-1].finish()
            else:
                self.book.add_worksheet("Sheet1")
            self.book.close()
            self._bytes = self._buffer.getvalue()
        return self._bytes


class ExcelSheet:
    """A sheet of an :class:`ExcelWorkbook`: title lines, the header row, then data rows in order."""

    ws: Worksheet

    def __init__(
        self,
        workbook: ExcelWorkbook,
        name: str,
        columns: Sequence[SheetColumn],
        *,
        title: str = "",
        subtitle: str = "",
    ):
        self.workbook = workbook
        self.columns = list(columns)
        existing = {s.ws.get_name() for s in workbook.sheets}
        base = sheet_name(name)
        unique = base
        for n in itertools.count(2):
            if unique not in existing:
                break
            unique = f"{base[: 31 - len(str(n)) - 1]}_{n}"
        self.ws = workbook.book.add_worksheet(unique)
        fmt = workbook.formats
        row = 0
        if title:
            self.ws.write_string(row, 0, str(title), fmt["title"])
            self.ws.set_row(row, 21)
            row += 1
        if subtitle:
            self.ws.write_string(row, 0, str(subtitle), fmt["subtitle"])
            row += 1
        self.header_row = row
        for c, column in enumerate(self.columns):
            self.ws.write_string(
                row, c, str(column.label), fmt["header_ro" if column.read_only else "header"]
            )
        self.ws.freeze_panes(row + 1, 0)
        self.row = row  # last written row (0-based)
        self.count = 0
        self._widths = [column.width or _FIXED_WIDTHS.get(column.kind) or 0 for column in self.columns]
        self._measured = [display_width(str(column.label)) + 2 for column in self.columns]
        self._writers = [self._writer_for(column) for column in self.columns]
        self._finished = False

    # -- writing ------------------------------------------------------------------------------------

    def write_rows(self, rows: Iterable[Sequence[Any]]) -> int:
        """Write the rows (raw Python values in column order); returns how many were written.

        The first rows are measured for the column widths; the rest take the fast path, which does
        nothing per cell but call the column's own writer.
        """
        rows = iter(rows)
        written = 0
        measure = self._measure
        for values in itertools.islice(rows, max(0, WIDTH_SAMPLE_ROWS - self.count)):
            self._write(values)
            measure(values)
            written += 1
        writers = self._writers
        r = self.row
        for values in rows:
            r += 1
            for c, v in enumerate(values):
                if v is not None:
                    writers[c](r, c, v)
            written += 1
        self.row = r
        self.count += written
        return written

    def write_row(self, values: Sequence[Any]) -> None:
        self.write_rows((values,))

    def _write(self, values: Sequence[Any]) -> None:
        self.row += 1
        r = self.row
        writers = self._writers
        for c, v in enumerate(values):
            if v is not None:
                writers[c](r, c, v)

    def _measure(self, values: Sequence[Any]) -> None:
        measured = self._measured
        for c, v in enumerate(values):
            if v is None or c >= len(measured):
                continue
            kind = self.columns[c].kind
            if kind in ("yen", "number") and isinstance(v, int | float | decimal.Decimal):
                w = len(f"{v:,}") + 2
            elif kind in _FIXED_WIDTHS:
                continue
            else:
                w = display_width(str(v)) + 2
            if w > measured[c]:
                measured[c] = w

    def finish(self) -> None:
        """Set the column widths and the autofilter over header and data."""
        if self._finished:
            return
        self._finished = True
        for c, (fixed, measured) in enumerate(zip(self._widths, self._measured, strict=True)):
            width = max(fixed, measured) if fixed else measured
            self.ws.set_column(c, c, max(MIN_WIDTH, min(MAX_WIDTH, width)))
        if self.columns:
            self.ws.autofilter(self.header_row, 0, max(self.row, self.header_row), len(self.columns) - 1)

    # -- one writer per column kind -----------------------------------------------------------------

    def _kind_writer(self, kind: str) -> Callable[[int, int, Any], Any]:
        cache = self.__dict__.setdefault("_kind_writers", {})
        if kind not in cache:
            cache[kind] = self._writer_for(SheetColumn("", kind=kind))
        return cache[kind]

    def _writer_for(self, column: SheetColumn) -> Callable[[int, int, Any], Any]:
        ws = self.ws
        fmt = self.workbook.formats
        write_string = ws.write_string
        write_number = ws.write_number
        write_datetime = ws.write_datetime
        quoted = fmt["quoted"]
        prefixes = frozenset(p[0] for p in FORMULA_PREFIXES)

        date_format, datetime_format = fmt["date"], fmt["datetime"]
        kind = column.kind

        def date(r: int, c: int, v: Any) -> None:
            if isinstance(v, datetime.datetime):
                if v.tzinfo is not None:
                    v = timezone.localtime(v).replace(tzinfo=None)
                write_datetime(r, c, v, datetime_format if kind == "datetime" else date_format)
            elif isinstance(v, datetime.date):
                write_datetime(r, c, v, date_format)
            else:
                text(r, c, v)

        def text(r: int, c: int, v: Any) -> None:
            """Text as text; other values keep their type (a number in a text column stays a number)."""
            cls = v.__class__
            if cls is not str:
                if cls is bool:
                    v = "○" if v else ""
                elif cls is int or cls is float:
                    write_number(r, c, v)
                    return
                elif cls is decimal.Decimal:
                    write_number(r, c, float(v))
                    return
                elif isinstance(v, datetime.date):
                    date(r, c, v)
                    return
                elif cls is Typed:
                    self._kind_writer(v.kind)(r, c, v.value)
                    return
                else:
                    v = str(v)
            if v:
                if v[0] in prefixes:
                    write_string(r, c, v, quoted)
                else:
                    write_string(r, c, v)

        if kind in ("yen", "number"):
            number_format = fmt["yen"] if kind == "yen" else None

            def number(r: int, c: int, v: Any) -> None:
                cls = v.__class__
                if cls is int or cls is float:
                    write_number(r, c, v, number_format)
                elif cls is decimal.Decimal:
                    write_number(r, c, float(v), number_format)
                elif cls is Typed:
                    self._kind_writer(v.kind)(r, c, v.value)
                elif cls is bool or isinstance(v, str):
                    text(r, c, v)
                else:
                    write_number(r, c, v, number_format)

            return number
        if kind == "fy":
            labels: dict[Any, str] = {}

            def fiscal_year(r: int, c: int, v: Any) -> None:
                label = labels.get(v)
                if label is None:
                    label = fy_text(v) if isinstance(v, int) else str(v)
                    labels[v] = label
                if label:
                    write_string(r, c, label)

            return fiscal_year
        if kind in ("date", "datetime"):
            return date
        if kind == "bool":
            centred = fmt["bool"]

            def boolean(r: int, c: int, v: Any) -> None:
                if v is True:
                    write_string(r, c, "○", centred)
                elif v is not False:
                    text(r, c, v)

            return boolean
        return text


def write_sheet_xlsx(
    *,
    name: str,
    columns: Sequence[SheetColumn],
    rows: Iterable[Sequence[Any]],
    title: str = "",
    subtitle: str = "",
    date_style: str = "wareki",
) -> bytes:
    """A one-sheet workbook in one call (for small exports that have their rows at hand)."""
    book = ExcelWorkbook(date_style=date_style)
    book.add_sheet(name, columns, title=title, subtitle=subtitle).write_rows(rows)
    return book.close()
