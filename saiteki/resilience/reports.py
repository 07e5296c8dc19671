"""The resilience chapter of the annual report: the KPI values (drills, backup compliance, incidents,
training) and the year's drills and incidents from the stored records.

An incident involving personal data is listed without its title: the report goes to the IT strategy
committee, whose members may read incident counts but not those incidents' details."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from saiteki.core import registry as reg
from saiteki.core.display import date_text

from . import selectors


def drills_and_incidents_table(fiscal_year: int) -> dict | None:
    rows = []
    for d in selectors.drills_in(fiscal_year).order_by("held_on", "pk"):
        rows.append(
            [_("ICT-BCP訓練"), date_text(d.held_on), d.title, str(d.get_kind_display()), d.findings[:200]]
        )
    for i in selectors.incidents_in(fiscal_year).order_by("occurred_on", "pk"):
        title = _("個人情報を含む事故（件名は非表示）") if i.personal_data else i.title
        detail = f"{i.get_severity_display()}・{i.get_status_display()}"
        rows.append(
            [_("情報セキュリティ事故"), date_text(i.occurred_on), title, str(i.get_kind_display()), detail]
        )
    if not rows:
        return None
    return {
        "caption": _("訓練と情報セキュリティ事故"),
        "columns": [_("区分"), _("日付"), _("件名"), _("種類"), _("課題・状況")],
        "rows": rows,
    }


reg.registry.register_report_section(
    reg.ReportSection(
        "resilience",
        gettext_lazy("BCP・情報セキュリティの状況"),
        "resilience.",
        order=40,
        table=drills_and_incidents_table,
    )
)
