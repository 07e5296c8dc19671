from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "saiteki.core"
    label = "core"
    verbose_name = _("共通基盤")

    def ready(self) -> None:
        from saiteki.core import changelog, jobs  # noqa: F401  (change-log signals; job kinds)
