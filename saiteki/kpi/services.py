"""Writes of the KPI app: refresh values, hand entries, year-end close and re-open, reports.

The year-end close (年度末確定) computes every indicator of the year once more and stores the value with
its evidence (records counted and figures) as closed; a closed year is never recomputed, so later
ledger changes do not move it. Re-opening needs the KPI_CLOSE right and a reason and is written to the
audit log as well as the change log.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from saiteki.core import permissions as perms
from saiteki.core.audit import audit_event_record
from saiteki.core.context import change_context
from saiteki.core.display import fy_text
from saiteki.core.errors import ApplicationError, PermissionDeniedError, ValidationFailed, full_clean_or_fail
from saiteki.core.fiscal import fiscal_year_label, fiscal_year_of
from saiteki.core.models import AuditEvent
from saiteki.core.registry import registry

from .choices import JOB_REFRESH, JOB_REPORT, KpiKind, ReportStatus
from .evaluation import judge
from .models import FiscalYearClose, KpiDefinition, KpiEntry, KpiReport, KpiTarget, KpiValue


class YearClosedError(ApplicationError):
    code = "year_closed"
    status_code = 409


@dataclass
class Measurement:
    """One indicator's value for one year and where it came from."""

    value: Decimal | None
    kind: str
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def evidence_count(self) -> int:
        return len(self.evidence.get("records", []))


def _dec(value) -> Decimal | None:
    if value is None:
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value)).quantize(Decimal("0.01"))


def definition_kind(definition: KpiDefinition) -> str:
    """Computed while its source is registered, otherwise entered by hand."""
    return KpiKind.COMPUTED if definition.source_key in registry.kpi_sources else KpiKind.MANUAL


def kpi_measure(*, definition: KpiDefinition, fiscal_year: int) -> Measurement:
    """Compute (or read the hand entry of) one indicator for one year, with its evidence."""
    source = registry.kpi_sources.get(definition.source_key) if definition.source_key else None
    if source is None:
        entry = KpiEntry.objects.filter(definition=definition, fiscal_year=fiscal_year).first()
        if entry is None:
            return Measurement(None, KpiKind.MANUAL, {"source": "", "records": [], "figures": {}})
        return Measurement(
            _dec(entry.value),
            KpiKind.MANUAL,
            {
                "source": "",
                "records": [],
                "figures": {},
                "entry": {
                    "evidence": entry.evidence,
                    "entered_by": str(entry.entered_by) if entry.entered_by else "",
                    "updated_at": entry.updated_at.isoformat(),
                },
            },
        )
    if source.evidence is not None:
        data = dict(source.evidence(fiscal_year) or {})
        value = data.pop("value") if "value" in data else source.compute(fiscal_year)
    else:
        data, value = {}, source.compute(fiscal_year)
    evidence = {"source": source.key, "records": data.get("records", []), "figures": data.get("figures", {})}
    return Measurement(_dec(value), KpiKind.COMPUTED, evidence)


def _targets_for(definitions, fiscal_year: int) -> dict[int, Decimal]:
    return dict(
        KpiTarget.objects.filter(definition__in=definitions, fiscal_year=fiscal_year).values_list(
            "definition_id", "value"
        )
    )


def _previous_values(definitions, fiscal_year: int) -> dict[int, Decimal | None]:
    return dict(
        KpiValue.objects.filter(definition__in=definitions, fiscal_year=fiscal_year - 1).values_list(
            "definition_id", "value"
        )
    )


def year_is_closed(fiscal_year: int) -> bool:
    return FiscalYearClose.objects.filter(fiscal_year=fiscal_year, closed=True).exists()


def _store(definition, fiscal_year, m: Measurement, *, target, previous, closed: bool, now) -> KpiValue:
    j = judge(
        value=m.value,
        direction=definition.direction,
        target_rule=definition.target_rule,
        target=target if target is not None else definition.target,
        target_step=definition.target_step,
        previous=previous,
    )
    obj = KpiValue.objects.filter(definition=definition, fiscal_year=fiscal_year).first()
    if obj is None:
        obj = KpiValue(definition=definition, fiscal_year=fiscal_year)
    obj.value = m.value
    obj.target = j.target
    obj.status = j.status
    obj.closed = closed
    obj.evidence = {**m.evidence, "kind": m.kind}
    obj.evidence_count = m.evidence_count
    obj.computed_at = now
    obj.full_clean()
    obj.save()
    return obj


@transaction.atomic
def kpi_values_refresh(
    *, fiscal_year: int, definitions=None, now: dt.datetime | None = None
) -> list[KpiValue]:
    """Recompute the year's values of every active indicator; a closed year is left as it is."""
    if year_is_closed(fiscal_year):
        return list(KpiValue.objects.filter(fiscal_year=fiscal_year))
    now = now or timezone.now()
    defs = list(definitions if definitions is not None else KpiDefinition.objects.filter(active=True))
    targets = _targets_for(defs, fiscal_year)
    previous = _previous_values(defs, fiscal_year)
    out = []
    with change_context(reason=_("評価指標の再集計")):
        for d in defs:
            m = kpi_measure(definition=d, fiscal_year=fiscal_year)
            out.append(
                _store(
                    d,
                    fiscal_year,
                    m,
                    target=targets.get(d.pk),
                    previous=previous.get(d.pk),
                    closed=False,
                    now=now,
                )
            )
    return out


def kpi_values_refresh_later(*, fiscal_year: int) -> None:
    """Have the worker recompute an open year's values, unless a refresh of it is already waiting or
    running. Pages call this when their stored values have gone stale and keep showing those values
    (with their 集計日時); two requests racing here may queue two jobs, and the second finds the
    values fresh and does nothing (``tasks.refresh_open_years``)."""
    from saiteki.core.jobs import job_enqueue
    from saiteki.core.models import Job

    pending = Job.objects.filter(
        kind=JOB_REFRESH,
        status__in=[Job.Status.QUEUED, Job.Status.RUNNING],
        params__fiscal_year=fiscal_year,
    )
    if pending.exists():
        return
    job_enqueue(
        kind=JOB_REFRESH,
        title=_("評価指標の再集計（%(fy)s）") % {"fy": fiscal_year_label(fiscal_year)},
        params={"fiscal_year": fiscal_year, "if_stale": True},
    )


def _require_right(user) -> None:
    if not perms.has_right(user, perms.KPI_CLOSE):
        raise PermissionDeniedError(_("評価指標の確定・入力は情報政策課（管理者）だけが行えます。"))


def _check_year(fiscal_year: int) -> int:
    try:
        fy = int(fiscal_year)
    except (TypeError, ValueError):
        raise ValidationFailed(
            _("年度を正しく指定してください。"), fields={"fiscal_year": [_("年度が不正です。")]}
        ) from None
    if not 1989 <= fy <= 2100:
        raise ValidationFailed(
            _("年度を正しく指定してください。"), fields={"fiscal_year": [_("年度が不正です。")]}
        )
    return fy


@transaction.atomic
def kpi_entry_set(*, definition: KpiDefinition, fiscal_year: int, value, evidence: str, user) -> KpiEntry:
    """Enter an indicator's value by hand with its evidence (only while the year is open)."""
    _require_right(user)
    fiscal_year = _check_year(fiscal_year)
    if year_is_closed(fiscal_year):
        raise YearClosedError(
            _("%(fy)sは確定済みです。変更するには確定を解除してください。") % {"fy": fy_text(fiscal_year)}
        )
    if definition_kind(definition) == KpiKind.COMPUTED:
        raise ValidationFailed(_("この指標は自動集計されます。手入力はできません。"))
    if not (evidence or "").strip():
        raise ValidationFailed(_("根拠を入力してください。"), fields={"evidence": [_("必須です。")]})
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except Exception:  # noqa: BLE001 - any unreadable number is the same user error
        raise ValidationFailed(
            _("実績値を数値で入力してください。"), fields={"value": [_("数値で入力してください。")]}
        ) from None
    with change_context(user=user):
        entry = KpiEntry.objects.filter(definition=definition, fiscal_year=fiscal_year).first() or KpiEntry(
            definition=definition, fiscal_year=fiscal_year
        )
        entry.value = amount
        entry.evidence = evidence.strip()
        entry.entered_by = user
        # A number the column cannot hold (17 digits, NaN, Infinity) is the same user error.
        full_clean_or_fail(entry, _("実績値を数値で入力してください。"))
        entry.save()
    kpi_values_refresh(fiscal_year=fiscal_year, definitions=[definition])
    return entry


@transaction.atomic
def kpi_comment_set(*, value: KpiValue, comment: str, user) -> KpiValue:
    """The admin's comment (所見) on one indicator of one year, printed in the annual report."""
    _require_right(user)
    with change_context(user=user):
        value.comment = comment.strip()
        value.full_clean()
        value.save(update_fields=["comment"])
    return value


@transaction.atomic
def fiscal_year_close(
    *, fiscal_year: int, user, request=None, now: dt.datetime | None = None
) -> FiscalYearClose:
    """Close a fiscal year: compute every indicator as of the year's end and freeze it with its evidence."""
    _require_right(user)
    fiscal_year = _check_year(fiscal_year)
    now = now or timezone.now()
    if fiscal_year >= fiscal_year_of(timezone.localdate(now)):
        raise ValidationFailed(
            _("%(fy)sはまだ終わっていないため確定できません。") % {"fy": fy_text(fiscal_year)}
        )
    close = FiscalYearClose.objects.select_for_update().filter(fiscal_year=fiscal_year).first()
    if close is not None and close.closed:
        raise YearClosedError(_("%(fy)sは確定済みです。") % {"fy": fy_text(fiscal_year)})
    defs = list(KpiDefinition.objects.filter(active=True))
    targets = _targets_for(defs, fiscal_year)
    previous = _previous_values(defs, fiscal_year)
    with change_context(user=user, reason=_("年度末確定")):
        for d in defs:
            m = kpi_measure(definition=d, fiscal_year=fiscal_year)
            _store(
                d, fiscal_year, m, target=targets.get(d.pk), previous=previous.get(d.pk), closed=True, now=now
            )
        close = close or FiscalYearClose(fiscal_year=fiscal_year)
        close.closed = True
        close.closed_at = now
        close.closed_by = user
        close.reason = ""
        from .report import report_tables_freeze

        close.report_tables = report_tables_freeze(fiscal_year)
        close.full_clean()
        close.save()
    audit_event_record(
        kind=AuditEvent.Kind.KPI_CLOSE,
        request=request,
        user=user,
        obj=close,
        detail={"fiscal_year": fiscal_year, "values": len(defs)},
    )
    return close


@transaction.atomic
def fiscal_year_reopen(*, fiscal_year: int, user, reason: str, request=None) -> FiscalYearClose:
    """Re-open a closed year (admin, with a reason; audited). Its values become live again."""
    _require_right(user)
    fiscal_year = _check_year(fiscal_year)
    if not (reason or "").strip():
        raise ValidationFailed(
            _("確定を解除する理由を入力してください。"), fields={"reason": [_("必須です。")]}
        )
    close = FiscalYearClose.objects.select_for_update().filter(fiscal_year=fiscal_year, closed=True).first()
    if close is None:
        raise ValidationFailed(_("%(fy)sは確定されていません。") % {"fy": fy_text(fiscal_year)})
    with change_context(user=user, reason=reason.strip()[:500]):
        close.closed = False
        close.reason = reason.strip()[:500]
        close.report_tables = {}
        close.full_clean()
        close.save()
        for value in KpiValue.objects.filter(fiscal_year=fiscal_year, closed=True):
            value.closed = False
            value.save(update_fields=["closed"])
    audit_event_record(
        kind=AuditEvent.Kind.KPI_REOPEN,
        request=request,
        user=user,
        obj=close,
        detail={"fiscal_year": fiscal_year, "reason": reason.strip()[:500]},
    )
    return close


@transaction.atomic
def kpi_report_request(*, fiscal_year: int, user) -> KpiReport:
    """Start generating the annual report of a closed year in the background."""
    from saiteki.core.jobs import job_enqueue

    _require_right(user)
    fiscal_year = _check_year(fiscal_year)
    if not year_is_closed(fiscal_year):
        raise ValidationFailed(_("年次報告は確定済みの年度についてだけ作成できます。"))
    with change_context(user=user):
        report = KpiReport.objects.create(fiscal_year=fiscal_year, requested_by=user)
        job = job_enqueue(
            kind=JOB_REPORT,
            title=_("年次報告の作成（%(fy)s）") % {"fy": fiscal_year_label(fiscal_year)},
            params={"report_id": report.pk},
            user=user,
        )
        report.job = job
        report.save(update_fields=["job"])
    return report


def kpi_report_generate(*, report_id: int, progress=None) -> KpiReport:
    """Build the report's xlsx and PDF from the closed year's stored values (same data, same numbers)."""
    from django.core.files.base import ContentFile

    from .report import report_data, report_pdf, report_xlsx

    def step(pct: int, message: str) -> None:
        if progress is not None:
            progress(pct, message)

    report = KpiReport.objects.get(pk=report_id)
    with change_context(reason=_("年次報告の作成")):
        report.status = ReportStatus.RUNNING
        report.save(update_fields=["status"])
        try:
            step(10, _("集計値を読み込んでいます"))
            data = report_data(fiscal_year=report.fiscal_year)
            step(40, _("Excelを作成しています"))
            xlsx = report_xlsx(data)
            step(60, _("PDFを作成しています"))
            pdf = report_pdf(data)
            step(95, _("保存しています"))
            name = f"annual-report-{report.fiscal_year}"
            report.xlsx.save(f"{name}.xlsx", ContentFile(xlsx), save=False)
            report.pdf.save(f"{name}.pdf", ContentFile(pdf), save=False)
            report.digest = data.digest
            report.status = ReportStatus.DONE
            report.save()
        except Exception as exc:
            report.status = ReportStatus.FAILED
            report.error = str(exc)[:2000]
            report.save(update_fields=["status", "error"])
            raise
    step(100, _("完了"))
    return report
