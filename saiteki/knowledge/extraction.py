"""Text extraction from attachments (PDF, docx, xlsx, plain text) for the search index.

Only the types of :data:`~saiteki.knowledge.choices.ATTACHMENT_TYPES` are accepted, and the file's first
bytes must agree with its extension (a renamed executable is refused, not indexed). Extraction never
runs code from the file: pypdf reads text operators, python-docx and calamine read XML/cell values.
"""

from __future__ import annotations

import io
import logging
import os

from django.utils.translation import gettext as _

from saiteki.core.errors import ValidationFailed

from .choices import ATTACHMENT_TYPES

logger = logging.getLogger("saiteki.knowledge")

MAX_EXTRACT_CHARS = 100_000
_ZIP = b"PK\x03\x04"


def extension_of(name: str) -> str:
    return os.path.splitext(name or "")[1].lower()


def check_type(name: str, head: bytes) -> str:
    """The content type for an allowed file, or a :class:`ValidationFailed` naming the file."""
    ext = extension_of(name)
    if ext not in ATTACHMENT_TYPES:
        raise ValidationFailed(
            _("%(name)s は添付できない種類のファイルです（PDF・Word・Excel・テキストのみ）。")
            % {"name": name},
            fields={"file": [_("PDF・Word（docx）・Excel（xlsx）・テキストのみ添付できます。")]},
        )
    ok = True
    if ext == ".pdf":
        ok = head.startswith(b"%PDF")
    elif ext in (".docx", ".xlsx"):
        ok = head.startswith(_ZIP)
    else:
        ok = b"\x00" not in head
    if not ok:
        raise ValidationFailed(
            _("%(name)s の内容がファイルの種類と一致しません。") % {"name": name},
            fields={"file": [_("ファイルの中身が拡張子と一致しません。")]},
        )
    return ATTACHMENT_TYPES[ext]


def _pdf(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return "\n".join((page.extract_text() or "") for page in reader.pages)


def _docx(data: bytes) -> str:
    import docx

    document = docx.Document(io.BytesIO(data))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append("\t".join(cell.text for cell in row.cells))
    return "\n".join(lines)


def _xlsx(data: bytes) -> str:
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    lines = []
    for name in workbook.sheet_names:
        lines.append(name)
        for row in workbook.get_sheet_by_name(name).to_python():
            cells = [str(c) for c in row if c not in ("", None)]
            if cells:
                lines.append("\t".join(cells))
    return "\n".join(lines)


def _plain(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


def extract_text(name: str, data: bytes) -> str:
    """The text of an allowed file (empty when the file cannot be read: it is still attached)."""
    ext = extension_of(name)
    reader = {".pdf": _pdf, ".docx": _docx, ".xlsx": _xlsx}.get(ext, _plain)
    try:
        text = reader(data)
    except Exception:  # noqa: BLE001 - a damaged file is attached but not searchable
        logger.warning("text extraction failed for %s", name, exc_info=True)
        return ""
    return text[:MAX_EXTRACT_CHARS]
