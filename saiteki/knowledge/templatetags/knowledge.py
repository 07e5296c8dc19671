"""Template tags other apps' pages use to show knowledge (the karte's 「関連ナレッジ」)."""

from django import template

register = template.Library()


@register.inclusion_tag("knowledge/_system_articles.html", takes_context=True)
def system_articles(context, system):
    """The articles linked to ``system`` that the current user may read."""
    from saiteki.knowledge.selectors import articles_for_system

    user = context["request"].user
    return {"system": system, "articles": articles_for_system(user=user, system=system)}
