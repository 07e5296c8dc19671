from django.utils.translation import gettext_lazy as _

from saiteki.core import registry as reg


class ConsolidationConfig(reg.SaitekiAppConfig):
    """Server consolidation planner (サーバ集約, SPEC C8): host catalogue, scenarios, runs and plans."""

    name = "saiteki.consolidation"
    label = "consolidation"
    verbose_name = _("サーバ集約")
    url_prefix = "consolidation/"
    menu = (
        reg.MenuGroup(
            "consolidation",
            _("サーバ集約"),
            400,
            (
                reg.MenuItem(_("集約シナリオ"), "consolidation:scenario_list"),
                reg.MenuItem(_("ホストモデル"), "consolidation:hostmodel_list"),
            ),
        ),
    )
