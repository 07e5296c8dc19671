"""API routes of the knowledge base, included under /api/v1/ by core's API root."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from saiteki.knowledge.api import views

router = SimpleRouter()
router.register("knowledge/articles", views.ArticleViewSet, basename="knowledge-article")

urlpatterns = [
    path("", include(router.urls)),
    path("knowledge/search/", views.SearchView.as_view(), name="knowledge-search"),
    path("knowledge/stats/", views.StatsView.as_view(), name="knowledge-stats"),
]
