"""API of the knowledge base: articles (CRUD through the services), search, statistics.

Reads start from ``Article.objects.visible_to(user)``: an article the user may not read is a 404,
one they may read but not change a 403 on writes.
"""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from saiteki.core import permissions as perms
from saiteki.core.api.viewsets import ERROR_RESPONSES, SaitekiModelViewSet, saiteki_schema
from saiteki.core.fiscal import fiscal_year_of
from saiteki.knowledge import selectors, services
from saiteki.knowledge.api.serializers import ArticleSerializer, SearchResponseSerializer, StatsSerializer
from saiteki.knowledge.models import Article

_ACTIONS = {
    "create": perms.ADD,
    "update": perms.CHANGE,
    "partial_update": perms.CHANGE,
    "destroy": perms.DELETE,
}


class ArticlePermission(permissions.BasePermission):
    """Reading: any role (the queryset decides which articles); writing: the policy table."""

    def has_permission(self, request, view):
        if perms.role_of(request.user) is None:
            return False
        action = _ACTIONS.get(view.action)
        return action is None or perms.role_allows(request.user, action, Article)

    def has_object_permission(self, request, view, obj):
        action = _ACTIONS.get(view.action)
        return action is None or perms.can(request.user, action, obj)


@saiteki_schema
class ArticleViewSet(SaitekiModelViewSet):
    queryset = Article.objects.all()
    serializer_class = ArticleSerializer
    permission_classes = [ArticlePermission]

    def get_queryset(self):
        return self.optimise(Article.objects.visible_to(self.request.user))

    def optimise(self, qs):
        # tags and systems are listed per article: one query each for the page instead of one per row.
        # visible_divisions likewise.
        return qs.prefetch_related("tags", "systems", "visible_divisions").order_by("-updated_at", "-id")

    def perform_create(self, serializer):
        serializer.save()  # the service checks the policy for the owning 所属

    def destroy(self, request, *args, **kwargs):
        article = self.get_object()
        self._check_if_match(request, article)
        services.article_delete(
            article=article, user=request.user, reason=request.headers.get("X-Change-Reason", "")
        )
        return self._no_content()


class SearchView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="検索語（空白区切りですべてを含む）"),
            OpenApiParameter("kind", str, required=False),
            OpenApiParameter("tag", str, required=False),
            OpenApiParameter("system", int, required=False),
            OpenApiParameter("limit", int, required=False, description="最大100"),
            OpenApiParameter("offset", int, required=False),
        ],
        responses={200: SearchResponseSerializer, **ERROR_RESPONSES},
    )
    def get(self, request):
        if perms.role_of(request.user) is None:
            raise PermissionDenied()
        q = request.query_params.get("q", "").strip()[:200]

        def number(name, default, cap):
            try:
                return max(0, min(cap, int(request.query_params.get(name, default))))
            except ValueError:
                return default

        system = number("system", 0, 10**12) or None
        offset = number("offset", 0, 10**9)
        page = selectors.article_search(
            user=request.user,
            q=q,
            kind=request.query_params.get("kind", ""),
            tag=request.query_params.get("tag", ""),
            system=system,
            offset=offset,
            limit=number("limit", 20, 100),
        )
        if q and offset == 0:
            services.search_log_record(user=request.user, query=q, result_count=page.count)
        return Response(
            {
                "query": q,
                "count": page.count,
                "results": [
                    {
                        "id": r.article.pk,
                        "title": r.article.title,
                        "kind": r.article.kind,
                        "snippet": r.snippet.text,
                        "score": r.score,
                        "url": r.article.get_absolute_url(),
                    }
                    for r in page.results
                ],
            }
        )


class StatsView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter("fiscal_year", int, required=False, description="年度（西暦、既定は今年度）")
        ],
        responses={200: StatsSerializer, **ERROR_RESPONSES},
    )
    def get(self, request):
        if not perms.has_right(request.user, perms.KNOWLEDGE_STATS):
            raise PermissionDenied()
        try:
            fy = int(request.query_params.get("fiscal_year") or fiscal_year_of(datetime.date.today()))
        except ValueError:
            fy = fiscal_year_of(datetime.date.today())
        if not 1989 <= fy <= 2100:  # beyond the calendar's range (found by the API fuzz test: a 500)
            raise ValidationError({"fiscal_year": [_("年度は1989年度から2100年度の間で指定してください。")]})
        s = selectors.knowledge_stats(user=request.user, fiscal_year=fy)
        return Response(
            {
                "fiscal_year": s.fiscal_year,
                "use_rate": s.use_rate,
                "staff": s.staff,
                "active_users": s.active_users,
                "views": s.views,
                "searches": s.searches,
                "zero_result_searches": s.zero_result_searches,
                "helpful_votes": s.helpful_votes,
                "articles": s.articles,
                "stale_articles": s.stale_articles,
                "zero_queries": [{"query": q, "count": n} for q, n in s.zero_queries],
                "by_division": [
                    {"division": d, "active_users": u, "views": v, "searches": n}
                    for d, u, v, n in s.by_division
                ],
            }
        )
