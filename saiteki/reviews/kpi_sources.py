"""KPI sources of the reviews app (SPEC C5: review reductions)."""

from django.utils.translation import gettext_lazy as _

from saiteki.core import registry as reg


def _reductions(fy: int):
    from django.db.models import Sum

    from .choices import REDUCTION_STATES, CaseKind
    from .models import ReviewCase

    qs = ReviewCase.objects.filter(fiscal_year=fy, kind=CaseKind.PRE_BUDGET, state__in=REDUCTION_STATES)
    if not qs.exists():
        return None
    return qs.aggregate(t=Sum("reduction_total"))["t"] or 0


def _reviewed_share(fy: int):
    """Share of the systems with a 予算額 in the year whose budget went through an approved P."""
    from saiteki.ledger.models import Cost

    from .choices import APPROVED_STATES, CaseKind
    from .models import ReviewCase

    budgeted = set(
        Cost.objects.filter(fiscal_year=fy, stage="budget").values_list("system_id", flat=True).distinct()
    )
    if not budgeted:
        return None
    reviewed = set(
        ReviewCase.objects.filter(
            fiscal_year=fy, kind=CaseKind.PRE_BUDGET, state__in=APPROVED_STATES, system_id__in=budgeted
        ).values_list("system_id", flat=True)
    )
    return round(100 * len(reviewed) / len(budgeted), 1)


def _evaluations(fy: int):
    from .choices import APPROVED_STATES, CaseKind
    from .models import ReviewCase

    return ReviewCase.objects.filter(
        fiscal_year=fy, kind=CaseKind.EVALUATION, state__in=APPROVED_STATES
    ).count()


reg.registry.register_kpi_source(
    reg.KpiSource(
        key="reviews.reductions",
        label=_("予算要求前審査による削減額"),
        unit="円",
        compute=_reductions,
        description=_("決定済みの予算要求前審査（P）の要求額−査定額の合計（三重県: 平均3.5億円／年）"),
    )
)
reg.registry.register_kpi_source(
    reg.KpiSource(
        key="reviews.budget_reviewed_share",
        label=_("予算要求前審査を経た予算の割合"),
        unit="%",
        compute=_reviewed_share,
        description=_("予算額のあるシステムのうち、承認済みの予算要求前審査があるものの割合"),
    )
)
reg.registry.register_kpi_source(
    reg.KpiSource(
        key="reviews.evaluations",
        label=_("システム評価の実施数"),
        unit="件",
        compute=_evaluations,
        description=_("承認（完了）したシステム評価（C）の件数（三重県: 46システムで実施）"),
    )
)
