"""Pages of the division survey (調査票): campaigns, per-division workbooks, upload, review and apply.

Views only check the role, move files and render; planning and writing live in
:mod:`saiteki.ledger.surveys`, which reads the workbooks through the ledger importers.
"""

from __future__ import annotations

import io
import zipfile

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from saiteki.accounts.forms import FiscalYearField
from saiteki.core import permissions as perms
from saiteki.core.display import date_text, fy_text
from saiteki.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from saiteki.core.exporting import SheetColumn, write_sheet_xlsx, xlsx_response, zip_response
from saiteki.core.forms import WarekiDateField
from saiteki.core.importing import ImportPreview, ImportRowErrors
from saiteki.core.importing.forms import ImportUploadForm
from saiteki.core.importing.views import preview_page
from saiteki.ledger import surveys
from saiteki.ledger.models import SurveyCampaign, SurveyResponse, SurveyStatus


class SurveyCampaignForm(forms.Form):
    fiscal_year = FiscalYearField(
        label=gettext_lazy("年度"), help_text=gettext_lazy("例: 令和8年度、R8、2026")
    )
    title = forms.CharField(label=gettext_lazy("件名"), max_length=200)
    due_date = WarekiDateField(label=gettext_lazy("回答期限"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            f.widget.attrs.setdefault("class", "form-control")


def _require_survey_view(user) -> None:
    if not perms.role_allows(user, perms.VIEW, SurveyCampaign):
        raise PermissionDenied(_("この画面を表示する権限がありません。"))


class SurveyListView(View):
    """Campaigns with their progress; admins open a new one here."""

    template_name = "ledger/survey_list.html"

    def get(self, request, form=None, status=200):
        _require_survey_view(request.user)
        can_add = perms.can(request.user, perms.ADD, SurveyCampaign)
        if form is None and can_add:
            # 和暦 defaults, as officers write them on the paper survey (「令和8年度」).
            fy = fy_text(request.fiscal_year, style="wareki")
            form = SurveyCampaignForm(
                initial={"fiscal_year": fy, "title": _("%(fy)s 情報システム台帳調査") % {"fy": fy}}
            )
        return render(
            request,
            self.template_name,
            {
                "title": _("調査票"),
                "campaigns": surveys.survey_campaigns_for_user(user=request.user),
                "form": form if can_add else None,
            },
            status=status,
        )

    def post(self, request):
        _require_survey_view(request.user)
        if not perms.can(request.user, perms.ADD, SurveyCampaign):
            raise PermissionDenied(_("調査を作成する権限がありません。"))
        form = SurveyCampaignForm(request.POST)
        if not form.is_valid():
            return self.get(request, form=form, status=400)
        try:
            campaign = surveys.survey_campaign_create(user=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            form.add_error(None, str(exc.message))
            return self.get(request, form=form, status=400)
        messages.success(
            request,
            _("調査「%(title)s」を作成しました（%(n)s所属）。")
            % {"title": campaign.title, "n": campaign.responses.count()},
        )
        return redirect(campaign.get_absolute_url())


class SurveyDetailView(View):
    """The status page: every division with its status and counts (owners see their own division)."""

    template_name = "ledger/survey_detail.html"

    def get(self, request, pk: int):
        _require_survey_view(request.user)
        campaign = get_object_or_404(SurveyCampaign.objects.restrict(request.user, perms.VIEW), pk=pk)
        responses = surveys.survey_responses_for(user=request.user, campaign=campaign)
        status = request.GET.get("status", "")
        if status == "waiting":
            rows = responses.filter(status__in=surveys.WAITING_STATUSES)
        else:
            rows = responses.filter(status=status) if status in SurveyStatus.values else responses
        return render(
            request,
            self.template_name,
            {
                "title": str(campaign),
                "campaign": campaign,
                "responses": rows,
                "counts": surveys.survey_status_counts(responses=responses),
                "status": status,
                "statuses": SurveyStatus.choices,
                "cost_years": surveys.survey_cost_years(campaign),
                "can_export": perms.role_allows(request.user, perms.EXPORT, SurveyResponse),
                "is_admin": perms.role_allows(request.user, perms.IMPORT, SurveyCampaign),
                "waiting": "waiting",
            },
        )


class SurveyNonRespondersExportView(View):
    """The divisions still to answer (未回答・差戻し) as xlsx, for chasing them by phone or mail."""

    def get(self, request, pk: int):
        _require_survey_view(request.user)
        if not perms.role_allows(request.user, perms.EXPORT, SurveyResponse):
            raise PermissionDenied(_("エクスポートする権限がありません。"))
        campaign = get_object_or_404(SurveyCampaign.objects.restrict(request.user, perms.VIEW), pk=pk)
        rows = list(surveys.survey_non_responders(user=request.user, campaign=campaign))
        columns = [
            SheetColumn(str(_("部局"))),
            SheetColumn(str(_("所属"))),
            SheetColumn(str(_("システム数")), kind="number"),
            SheetColumn(str(_("状況"))),
            SheetColumn(str(_("差戻しの理由")), width=50),
            SheetColumn(str(_("督促日時")), kind="datetime"),
        ]
        data = write_sheet_xlsx(
            name=str(_("未回答の所属")),
            columns=columns,
            rows=(
                [
                    r.division.parent.name if r.division.parent_id else "",
                    r.division.name,
                    r.n_systems,
                    r.get_status_display(),
                    r.return_comment if r.status == SurveyStatus.RETURNED else "",
                    timezone.localtime(r.reminded_at).replace(tzinfo=None) if r.reminded_at else None,
                ]
                for r in rows
            ),
            title=f"{campaign.title} {_('未回答の所属')}",
            subtitle=_("回答期限: %(due)s") % {"due": date_text(campaign.due_date) or _("なし")},
            date_style=getattr(request, "date_style", "wareki"),
        )
        return xlsx_response(
            request,
            data=data,
            filename=f"{campaign.title}_{_('未回答の所属')}.xlsx",
            what="ledger.survey_non_responders",
            count=len(rows),
            obj=campaign,
        )


class SurveyResponseReturnView(View):
    """差戻し: an admin sends a handed-in workbook back to its division with a comment."""

    def post(self, request, pk: int):
        _require_survey_view(request.user)
        response = _response(request, pk)
        try:
            surveys.survey_response_return(
                user=request.user, response=response, comment=request.POST.get("comment", "")
            )
        except PermissionDeniedError as exc:
            raise PermissionDenied(str(exc.message)) from exc
        except ApplicationError as exc:
            return SurveyResponseView().get(
                request, pk, error=str(exc.message), comment=request.POST.get("comment", ""), status=400
            )
        messages.success(
            request,
            _("調査票を差し戻しました。%(division)sに通知しました。") % {"division": response.division.name},
        )
        return redirect("ledger:survey_response", pk=pk)


def _response(request, pk: int) -> SurveyResponse:
    """A response the user may see; another division's is a 404 (its existence is not revealed)."""
    qs = SurveyResponse.objects.restrict(request.user, perms.VIEW).select_related(
        "campaign", "division", "division__parent", "uploaded_by", "applied_by"
    )
    return get_object_or_404(qs, pk=pk)


class SurveyDownloadView(View):
    def get(self, request, pk: int):
        _require_survey_view(request.user)
        response = _response(request, pk)
        try:
            filename, data = surveys.survey_workbook(user=request.user, response=response)
        except ApplicationError as exc:
            raise PermissionDenied(str(exc.message)) from exc
        return xlsx_response(
            request,
            data=data,
            filename=filename,
            what="ledger.survey_workbook",
            count=1,
            obj=response,
            detail={"survey": response.campaign_id, "division": response.division.name},
        )


class SurveyDownloadAllView(View):
    def get(self, request, pk: int):
        _require_survey_view(request.user)
        campaign = get_object_or_404(SurveyCampaign.objects.restrict(request.user, perms.VIEW), pk=pk)
        try:
            filename, data = surveys.survey_workbooks_zip(user=request.user, campaign=campaign)
        except ApplicationError as exc:
            raise PermissionDenied(str(exc.message)) from exc
        files = len(zipfile.ZipFile(io.BytesIO(data)).namelist())
        return zip_response(
            request,
            data=data,
            filename=filename,
            what="ledger.survey_workbooks",
            count=files,
            obj=campaign,
            detail={"survey": campaign.pk, "files": files},
        )


class SurveyResponseView(View):
    """One division's workbook: owners upload it here; admins review the diff and apply it."""

    template_name = "ledger/survey_response.html"

    def get(self, request, pk: int, form=None, preview=None, error="", comment="", status=200):
        _require_survey_view(request.user)
        response = _response(request, pk)
        can_upload = (
            perms.can(request.user, perms.CHANGE, response) and response.status != SurveyStatus.APPLIED
        )
        is_admin = perms.role_allows(request.user, perms.IMPORT, SurveyCampaign)
        if preview is None and response.file:
            try:
                preview = (
                    surveys.survey_response_preview(user=request.user, response=response)
                    if is_admin
                    else ImportPreview.from_json(response.preview or {})
                )
            except ApplicationError as exc:
                error = error or str(exc.message)
        context = {
            "title": str(response),
            "response": response,
            "campaign": response.campaign,
            "form": form or (ImportUploadForm() if can_upload else None),
            "can_upload": can_upload,
            "preview": preview,
            "error": error,
            "can_apply": is_admin
            and response.status == SurveyStatus.ANSWERED
            and preview is not None
            and not preview.has_errors,
            "can_export": perms.role_allows(request.user, perms.EXPORT, SurveyResponse),
            "apply_url": reverse("ledger:survey_response_apply", args=[response.pk]),
            "can_return": is_admin and response.status == SurveyStatus.ANSWERED,
            "return_url": reverse("ledger:survey_response_return", args=[response.pk]),
            "comment": comment,
            "section_counts": surveys.survey_section_counts(preview),
        }
        context.update(preview_page(request, preview))
        return render(request, self.template_name, context, status=status)

    def post(self, request, pk: int):
        """Upload (owners and admins): checked at once as the division; refused with errors if any."""
        _require_survey_view(request.user)
        response = _response(request, pk)
        if not perms.can(request.user, perms.CHANGE, response):
            raise PermissionDenied(_("この調査票を提出する権限がありません。"))
        form = ImportUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.get(request, pk, form=form, status=400)
        try:
            surveys.survey_response_upload(
                user=request.user,
                response=response,
                upload=form.cleaned_data["file"],
                unit=form.cleaned_data["unit"],
                blank=form.cleaned_data["blank"],
            )
        except ImportRowErrors as exc:
            return self.get(request, pk, form=form, preview=exc.preview, error=str(exc.message), status=400)
        except ApplicationError as exc:
            form.add_error("file", str(exc.message))
            return self.get(request, pk, form=form, status=400)
        messages.success(request, _("調査票を提出しました。情報政策課が内容を確認して台帳に反映します。"))
        return redirect("ledger:survey_response", pk=pk)


class SurveyResponseApplyView(View):
    """Apply a division's workbook (IT policy admins only)."""

    def post(self, request, pk: int):
        _require_survey_view(request.user)
        response = _response(request, pk)
        if not perms.role_allows(request.user, perms.IMPORT, SurveyCampaign):
            raise PermissionDenied(_("調査票を反映する権限があるのは情報政策課のみです。"))
        try:
            preview = surveys.survey_response_apply(
                user=request.user,
                response=response,
                fingerprint=request.POST.get("fingerprint", ""),
                request=request,
            )
        except ImportRowErrors as exc:
            return SurveyResponseView().get(
                request, pk, preview=exc.preview, error=str(exc.message), status=400
            )
        except ConflictError as exc:
            messages.error(request, str(exc.message))
            return redirect("ledger:survey_response", pk=pk)
        except ApplicationError as exc:
            return SurveyResponseView().get(request, pk, error=str(exc.message), status=400)
        counts = preview.counts
        messages.success(
            request,
            _(
                "%(division)sの調査票を台帳に反映しました（システム 新規%(sc)s件・変更%(su)s件、経費 %(c)s件）。"
            )
            % {
                "division": response.division.name,
                "sc": counts["systems_created"],
                "su": counts["systems_updated"],
                "c": counts["costs_created"] + counts["costs_updated"] + counts["costs_deleted"],
            },
        )
        for c in surveys.survey_section_counts(preview):
            if c["created"] or c["updated"]:
                messages.success(
                    request,
                    _("%(section)s: 新規%(created)s件・変更%(updated)s件を反映しました。")
                    % {"section": c["label"], "created": c["created"], "updated": c["updated"]},
                )
        return redirect("ledger:survey_detail", pk=response.campaign_id)
