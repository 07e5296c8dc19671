"""API routes of the lifecycle app, included under /api/v1/ by core's API root."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from saiteki.lifecycle.api import views

router = SimpleRouter()
router.register("lifecycle/risks", views.RiskViewSet, basename="lifecycle-risk")

urlpatterns = [
    path("lifecycle/match/", views.MatchView.as_view(), name="lifecycle-match"),
    path("", include(router.urls)),
]
