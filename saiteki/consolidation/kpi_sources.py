"""The planner's KPI source (SPEC C3/C5: savings attributable to consolidation).

Realised, not forecast: the yearly hardware cost (lease and maintenance, as recorded in the ledger)
that systems moved by adopted plans no longer spend, counted once per system. The evidence lists each
system with its cost before the move and in the year counted, so the KPI drills down to the ledger.
"""

from django.utils.translation import gettext_lazy as _

from saiteki.core import registry as reg

REALISED_SAVINGS = "consolidation.realised_savings"


def realised_savings(fiscal_year: int):
    from saiteki.consolidation.realised import realised_in_year

    return realised_in_year(fiscal_year)["value"]


def realised_savings_evidence(fiscal_year: int) -> dict:
    from saiteki.consolidation.realised import realised_in_year

    data = realised_in_year(fiscal_year)
    return {
        "value": data["value"],
        "records": [
            {"model": r["model"], "id": r["id"], "label": r["label"], "detail": r["detail"]}
            for r in data["records"]
        ],
        "figures": data["figures"],
    }


reg.registry.register_kpi_source(
    reg.KpiSource(
        key=REALISED_SAVINGS,
        label=_("サーバ集約による削減額（実績）"),
        unit="円",
        compute=realised_savings,
        evidence=realised_savings_evidence,
        description=_(
            "採用した集約計画で共通基盤へ移行したシステムの、台帳のハードウェア賃借・保守の経費"
            "（決算額、なければ予算額）の移行前年度からの減少額の合計（年額）"
        ),
    )
)
