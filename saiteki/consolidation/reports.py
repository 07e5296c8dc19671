"""The planner's chapter of the annual report: consolidation savings realised from adopted plans.

The ledger's chapter (サーバ集約の進捗) counts systems on the shared platform; this one shows what
the moves of adopted plans saved, system by system, from the ledger's recorded costs — the same
numbers as the KPI 「サーバ集約による削減額（実績）」.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from saiteki.core import registry as reg
from saiteki.core.fiscal import fiscal_year_label


def realised_savings_table(fiscal_year: int) -> dict | None:
    from saiteki.consolidation.realised import realised_in_year

    data = realised_in_year(fiscal_year)
    if not data["records"]:
        return None
    rows = [
        [r["label"], fiscal_year_label(r["moved_fy"]), r["before"], r["after"], r["saving"]]
        for r in data["records"]
    ]
    rows.append([_("合計"), "", None, None, data["figures"]["total"]])
    return {
        "caption": _("採用した集約計画による削減の実績（%(fy)s）") % {"fy": fiscal_year_label(fiscal_year)},
        "columns": [_("システム"), _("移行した年度"), _("移行前年度の経費"), _("当年度の経費"), _("削減額")],
        "rows": rows,
    }


reg.registry.register_report_section(
    reg.ReportSection(
        "consolidation_savings",
        gettext_lazy("サーバ集約による削減の実績"),
        "consolidation.",
        order=21,
        table=realised_savings_table,
    )
)
