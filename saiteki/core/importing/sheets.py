"""Sheets and headers: which sheet of an upload is which, where its header row is, which column is which.

An importer declares :class:`SheetSpec` s (accepted sheet names, :class:`Column` s with Japanese headers
and aliases, required headers); :func:`open_import` opens an upload — xlsx through python-calamine, CSV
in UTF-8 (with or without BOM) or Shift_JIS/CP932 — and binds each sheet to a spec. Headers are matched
after Unicode normalisation (full-width parentheses, spaces) in every UI language. Columns the importer
does not know are ignored and *reported*; read-only display columns of our own exports quietly.

Two-row headers are understood: a header cell merged across several columns (「利用者」 over
「職員」「県民」「事業者」) combines with the row below it (「利用者: 職員」), so sub-header columns are
imported or reported — never silently dropped. Hidden sheets are read like visible ones, and named as
hidden whenever a message mentions them (a hidden duplicate is otherwise invisible to the user).
"""

from __future__ import annotations

import contextlib
import csv
import functools
import io
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclasses_field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from saiteki.core.importing import extract
from saiteki.core.importing.cells import in_all_languages, is_blank, normalize_header
from saiteki.core.importing.files import (
    check_xlsx_container,
    decode_csv,
    garbled_message,
    inspect_upload,
    mb,
)
from saiteki.core.importing.preview import ImportRefused

#: The header row may be preceded by a title block (「令和8年度 情報システム調査票」); we look this far down.
HEADER_SEARCH_ROWS = 10


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

    @functools.cached_property
    def _header_map(self) -> dict[str, Column]:
        out: dict[str, Column] = {}
        for c in self.columns:
            for h in c.headers():
                out.setdefault(h, c)
        return out

    def header_map(self) -> dict[str, Column]:
        """Normalised header text (every language, every alias) → column."""
        return self._header_map


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
        columns = list(self.columns.items())
        for number, raw in self._rows:
            first = raw[0] if raw else None
            if is_blank(first) and all(is_blank(v) for v in raw):  # the first cell settles most rows
                continue
            width = len(raw)
            yield number, {key: (raw[i] if i < width else None) for key, i in columns}

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
    hidden: list[str] = dataclasses_field(default_factory=list)

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
        read_hidden = [s.name for s in self.sheets.values() if s.name in self.hidden]
        if read_hidden:
            out.append(
                gettext("非表示のシートも取り込みます: %(sheets)s") % {"sheets": "、".join(read_hidden)}
            )
        if self.encoding:
            out.append(gettext("文字コード: %(enc)s") % {"enc": self.encoding})
        return out


# --------------------------------------------------------------------------------------------------------
# Opening an upload
# --------------------------------------------------------------------------------------------------------


def inline_parse_bytes() -> int:
    """xlsx files up to this size are parsed in the calling process; larger ones only in a capped child."""
    return int(getattr(settings, "SAITEKI_IMPORT_INLINE_BYTES", 300 * 1024))


def parse_memory_bytes() -> int:
    """The address-space cap of the child process that parses a large xlsx."""
    return int(getattr(settings, "SAITEKI_IMPORT_PARSE_MEMORY_BYTES", 2 * 1024 * 1024 * 1024))


def parse_timeout() -> float:
    return float(getattr(settings, "SAITEKI_IMPORT_PARSE_TIMEOUT", 600))


@contextlib.contextmanager
def open_import(
    source: str | os.PathLike | bytes, *, file_name: str, specs: Sequence[SheetSpec]
) -> Iterator[ImportFile]:
    """Open an upload (a path or the bytes) and match its sheets to ``specs``; raises :class:`ImportRefused`.

    A sheet named after a spec must carry that spec's required headers; other sheets are matched by
    their headers (the first spec whose ``detect`` headers all appear), the rest are ignored. An xlsx
    over :func:`inline_parse_bytes` is read in a child process capped at :func:`parse_memory_bytes`.
    """
    path = Path(source) if not isinstance(source, bytes) else None
    size = path.stat().st_size if path is not None else len(source)  # type: ignore[arg-type]
    if path is not None:
        with path.open("rb") as fh:
            head = fh.read(8)
    else:
        head = source[:8]  # type: ignore[index,assignment]
    kind = inspect_upload(file_name=file_name, size=size, head=head)
    encoding = ""
    hidden: list[str] = []
    if kind == "xlsx":
        with path.open("rb") if path is not None else io.BytesIO(source) as handle:  # type: ignore[arg-type]
            check_xlsx_container(handle)
        raw_sheets = _read_xlsx(source, path, size)
        hidden = [r.name for r in raw_sheets if not r.visible]
        sheets_in = [(r.name, r.rows, r.merged, not r.visible) for r in raw_sheets]
    else:
        data = path.read_bytes() if path is not None else source
        text, encoding = decode_csv(data)  # type: ignore[arg-type]
        try:
            rows = [(i, row) for i, row in enumerate(csv.reader(io.StringIO(text, newline="")), start=1)]
        except csv.Error as exc:
            raise ImportRefused(garbled_message(), code="garbled") from exc
        sheets_in = [(Path(file_name).stem or "CSV", iter(rows), [], False)]
    sheets, ignored = _bind_sheets(sheets_in, specs, is_csv=kind == "csv")
    yield ImportFile(
        file_name=file_name,
        kind=kind,
        sheets=sheets,
        ignored_sheets=ignored,
        encoding=encoding,
        hidden=hidden,
    )


def _read_xlsx(source, path: Path | None, size: int) -> list[extract.RawSheet]:
    try:
        if path is not None and size > inline_parse_bytes():
            return extract.read_xlsx_sandboxed(
                path, memory_bytes=parse_memory_bytes(), timeout=parse_timeout()
            )
        return extract.read_xlsx(source)
    except extract.Unreadable as exc:
        raise ImportRefused(garbled_message(), code="garbled") from exc
    except extract.OutOfMemory as exc:
        raise ImportRefused(
            format_lazy(
                _(
                    "ファイルの読み込みに必要なメモリが上限（{limit}）を超えたため取り込めません。"
                    "ファイルを分割して取り込んでください。"
                ),
                limit=mb(parse_memory_bytes()),
            ),
            code="too_large",
        ) from exc


# --------------------------------------------------------------------------------------------------------
# Binding sheets to specs
# --------------------------------------------------------------------------------------------------------


def _sheet_label(name: str, hidden: bool) -> str:
    return gettext("%(name)s（非表示のシート）") % {"name": name} if hidden else name


def _spans(merged, header_number: int) -> list[tuple[int, int]]:
    """Column spans of the cells merged across several columns in the given (1-based) row."""
    row = header_number - 1
    return [(c0, c1) for (r0, c0), (_r1, c1) in merged if r0 == row and c1 > c0]


def _combined(top: Sequence[Any], sub: Sequence[Any], spans: list[tuple[int, int]], known: Callable) -> list:
    """A two-row header as one: under a merged cell, 「上: 下」 (or the sub-header alone if that is known)."""
    width = max(len(top), len(sub))
    out = [top[i] if i < len(top) else "" for i in range(width)]
    for c0, c1 in spans:
        parent = str(top[c0]).strip() if c0 < len(top) and not is_blank(top[c0]) else ""
        for c in range(c0, min(c1, width - 1) + 1):
            child = str(sub[c]).strip() if c < len(sub) and not is_blank(sub[c]) else ""
            if not child:
                continue
            for candidate in (f"{parent}: {child}", f"{parent}{child}", child):
                if known(candidate):
                    out[c] = candidate
                    break
            else:
                out[c] = f"{parent}: {child}" if parent else child
    return out


def _header_rows(first_rows, merged) -> Iterator[tuple[int, int, Sequence[Any]]]:
    """Candidate header rows: (index in first_rows, rows it spans, header cells); two-row ones first."""
    for i, (number, raw) in enumerate(first_rows):
        spans = _spans(merged, number)
        if spans and i + 1 < len(first_rows) and first_rows[i + 1][0] == number + 1:
            sub = first_rows[i + 1][1]
            if any(not is_blank(sub[c]) for c0, c1 in spans for c in range(c0, c1 + 1) if c < len(sub)):
                yield i, 2, (raw, sub, spans)
                continue
        yield i, 1, (raw, None, None)


def _resolve(header, spec: SheetSpec) -> Sequence[Any]:
    raw, sub, spans = header
    if sub is None:
        return raw
    header_map = spec.header_map()
    return _combined(raw, sub, spans, lambda text: normalize_header(text) in header_map)


def _bind_sheets(raw_sheets, specs: Sequence[SheetSpec], *, is_csv: bool):
    bound: dict[str, BoundSheet] = {}
    hidden_keys: set[str] = set()
    ignored: list[str] = []
    candidates: list[tuple[str, list]] = []
    for name, rows, merged, hidden in raw_sheets:
        rows = iter(rows)
        first_rows: list[tuple[int, Sequence[Any]]] = []
        for item in rows:
            first_rows.append(item)
            if len(first_rows) >= HEADER_SEARCH_ROWS:
                break
        headers = list(_header_rows(first_rows, merged))
        spec = _spec_for(name, headers, specs, is_csv=is_csv)
        if spec is None:
            ignored.append(_sheet_label(name, hidden))
            candidates.append((name, headers))
            continue
        if spec.key in bound:
            previous = bound[spec.key].name
            raise ImportRefused(
                format_lazy(
                    _("「{label}」のシートが複数あります（{a}、{b}）。1つにまとめてください。"),
                    label=spec.label,
                    a=_sheet_label(previous, spec.key in hidden_keys),
                    b=_sheet_label(name, hidden),
                ),
                code="duplicate_sheet",
            )
        found_header = next(
            (
                (i, span, _resolve(h, spec))
                for i, span, h in headers
                if _has_required(_resolve(h, spec), spec)
            ),
            None,
        )
        if found_header is None:
            first = next(
                (_resolve(h, spec) for _i, _s, h in headers if not all(is_blank(v) for v in h[0])), ()
            )
            found = _found_keys(first, spec)
            missing = [str(spec.column(k).label) for k in spec.required if k not in found]
            raise ImportRefused(
                format_lazy(
                    _("「{sheet}」シートに必須の列がありません: {cols}。1行目に列見出しを入れてください。"),
                    sheet=_sheet_label(name, hidden),
                    cols="、".join(missing),
                ),
                code="missing_headers",
            )
        header_index, span, header_raw = found_header
        header_number = first_rows[header_index][0]
        buffered = first_rows[header_index + span :]
        if hidden:
            hidden_keys.add(spec.key)
        columns: dict[str, int] = {}
        headers_text: dict[str, str] = {}
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
                headers_text[column.key] = str(raw_header).strip()
        bound[spec.key] = BoundSheet(
            spec=spec,
            name=name,
            header_row=header_number,
            columns=columns,
            headers=headers_text,
            ignored=ignored_cols,
            read_only=read_only,
            _rows=_chain(buffered, rows),
        )
    if not bound:
        # Name the sheet that looks most like one we know, and the headers it lacks.
        best = None
        for name, candidate_headers in candidates:
            for spec in specs:
                for _i, _s, h in candidate_headers:
                    found = _found_keys(_resolve(h, spec), spec)
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
        first_spec = specs[0]
        raise ImportRefused(
            format_lazy(
                _(
                    "取り込めるシートがありません。1行目に「{cols}」などの列見出しがあるシートを用意してください。"
                ),
                cols="」「".join(str(first_spec.column(k).label) for k in first_spec.required),
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


def _spec_for(name: str, headers, specs: Sequence[SheetSpec], *, is_csv: bool) -> SheetSpec | None:
    """Which spec a sheet belongs to: by its name first, then by the headers in its first rows."""
    norm = normalize_header(name)
    if not is_csv:
        for spec in specs:
            if norm in {normalize_header(n) for n in spec.names}:
                return spec
    # The most specific spec first: a cost sheet also has a システム番号 column.
    for spec in sorted(specs, key=lambda s: -len(s.detect or s.required)):
        detect = spec.detect or spec.required
        for _i, _span, h in headers:
            found = _found_keys(_resolve(h, spec), spec)
            if all(k in found for k in detect):
                return spec
    if is_csv:
        return specs[0]  # a CSV has one sheet: let the first spec report its missing headers
    return None
