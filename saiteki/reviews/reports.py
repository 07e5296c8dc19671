"""The reviews chapter of the annual report: the review KPIs and the year's gate exceptions.

Exceptions are listed because the committee should see every budget or contract recorded without the
approved review case, with the reason an administrator gave (Okayama 図15: approval is the condition).
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from saiteki.core import registry as reg

from .models import GateException


def gate_exceptions_table(fiscal_year: int) -> dict | None:
    rows = [
        [e.system.number, e.system.name, str(e.get_gate_display()), e.reason, e.granted_by_name]
        for e in GateException.objects.filter(fiscal_year=fiscal_year)
        .select_related("system")
        .order_by("system__number", "gate")
    ]
    if not rows:
        return None
    return {
        "caption": _("審査ゲートの例外"),
        "columns": [_("システム番号"), _("システム名"), _("対象"), _("理由"), _("登録者")],
        "rows": rows,
    }


reg.registry.register_report_section(
    reg.ReportSection(
        "reviews",
        gettext_lazy("審査結果と削減額"),
        "reviews.",
        order=10,
        table=gate_exceptions_table,
    )
)
