"""API routes of the consolidation planner, included under /api/v1/ by core's API root."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from saiteki.consolidation.api import views

router = SimpleRouter()
router.register("consolidation/host-models", views.HostModelViewSet, basename="hostmodel")
router.register("consolidation/scenarios", views.ScenarioViewSet, basename="scenario")
router.register("consolidation/runs", views.ScenarioRunViewSet, basename="scenariorun")

urlpatterns = [path("", include(router.urls))]
