"""Refusing bad files before a cell is read: size, encryption, macros, .xlsb, garbage and zip bombs.

Content decides, not the extension alone. An xlsx is a zip: before any parser sees it, every member's
declared *and* actual unpacked size and its compression ratio are checked against limits from the
settings (``SAITEKI_IMPORT_MAX_PART_BYTES``, ``SAITEKI_IMPORT_MAX_RATIO``,
``SAITEKI_IMPORT_MAX_UNPACKED_BYTES``), so a 300 KB file that unpacks to gigabytes is refused in
milliseconds with a message that names the limit (issue 8: such files were parsed inside the request).
"""

from __future__ import annotations

import io
import zipfile

from django.conf import settings
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from saiteki.core.importing.preview import ImportRefused

OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_SIGNATURE = b"PK\x03\x04"
XLSX_EXTENSIONS = (".xlsx",)
CSV_EXTENSIONS = (".csv", ".txt")
MACRO_EXTENSIONS = (".xlsm", ".xltm", ".xlam")
#: Members smaller than this are not ratio-checked: they cannot hurt, and tiny XML parts compress well.
RATIO_FLOOR_BYTES = 1024 * 1024


def max_part_bytes() -> int:
    """The largest unpacked size of one member of an xlsx (a sheet or the shared strings)."""
    return int(getattr(settings, "SAITEKI_IMPORT_MAX_PART_BYTES", 200 * 1024 * 1024))


def max_unpacked_bytes() -> int:
    """The largest unpacked size of a whole xlsx."""
    return int(getattr(settings, "SAITEKI_IMPORT_MAX_UNPACKED_BYTES", 400 * 1024 * 1024))


def max_ratio() -> int:
    """The largest compression ratio of one member (unpacked ÷ packed); real workbooks stay far below."""
    return int(getattr(settings, "SAITEKI_IMPORT_MAX_RATIO", 100))


def max_upload_bytes() -> int:
    return int(getattr(settings, "SAITEKI_MAX_UPLOAD_BYTES", 20 * 1024 * 1024))


def mb(n: int) -> str:
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
                size=mb(size),
                limit=mb(max_upload_bytes()),
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
        raise ImportRefused(garbled_message(), code="garbled")
    if name.endswith(CSV_EXTENSIONS):
        if b"\x00" in head:
            raise ImportRefused(garbled_message(), code="garbled")
        return "csv"
    raise ImportRefused(_unsupported_message(), code="unsupported")


def _macro_message():
    return _(
        "マクロを含むファイル（.xlsm など）は安全のため取り込めません。"
        "「Excelブック（.xlsx）」形式で保存し直してから取り込んでください。"
    )


def garbled_message():
    return _("ファイルが壊れているか、Excelブック（.xlsx）またはCSVではありません。")


def _unsupported_message():
    return _("取り込めるのはExcelブック（.xlsx）とCSV（.csv）です。")


def decode_csv(data: bytes) -> tuple[str, str]:
    """UTF-8 (BOM or not) first, then CP932 (Shift_JIS as Windows writes it, with NEC/IBM extensions)."""
    for encoding, label in (("utf-8-sig", "UTF-8"), ("cp932", "Shift_JIS")):
        try:
            return data.decode(encoding), label
        except UnicodeDecodeError:
            continue
    raise ImportRefused(
        _("CSVの文字コードを判別できません。UTF-8 または Shift_JIS で保存してください。"), code="encoding"
    )


def check_xlsx_container(handle) -> None:
    """Open the xlsx container: refuse garbage, macros (vbaProject.bin), .xlsb and zip bombs.

    The declared sizes in the zip directory can lie, so each large member is also unpacked as a stream
    (never held in memory) and counted, stopping at the first byte over a limit.
    """
    try:
        zf = zipfile.ZipFile(handle)
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ImportRefused(garbled_message(), code="garbled") from exc
    with zf:
        names = {i.filename.lower() for i in infos}
        if any(n.endswith("vbaproject.bin") for n in names):
            raise ImportRefused(_macro_message(), code="macro")
        if "xl/workbook.bin" in names:
            raise ImportRefused(
                _("バイナリ形式（.xlsb）のファイルは取り込めません。.xlsx形式で保存し直してください。"),
                code="unsupported",
            )
        if "xl/workbook.xml" not in names:
            raise ImportRefused(garbled_message(), code="garbled")
        part_limit, total_limit, ratio_limit = max_part_bytes(), max_unpacked_bytes(), max_ratio()
        declared_total = 0
        for info in infos:
            declared_total += info.file_size
            _check_part(info.filename, info.file_size, info.compress_size, part_limit, ratio_limit)
        if declared_total > total_limit:
            raise _bomb(total_limit, ratio_limit)
        actual_total = 0
        for info in infos:
            actual = 0
            try:
                with zf.open(info) as member:
                    while chunk := member.read(1024 * 1024):
                        actual += len(chunk)
                        _check_part(info.filename, actual, info.compress_size, part_limit, ratio_limit)
                        if actual_total + actual > total_limit:
                            raise _bomb(total_limit, ratio_limit)
            except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as exc:
                raise ImportRefused(garbled_message(), code="garbled") from exc
            actual_total += actual


def _check_part(name: str, size: int, packed: int, part_limit: int, ratio_limit: int) -> None:
    if size > part_limit or (size > RATIO_FLOOR_BYTES and size > ratio_limit * max(packed, 1)):
        raise _bomb(part_limit, ratio_limit)


def _bomb(limit: int, ratio: int) -> ImportRefused:
    return ImportRefused(
        format_lazy(
            _(
                "展開後のサイズが上限を超えるため取り込めません（1つの部品の上限{limit}、圧縮率の上限{ratio}倍）。"
                "不要なシートや書式を削除するか、ファイルを分割してください。"
            ),
            limit=mb(limit),
            ratio=ratio,
        ),
        code="too_large",
    )


def open_bytes(source) -> io.BytesIO:
    """An in-memory handle for bytes (paths are opened by the caller)."""
    return io.BytesIO(source)
