from django.utils.translation import gettext_lazy as _

# Apps subclass ``reg.SaitekiAppConfig`` through the module so that Django finds exactly one AppConfig
# class in this module (importing the base class by name would make two candidates).
from saiteki.core import registry as reg


class CoreConfig(reg.SaitekiAppConfig):
    """The platform. It declares only its own pages; capability apps register themselves
    (core/registry.py) and core never imports them."""

    name = "saiteki.core"
    label = "core"
    verbose_name = _("共通基盤")
    url_prefix = None  # mounted at the site root by config/urls.py
    menu = (
        reg.MenuGroup(
            "admin",
            _("管理"),
            900,
            (
                reg.MenuItem(_("監査ログ"), "core:audit_log", right="audit_log"),
                reg.MenuItem(_("定期処理"), "core:schedules", right="manage_schedules"),
                reg.MenuItem(_("運用状況"), "core:operations", right="manage_schedules"),
            ),
        ),
    )

    def ready(self) -> None:
        super().ready()
        from saiteki.core import changelog, jobs  # noqa: F401  (change-log signals; job kinds)
        from saiteki.core.permissions import register_model_permissions

        register_model_permissions()
