"""Karte attachments: which files may be attached, how their names are cleaned, who may download them.

An allowlist, not a blocklist: a blocklist misses ``x.exe `` (trailing space, which Windows drops),
``.hta``, ``.wsf``, ``.lnk``, ``.jar`` and macro documents (``.docm``). Only office documents, PDFs,
plain text and images are accepted. A download is allowed to whoever may see the object the karte
entry belongs to, and is always served as a download (never rendered by the browser as a page).
"""

from __future__ import annotations

import posixpath
import unicodedata

from django.conf import settings
from django.utils.translation import gettext as _

#: Extensions accepted as attachments (lower case, with the dot).
ALLOWED_EXTENSIONS = frozenset(
    {
        ".pdf",
        ".xlsx",
        ".xls",
        ".docx",
        ".doc",
        ".pptx",
        ".ppt",
        ".csv",
        ".txt",
        ".png",
        ".jpg",
        ".jpeg",
        ".gif",
        ".zip",
    }
)
_MAX_NAME = 200


def attachment_name_normalise(name: str) -> str:
    """NFKC, no directory parts, no control characters, no trailing dots or spaces (which Windows
    strips, turning ``x.exe.`` or ``x.exe `` into ``x.exe``), at most 200 characters keeping the
    extension."""
    name = unicodedata.normalize("NFKC", name or "")
    name = name.replace("\\", "/")
    name = posixpath.basename(name)
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = name.strip().rstrip(". ").strip()
    if len(name) > _MAX_NAME:
        stem, ext = posixpath.splitext(name)
        name = stem[: _MAX_NAME - len(ext)] + ext
    return name


def attachment_errors(upload) -> list[str]:
    """Why an uploaded file may not be attached (empty when it may)."""
    raw = getattr(upload, "name", "") or ""
    name = attachment_name_normalise(raw)
    errors = []
    ext = posixpath.splitext(name)[1].lower()
    if not name or ext not in ALLOWED_EXTENSIONS:
        errors.append(
            _("%(name)s は添付できない種類のファイルです（添付できるもの: %(allowed)s）。")
            % {
                "name": raw.strip() or "?",
                "allowed": "、".join(sorted(e.lstrip(".") for e in ALLOWED_EXTENSIONS)),
            }
        )
    if getattr(upload, "size", 0) > settings.SAITEKI_MAX_UPLOAD_BYTES:
        errors.append(
            _("%(name)s は大きすぎます（上限%(mb)sMB）。")
            % {"name": name or raw, "mb": settings.SAITEKI_MAX_UPLOAD_BYTES // (1024 * 1024)}
        )
    return errors
