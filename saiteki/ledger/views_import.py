"""Pages of the Excel round trip (upload → dry-run preview → apply, template export).
The division survey's pages are in :mod:`saiteki.ledger.views_survey`.

Views only check the role, move files and render: the planning and writing are in
:mod:`saiteki.ledger.importers` and :mod:`saiteki.ledger.surveys`. Small files are handled within the
request; larger ones run as background jobs with the shared progress page, so a 10,000+ row file never
times out a request.
"""

from __future__ import annotations

import urllib.parse

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from saiteki.core import permissions as perms
from saiteki.core.audit import audit_event_record
from saiteki.core.excel import XLSX_CONTENT_TYPE
from saiteki.core.fiscal import fiscal_year_label
from saiteki.core.importing import (
    AmountUnit,
    BlankPolicy,
    ImportPreview,
    ImportRefused,
    UploadStore,
    inspect_upload,
    max_upload_bytes,
)
from saiteki.core.jobs import job_enqueue
from saiteki.core.models import AuditEvent, Job
from saiteki.ledger.filtersets import SystemFilterSet
from saiteki.ledger.importers import import_upload_apply, import_upload_preview, ledger_workbook
from saiteki.ledger.models import System

#: Uploads up to this size are checked and applied within the request; larger ones run as jobs.
SYNC_MAX_BYTES = 300 * 1024
PREVIEW_PAGE_SIZE = 200


def _download(data: bytes, filename: str, content_type: str = XLSX_CONTENT_TYPE) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{urllib.parse.quote(filename)}"
    return response


def _require_import(user) -> None:
    if not perms.role_allows(user, perms.IMPORT, System):
        raise PermissionDenied(_("台帳を取り込む権限がありません。"))


class ImportOptionsForm(forms.Form):
    """How to read a file: its amount unit and what a blank cell means (both shown in the preview)."""

    unit = forms.ChoiceField(
        label=gettext_lazy("金額の単位"),
        choices=AmountUnit.choices,
        initial=AmountUnit.YEN,
        widget=forms.RadioSelect,
        help_text=gettext_lazy("「経費」シートの金額の単位です。予算書の千円単位のまま取り込めます。"),
    )
    blank = forms.ChoiceField(
        label=gettext_lazy("空欄の扱い"),
        choices=BlankPolicy.choices,
        initial=BlankPolicy.KEEP,
        widget=forms.RadioSelect,
        help_text=gettext_lazy(
            "「空欄は変更しない」: 空欄のセルは台帳の値をそのまま残します。"
            "「空欄で消去する」: 空欄のセルは台帳の値を消去します（必須項目は消去できません。経費の行は削除します）。"
        ),
    )


class ImportUploadForm(ImportOptionsForm):
    file = forms.FileField(
        allow_empty_file=True,  # an empty file gets the importer's own message
        label=gettext_lazy("取込ファイル"),
        help_text=gettext_lazy("Excelブック（.xlsx）またはCSV（UTF-8 / Shift_JIS）。"),
    )

    field_order = ["file", "unit", "blank"]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        head = upload.read(8)
        upload.seek(0)
        try:
            inspect_upload(file_name=upload.name, size=upload.size, head=head)
        except ImportRefused as exc:
            raise forms.ValidationError(str(exc.message)) from exc
        return upload


# --------------------------------------------------------------------------------------------------------
# Ledger import
# --------------------------------------------------------------------------------------------------------


class SystemImportView(View):
    """Upload a file; small files go straight to the preview, large ones to a background dry run."""

    template_name = "ledger/import.html"

    def get(self, request):
        _require_import(request.user)
        return self.render(request, ImportUploadForm())

    def post(self, request):
        _require_import(request.user)
        form = ImportUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render(request, form, status=400)
        upload = form.cleaned_data["file"]
        store = UploadStore()
        token = store.save(
            upload=upload,
            user=request.user,
            file_name=upload.name,
            unit=form.cleaned_data["unit"],
            blank=form.cleaned_data["blank"],
        )
        if upload.size > SYNC_MAX_BYTES:
            job = job_enqueue(
                kind="ledger.import_preview",
                title=_("取込内容の確認: %(name)s") % {"name": upload.name},
                params={"token": token},
                user=request.user,
            )
            store.update(token, job_id=str(job.pk))
            return redirect("core:job_detail", pk=job.pk)
        meta = import_upload_preview(token=token, user=request.user)
        if meta["status"] == "refused":
            form.add_error("file", meta["error"])
            return self.render(request, form, status=400)
        return redirect("ledger:system_import_preview", token=token)

    def render(self, request, form, status=200):
        query = request.GET.urlencode()
        return render(
            request,
            self.template_name,
            {
                "title": _("Excel取込（情報システム台帳）"),
                "form": form,
                "template_url": reverse("ledger:system_import_template") + (f"?{query}" if query else ""),
                "max_mb": max_upload_bytes() // (1024 * 1024),
            },
            status=status,
        )


class SystemImportPreviewView(View):
    """The dry-run preview of one upload (new / changed / errors) and the 「取り込む」 button."""

    template_name = "ledger/import_preview.html"

    def _meta(self, request, token: str) -> dict:
        _require_import(request.user)
        try:
            return UploadStore().load(token, user=request.user)
        except (FileNotFoundError, ValueError) as exc:
            raise Http404 from exc

    def get(self, request, token: str):
        meta = self._meta(request, token)
        return self.render(request, token, meta)

    def post(self, request, token: str):
        meta = self._meta(request, token)
        if meta.get("status") != "previewed":
            return redirect("ledger:system_import_preview", token=token)
        fingerprint = request.POST.get("fingerprint", "")
        size = UploadStore().path(token).stat().st_size if UploadStore().path(token).exists() else 0
        if size > SYNC_MAX_BYTES:
            job = job_enqueue(
                kind="ledger.import_apply",
                title=_("取込: %(name)s") % {"name": meta["file_name"]},
                params={"token": token, "fingerprint": fingerprint},
                user=request.user,
            )
            UploadStore().update(token, status="applying", job_id=str(job.pk))
            return redirect("core:job_detail", pk=job.pk)
        meta = import_upload_apply(token=token, user=request.user, fingerprint=fingerprint, request=request)
        if meta["status"] == "applied":
            counts = meta["preview"]["counts"]
            messages.success(
                request,
                _(
                    "取り込みました（システム 新規%(sc)s件・変更%(su)s件、経費 追加%(cc)s件・変更%(cu)s件・削除%(cd)s件）。"
                )
                % {
                    "sc": counts["systems_created"],
                    "su": counts["systems_updated"],
                    "cc": counts["costs_created"],
                    "cu": counts["costs_updated"],
                    "cd": counts["costs_deleted"],
                },
            )
            return redirect("ledger:system_import_preview", token=token)
        return self.render(request, token, meta, status=400 if meta.get("error") else 200)

    def render(self, request, token, meta, status=200):
        preview = ImportPreview.from_json(meta["preview"]) if meta.get("preview") else None
        job = Job.objects.filter(pk=meta["job_id"]).first() if meta.get("job_id") else None
        if job is not None and job.is_finished:
            job = None
        context = {
            "title": _("取込内容の確認"),
            "meta": meta,
            "token": token,
            "preview": preview,
            "job": job,
            "back_url": reverse("ledger:system_import"),
            "apply_url": reverse("ledger:system_import_preview", args=[token]),
            "can_apply": meta.get("status") == "previewed"
            and preview is not None
            and not preview.has_errors
            and preview.change_count > 0,
        }
        context.update(preview_page(request, preview))
        return render(request, self.template_name, context, status=status)


def preview_page(request, preview: ImportPreview | None) -> dict:
    """The preview's rows split into pages (a 100,000-row file must not become one giant page)."""
    if preview is None:
        return {"rows_page": None}
    page = Paginator(preview.rows, PREVIEW_PAGE_SIZE).get_page(request.GET.get("page"))
    return {"rows_page": page}


class SystemImportTemplateView(View):
    """「取込用テンプレート出力」: every importable column of the systems in the current list filter, plus
    their costs of the selected fiscal year — the file to edit in Excel and import back."""

    def get(self, request):
        if not perms.role_allows(request.user, perms.EXPORT, System):
            raise PermissionDenied(_("エクスポートする権限がありません。"))
        qs = System.objects.restrict(request.user, perms.VIEW)
        filterset = SystemFilterSet(request.GET or None, queryset=qs, request=request)
        if filterset.is_bound and filterset.is_valid():
            qs = filterset.qs
        fy = request.fiscal_year
        title = _("情報システム台帳 取込用テンプレート")
        data = ledger_workbook(
            systems=qs.order_by("number"),
            cost_years=[fy],
            title=title,
            instructions=[_("経費シートは%(fy)sの経費です。") % {"fy": fiscal_year_label(fy)}],
        )
        audit_event_record(
            kind=AuditEvent.Kind.EXPORT,
            request=request,
            object_type=System._meta.label,
            detail={"query": request.GET.urlencode(), "format": "xlsx", "template": True},
        )
        return _download(data, f"{title}.xlsx")
