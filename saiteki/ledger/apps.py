from django.utils.translation import gettext_lazy as _

from saiteki.core import permissions as perms
from saiteki.core import registry as reg


class LedgerConfig(reg.SaitekiAppConfig):
    name = "saiteki.ledger"
    label = "ledger"
    verbose_name = _("情報システム台帳")
    url_prefix = "ledger/"
    menu = (
        reg.MenuGroup(
            "ledger",
            _("台帳"),
            100,
            (
                reg.MenuItem(_("情報システム台帳"), "ledger:system_list"),
                reg.MenuItem(_("サーバ・機器"), "ledger:server_list"),
                reg.MenuItem(_("契約"), "ledger:contract_list"),
                reg.MenuItem(_("経費分析"), "ledger:cost_analysis"),
                reg.MenuItem(_("調査票"), "ledger:survey_list", right=perms.SURVEYS),
            ),
        ),
        reg.MenuGroup(
            "admin",
            _("管理"),
            900,
            (
                reg.MenuItem(_("事業者"), "ledger:vendor_list", perm=(perms.CHANGE, "ledger.Vendor")),
                reg.MenuItem(
                    _("市町村"), "ledger:municipality_list", perm=(perms.CHANGE, "ledger.Municipality")
                ),
                reg.MenuItem(_("タグ"), "ledger:tag_list", perm=(perms.CHANGE, "ledger.Tag")),
            ),
        ),
    )
