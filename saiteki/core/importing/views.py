"""The generic import pages: upload → dry-run preview → apply, and the template download.

Parametrised by the registered importer's name (``/imports/ledger.servers/``); an app may also subclass
them with its own URL names and templates (the ledger's system import keeps ``/ledger/import/``). Views
check the role, move files and render; the pipeline services do the rest. Small files are checked and
applied within the request; larger ones run as background jobs with the shared progress page.
"""

from __future__ import annotations

import urllib.parse

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from saiteki.core import permissions as perms
from saiteki.core.audit import audit_event_record
from saiteki.core.errors import PermissionDeniedError
from saiteki.core.excel import XLSX_CONTENT_TYPE
from saiteki.core.importing import services
from saiteki.core.importing.files import max_upload_bytes
from saiteki.core.importing.forms import ImportUploadForm
from saiteki.core.importing.importer import Importer, importer_class
from saiteki.core.importing.preview import ImportPreview, UploadStatus
from saiteki.core.importing.store import UploadStore
from saiteki.core.models import AuditEvent, Job

PREVIEW_PAGE_SIZE = 200


def download(data: bytes, filename: str, content_type: str = XLSX_CONTENT_TYPE) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{urllib.parse.quote(filename)}"
    return response


def preview_page(request, preview: ImportPreview | None) -> dict:
    """The preview's rows split into pages (a 100,000-row file must not become one giant page)."""
    if preview is None:
        return {"rows_page": None}
    page = Paginator(preview.rows, PREVIEW_PAGE_SIZE).get_page(request.GET.get("page"))
    return {"rows_page": page}


class ImporterMixin:
    """Finds the importer (class attribute or URL) and checks the role before anything else."""

    importer_name: str = ""
    upload_url_name = "core:import_upload"
    preview_url_name = "core:import_preview"
    template_url_name = "core:import_template"

    def importer(self) -> type[Importer]:
        name = self.importer_name or self.kwargs.get("importer", "")  # type: ignore[attr-defined]
        try:
            return importer_class(name)
        except LookupError as exc:
            raise Http404 from exc

    def require(self, user) -> type[Importer]:
        cls = self.importer()
        try:
            cls.check_role(user)
        except PermissionDeniedError as exc:
            raise PermissionDenied(str(exc.message)) from exc
        return cls

    def url(self, name: str, *args) -> str:
        args = args if self.importer_name else (self.importer().name, *args)
        return reverse(name, args=args)


class ImportUploadView(ImporterMixin, View):
    """Upload a file; small files go straight to the preview, large ones to a background dry run."""

    template_name = "core/import.html"

    def get(self, request, **kwargs):
        cls = self.require(request.user)
        return self.render(request, ImportUploadForm(uses_unit=cls.uses_unit), cls)

    def post(self, request, **kwargs):
        cls = self.require(request.user)
        form = ImportUploadForm(request.POST, request.FILES, uses_unit=cls.uses_unit)
        if not form.is_valid():
            return self.render(request, form, cls, status=400)
        upload = form.cleaned_data["file"]
        token, meta = services.upload_store(
            importer=cls.name,
            user=request.user,
            upload=upload,
            file_name=upload.name,
            unit=form.cleaned_data["unit"],
            blank=form.cleaned_data["blank"],
            preview_url=self.url(self.preview_url_name, "__token__"),
        )
        if meta.get("job_id") and meta["status"] == UploadStatus.PREVIEWING:
            return redirect("core:job_detail", pk=meta["job_id"])
        if meta["status"] == UploadStatus.REFUSED:
            form.add_error("file", meta["error"])
            return self.render(request, form, cls, status=400)
        return redirect(self.url(self.preview_url_name, token))

    def render(self, request, form, cls: type[Importer], status=200):
        query = request.GET.urlencode()
        return render(
            request,
            self.template_name,
            {
                "title": _("Excel取込（%(what)s）") % {"what": cls.display_label()},
                "importer": cls,
                "form": form,
                "template_url": self.url(self.template_url_name) + (f"?{query}" if query else ""),
                "max_mb": max_upload_bytes() // (1024 * 1024),
            },
            status=status,
        )


class ImportPreviewView(ImporterMixin, View):
    """The dry-run preview of one upload (new / changed / errors) and the 「取り込む」 button."""

    template_name = "core/import_preview.html"
    done_url_name = ""

    def _meta(self, request, token: str) -> dict:
        cls = self.require(request.user)
        try:
            meta = UploadStore().load(token, user=request.user)
        except (FileNotFoundError, ValueError) as exc:
            raise Http404 from exc
        if meta.get("importer") != cls.name:
            raise Http404
        return meta

    def get(self, request, token: str, **kwargs):
        meta = self._meta(request, token)
        return self.render(request, token, meta)

    def post(self, request, token: str, **kwargs):
        meta = self._meta(request, token)
        if meta.get("status") != UploadStatus.PREVIEWED:
            return redirect(self.url(self.preview_url_name, token))
        meta = services.upload_apply_or_enqueue(
            token=token, user=request.user, fingerprint=request.POST.get("fingerprint", ""), request=request
        )
        if meta["status"] == UploadStatus.APPLYING and meta.get("job_id"):
            return redirect("core:job_detail", pk=meta["job_id"])
        if meta["status"] == UploadStatus.APPLIED:
            preview = ImportPreview.from_json(meta["preview"])
            messages.success(
                request, _("取り込みました（%(summary)s）。") % {"summary": self.importer().summary(preview)}
            )
            return redirect(self.url(self.preview_url_name, token))
        return self.render(request, token, meta, status=400 if meta.get("error") else 200)

    def render(self, request, token, meta, status=200):
        cls = self.importer()
        preview = ImportPreview.from_json(meta["preview"]) if meta.get("preview") else None
        job = Job.objects.filter(pk=meta["job_id"]).first() if meta.get("job_id") else None
        if job is not None and job.is_finished:
            job = None
        context = {
            "title": _("取込内容の確認"),
            "importer": cls,
            "meta": meta,
            "token": token,
            "preview": preview,
            "job": job,
            "back_url": self.url(self.upload_url_name),
            "apply_url": self.url(self.preview_url_name, token),
            "can_apply": meta.get("status") == UploadStatus.PREVIEWED
            and preview is not None
            and not preview.has_errors
            and preview.change_count > 0,
        }
        context.update(preview_page(request, preview))
        return render(request, self.template_name, context, status=status)


class ImportTemplateView(ImporterMixin, View):
    """「取込用テンプレート出力」: every importable column, filled with what the user may see."""

    def get(self, request, **kwargs):
        cls = self.importer()
        if not perms.role_allows(request.user, perms.EXPORT, cls.model):
            raise PermissionDenied(_("エクスポートする権限がありません。"))
        data = cls.template(
            user=request.user,
            query=request.GET,
            fiscal_year=getattr(request, "fiscal_year", None),
            request=request,
        )
        audit_event_record(
            kind=AuditEvent.Kind.EXPORT,
            request=request,
            object_type=cls.model._meta.label,
            detail={
                "query": request.GET.urlencode(),
                "format": "xlsx",
                "template": True,
                "importer": cls.name,
            },
        )
        return download(data, cls.template_filename())
