"""The karte's 「関連ナレッジ」: the articles linked to the system that the user may read."""

from django.template.loader import render_to_string

from saiteki.core import registry as reg


def render_articles(request, system) -> str:
    from .selectors import articles_for_system

    return render_to_string(
        "knowledge/_system_articles.html",
        {"system": system, "articles": articles_for_system(user=request.user, system=system)},
        request=request,
    )


reg.registry.register_karte_panel(
    reg.KartePanel("knowledge.articles", render_articles, tab="karte", order=10)
)
