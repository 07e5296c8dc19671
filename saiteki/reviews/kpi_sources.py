"""KPI sources of the reviews app (SPEC C5: review reductions, budgets reviewed, evaluations done).

Each source gives its evidence — the cases or systems counted and the figures used — so the KPI page
drills down to them and a closed year freezes exactly what was counted. ``evidence(fy)`` carries the
value too, so a refresh reads the cases once per source and year. Each is a fixed number of queries.
"""

from django.utils.translation import gettext_lazy as _

from saiteki.core import registry as reg


def _case_label(number: str, name: str, planned: str, title: str) -> str:
    subject = f"{number} {name}" if number else f"{planned}（企画中）"
    return f"{subject}: {title}" if title else subject


def reductions_evidence(fy: int) -> dict:
    """Decided P cases of the year: requested − assessed, summed (None when no P case is decided)."""
    from .choices import REDUCTION_STATES, CaseKind
    from .models import ReviewCase

    rows = list(
        ReviewCase.objects.filter(fiscal_year=fy, kind=CaseKind.PRE_BUDGET, state__in=REDUCTION_STATES)
        .order_by("system__number", "planned_system_name", "pk")
        .values_list(
            "pk",
            "system__number",
            "system__name",
            "planned_system_name",
            "title",
            "requested_total",
            "assessed_total",
            "reduction_total",
        )
    )
    requested = sum(r[5] or 0 for r in rows)
    assessed = sum(r[6] or 0 for r in rows)
    reduction = sum(r[7] or 0 for r in rows)
    return {
        "value": reduction if rows else None,
        "records": [
            {
                "model": "reviews.reviewcase",
                "id": pk,
                "label": _case_label(number or "", name or "", planned, title),
                "amount": red or 0,
            }
            for pk, number, name, planned, title, _req, _ass, red in rows
        ],
        "figures": {"count": len(rows), "requested": requested, "assessed": assessed, "reduction": reduction},
    }


def reviewed_share_evidence(fy: int) -> dict:
    """Share of the systems with a 予算額 in the year whose budget went through an approved P; the
    records are the reviewed systems (the numerator)."""
    from saiteki.ledger.choices import CostStage
    from saiteki.ledger.models import Cost, System

    from .choices import APPROVED_STATES, CaseKind
    from .models import ReviewCase

    budgeted = set(
        Cost.objects.filter(fiscal_year=fy, stage=CostStage.BUDGET)
        .order_by()
        .values_list("system_id", flat=True)
        .distinct()
    )
    if not budgeted:
        return {"value": None, "records": [], "figures": {"numerator": 0, "denominator": 0}}
    reviewed = (
        set(
            ReviewCase.objects.filter(
                fiscal_year=fy, kind=CaseKind.PRE_BUDGET, state__in=APPROVED_STATES, system_id__isnull=False
            )
            .order_by()
            .values_list("system_id", flat=True)
        )
        & budgeted
    )
    labels = (
        System.objects.filter(pk__in=reviewed).order_by("number").values_list("pk", "number", "name")
        if reviewed
        else []
    )
    return {
        "value": round(100 * len(reviewed) / len(budgeted), 1),
        "records": [{"model": "ledger.system", "id": pk, "label": f"{n} {name}"} for pk, n, name in labels],
        "figures": {"numerator": len(reviewed), "denominator": len(budgeted)},
    }


def evaluations_evidence(fy: int) -> dict:
    """System evaluations (C) of the year decided as approved (completed)."""
    from .choices import APPROVED_STATES, CaseKind
    from .models import ReviewCase

    rows = list(
        ReviewCase.objects.filter(fiscal_year=fy, kind=CaseKind.EVALUATION, state__in=APPROVED_STATES)
        .order_by("system__number", "planned_system_name", "pk")
        .values_list("pk", "system__number", "system__name", "planned_system_name", "title")
    )
    return {
        "value": len(rows),
        "records": [
            {
                "model": "reviews.reviewcase",
                "id": pk,
                "label": _case_label(n or "", name or "", planned, title),
            }
            for pk, n, name, planned, title in rows
        ],
        "figures": {"count": len(rows)},
    }


def _value(evidence):
    return lambda fy: evidence(fy)["value"]


reg.registry.register_kpi_source(
    reg.KpiSource(
        key="reviews.reductions",
        label=_("予算要求前審査による削減額"),
        unit="円",
        compute=_value(reductions_evidence),
        evidence=reductions_evidence,
        description=_("決定済みの予算要求前審査（P）の要求額−査定額の合計（三重県: 平均3.5億円／年）"),
    )
)
reg.registry.register_kpi_source(
    reg.KpiSource(
        key="reviews.budget_reviewed_share",
        label=_("予算要求前審査を経た予算の割合"),
        unit="%",
        compute=_value(reviewed_share_evidence),
        evidence=reviewed_share_evidence,
        description=_("予算額のあるシステムのうち、承認済みの予算要求前審査があるものの割合"),
    )
)
reg.registry.register_kpi_source(
    reg.KpiSource(
        key="reviews.evaluations",
        label=_("システム評価の実施数"),
        unit="件",
        compute=_value(evaluations_evidence),
        evidence=evaluations_evidence,
        description=_("承認（完了）したシステム評価（C）の件数（三重県: 46システムで実施）"),
    )
)
