from django.utils.translation import gettext_lazy as _

from saiteki.core import permissions as perms
from saiteki.core import registry as reg


class AccountsConfig(reg.SaitekiAppConfig):
    name = "saiteki.accounts"
    label = "accounts"
    verbose_name = _("利用者・組織")
    url_prefix = "accounts/"
    menu = (
        reg.MenuGroup(
            "admin",
            _("管理"),
            900,
            (
                reg.MenuItem(
                    _("組織"), "accounts:organization_list", perm=(perms.CHANGE, "accounts.Organization")
                ),
                reg.MenuItem(_("利用者と役割"), "accounts:user_list", right=perms.READ_USERS),
                reg.MenuItem(
                    _("ディレクトリのグループ対応"),
                    "accounts:directorygroupmapping_list",
                    right=perms.READ_USERS,
                ),
            ),
        ),
    )

    def ready(self) -> None:
        super().ready()
        from saiteki.accounts import signals  # noqa: F401  (login/logout/lockout → audit log)
