"""A karte panel on a tab of the plugin's own and an annual-report chapter, declared without core edits."""

from django.utils.html import format_html

from saiteki.core import registry as reg


def render_gadgets(request, system) -> str:
    if not request.user.is_authenticated:
        return ""
    return format_html('<p data-testid="plugin-panel">ガジェット欄: {}</p>', system.number)


reg.registry.register_karte_panel(
    reg.KartePanel("plugin.gadgets", render_gadgets, tab="gadgets", tab_label="ガジェット", order=90)
)
