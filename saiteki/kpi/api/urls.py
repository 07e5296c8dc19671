"""API routes of the KPI app, included under /api/v1/ by core's API root."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from saiteki.kpi.api import views

router = SimpleRouter()
router.register("kpi/definitions", views.DefinitionViewSet, basename="kpi-definition")
router.register("kpi/values", views.ValueViewSet, basename="kpi-value")
router.register("kpi/reports", views.ReportViewSet, basename="kpi-report")

urlpatterns = [
    path("kpi/years/<int:fy>/close/", views.YearCloseView.as_view(), name="kpi-year-close"),
    path("kpi/years/<int:fy>/reopen/", views.YearReopenView.as_view(), name="kpi-year-reopen"),
    path("", include(router.urls)),
]
