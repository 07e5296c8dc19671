"""Reads of the resilience app's activity records: BCP drills and their open actions, security incidents,
e-mail drills by 部局, training attendance and the network separation in force. Split from
``selectors.py`` (the backup-compliance reads); ``selectors`` re-exports these names for its callers."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import (
    Count,
    Q,
    QuerySet,
    Sum,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from saiteki.core.fiscal import fiscal_year_range

from .choices import ActionStatus, IncidentStatus, Severity
from .models import (
    BcpDrill,
    DrillAction,
    EmailDrill,
    EmailDrillResult,
    NetworkSeparation,
    SecurityIncident,
    TrainingSession,
)


def percent(numerator: int, denominator: int) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def fy_dates(fiscal_year: int) -> tuple[datetime.date, datetime.date]:
    return fiscal_year_range(fiscal_year)


def drills_in(fiscal_year: int) -> QuerySet[BcpDrill]:
    start, end = fy_dates(fiscal_year)
    return BcpDrill.objects.filter(held_on__range=(start, end))


def open_actions() -> QuerySet[DrillAction]:
    return DrillAction.objects.exclude(status=ActionStatus.DONE).select_related("drill").order_by("due", "pk")


def incidents_in(fiscal_year: int) -> QuerySet[SecurityIncident]:
    """Every incident of the year (unrestricted: for counts; lists go through ``restrict``)."""
    start, end = fy_dates(fiscal_year)
    return SecurityIncident.objects.filter(occurred_on__range=(start, end))


def incident_counts(fiscal_year: int) -> dict[str, Any]:
    qs = incidents_in(fiscal_year)
    agg = qs.aggregate(
        total=Count("pk"),
        personal=Count("pk", filter=Q(personal_data=True)),
        open=Count("pk", filter=~Q(status=IncidentStatus.CLOSED)),
        **{f"sev_{s}": Count("pk", filter=Q(severity=s)) for s in Severity.values},
    )
    return {
        "total": agg["total"],
        "personal": agg["personal"],
        "open": agg["open"],
        "by_severity": [(s, Severity(s).label, agg[f"sev_{s}"]) for s in Severity.values],
    }


def email_drill_rows(drill: EmailDrill) -> list[dict]:
    """Results by 部局 with rates (opened, clicked, reported ÷ sent) and a total row last."""
    rows = []
    total = {"sent": 0, "opened": 0, "clicked": 0, "reported": 0}
    for r in drill.results.select_related("bureau").order_by("bureau__sort_order", "bureau__code"):
        rows.append(
            _rates(
                {
                    "bureau": r.bureau.name,
                    "bureau_id": r.bureau_id,
                    "sent": r.sent,
                    "opened": r.opened,
                    "clicked": r.clicked,
                    "reported": r.reported,
                }
            )
        )
        for k in total:
            total[k] += getattr(r, k)
    if rows:
        rows.append(_rates({"bureau": _("合計"), "bureau_id": None, **total, "is_total": True}))
    return rows


def _rates(row: dict) -> dict:
    for k in ("opened", "clicked", "reported"):
        row[f"{k}_pct"] = percent(row[k], row["sent"])
    return row


def latest_email_drill() -> EmailDrill | None:
    return EmailDrill.objects.order_by("-held_on", "-pk").first()


def email_drill_trend(years: Iterable[int]) -> list[dict]:
    """Click and report rates per fiscal year (all drills of the year together)."""
    out = []
    for fy in years:
        start, end = fy_dates(fy)
        agg = EmailDrillResult.objects.filter(drill__held_on__range=(start, end)).aggregate(
            sent=Sum("sent"), clicked=Sum("clicked"), reported=Sum("reported")
        )
        if agg["sent"]:
            out.append(
                {
                    "fiscal_year": fy,
                    "sent": agg["sent"],
                    "clicked_pct": percent(agg["clicked"], agg["sent"]),
                    "reported_pct": percent(agg["reported"], agg["sent"]),
                }
            )
    return out


def training_attendance(fiscal_year: int) -> int | None:
    """Attendees of every training session of the year; None when no session was held."""
    start, end = fy_dates(fiscal_year)
    agg = TrainingSession.objects.filter(held_on__range=(start, end)).aggregate(
        n=Count("pk"), total=Sum("attendees")
    )
    return agg["total"] if agg["n"] else None


def separation_in_force(on: datetime.date | None = None) -> NetworkSeparation | None:
    on = on or timezone.localdate()
    return NetworkSeparation.objects.filter(effective_from__lte=on).order_by("-effective_from").first()
