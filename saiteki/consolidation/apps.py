from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsolidationConfig(AppConfig):
    """Server consolidation planner (サーバ集約, SPEC C8): host catalogue, scenarios, runs and plans."""

    name = "saiteki.consolidation"
    label = "consolidation"
    verbose_name = _("サーバ集約")

    def ready(self) -> None:
        from saiteki.consolidation import tasks  # noqa: F401  (job kinds: imports)
