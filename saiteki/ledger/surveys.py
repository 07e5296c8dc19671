"""The division survey (調査票): services and selectors.

Once a year the IT policy division asks every 所属 to check and complete its part of the ledger. The
survey is the ledger's own Excel round trip, cut per division: the admin opens a campaign, each division
downloads a workbook prefilled with its systems and costs (the campaign's fiscal year and the previous
one), edits it and uploads it; the admin reviews each division's diff — the same preview as any import —
and applies it. A workbook is always read with ``division=`` set, so a division can only ever change its
own systems, whoever applies it.
"""

from __future__ import annotations

import datetime
import io
import zipfile

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from saiteki.accounts.selectors import divisions_active_on
from saiteki.core import permissions as perms
from saiteki.core import registry as reg
from saiteki.core.context import change_context
from saiteki.core.errors import ConflictError, PermissionDeniedError, ValidationFailed
from saiteki.core.fiscal import fiscal_year_label, fiscal_year_of, format_date
from saiteki.core.importing import BlankPolicy, ImportPreview, ImportRowErrors
from saiteki.core.importing import importer as pipeline_importer
from saiteki.core.importing import services as pipeline
from saiteki.core.notifications import notify
from saiteki.core.roles import Role
from saiteki.ledger.importers import (
    IMPORT_REASON,
    ledger_import_apply,
    ledger_import_preview,
    ledger_workbook,
)
from saiteki.ledger.models import SurveyCampaign, SurveyResponse, SurveyStatus, System

# --------------------------------------------------------------------------------------------------------
# Selectors
# --------------------------------------------------------------------------------------------------------


def survey_campaigns_for_user(*, user) -> QuerySet[SurveyCampaign]:
    """Campaigns with their response counts by status (admins see all divisions, owners their own)."""
    responses = SurveyResponse.objects.restrict(user, perms.VIEW).filter(campaign=OuterRef("pk"))

    def count(status=None):
        qs = responses if status is None else responses.filter(status=status)
        return Coalesce(
            Subquery(
                qs.order_by().values("campaign").annotate(n=Count("pk")).values("n")[:1],
                output_field=IntegerField(),
            ),
            0,
        )

    return (
        SurveyCampaign.objects.restrict(user, perms.VIEW)
        .annotate(
            n_total=count(),
            n_pending=count(SurveyStatus.PENDING),
            n_answered=count(SurveyStatus.ANSWERED),
            n_returned=count(SurveyStatus.RETURNED),
            n_applied=count(SurveyStatus.APPLIED),
        )
        .order_by("-fiscal_year", "-created_at")
    )


def survey_responses_for(*, user, campaign: SurveyCampaign) -> QuerySet[SurveyResponse]:
    """The status page rows: one per division the user may see, with its number of systems."""
    systems = (
        System.objects.filter(owning_division=OuterRef("division"))
        .order_by()
        .values("owning_division")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return (
        SurveyResponse.objects.restrict(user, perms.VIEW)
        .filter(campaign=campaign)
        .select_related("division", "division__parent", "uploaded_by", "applied_by")
        .annotate(n_systems=Coalesce(Subquery(systems, output_field=IntegerField()), 0))
        .order_by("division__parent__sort_order", "division__sort_order", "division__code")
    )


def survey_status_counts(*, responses: QuerySet[SurveyResponse]) -> dict[str, int]:
    """How many divisions have not answered, answered, been applied: the head of the status page."""
    return responses.aggregate(
        total=Count("pk"),
        pending=Count("pk", filter=Q(status=SurveyStatus.PENDING)),
        answered=Count("pk", filter=Q(status=SurveyStatus.ANSWERED)),
        returned=Count("pk", filter=Q(status=SurveyStatus.RETURNED)),
        applied=Count("pk", filter=Q(status=SurveyStatus.APPLIED)),
    )


#: Statuses that still wait for the division: not handed in, or sent back to be fixed.
WAITING_STATUSES = (SurveyStatus.PENDING, SurveyStatus.RETURNED)


def survey_non_responders(*, user, campaign: SurveyCampaign) -> QuerySet[SurveyResponse]:
    """Divisions that have not (validly) answered yet: 未回答 and 差戻し, in organisation order."""
    return survey_responses_for(user=user, campaign=campaign).filter(status__in=WAITING_STATUSES)


def survey_cost_years(campaign: SurveyCampaign) -> list[int]:
    """The fiscal years a workbook's 経費 sheet covers: the campaign's year and the one before it."""
    return [campaign.fiscal_year - 1, campaign.fiscal_year]


def survey_file_name(response: SurveyResponse) -> str:
    """「調査票_令和8年度_税務課.xlsx」: the file says whose it is when it comes back by mail or share."""
    fy = fiscal_year_label(response.campaign.fiscal_year, style="wareki")
    return f"{gettext('調査票')}_{fy}_{response.division.name}.xlsx"


# --------------------------------------------------------------------------------------------------------
# Services
# --------------------------------------------------------------------------------------------------------


def survey_campaign_create(
    *, user, fiscal_year: int, title: str, due_date: datetime.date | None = None
) -> SurveyCampaign:
    """Open a campaign with one (未回答) response per active 所属; admins only."""
    if not perms.can(user, perms.ADD, SurveyCampaign):
        raise PermissionDeniedError(_("調査を作成する権限がありません。"))
    title = (title or "").strip()
    if not title:
        raise ValidationFailed(
            _("件名を入力してください。"), fields={"title": [gettext("件名を入力してください。")]}
        )
    with transaction.atomic(), change_context(user=user):
        campaign = SurveyCampaign(fiscal_year=fiscal_year, title=title, due_date=due_date, created_by=user)
        campaign.full_clean()
        campaign.save()
        for division in divisions_active_on():
            SurveyResponse.objects.create(campaign=campaign, division=division)
    return campaign


def survey_workbook(*, user, response: SurveyResponse) -> tuple[str, bytes]:
    """The division's workbook, prefilled from the ledger as it is now. An export: the view returns it
    through :func:`saiteki.core.exporting.xlsx_response`, which writes the audit record."""
    _require_visible(user, response)
    if not perms.role_allows(user, perms.EXPORT, SurveyResponse):
        raise PermissionDeniedError(_("調査票をダウンロードする権限がありません。"))
    return survey_file_name(response), _workbook_bytes(response)


def _workbook_bytes(response: SurveyResponse) -> bytes:
    campaign = response.campaign
    division = response.division
    parent = f"{division.parent.name} " if division.parent_id else ""
    due = campaign.due_date
    instructions = [
        gettext("所属: %(division)s") % {"division": f"{parent}{division.name}"},
        gettext("年度: %(fy)s") % {"fy": fiscal_year_label(campaign.fiscal_year)},
    ]
    if due:
        instructions.append(gettext("回答期限: %(due)s") % {"due": f"{due:%Y-%m-%d}"})
    instructions.append(
        gettext(
            "記入後、「調査票」画面からこのファイルをアップロードしてください。自所属のシステムのみ記入できます。"
        )
    )
    return ledger_workbook(
        systems=System.objects.filter(owning_division=division).order_by("number"),
        cost_years=survey_cost_years(campaign),
        title=f"{campaign.title}（{fiscal_year_label(campaign.fiscal_year)}）",
        instructions=instructions,
        cost_grid=True,  # amounts by year × category, laid out as in a 予算書
        extra_sheets=lambda wb: _section_sheets(wb, response),
    )


def _section_sheets(wb, response: SurveyResponse) -> list[str]:
    """The sheets other capabilities add to the survey (:class:`saiteki.core.registry.SurveySection`)."""
    lines: list[str] = []
    for section in reg.registry.sorted_survey_sections():
        lines.extend(section.write(wb, division=response.division, fiscal_year=response.campaign.fiscal_year))
    return lines


# --------------------------------------------------------------------------------------------------------
# The survey's sections: other capabilities' sheets, previewed and applied with the ledger's
# --------------------------------------------------------------------------------------------------------


def _section_sheet_names() -> set[str]:
    names: set[str] = set()
    for section in reg.registry.sorted_survey_sections():
        cls = section.importer
        if isinstance(cls, str):
            cls = pipeline_importer.importer_class(cls)
        spec = cls.sheet_spec()  # type: ignore[attr-defined]
        names.update(str(n) for n in spec.names)
    return names


def _ignored_note_without(notes: list[str], handled: set[str], *, drop_all: bool = False) -> list[str]:
    """The notes with the 「次のシートは取込対象外…」 line naming only sheets nobody reads (a section's
    sheet is read by its importer; the ledger's by the ledger)."""
    prefix = gettext("次のシートは取込対象外のため無視しました: %(sheets)s") % {"sheets": ""}
    out = []
    for note in notes:
        if note.startswith(prefix):
            if drop_all:
                continue
            rest = [n for n in note[len(prefix) :].split("、") if n and n not in handled]
            if not rest:
                continue
            note = prefix + "、".join(rest)
        out.append(note)
    return out


def _with_sections(
    *, user, ledger: ImportPreview, data: bytes, file_name: str, response, apply=False, request=None
) -> ImportPreview:
    """The ledger's preview (or applied result) with every survey section's changes, errors and counts
    added (counts as ``<section key>.created`` …); the fingerprint covers them all."""
    merged = ImportPreview.from_json(ledger.to_json())
    merged.notes = _ignored_note_without(merged.notes, _section_sheet_names())
    for section in reg.registry.sorted_survey_sections():
        kwargs = {
            "importer": section.importer,
            "user": user,
            "source": data,
            "file_name": file_name,
            "unit": ledger.unit or "円",
            "blank": ledger.blank or BlankPolicy.KEEP,
            "division": response.division,
        }
        part = pipeline.import_preview(**kwargs)
        if apply and not part.has_errors and part.rows:
            # Only a section with changes is applied (and audited): an unchanged sheet leaves no event.
            try:
                part = pipeline.import_apply(request=request, audit_obj=response, **kwargs)
            except ImportRowErrors as exc:
                part = exc.preview
        if apply and part.has_errors:  # show the whole file's diff with the section's errors
            merged.rows.extend(part.rows)
            merged.errors.extend(part.errors)
            merged.error_count += part.error_count
            raise ImportRowErrors(merged)
        merged.rows.extend(part.rows)
        merged.errors.extend(part.errors)
        merged.error_count += part.error_count
        merged.notes.extend(
            n for n in _ignored_note_without(part.notes, set(), drop_all=True) if n not in merged.notes
        )
        for k in ("created", "updated", "unchanged"):
            merged.counts[f"{section.key}.{k}"] = part.counts.get(k, 0)
    merged.counts["errors"] = merged.error_count
    merged.fingerprint = merged.compute_fingerprint()
    return merged


def survey_section_counts(preview: ImportPreview | None) -> list[dict]:
    """Rows for the counts table of a survey's diff: one per section (label, created, updated, unchanged)."""
    if preview is None:
        return []
    out = []
    for section in reg.registry.sorted_survey_sections():
        c = preview.counts
        out.append(
            {
                "key": section.key,
                "label": section.label,
                "created": c.get(f"{section.key}.created", 0),
                "updated": c.get(f"{section.key}.updated", 0),
                "unchanged": c.get(f"{section.key}.unchanged", 0),
            }
        )
    return out


def survey_workbooks_zip(*, user, campaign: SurveyCampaign) -> tuple[str, bytes]:
    """Every workbook of the campaign the user may see, in one zip (for mailing them out); the view
    returns it through :func:`saiteki.core.exporting.zip_response` (audited)."""
    if not perms.role_allows(user, perms.EXPORT, SurveyResponse):
        raise PermissionDeniedError(_("調査票をダウンロードする権限がありません。"))
    responses = (
        SurveyResponse.objects.restrict(user, perms.VIEW)
        .filter(campaign=campaign)
        .select_related("campaign", "division", "division__parent")
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for response in responses:
            zf.writestr(survey_file_name(response), _workbook_bytes(response))
    fy = fiscal_year_label(campaign.fiscal_year, style="wareki")
    return f"{gettext('調査票')}_{fy}_{campaign.title}.zip", buf.getvalue()


def survey_response_upload(
    *, user, response: SurveyResponse, upload, unit: str = "円", blank: str = BlankPolicy.KEEP
) -> SurveyResponse:
    """A division hands in its workbook: checked at once (as that division), kept only if it is clean.

    A file with errors is refused with the full error list, so the division fixes it before the admin
    ever sees it; a clean file becomes 回答済 with its diff stored for the admin.
    """
    _require_visible(user, response)
    if not perms.can(user, perms.CHANGE, response):
        raise PermissionDeniedError(_("この調査票を提出する権限がありません。"))
    data = upload.read() if hasattr(upload, "read") else bytes(upload)
    file_name = getattr(upload, "name", "") or survey_file_name(response)
    preview = ledger_import_preview(
        user=user, source=data, file_name=file_name, unit=unit, blank=blank, division=response.division
    )
    preview = _with_sections(user=user, ledger=preview, data=data, file_name=file_name, response=response)
    if preview.has_errors:
        raise ImportRowErrors(preview)
    with transaction.atomic(), change_context(user=user, reason=gettext("調査票の提出")):
        old = response.file.name if response.file else ""
        response.file.save(file_name, ContentFile(data), save=False)
        response.file_name = file_name[:255]
        response.uploaded_by = user
        response.uploaded_at = timezone.now()
        response.preview = preview.to_json()
        response.status = SurveyStatus.ANSWERED
        response.applied_at = None
        response.applied_by = None
        response.save()
        if old and old != response.file.name:
            transaction.on_commit(lambda: response.file.storage.delete(old))
    return response


def survey_response_preview(*, user, response: SurveyResponse) -> ImportPreview:
    """Re-run the dry run of a handed-in workbook against the ledger as it is now (for the admin's review)."""
    _require_visible(user, response)
    if not response.file:
        raise ValidationFailed(_("まだ回答ファイルが提出されていません。"))
    stored = ImportPreview.from_json(response.preview or {})
    if response.status == SurveyStatus.APPLIED:
        return stored
    with response.file.open("rb") as fh:
        data = fh.read()
    # The admin previews as the division would be changed: with the admin's rights, limited to the division.
    ledger = ledger_import_preview(
        user=user,
        source=data,
        file_name=response.file_name,
        unit=stored.unit or "円",
        blank=stored.blank or BlankPolicy.KEEP,
        division=response.division,
    )
    return _with_sections(
        user=user, ledger=ledger, data=data, file_name=response.file_name, response=response
    )


def survey_response_apply(*, user, response: SurveyResponse, fingerprint: str, request=None) -> ImportPreview:
    """Apply a division's workbook to the ledger (admins only), all-or-nothing, and mark it 反映済."""
    if not perms.role_allows(user, perms.IMPORT, SurveyCampaign):
        raise PermissionDeniedError(_("調査票を反映する権限があるのは情報政策課のみです。"))
    _require_visible(user, response)
    if response.status != SurveyStatus.ANSWERED or not response.file:
        raise ValidationFailed(_("反映できるのは「回答済」の調査票です。"))
    stored = ImportPreview.from_json(response.preview or {})
    with response.file.open("rb") as fh:
        data = fh.read()
    reason = IMPORT_REASON.format(file_name=response.file_name)
    with transaction.atomic(), change_context(user=user, reason=reason):
        # Every sheet applies in this one transaction; the fingerprint is the merged preview's, checked
        # after all of them planned again, so a changed section refuses the whole file.
        ledger = ledger_import_apply(
            user=user,
            source=data,
            file_name=response.file_name,
            unit=stored.unit or "円",
            blank=stored.blank or BlankPolicy.KEEP,
            division=response.division,
            request=request,
            audit_obj=response,
        )
        preview = _with_sections(
            user=user,
            ledger=ledger,
            data=data,
            file_name=response.file_name,
            response=response,
            apply=True,
            request=request,
        )
        if fingerprint and preview.fingerprint != fingerprint:
            raise ConflictError(
                _(
                    "確認した後に台帳が更新されたため、取り込みませんでした。内容をもう一度確認してから取り込んでください。"
                )
            )
        response.status = SurveyStatus.APPLIED
        response.applied_by = user
        response.applied_at = timezone.now()
        response.preview = preview.to_json()
        response.save()
    return preview


def _require_visible(user, response: SurveyResponse) -> None:
    """Another division's response is refused as if it did not exist (system owners, SPEC §1)."""
    if not SurveyResponse.objects.restrict(user, perms.VIEW).filter(pk=response.pk).exists():
        raise PermissionDeniedError(_("この調査票を扱う権限がありません。"))


# --------------------------------------------------------------------------------------------------------
# 差戻し and reminders
# --------------------------------------------------------------------------------------------------------

#: Reminders start this many days before the due date and stop this many days after it.
REMIND_DAYS_BEFORE = 7
REMIND_DAYS_AFTER = 30
#: A division is reminded at most once in this many days.
REMIND_INTERVAL_DAYS = 3

KIND_RETURNED = "ledger.survey_returned"
KIND_REMINDER = "ledger.survey_reminder"


def survey_division_owners(*, division, on: datetime.date | None = None):
    """The system owners of ``division`` this fiscal year: whom a survey message is for."""
    from saiteki.accounts.models import Assignment

    on = on or timezone.localdate()
    return (
        Assignment.objects.filter(
            division=division, role=Role.OWNER, fiscal_year=fiscal_year_of(on), user__is_active=True
        )
        .values_list("user_id", flat=True)
        .distinct()
    )


def survey_response_return(*, user, response: SurveyResponse, comment: str) -> SurveyResponse:
    """Send a handed-in workbook back to its division with what to fix (差戻し; admins only).

    The division sees the comment on its survey page and in its inbox, fixes the workbook and hands it
    in again; the earlier comment stays in the change log.
    """
    if not perms.role_allows(user, perms.IMPORT, SurveyCampaign):
        raise PermissionDeniedError(_("調査票を差し戻す権限があるのは情報政策課のみです。"))
    _require_visible(user, response)
    comment = (comment or "").strip()
    if not comment:
        raise ValidationFailed(
            _("差戻しの理由を入力してください。"),
            fields={"comment": [gettext("差戻しの理由を入力してください。")]},
        )
    if response.status != SurveyStatus.ANSWERED:
        raise ValidationFailed(_("差し戻せるのは「回答済」の調査票です。"))
    with transaction.atomic(), change_context(user=user, reason=gettext("調査票の差戻し")):
        response.status = SurveyStatus.RETURNED
        response.return_comment = comment[:4000]
        response.returned_by = user
        response.returned_at = timezone.now()
        response.save()
        recipients = {*survey_division_owners(division=response.division), response.uploaded_by_id}
        notify(
            recipients,
            KIND_RETURNED,
            response,
            gettext("調査票「%(title)s」が差し戻されました（%(division)s）: %(comment)s")
            % {"title": response.campaign.title, "division": response.division.name, "comment": comment},
        )
    return response


def survey_reminders_send(*, today: datetime.date | None = None) -> int:
    """Remind the divisions that have not answered (or were sent back) as the due date nears or passes.

    Run daily by the scheduler. A division is reminded from :data:`REMIND_DAYS_BEFORE` days before the
    due date until :data:`REMIND_DAYS_AFTER` days after it, at most every :data:`REMIND_INTERVAL_DAYS`
    days (``reminded_at``), so a daily job does not flood anyone. Returns how many divisions were told.
    """
    today = today or timezone.localdate()
    now = timezone.now()
    recent = now - datetime.timedelta(days=REMIND_INTERVAL_DAYS) + datetime.timedelta(hours=1)
    due = SurveyResponse.objects.filter(
        status__in=WAITING_STATUSES,
        campaign__due_date__isnull=False,
        campaign__due_date__gte=today - datetime.timedelta(days=REMIND_DAYS_AFTER),
        campaign__due_date__lte=today + datetime.timedelta(days=REMIND_DAYS_BEFORE),
    ).filter(Q(reminded_at__isnull=True) | Q(reminded_at__lt=recent))
    told = 0
    for response in due.select_related("campaign", "division"):
        owners = list(survey_division_owners(division=response.division, on=today))
        if not owners:
            continue
        campaign = response.campaign
        days = (campaign.due_date - today).days
        if days >= 0:
            when = gettext("回答期限まであと%(days)s日です") % {"days": days}
        else:
            when = gettext("回答期限を%(days)s日過ぎています") % {"days": -days}
        with transaction.atomic():
            notify(
                owners,
                KIND_REMINDER,
                response,
                gettext("調査票「%(title)s」の回答をお願いします（%(when)s。期限: %(due)s）。")
                % {"title": campaign.title, "when": when, "due": format_date(campaign.due_date)},
            )
            SurveyResponse.objects.filter(pk=response.pk).update(reminded_at=now)
        told += 1
    return told
