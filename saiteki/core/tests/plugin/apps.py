"""A capability app that exists only in the test settings: it proves that an app plugs into the
platform (menu, pages, API routes, job kinds, importers) without any edit to core."""

from saiteki.core import registry as reg


class PluginConfig(reg.SaitekiAppConfig):
    name = "saiteki.core.tests.plugin"
    label = "plugin"
    verbose_name = "テスト用プラグイン"
    url_prefix = "plugin/"
    menu = (
        reg.MenuGroup(
            "plugin",
            "プラグイン",
            950,
            (
                reg.MenuItem("ガジェット", "plugin:gadget_list"),
                reg.MenuItem("管理者だけ", "plugin:gadget_list", roles=("admin",)),
            ),
        ),
    )
