"""The knowledge base's KPI: 「ナレッジデータベースの活用率」 (Okayama 3.5.2, target 100%)."""

from django.utils.translation import gettext_lazy as _

from saiteki.core import registry as reg


def _compute(fiscal_year: int):
    from .selectors import use_rate

    return use_rate(fiscal_year=fiscal_year)


reg.registry.register_kpi_source(
    reg.KpiSource(
        key="knowledge.use_rate",
        label=_("ナレッジデータベースの活用率"),
        unit="%",
        compute=_compute,
        description=_(
            "その年度に役割を持つ職員のうち、ナレッジの記事を開いたか検索した職員の割合"
            "（1回以上。年度は4月1日〜3月31日）。"
        ),
    )
)
