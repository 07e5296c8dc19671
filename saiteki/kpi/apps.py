from django.utils.translation import gettext_lazy as _

from saiteki.core import permissions as perms
from saiteki.core import registry as reg


class KpiConfig(reg.SaitekiAppConfig):
    """KPIs against the plans' targets, year-end close, dashboards, annual report (SPEC C5/C6)."""

    name = "saiteki.kpi"
    label = "kpi"
    verbose_name = _("評価指標")
    url_prefix = "kpi/"
    menu = (
        reg.MenuGroup(
            "kpi",
            _("評価指標"),
            50,
            (
                reg.MenuItem(_("ダッシュボード"), "kpi:dashboard"),
                reg.MenuItem(_("評価指標の推移"), "kpi:trends"),
                reg.MenuItem(_("年次報告（委員会報告）"), "kpi:report_list"),
                reg.MenuItem(_("台帳の時点表示"), "kpi:ledger_as_of"),
                reg.MenuItem(_("年度末確定"), "kpi:years", right=perms.KPI_CLOSE),
            ),
        ),
    )

    def ready(self) -> None:
        super().ready()
        # The dashboard is every role's landing page; core's home renders it without importing us.
        reg.registry.register_landing(
            reg.Landing(key="kpi.dashboard", view="saiteki.kpi.views.landing", order=10)
        )
