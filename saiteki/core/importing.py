"""Spreadsheet import framework: read xlsx/CSV safely, map Japanese headers, collect row errors.

Prefectural staff keep the ledger in Excel; the import is how their edits come back (SPEC C12). The
framework does the parts every importer shares and leaves the meaning of the columns to the app's
importer (``<app>/importers.py``):

* **Refuse bad files before reading a cell** (:func:`inspect_upload`): too large, encrypted (password
  protected xlsx files are OLE compound files, as are old .xls files), macro-enabled, binary .xlsb, zip
  bombs, garbage. A refused file raises :class:`ImportRefused` with a Japanese message; nothing is written.
* **Read rows keyed by header** (:func:`open_import`): openpyxl read-only mode for xlsx (streams 100,000
  rows with flat memory), CSV in UTF-8 (with or without BOM) or Shift_JIS/CP932 — Excel on Japanese
  Windows still saves "CSV" as CP932, so we try UTF-8 first and fall back. Headers are matched after
  Unicode normalisation (full-width parentheses, spaces), so 「経費（表示年度）」 and 「経費(表示年度)」 are the
  same column. Columns the importer does not know are ignored and *reported*, read-only display columns
  of our own exports are ignored quietly.
* **Parse cells leniently about notation, strictly about meaning**: full-width digits, 和暦/西暦 dates,
  amounts in a declared unit (円 or 千円), ○/× booleans, choice labels.
* **Collect errors** as (sheet, row as Excel shows it, column header, Japanese message) instead of
  stopping at the first one, so a user fixes a file in one round.
* **Keep the uploaded file server-side** (:class:`UploadStore`) under ``MEDIA_ROOT/imports/`` with a
  random token between the dry run and the apply — never in the session (it may be 20 MB) and never
  trusted from the client.

The preview (:class:`ImportPreview`) is plain JSON so it can be stored with a survey response or a
background job and rendered later.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import hashlib
import io
import json
import os
import re
import secrets
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone, translation
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from saiteki.core.errors import ParseError, ValidationFailed
from saiteki.core.fiscal import fiscal_year_label, format_date, parse_date, parse_fiscal_year
from saiteki.core.money import format_yen, parse_yen

__all__ = [
    "AmountUnit",
    "BlankPolicy",
    "ChoiceMap",
    "Column",
    "ErrorList",
    "ImportFile",
    "ImportPreview",
    "ImportRefused",
    "RowError",
    "SheetSpec",
    "UploadStore",
    "clean_amount",
    "clean_bool",
    "clean_choice",
    "clean_date",
    "clean_fiscal_year",
    "clean_key",
    "clean_text",
    "display_value",
    "inspect_upload",
    "is_blank",
    "normalize_header",
    "open_import",
    "split_names",
]

OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_SIGNATURE = b"PK\x03\x04"
XLSX_EXTENSIONS = (".xlsx",)
CSV_EXTENSIONS = (".csv", ".txt")
MACRO_EXTENSIONS = (".xlsm", ".xltm", ".xlam")
#: A zip that expands to more than this is refused (zip bomb). Real ledgers of 400,000 systems are far below.
MAX_UNCOMPRESSED_BYTES = 1024 * 1024 * 1024
#: The header row may be preceded by a title block (「令和8年度 情報システム調査票」); we look this far down.
HEADER_SEARCH_ROWS = 10
#: Errors kept for display; the rest are only counted (a wrong file can produce one error per cell).
MAX_ERRORS_KEPT = 1000


class BlankPolicy(models.TextChoices):
    """What an empty cell means for an existing record; chosen per import and shown in the preview."""

    KEEP = "keep", _("空欄は変更しない")
    CLEAR = "clear", _("空欄で消去する")


class AmountUnit(models.TextChoices):
    """The unit of every amount in one file: budget documents are usually in 千円 (SPEC §2)."""

    YEN = "円", _("円")
    THOUSAND_YEN = "千円", _("千円")


class ImportRefused(ValidationFailed):
    """The whole file is refused (format, size, encryption, macros, missing headers); nothing was read in."""

    code = "import_refused"
    default_message = _("このファイルは取り込めません。")


class ImportRowErrors(ValidationFailed):
    """Some rows have errors; the import is all-or-nothing, so nothing was written. Carries the preview."""

    code = "import_row_errors"
    default_message = _("取込ファイルに誤りがあるため、取り込みませんでした。誤りの一覧を確認してください。")

    def __init__(self, preview: ImportPreview, message=None):
        self.preview = preview
        super().__init__(message)


@dataclass(frozen=True)
class RowError:
    """One problem in one cell (or row, when ``column`` is empty), located the way Excel shows it."""

    sheet: str
    row: int | None
    column: str
    message: str


class ErrorList:
    """Collects row errors; keeps the first :data:`MAX_ERRORS_KEPT` for display and counts the rest."""

    def __init__(self, limit: int = MAX_ERRORS_KEPT):
        self.items: list[RowError] = []
        self.count = 0
        self.limit = limit

    def add(self, sheet: str, row: int | None, column: str, message) -> None:
        self.count += 1
        if len(self.items) < self.limit:
            self.items.append(RowError(str(sheet), row, str(column), str(message)))

    def __bool__(self) -> bool:
        return self.count > 0

    def __len__(self) -> int:
        return self.count


# --------------------------------------------------------------------------------------------------------
# Column and sheet specifications
# --------------------------------------------------------------------------------------------------------


def normalize_header(text: object) -> str:
    """Header text for matching: NFKC (full-width → half-width), no spaces, no trailing 必須 marks."""
    if text is None:
        return ""
    value = unicodedata.normalize("NFKC", str(text))
    value = re.sub(r"\s+", "", value)
    return value.rstrip("*※")


@dataclass(frozen=True)
class Column:
    """One importable (or known read-only) column: an identifier and its Japanese header(s)."""

    key: str
    label: Any
    aliases: tuple[str, ...] = ()
    read_only: bool = False

    def headers(self) -> list[str]:
        """Every header text that means this column, in every UI language: a list exported from the
        English screen has English headers and must import back just the same."""
        return [*in_all_languages(self.label), *(h for a in self.aliases for h in in_all_languages(a))]


def in_all_languages(text: Any, normalize: Callable[[Any], str] = normalize_header) -> list[str]:
    """A (lazy) label as it reads in each configured language, normalised; plain strings once."""
    if isinstance(text, str):
        return [normalize(text)]
    out = []
    for code, _name in getattr(settings, "LANGUAGES", [("ja", "")]):
        with translation.override(code):
            value = normalize(str(text))
        if value not in out:
            out.append(value)
    return out


@dataclass(frozen=True)
class SheetSpec:
    """A kind of sheet the importer understands: its accepted sheet names, columns and required headers.

    ``detect`` headers decide which spec a sheet belongs to when it is not named after one (a CSV file,
    or a sheet renamed by a user).
    """

    key: str
    label: Any
    names: tuple[str, ...]
    columns: tuple[Column, ...]
    required: tuple[str, ...]
    detect: tuple[str, ...] = ()

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def header_map(self) -> dict[str, Column]:
        out: dict[str, Column] = {}
        for c in self.columns:
            for h in c.headers():
                out.setdefault(h, c)
        return out


@dataclass
class BoundSheet:
    """A sheet of the uploaded file matched to a spec: where the headers are and the rows after them."""

    spec: SheetSpec
    name: str
    header_row: int
    columns: dict[str, int]  # column key → 0-based index in the row
    headers: dict[str, str]  # column key → header text as written in the file
    ignored: list[str]
    read_only: list[str]
    _rows: Iterator[tuple[int, Sequence[Any]]]

    def rows(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """(Excel row number, {column key: raw cell value}) for every non-empty row after the header."""
        for number, raw in self._rows:
            if all(is_blank(v) for v in raw):
                continue
            values = {key: (raw[i] if i < len(raw) else None) for key, i in self.columns.items()}
            yield number, values

    def header(self, key: str) -> str:
        """The header text to name in an error for this column (as the user wrote it)."""
        if key in self.headers:
            return self.headers[key]
        column = next((c for c in self.spec.columns if c.key == key), None)
        return str(column.label) if column is not None else key


@dataclass
class ImportFile:
    """An opened, accepted upload: its bound sheets and what was ignored."""

    file_name: str
    kind: str  # "xlsx" or "csv"
    sheets: dict[str, BoundSheet]
    ignored_sheets: list[str]
    encoding: str = ""

    def notes(self) -> list[str]:
        """Japanese notes for the preview: ignored sheets and columns (so a typo in a header is noticed)."""
        out = []
        for sheet in self.sheets.values():
            if sheet.ignored:
                out.append(
                    gettext("「%(sheet)s」シートの次の列は取込対象外のため無視しました: %(cols)s")
                    % {"sheet": sheet.name, "cols": "、".join(sheet.ignored)}
                )
            if sheet.read_only:
                out.append(
                    gettext("「%(sheet)s」シートの次の列は参照用のため取り込みません: %(cols)s")
                    % {"sheet": sheet.name, "cols": "、".join(sheet.read_only)}
                )
        if self.ignored_sheets:
            out.append(
                gettext("次のシートは取込対象外のため無視しました: %(sheets)s")
                % {"sheets": "、".join(self.ignored_sheets)}
            )
        if self.encoding:
            out.append(gettext("文字コード: %(enc)s") % {"enc": self.encoding})
        return out


# --------------------------------------------------------------------------------------------------------
# Refusing bad files
# --------------------------------------------------------------------------------------------------------


def max_upload_bytes() -> int:
    return int(getattr(settings, "SAITEKI_MAX_UPLOAD_BYTES", 20 * 1024 * 1024))


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.0f}MB"


def inspect_upload(*, file_name: str, size: int, head: bytes) -> str:
    """Decide whether a file may be read at all, from its name, size and first bytes; returns its kind.

    Content decides, not the extension alone: a renamed .xls or an encrypted workbook still starts with
    the OLE signature, and a macro workbook renamed to .xlsx is caught when the zip is opened.
    """
    name = (file_name or "").lower()
    if size > max_upload_bytes():
        raise ImportRefused(
            format_lazy(
                _("ファイルが大きすぎます（{size}、上限{limit}）。ファイルを分割して取り込んでください。"),
                size=_mb(size),
                limit=_mb(max_upload_bytes()),
            ),
            code="too_large",
        )
    if size == 0 or not head:
        raise ImportRefused(_("ファイルが空です。"), code="empty")
    if name.endswith(MACRO_EXTENSIONS):
        raise ImportRefused(_macro_message(), code="macro")
    if head.startswith(OLE_SIGNATURE):
        raise ImportRefused(
            _(
                "パスワードで保護（暗号化）されたファイル、または旧形式（.xls）のExcelファイルは取り込めません。"
                "パスワードを解除し、「Excelブック（.xlsx）」形式で保存してから取り込んでください。"
            ),
            code="encrypted",
        )
    if head.startswith(ZIP_SIGNATURE):
        if not name.endswith(XLSX_EXTENSIONS):
            raise ImportRefused(_unsupported_message(), code="unsupported")
        return "xlsx"
    if name.endswith(XLSX_EXTENSIONS):
        raise ImportRefused(_garbled_message(), code="garbled")
    if name.endswith(CSV_EXTENSIONS):
        if b"\x00" in head:
            raise ImportRefused(_garbled_message(), code="garbled")
        return "csv"
    raise ImportRefused(_unsupported_message(), code="unsupported")


def _macro_message():
    return _(
        "マクロを含むファイル（.xlsm など）は安全のため取り込めません。"
        "「Excelブック（.xlsx）」形式で保存し直してから取り込んでください。"
    )


def _garbled_message():
    return _("ファイルが壊れているか、Excelブック（.xlsx）またはCSVではありません。")


def _unsupported_message():
    return _("取り込めるのはExcelブック（.xlsx）とCSV（.csv）です。")


def _check_zip(data: io.BufferedIOBase | io.BytesIO) -> None:
    """Open the xlsx container: refuse garbage, macros (vbaProject.bin), .xlsb and zip bombs."""
    try:
        with zipfile.ZipFile(data) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ImportRefused(_garbled_message(), code="garbled") from exc
    names = {i.filename.lower() for i in infos}
    if any(n.endswith("vbaproject.bin") for n in names):
        raise ImportRefused(_macro_message(), code="macro")
    if "xl/workbook.bin" in names:
        raise ImportRefused(
            _("バイナリ形式（.xlsb）のファイルは取り込めません。.xlsx形式で保存し直してください。"),
            code="unsupported",
        )
    if "xl/workbook.xml" not in names:
        raise ImportRefused(_garbled_message(), code="garbled")
    if sum(i.file_size for i in infos) > MAX_UNCOMPRESSED_BYTES:
        raise ImportRefused(_("展開後のサイズが大きすぎるため取り込めません。"), code="too_large")


# --------------------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------------------


def _decode_csv(data: bytes) -> tuple[str, str]:
    """UTF-8 (BOM or not) first, then CP932 (Shift_JIS as Windows writes it, with NEC/IBM extensions)."""
    for encoding, label in (("utf-8-sig", "UTF-8"), ("cp932", "Shift_JIS")):
        try:
            return data.decode(encoding), label
        except UnicodeDecodeError:
            continue
    raise ImportRefused(
        _("CSVの文字コードを判別できません。UTF-8 または Shift_JIS で保存してください。"), code="encoding"
    )


def _xlsx_sheets(handle) -> tuple[Any, list[tuple[str, Iterator[tuple[int, Sequence[Any]]]]]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(handle, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds on malformed files
        raise ImportRefused(_garbled_message(), code="garbled") from exc
    sheets = []
    for ws in wb.worksheets:
        # Files saved by other tools often carry a wrong <dimension>; without this, read-only mode would
        # silently cut columns off.
        with contextlib.suppress(Exception):
            ws.reset_dimensions()
        sheets.append((ws.title, enumerate(ws.iter_rows(min_row=1, values_only=True), start=1)))
    return wb, sheets


@contextlib.contextmanager
def open_import(
    source: str | os.PathLike | bytes, *, file_name: str, specs: Sequence[SheetSpec]
) -> Iterator[ImportFile]:
    """Open an upload (a path or the bytes) and match its sheets to ``specs``; raises :class:`ImportRefused`.

    Rows are read lazily while the block is open, so a 100,000-row workbook is never held in memory.
    A sheet named after a spec must carry that spec's required headers; other sheets are matched by
    their headers (the first spec whose ``detect`` headers all appear), the rest are ignored.
    """
    path = Path(source) if not isinstance(source, bytes) else None
    size = path.stat().st_size if path is not None else len(source)  # type: ignore[arg-type]
    if path is not None:
        with path.open("rb") as fh:
            head = fh.read(8)
    else:
        head = source[:8]  # type: ignore[index]
    kind = inspect_upload(file_name=file_name, size=size, head=head)
    wb = None
    handle = None
    encoding = ""
    try:
        if kind == "xlsx":
            handle = path.open("rb") if path is not None else io.BytesIO(source)  # type: ignore[arg-type]
            _check_zip(handle)
            handle.seek(0)
            wb, raw_sheets = _xlsx_sheets(handle)
        else:
            data = path.read_bytes() if path is not None else source
            text, encoding = _decode_csv(data)  # type: ignore[arg-type]
            try:
                rows = list(csv.reader(io.StringIO(text, newline="")))
            except csv.Error as exc:
                raise ImportRefused(_garbled_message(), code="garbled") from exc
            raw_sheets = [(Path(file_name).stem or "CSV", enumerate(rows, start=1))]
        sheets, ignored = _bind_sheets(raw_sheets, specs, is_csv=kind == "csv")
        yield ImportFile(
            file_name=file_name, kind=kind, sheets=sheets, ignored_sheets=ignored, encoding=encoding
        )
    finally:
        if wb is not None:
            wb.close()
        if handle is not None:
            handle.close()


def _bind_sheets(raw_sheets, specs: Sequence[SheetSpec], *, is_csv: bool):
    bound: dict[str, BoundSheet] = {}
    ignored: list[str] = []
    candidates: list[tuple[str, list]] = []
    for name, rows in raw_sheets:
        rows = iter(rows)
        first_rows: list[tuple[int, Sequence[Any]]] = []
        for item in rows:
            first_rows.append(item)
            if len(first_rows) >= HEADER_SEARCH_ROWS:
                break
        spec = _spec_for(name, first_rows, specs, is_csv=is_csv)
        if spec is None:
            ignored.append(name)
            candidates.append((name, first_rows))
            continue
        if spec.key in bound:
            raise ImportRefused(
                format_lazy(
                    _("「{label}」のシートが複数あります（{a}、{b}）。1つにまとめてください。"),
                    label=spec.label,
                    a=bound[spec.key].name,
                    b=name,
                ),
                code="duplicate_sheet",
            )
        header_index = next((i for i, (_n, raw) in enumerate(first_rows) if _has_required(raw, spec)), None)
        if header_index is None:
            first = next((raw for _n, raw in first_rows if not all(is_blank(v) for v in raw)), ())
            found = _found_keys(first, spec)
            missing = [str(spec.column(k).label) for k in spec.required if k not in found]
            raise ImportRefused(
                format_lazy(
                    _("「{sheet}」シートに必須の列がありません: {cols}。1行目に列見出しを入れてください。"),
                    sheet=name,
                    cols="、".join(missing),
                ),
                code="missing_headers",
            )
        header_number, header_raw = first_rows[header_index]
        buffered = first_rows[header_index + 1 :]
        columns: dict[str, int] = {}
        headers: dict[str, str] = {}
        ignored_cols: list[str] = []
        read_only: list[str] = []
        header_map = spec.header_map()
        for i, raw_header in enumerate(header_raw):
            norm = normalize_header(raw_header)
            if not norm:
                continue
            column = header_map.get(norm)
            if column is None:
                ignored_cols.append(str(raw_header).strip())
            elif column.read_only:
                read_only.append(str(raw_header).strip())
            elif column.key in columns:
                raise ImportRefused(
                    format_lazy(
                        _("「{sheet}」シートに列「{col}」が2つあります。1つにしてください。"),
                        sheet=name,
                        col=str(raw_header).strip(),
                    ),
                    code="duplicate_column",
                )
            else:
                columns[column.key] = i
                headers[column.key] = str(raw_header).strip()
        bound[spec.key] = BoundSheet(
            spec=spec,
            name=name,
            header_row=header_number,
            columns=columns,
            headers=headers,
            ignored=ignored_cols,
            read_only=read_only,
            _rows=_chain(buffered, rows),
        )
    if not bound:
        # Name the sheet that looks most like one we know, and the headers it lacks.
        best = None
        for name, first_rows in candidates:
            for spec in specs:
                for _n, raw in first_rows:
                    found = _found_keys(raw, spec)
                    if found and (best is None or len(found) > best[0]):
                        best = (len(found), name, spec, found)
        if best is not None:
            _count, name, spec, found = best
            raise ImportRefused(
                format_lazy(
                    _("「{sheet}」シートに必須の列がありません: {cols}。1行目に列見出しを入れてください。"),
                    sheet=name,
                    cols="、".join(str(spec.column(k).label) for k in spec.required if k not in found),
                ),
                code="missing_headers",
            )
        first = specs[0]
        raise ImportRefused(
            format_lazy(
                _(
                    "取り込めるシートがありません。1行目に「{cols}」などの列見出しがあるシートを用意してください。"
                ),
                cols="」「".join(str(first.column(k).label) for k in first.required),
            ),
            code="missing_headers",
        )
    return bound, ignored


def _chain(first, rest):
    yield from first
    yield from rest


def _found_keys(raw: Sequence[Any], spec: SheetSpec) -> set[str]:
    header_map = spec.header_map()
    return {header_map[h].key for h in (normalize_header(v) for v in raw) if h in header_map}


def _has_required(raw: Sequence[Any], spec: SheetSpec) -> bool:
    found = _found_keys(raw, spec)
    return all(k in found for k in spec.required)


def _spec_for(name: str, first_rows, specs: Sequence[SheetSpec], *, is_csv: bool) -> SheetSpec | None:
    """Which spec a sheet belongs to: by its name first, then by the headers in its first rows."""
    norm = normalize_header(name)
    if not is_csv:
        for spec in specs:
            if norm in {normalize_header(n) for n in spec.names}:
                return spec
    # The most specific spec first: a cost sheet also has a システム番号 column.
    for spec in sorted(specs, key=lambda s: -len(s.detect or s.required)):
        detect = spec.detect or spec.required
        for _number, raw in first_rows:
            found = _found_keys(raw, spec)
            if all(k in found for k in detect):
                return spec
    if is_csv:
        return specs[0]  # a CSV has one sheet: let the first spec report its missing headers
    return None


# --------------------------------------------------------------------------------------------------------
# Cell parsers (raise ParseError with a Japanese message)
# --------------------------------------------------------------------------------------------------------

_TRUE = {
    "○",
    "〇",
    "◯",
    "●",
    "✓",
    "✔",
    "はい",
    "有",
    "あり",
    "有り",
    "対象",
    "済",
    "1",
    "true",
    "yes",
    "y",
    "t",
}
_FALSE = {
    "×",
    "✕",
    "✗",
    "いいえ",
    "無",
    "なし",
    "無し",
    "対象外",
    "0",
    "false",
    "no",
    "n",
    "f",
    "-",
    "－",
    "―",
}
_LIST_SEPARATORS = re.compile(r"[、,，;；/／\n]+")


_TRUE_NORM = frozenset(re.sub(r"\s+", "", unicodedata.normalize("NFKC", t)).casefold() for t in _TRUE)
_FALSE_NORM = frozenset(re.sub(r"\s+", "", unicodedata.normalize("NFKC", f)).casefold() for f in _FALSE)


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _as_text(value: object) -> str:
    """A cell as text: Excel turns typed numbers into floats (1001 → 1001.0); write them back as typed."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def clean_text(value: object, *, max_length: int | None = None) -> str:
    """Free text, trimmed; line breaks kept (Alt+Enter in a cell)."""
    text = _as_text(value).strip()
    if max_length is not None and len(text) > max_length:
        raise ParseError(
            format_lazy(_("{max}文字以内で入力してください（{n}文字）。"), max=max_length, n=len(text))
        )
    return text


def clean_key(value: object, *, max_length: int | None = None) -> str:
    """An identifier (system number): full-width letters and digits folded to half-width."""
    return clean_text(unicodedata.normalize("NFKC", _as_text(value)), max_length=max_length)


def _norm_label(text: object) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", _as_text(text))).casefold()


class ChoiceMap:
    """Choice labels (in every UI language) and stored values → stored value, built once per import."""

    def __init__(self, choices: Iterable[tuple[Any, Any]]):
        self.pairs = list(choices)
        self.lookup: dict[str, Any] = {}
        for stored, label in self.pairs:
            for text in in_all_languages(label, _norm_label):
                self.lookup.setdefault(text, stored)
            self.lookup.setdefault(_norm_label(stored), stored)

    def labels(self) -> str:
        return "、".join(str(label) for _stored, label in self.pairs)


def clean_choice(value: object, choices: ChoiceMap | Iterable[tuple[Any, Any]]) -> Any:
    """A choice by its label (what the export writes, in any UI language) or by its stored value."""
    mapping = choices if isinstance(choices, ChoiceMap) else ChoiceMap(choices)
    wanted = _norm_label(value)
    if wanted in mapping.lookup:
        return mapping.lookup[wanted]
    raise ParseError(
        format_lazy(
            _("「{value}」は選択肢にありません。次のいずれかを入力してください: {labels}"),
            value=_shown(value),
            labels=mapping.labels(),
        )
    )


def clean_bool(value: object) -> bool:
    """○/×, はい/いいえ, 1/0, TRUE/FALSE (and Excel's own boolean cells)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = _norm_label(value)
    if text in _TRUE_NORM:
        return True
    if text in _FALSE_NORM:
        return False
    raise ParseError(
        format_lazy(
            _(
                "「{value}」を○/×として読み取れません。「○」「×」「はい」「いいえ」「1」「0」で入力してください。"
            ),
            value=_shown(value),
        )
    )


def clean_date(value: object) -> datetime.date:
    """和暦 or 西暦 text, or an Excel date cell."""
    return parse_date(value)


def clean_fiscal_year(value: object) -> int:
    """「令和8年度」「R8」「2026年度」「2026」."""
    return parse_fiscal_year(value)


def clean_amount(value: object, *, unit: str) -> int:
    """An amount in the file's declared unit, as integer yen; negatives are refused (costs are ≥ 0)."""
    yen = parse_yen(value, unit=unit)  # type: ignore[arg-type]
    if yen is None:
        raise ParseError(_("金額が入力されていません。"))
    if yen < 0:
        raise ParseError(format_lazy(_("「{value}」: 金額に負の値は入力できません。"), value=_shown(value)))
    return yen


def clean_int(value: object, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """A whole number (full-width digits and thousands separators allowed), optionally within bounds."""
    text = unicodedata.normalize("NFKC", _as_text(value)).replace(",", "").strip()
    try:
        number = Decimal(text)
    except ArithmeticError as exc:
        raise ParseError(
            format_lazy(_("「{value}」を数値として読み取れません。"), value=_shown(value))
        ) from exc
    if not number.is_finite() or number != number.to_integral_value():
        raise ParseError(format_lazy(_("「{value}」は整数で入力してください。"), value=_shown(value)))
    result = int(number)
    if (minimum is not None and result < minimum) or (maximum is not None and result > maximum):
        raise ParseError(
            format_lazy(
                _("「{value}」は{min}～{max}で入力してください。"),
                value=_shown(value),
                min=minimum,
                max=maximum,
            )
        )
    return result


def split_names(value: object) -> list[str]:
    """A list in one cell: 「A市、B町」 (the export's separator), commas, semicolons or line breaks."""
    if is_blank(value):
        return []
    return [p.strip() for p in _LIST_SEPARATORS.split(_as_text(value)) if p.strip()]


def _shown(value: object) -> str:
    text = _as_text(value)
    return text if len(text) <= 40 else text[:40] + "…"


def display_value(value: object) -> str:
    """A value as shown in the preview's old → new columns (Japanese conventions, blank as 「（空欄）」)."""
    if value is None or value == "" or value == []:
        return gettext("（空欄）")
    if isinstance(value, bool):
        return "○" if value else "×"
    if isinstance(value, datetime.date):
        return format_date(value, "wareki")
    if isinstance(value, list | tuple | set):
        return "、".join(str(v) for v in value)
    return str(value)


def display_fiscal_year(value: int | None) -> str:
    return fiscal_year_label(value) if value else gettext("（空欄）")


def display_yen(value: int | None) -> str:
    return format_yen(value) if value is not None else gettext("（空欄）")


# --------------------------------------------------------------------------------------------------------
# Preview
# --------------------------------------------------------------------------------------------------------


@dataclass
class FieldChange:
    field: str
    label: str
    old: str
    new: str


@dataclass
class RowPlan:
    """One row of the preview: what the import will do to one record."""

    sheet: str
    row: int
    action: str  # "create", "update", "delete"
    key: str
    title: str
    changes: list[FieldChange] = field(default_factory=list)


@dataclass
class ImportPreview:
    """The dry-run result (also the record of an applied import): JSON-safe, stored and rendered later."""

    file_name: str = ""
    unit: str = "円"
    blank: str = BlankPolicy.KEEP.value
    counts: dict[str, int] = field(default_factory=dict)
    rows: list[RowPlan] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    notes: list[str] = field(default_factory=list)
    fingerprint: str = ""
    applied: bool = False
    applied_at: str = ""

    @property
    def blank_label(self) -> str:
        return str(BlankPolicy(self.blank).label) if self.blank in BlankPolicy.values else self.blank

    @property
    def has_errors(self) -> bool:
        return self.error_count > 0

    @property
    def change_count(self) -> int:
        return len(self.rows)

    @property
    def errors_hidden(self) -> int:
        return max(0, self.error_count - len(self.errors))

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> ImportPreview:
        data = dict(data)
        rows = [
            RowPlan(**{**r, "changes": [FieldChange(**c) for c in r.get("changes", [])]})
            for r in data.pop("rows", [])
        ]
        errors = [RowError(**e) for e in data.pop("errors", [])]
        known = {f for f in cls.__dataclass_fields__}
        return cls(rows=rows, errors=errors, **{k: v for k, v in data.items() if k in known})

    def compute_fingerprint(self) -> str:
        """A digest of what would change: apply refuses if the ledger moved on since the user's preview."""
        payload = json.dumps(
            [[r.sheet, r.action, r.key, [[c.field, c.old, c.new] for c in r.changes]] for r in self.rows],
            ensure_ascii=False,
            sort_keys=True,
        )
        return hashlib.sha256(payload.encode()).hexdigest()


# --------------------------------------------------------------------------------------------------------
# Keeping uploads between the dry run and the apply
# --------------------------------------------------------------------------------------------------------

_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


class UploadStore:
    """Uploaded import files under ``MEDIA_ROOT/imports/<token>.<ext>`` with a JSON sidecar of metadata.

    The token is random (not guessable); the sidecar records the owner, so one user can never open or
    apply another user's upload even with the token. Files are removed after the apply and swept after
    :attr:`max_age` so abandoned dry runs do not pile up.
    """

    folder = "imports"
    max_age = datetime.timedelta(days=7)

    def __init__(self, root: str | os.PathLike | None = None):
        self.root = Path(root or settings.MEDIA_ROOT) / self.folder

    def _paths(self, token: str) -> tuple[Path, Path]:
        if not _TOKEN_RE.match(token or ""):
            raise FileNotFoundError(token)
        meta = self.root / f"{token}.json"
        return meta, meta.with_suffix(".upload")

    def save(self, *, upload, user, **meta) -> str:
        """Store an uploaded file (Django ``UploadedFile`` or bytes); returns its token."""
        self.root.mkdir(parents=True, exist_ok=True)
        self.sweep()
        token = secrets.token_urlsafe(24)
        meta_path, data_path = self._paths(token)
        with data_path.open("wb") as out:
            if isinstance(upload, bytes):
                out.write(upload)
            else:
                for chunk in upload.chunks():
                    out.write(chunk)
        record = {
            "token": token,
            "user_id": getattr(user, "pk", None),
            "created_at": timezone.now().isoformat(),
            "status": "uploaded",
            **meta,
        }
        self._write(meta_path, record)
        return token

    def load(self, token: str, *, user=None) -> dict:
        """The metadata of an upload; ``FileNotFoundError`` if missing or not the user's."""
        meta_path, _data = self._paths(token)
        record = json.loads(meta_path.read_text(encoding="utf-8"))
        if user is not None and record.get("user_id") != getattr(user, "pk", None):
            raise FileNotFoundError(token)
        return record

    def path(self, token: str) -> Path:
        return self._paths(token)[1]

    def update(self, token: str, **changes) -> dict:
        meta_path, _data = self._paths(token)
        record = json.loads(meta_path.read_text(encoding="utf-8"))
        record.update(changes)
        self._write(meta_path, record)
        return record

    def discard_file(self, token: str) -> None:
        """Remove the uploaded bytes (after the apply); the metadata stays for the result page."""
        with contextlib.suppress(FileNotFoundError):
            self.path(token).unlink()

    def sweep(self) -> None:
        cutoff = timezone.now().timestamp() - self.max_age.total_seconds()
        if not self.root.exists():
            return
        for p in self.root.iterdir():
            with contextlib.suppress(OSError):
                if p.stat().st_mtime < cutoff:
                    p.unlink()

    @staticmethod
    def _write(path: Path, record: dict) -> None:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
