"""Knowledge articles as a source of the global search box (the header's 「全体検索」)."""

from django.utils.translation import gettext_lazy as _

from saiteki.core import registry as reg


def _search(user, q: str, limit: int) -> list[reg.SearchHit]:
    from .selectors import article_search

    page = article_search(user=user, q=q, limit=limit)
    return [
        reg.SearchHit(
            title=r.article.title,
            url=r.article.get_absolute_url(),
            snippet=r.snippet.text,
            score=r.score,
            kind=r.article.get_kind_display(),
        )
        for r in page.results
    ]


reg.registry.register_search_source(
    reg.SearchSource(key="knowledge.articles", label=_("ナレッジ"), search=_search, order=30)
)
