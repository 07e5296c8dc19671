"""Reads of the knowledge base. Every read starts from ``Article.objects.visible_to(user)``."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from saiteki.core.fiscal import fiscal_year_range

from . import text as t
from .choices import ArticleKind
from .models import Article, ArticleView, HelpfulVote, SearchLog
from .searchindex import RankedPage, parse_query, ranked_page


def articles_for(*, user) -> QuerySet[Article]:
    return Article.objects.visible_to(user)


def article_get(*, user, pk: int) -> Article | None:
    return articles_for(user=user).select_related("owner_division", "owner").filter(pk=pk).first()


@dataclass
class SearchResult:
    article: Article
    score: float
    snippet: t.Snippet


@dataclass
class SearchPage:
    query: str
    terms: list[str]
    count: int
    results: list[SearchResult] = field(default_factory=list)


def article_search(
    *,
    user,
    q: str,
    kind: str = "",
    tag: str = "",
    system: int | None = None,
    offset: int = 0,
    limit: int = 20,
) -> SearchPage:
    """Ranked, highlighted search over the articles the user may read (filters by kind, tag, system)."""
    visible = articles_for(user=user)
    qs = visible
    if kind in ArticleKind.values:
        qs = qs.filter(kind=kind)
    if tag:
        qs = qs.filter(tags__name=tag)
    if system:
        qs = qs.filter(systems=system)
    terms = parse_query(q)
    if terms:
        ranked = ranked_page(visible, qs if qs is not visible else None, terms, offset=offset, limit=limit)
    else:
        ordered = qs.order_by("-updated_at", "-id").values_list("pk", flat=True)
        ranked = RankedPage(count=qs.count(), ids=list(ordered[offset : offset + limit]), scores={})
    page_ids = ranked.ids
    articles = Article.objects.in_bulk(page_ids)
    attachment_text = _attachment_text(page_ids) if terms else {}
    results = []
    for pk in page_ids:
        article = articles[pk]
        plain = t.markdown_plain(article.body)
        source = plain
        if terms and not any(t.normalize(plain).find(term) >= 0 for term in terms):
            source = attachment_text.get(pk, "") or plain
        results.append(
            SearchResult(article=article, score=ranked.scores.get(pk, 0.0), snippet=t.snippet(source, terms))
        )
    return SearchPage(query=q, terms=terms, count=ranked.count, results=results)


def _attachment_text(ids: list[int]) -> dict[int, str]:
    from .models import Attachment

    out: dict[int, str] = defaultdict(str)
    for article_id, text in Attachment.objects.filter(article_id__in=ids).values_list("article_id", "text"):
        out[article_id] += text + "\n"
    return out


def suggestions(*, user, q: str, limit: int = 8) -> list[Article]:
    """Titles as the user types: those starting with the text first, then those containing it."""
    term = t.normalize(q).strip()
    if not term:
        return []
    qs = articles_for(user=user).filter(search_index__title__contains=term)
    prefix = list(qs.filter(search_index__title__startswith=term).order_by("title")[:limit])
    if len(prefix) < limit:
        prefix += list(qs.exclude(pk__in=[a.pk for a in prefix]).order_by("title")[: limit - len(prefix)])
    return prefix


def related_articles(*, user, article: Article, limit: int = 5) -> list[Article]:
    """Readable articles sharing systems or tags with this one (most shared first), then same category."""
    system_ids = list(article.systems.values_list("pk", flat=True))
    tag_ids = list(article.tags.values_list("pk", flat=True))
    qs = articles_for(user=user).exclude(pk=article.pk)
    cond = Q(systems__in=system_ids) | Q(tags__in=tag_ids)
    if article.category:
        cond |= Q(category=article.category, kind=article.kind)
    return list(
        qs.filter(cond)
        .annotate(
            shared=Count("systems", filter=Q(systems__in=system_ids), distinct=True)
            + Count("tags", filter=Q(tags__in=tag_ids), distinct=True)
        )
        .order_by("-shared", "-updated_at")[:limit]
    )


def faq_by_category(*, user) -> list[tuple[str, list[Article]]]:
    groups: dict[str, list[Article]] = defaultdict(list)
    for a in articles_for(user=user).filter(kind=ArticleKind.FAQ).order_by("category", "title"):
        groups[a.category or ""].append(a)
    # Uncategorised FAQs come last, under 「その他」 in the reader's language.
    ordered = sorted(groups.items(), key=lambda kv: (kv[0] == "", kv[0]))
    return [(category or _("その他"), articles) for category, articles in ordered]


def articles_for_system(*, user, system) -> list[Article]:
    """The readable articles linked to a system (the karte page's 「関連ナレッジ」)."""
    return list(articles_for(user=user).filter(systems=system).order_by("kind", "title"))


def helpful_count(*, article: Article) -> int:
    return HelpfulVote.objects.filter(article=article).count()


# ---------------------------------------------------------------------------------------------------
# Statistics and the use KPI
# ---------------------------------------------------------------------------------------------------


def _period(fiscal_year: int) -> tuple[datetime.datetime, datetime.datetime]:
    from django.utils import timezone

    start, end = fiscal_year_range(fiscal_year)
    tz = timezone.get_current_timezone()
    return (
        datetime.datetime.combine(start, datetime.time.min, tzinfo=tz),
        datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz),
    )


def staff_ids(*, fiscal_year: int) -> set[int]:
    """Users with a role in the fiscal year: the denominator of the use rate."""
    from saiteki.accounts.models import Assignment

    return set(
        Assignment.objects.filter(fiscal_year=fiscal_year, user__is_active=True).values_list(
            "user_id", flat=True
        )
    )


def active_user_ids(*, fiscal_year: int) -> set[int]:
    """Users who opened an article or searched the knowledge base at least once in the fiscal year."""
    start, end = _period(fiscal_year)
    viewed = ArticleView.objects.filter(at__gte=start, at__lt=end, user__isnull=False)
    searched = SearchLog.objects.filter(at__gte=start, at__lt=end, user__isnull=False)
    return set(viewed.values_list("user_id", flat=True)) | set(searched.values_list("user_id", flat=True))


def use_rate(*, fiscal_year: int) -> float | None:
    """「ナレッジデータベースの活用率」 (%): of the staff with a role in the fiscal year, the share who
    opened or searched the knowledge base at least once in it. None when nobody holds a role."""
    staff = staff_ids(fiscal_year=fiscal_year)
    if not staff:
        return None
    return round(100 * len(staff & active_user_ids(fiscal_year=fiscal_year)) / len(staff), 1)


@dataclass
class Stats:
    fiscal_year: int
    views: int
    searches: int
    zero_result_searches: int
    helpful_votes: int
    use_rate: float | None
    active_users: int
    staff: int
    top_articles: list[tuple[Article, int]]
    zero_queries: list[tuple[str, int]]
    by_division: list[tuple[str, int, int, int]]  # 所属, active users, views, searches
    stale_articles: int
    articles: int


def knowledge_stats(*, user, fiscal_year: int) -> Stats:
    """Use of the knowledge base in a fiscal year. Article titles are only those the user may read."""
    start, end = _period(fiscal_year)
    views = ArticleView.objects.filter(at__gte=start, at__lt=end)
    searches = SearchLog.objects.filter(at__gte=start, at__lt=end)
    votes = HelpfulVote.objects.filter(created_at__gte=start, created_at__lt=end)
    visible = articles_for(user=user)
    top = (
        views.filter(article__in=visible.values("pk"))
        .values("article")
        .annotate(n=Count("id"))
        .order_by("-n")[:10]
    )
    top_map = Article.objects.in_bulk([row["article"] for row in top])
    zero = (
        searches.filter(result_count=0).values("query").annotate(n=Count("id")).order_by("-n", "query")[:20]
    )
    divisions: dict[str, list] = defaultdict(lambda: [set(), 0, 0])
    for name, uid in views.values_list("division__name", "user_id"):
        row = divisions[name or _("（所属なし）")]
        row[0].add(uid)
        row[1] += 1
    for name, uid in searches.values_list("division__name", "user_id"):
        row = divisions[name or _("（所属なし）")]
        row[0].add(uid)
        row[2] += 1
    staff = staff_ids(fiscal_year=fiscal_year)
    active = staff & active_user_ids(fiscal_year=fiscal_year)
    return Stats(
        fiscal_year=fiscal_year,
        views=views.count(),
        searches=searches.count(),
        zero_result_searches=searches.filter(result_count=0).count(),
        helpful_votes=votes.count(),
        use_rate=round(100 * len(active) / len(staff), 1) if staff else None,
        active_users=len(active),
        staff=len(staff),
        top_articles=[(top_map[row["article"]], row["n"]) for row in top if row["article"] in top_map],
        zero_queries=[(row["query"], row["n"]) for row in zero],
        by_division=sorted(
            ((name, len(v[0] - {None}), v[1], v[2]) for name, v in divisions.items()),
            key=lambda r: (-r[1], r[0]),
        ),
        stale_articles=visible.filter(review_by__lt=datetime.date.today()).count(),
        articles=visible.count(),
    )
