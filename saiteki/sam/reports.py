"""The SAM chapter of the annual report: the inventory KPI and the year's last reconciliation."""

from __future__ import annotations

from django.utils.translation import gettext, gettext_lazy

from saiteki.core import registry as reg


def _table(fiscal_year: int) -> dict | None:
    """The last reconciliation run dated in the fiscal year: the titles short, by title (stored rows)."""
    from django.db.models import Sum

    from saiteki.core.display import date_text
    from saiteki.core.fiscal import fiscal_year_range

    from .choices import RunStatus
    from .models import ReconciliationRow, ReconciliationRun

    start, end = fiscal_year_range(fiscal_year)
    run = (
        ReconciliationRun.objects.filter(status=RunStatus.DONE, as_of__gte=start, as_of__lte=end)
        .order_by("-as_of", "-pk")
        .first()
    )
    if run is None:
        return None
    rows = (
        ReconciliationRow.objects.filter(run=run)
        .values("title__name")
        .annotate(
            entitled=Sum("entitled"),
            consumed=Sum("consumed"),
            shortfall=Sum("shortfall"),
            surplus=Sum("surplus"),
            cost=Sum("cost_to_comply"),
        )
        .order_by("-shortfall", "title__name")
    )
    return {
        "caption": gettext("ライセンス照合の結果（%(date)s時点、不足の多い順）")
        % {"date": date_text(run.as_of)},
        "columns": [
            gettext("ソフトウェア"),
            gettext("保有数"),
            gettext("使用数"),
            gettext("不足"),
            gettext("余剰"),
            gettext("不足解消の費用(円)"),
        ],
        "rows": [
            [r["title__name"], r["entitled"], r["consumed"], r["shortfall"], r["surplus"], r["cost"]]
            for r in rows[:20]
        ],
    }


reg.registry.register_report_section(
    reg.ReportSection(
        "sam", gettext_lazy("ソフトウェア資産管理（ライセンス）"), "sam.", order=35, table=_table
    )
)
