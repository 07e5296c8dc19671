from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "saiteki.accounts"
    label = "accounts"
    verbose_name = _("利用者・組織")

    def ready(self) -> None:
        from saiteki.accounts import signals  # noqa: F401  (login/logout/lockout → audit log)
        from saiteki.accounts.permissions import register_model_permissions

        register_model_permissions()
