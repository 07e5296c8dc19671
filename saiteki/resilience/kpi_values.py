"""The resilience KPIs' values with their evidence (SPEC C5): the records counted and the figures used,
so the KPI page drills down and a closed year freezes exactly what was counted (registered in
``kpi_sources``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _

from .choices import Requirement
from .models import TrainingSession
from .selectors import (
    compliance_q,
    compliance_results,
    compliance_summary,
    drills_in,
    end_of_fiscal_year,
    fy_dates,
    incidents_in,
    percent,
    standards_map,
    subject_systems,
    training_attendance,
)


def kpi_bcp_drills(fiscal_year: int) -> dict:
    drills = list(drills_in(fiscal_year).order_by("held_on"))
    return {
        "value": len(drills),
        "records": [
            {"model": "resilience.bcpdrill", "id": d.pk, "label": d.title, "detail": d.held_on.isoformat()}
            for d in drills
        ],
        "figures": {"count": len(drills), "kinds": sorted({d.kind for d in drills})},
    }


def kpi_backup_compliance(fiscal_year: int) -> dict:
    """Compliant systems ÷ systems in operation × 100, as of the year's end (today for this year)."""
    now = timezone.now()
    live = end_of_fiscal_year(fiscal_year) >= now
    if live:
        summary = compliance_summary(on=timezone.localdate())
        counted = list(
            subject_systems()
            .filter(compliance_q(standards_map(), summary.on or timezone.localdate()))
            .values_list("pk", "number", "name", "owning_division_id")
            .order_by("number")
        )
        records = [
            {"model": "ledger.system", "id": pk, "label": f"{n} {name}", "division": d}
            for pk, n, name, d in counted
        ]
        by_division = _division_counts(
            subject_systems().values_list("owning_division_id", flat=True), [d for *_x, d in counted]
        )
        return {
            "value": summary.pct,
            "records": records,
            "figures": {
                "numerator": summary.compliant,
                "denominator": summary.total,
                "as_of": (summary.on or timezone.localdate()).isoformat(),
                "unmet_by_requirement": summary.by_requirement,
                "by_division": by_division,
            },
        }
    results = compliance_results(fiscal_year=fiscal_year)
    if not any(all(u.requirement != Requirement.ANSWERED for u in r.unmet) for r in results):
        # Nobody had answered the practice survey yet: no value rather than 0%.
        return {
            "value": None,
            "records": [],
            "figures": {"as_of": end_of_fiscal_year(fiscal_year).date().isoformat()},
        }
    ok = [r for r in results if r.compliant]
    unmet: dict[str, int] = defaultdict(int)
    for r in results:
        for u in r.unmet:
            unmet[u.requirement] += 1
    return {
        "value": percent(len(ok), len(results)),
        "records": [
            {"model": "ledger.system", "id": r.id, "label": f"{r.number} {r.name}", "division": r.division_id}
            for r in ok
        ],
        "figures": {
            "numerator": len(ok),
            "denominator": len(results),
            "as_of": end_of_fiscal_year(fiscal_year).date().isoformat(),
            "unmet_by_requirement": dict(unmet),
            "by_division": _division_counts([r.division_id for r in results], [r.division_id for r in ok]),
        },
    }


def _division_counts(
    all_divisions: Iterable[int | None], counted: Iterable[int | None]
) -> dict[str, list[int]]:
    """``{division id: [counted, total]}`` (the KPI page's breakdown)."""
    out: dict[str, list[int]] = {}
    for d in all_divisions:
        out.setdefault(str(d), [0, 0])[1] += 1
    for d in counted:
        out.setdefault(str(d), [0, 0])[0] += 1
    return out


def kpi_security_incidents(fiscal_year: int) -> dict:
    """Incidents that occurred in the year. Records name an incident involving personal data without
    its title (the KPI's drill-down is read by roles that may not see it)."""
    incidents = list(incidents_in(fiscal_year).order_by("occurred_on", "pk"))
    return {
        "value": len(incidents),
        "records": [
            {
                "model": "resilience.securityincident",
                "id": i.pk,
                "label": _("個人情報を含む事故（件名は非表示）") if i.personal_data else i.title,
                "detail": f"{i.occurred_on.isoformat()} {i.get_severity_display()}",
            }
            for i in incidents
        ],
        "figures": {"count": len(incidents), "personal_data": sum(1 for i in incidents if i.personal_data)},
    }


def kpi_training_attendance(fiscal_year: int) -> dict:
    start, end = fy_dates(fiscal_year)
    sessions = list(TrainingSession.objects.filter(held_on__range=(start, end)).order_by("held_on"))
    return {
        "value": sum(s.attendees for s in sessions) if sessions else None,
        "records": [
            {"model": "resilience.trainingsession", "id": s.pk, "label": s.title, "detail": str(s.attendees)}
            for s in sessions
        ],
        "figures": {"sessions": len(sessions), "previous_year": training_attendance(fiscal_year - 1)},
    }
