from django.utils.translation import gettext_lazy as _

from saiteki.core import registry as reg


class LifecycleConfig(reg.SaitekiAppConfig):
    """EOL watch (SPEC C7): catalogue, matching of ledger components, risk, renewal forecast."""

    name = "saiteki.lifecycle"
    label = "lifecycle"
    verbose_name = _("ライフサイクル")
    url_prefix = "lifecycle/"
    menu = (
        reg.MenuGroup(
            "lifecycle",
            _("ライフサイクル"),
            300,
            (
                reg.MenuItem(_("サポート期限リスク一覧"), "lifecycle:risk_list"),
                reg.MenuItem(_("更改予測（年度別）"), "lifecycle:forecast"),
                reg.MenuItem(
                    _("未照合のソフトウェア"),
                    "lifecycle:unmatched",
                    perm=("change", "lifecycle.ComponentLifecycle"),
                ),
                reg.MenuItem(_("照合ルール"), "lifecycle:matchrule_list"),
                reg.MenuItem(_("EOLカタログ"), "lifecycle:product_list"),
            ),
        ),
    )

    def ready(self) -> None:
        super().ready()
        from . import signals  # noqa: F401 - keeps a component's match in step with its text
