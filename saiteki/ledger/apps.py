from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "saiteki.ledger"
    label = "ledger"
    verbose_name = _("情報システム台帳")

    def ready(self) -> None:
        from saiteki.ledger import tasks  # noqa: F401  (job kinds: imports)
