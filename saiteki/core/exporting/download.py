"""The one way a file leaves Saiteki: an audited download response.

Every export is a security event (who took which data, how much, with which filter), so the audit
record and the response are made together here and no view can return a file without the other.
"""

from __future__ import annotations

import re
import unicodedata
import urllib.parse
from typing import TYPE_CHECKING

from django.db import models
from django.http import HttpResponse

from saiteki.core.audit import audit_event_record
from saiteki.core.exporting.cells import XLSX_CONTENT_TYPE
from saiteki.core.models import AuditEvent

if TYPE_CHECKING:
    from saiteki.core.exporting.writer import ExcelWorkbook

ZIP_CONTENT_TYPE = "application/zip"
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')
MAX_FILENAME = 150


def safe_filename(filename: str) -> str:
    """The file name as the user will see it: NFC, no path separators, control or reserved characters
    (Windows refuses ``\\/:*?"<>|``), at most 150 characters with the extension kept."""
    name = _UNSAFE.sub("_", unicodedata.normalize("NFC", str(filename))).strip(" .") or "download"
    if len(name) > MAX_FILENAME:
        stem, dot, ext = name.rpartition(".")
        if dot and len(ext) <= 5:
            name = stem[: MAX_FILENAME - len(ext) - 1] + "." + ext
        else:
            name = name[:MAX_FILENAME]
    return name


def content_disposition(filename: str) -> str:
    """``attachment`` with the Japanese name in RFC 5987 form (``filename*=UTF-8''…``) and an ASCII
    ``filename=`` fallback for old clients (RFC 6266 §4.3)."""
    name = safe_filename(filename)
    stem, dot, ext = name.rpartition(".")
    ascii_stem = re.sub(r"[^A-Za-z0-9._-]+", "_", (stem if dot else name)).strip("_")
    fallback = (ascii_stem or "download") + (f".{ext}" if dot and ext.isascii() else "")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{urllib.parse.quote(name, safe='')}"


def download_response(
    request,
    *,
    data: bytes,
    filename: str,
    what: str,
    count: int | None = None,
    content_type: str,
    file_format: str,
    obj: models.Model | None = None,
    object_type: str = "",
    detail: dict | None = None,
) -> HttpResponse:
    """Record the export in the audit log, then return the file as an attachment.

    ``what`` names the export (``ledger.system_list``, ``consolidation_run`` …) and ``count`` how many
    records it holds; the query string (the filter) is kept as well, so an auditor can tell exactly
    what left.
    """
    audit_event_record(
        kind=AuditEvent.Kind.EXPORT,
        request=request,
        obj=obj,
        object_type=object_type,
        detail={
            "format": file_format,
            "what": what,
            "count": count,
            "file": safe_filename(filename),
            "query": request.GET.urlencode() if request is not None else "",
            **(detail or {}),
        },
    )
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = content_disposition(filename)
    response["Content-Length"] = str(len(data))
    response["Cache-Control"] = "private, no-store"  # exported ledger data must not sit in shared caches
    return response


def xlsx_response(
    request,
    *,
    data: bytes | None = None,
    writer: ExcelWorkbook | None = None,
    filename: str,
    what: str,
    count: int | None = None,
    obj: models.Model | None = None,
    object_type: str = "",
    detail: dict | None = None,
) -> HttpResponse:
    """An audited xlsx download: give the file's bytes (``data``) or the open ``writer`` (closed here)."""
    if (data is None) == (writer is None):
        raise TypeError("xlsx_response() takes exactly one of data= or writer=")
    if writer is not None:
        data = writer.close()
    assert data is not None
    return download_response(
        request,
        data=data,
        filename=filename,
        what=what,
        count=count,
        content_type=XLSX_CONTENT_TYPE,
        file_format="xlsx",
        obj=obj,
        object_type=object_type,
        detail=detail,
    )


def zip_response(
    request, *, data: bytes, filename: str, what: str, count: int | None = None, **kwargs
) -> HttpResponse:
    """An audited zip download (several workbooks in one file)."""
    return download_response(
        request,
        data=data,
        filename=filename,
        what=what,
        count=count,
        content_type=ZIP_CONTENT_TYPE,
        file_format="zip",
        **kwargs,
    )
