"""The import pipeline's services: dry run, all-or-nothing apply, stored uploads and background jobs.

Every importer, whatever app declared it, goes through these functions, so the guarantees hold for all
of them: the role check, the apply re-planned inside one transaction with the rows locked, the
fingerprint check against the preview the user approved, one change context (one request id, the
reason 「Excel取込: <file name>」) and one change batch, one audit event. Uploads above
:func:`sync_max_bytes` are planned and applied in the worker (``core.import_preview`` /
``core.import_apply`` job kinds), where a large xlsx is parsed in a memory-capped child process.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from saiteki.core.audit import audit_event_record
from saiteki.core.changelog import change_batch
from saiteki.core.context import change_context
from saiteki.core.errors import ConflictError, PermissionDeniedError
from saiteki.core.importing.importer import Importer, Report, importer_class
from saiteki.core.importing.preview import (
    BlankPolicy,
    ImportPreview,
    ImportRefused,
    ImportRowErrors,
    UploadStatus,
)
from saiteki.core.importing.store import UploadStore
from saiteki.core.jobs import job_enqueue, job_kind
from saiteki.core.models import AuditEvent

PREVIEW_JOB = "core.import_preview"
APPLY_JOB = "core.import_apply"


def sync_max_bytes() -> int:
    """Uploads up to this size are planned and applied within the request; larger ones as jobs."""
    return int(getattr(settings, "SAITEKI_IMPORT_SYNC_BYTES", 300 * 1024))


def _cls(importer: str | type[Importer]) -> type[Importer]:
    return importer_class(importer) if isinstance(importer, str) else importer


def import_preview(
    *,
    importer: str | type[Importer],
    user,
    source,
    file_name: str,
    unit: str = "円",
    blank: str = BlankPolicy.KEEP,
    report: Report | None = None,
    **options: Any,
) -> ImportPreview:
    """Dry run: what importing this file would change, and every error; writes nothing."""
    cls = _cls(importer)
    cls.check_role(user)
    planner = cls(user=user, file_name=file_name, unit=unit, blank=blank, report=report, **options)
    return planner.plan(source)


def import_apply(
    *,
    importer: str | type[Importer],
    user,
    source,
    file_name: str,
    unit: str = "円",
    blank: str = BlankPolicy.KEEP,
    fingerprint: str | None = None,
    request=None,
    audit_obj=None,
    report: Report | None = None,
    **options: Any,
) -> ImportPreview:
    """Apply an import all-or-nothing; every changed object gets one history row with the import reason.

    Re-plans inside the transaction (rows locked); with ``fingerprint`` (the preview the user approved)
    it refuses with :class:`ConflictError` if the changes are no longer the same. Raises
    :class:`ImportRowErrors` (with the preview) when any row has an error; nothing is written then.
    """
    cls = _cls(importer)
    cls.check_role(user)
    reason = cls.reason.format(file_name=file_name)
    with transaction.atomic(), change_context(user=user, reason=reason), change_batch():
        planner = cls(
            user=user, file_name=file_name, unit=unit, blank=blank, report=report, lock=True, **options
        )
        preview = planner.plan(source)
        if preview.has_errors:
            raise ImportRowErrors(preview)
        if fingerprint and preview.fingerprint != fingerprint:
            raise ConflictError(
                _(
                    "確認した後に台帳が更新されたため、取り込みませんでした。内容をもう一度確認してから取り込んでください。"
                )
            )
        planner.execute()
        preview.applied = True
        preview.applied_at = timezone.now().isoformat()
        audit_event_record(
            kind=AuditEvent.Kind.IMPORT,
            request=request,
            user=user,
            obj=audit_obj,
            object_type="" if audit_obj is not None else cls.model._meta.label,
            detail={"file": file_name, "importer": cls.name, "unit": unit, "blank": blank, **preview.counts},
        )
    return preview


# --------------------------------------------------------------------------------------------------------
# Stored uploads (the generic views and the API)
# --------------------------------------------------------------------------------------------------------


def upload_store(
    *,
    importer: str,
    user,
    upload,
    file_name: str,
    unit: str = "円",
    blank: str = BlankPolicy.KEEP,
    preview_url: str = "",
) -> tuple[str, dict]:
    """Keep an upload and dry-run it: in the request when small, else as a job; returns (token, metadata).

    The metadata's ``job_id`` is set when the dry run was queued. Bad files are refused before any of
    this (the form and the API inspect the first bytes), so a refusal here comes from the importer.
    """
    cls = importer_class(importer)
    cls.check_role(user)
    store = UploadStore()
    size = len(upload) if isinstance(upload, bytes) else upload.size
    token = store.save(
        upload=upload, user=user, file_name=file_name, unit=unit, blank=blank, importer=importer, size=size
    )
    if preview_url:
        store.update(token, preview_url=preview_url.replace("__token__", token))
    if size > sync_max_bytes():
        job = job_enqueue(
            kind=PREVIEW_JOB,
            title=gettext("取込内容の確認: %(name)s") % {"name": file_name},
            params={"token": token},
            user=user,
        )
        return token, store.update(token, status=UploadStatus.PREVIEWING.value, job_id=str(job.pk))
    return token, upload_preview(token=token, user=user)


def upload_preview(*, token: str, user, report: Report | None = None) -> dict:
    """Dry-run a stored upload and record the preview (or the refusal) with it; returns its metadata."""
    store = UploadStore()
    meta = store.load(token, user=user)
    try:
        preview = import_preview(
            importer=meta["importer"],
            user=user,
            source=store.path(token),
            file_name=meta["file_name"],
            unit=meta["unit"],
            blank=meta["blank"],
            report=report,
        )
    except (ImportRefused, PermissionDeniedError) as exc:
        store.discard_file(token)
        return store.update(token, status=UploadStatus.REFUSED.value, error=str(exc.message))
    return store.update(token, status=UploadStatus.PREVIEWED.value, preview=preview.to_json(), error="")


def upload_apply_or_enqueue(*, token: str, user, fingerprint: str, request=None) -> dict:
    """Apply a previewed upload now, or queue it when the file is large; returns the metadata."""
    store = UploadStore()
    meta = store.load(token, user=user)
    if meta.get("status") != UploadStatus.PREVIEWED:
        return meta
    if int(meta.get("size") or 0) > sync_max_bytes():
        job = job_enqueue(
            kind=APPLY_JOB,
            title=gettext("取込: %(name)s") % {"name": meta["file_name"]},
            params={"token": token, "fingerprint": fingerprint},
            user=user,
        )
        return store.update(token, status=UploadStatus.APPLYING.value, job_id=str(job.pk))
    return upload_apply(token=token, user=user, fingerprint=fingerprint, request=request)


def upload_apply(*, token: str, user, fingerprint: str, request=None, report: Report | None = None) -> dict:
    """Apply a stored upload the user has previewed; on errors or a changed ledger, refresh the preview."""
    store = UploadStore()
    meta = store.load(token, user=user)
    if meta.get("status") not in (UploadStatus.PREVIEWED, UploadStatus.APPLYING):
        return meta
    kwargs = {
        "importer": meta["importer"],
        "user": user,
        "file_name": meta["file_name"],
        "unit": meta["unit"],
        "blank": meta["blank"],
    }
    try:
        preview = import_apply(
            source=store.path(token), fingerprint=fingerprint, request=request, report=report, **kwargs
        )
    except ImportRowErrors as exc:
        return store.update(
            token, status=UploadStatus.PREVIEWED.value, preview=exc.preview.to_json(), error=str(exc.message)
        )
    except ConflictError as exc:
        fresh = import_preview(source=store.path(token), **kwargs)
        return store.update(
            token, status=UploadStatus.PREVIEWED.value, preview=fresh.to_json(), error=str(exc.message)
        )
    except (ImportRefused, PermissionDeniedError) as exc:
        return store.update(token, status=UploadStatus.REFUSED.value, error=str(exc.message))
    store.discard_file(token)
    return store.update(token, status=UploadStatus.APPLIED.value, preview=preview.to_json(), error="")


@job_kind(PREVIEW_JOB)
def import_preview_job(job, report) -> dict:
    """Background dry run of a large upload; the job page links to the preview."""
    meta = upload_preview(token=job.params["token"], user=job.created_by, report=report)
    return {"url": meta.get("preview_url", ""), "status": meta.get("status")}


@job_kind(APPLY_JOB)
def import_apply_job(job, report) -> dict:
    """Background apply of a large upload; the job page links to the result."""
    meta = upload_apply(
        token=job.params["token"], user=job.created_by, fingerprint=job.params["fingerprint"], report=report
    )
    return {"url": meta.get("preview_url", ""), "status": meta.get("status")}
