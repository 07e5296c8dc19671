"""API routes of the SAM app, included under /api/v1/ by core's API root."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from saiteki.sam.api import views

router = SimpleRouter()
router.register("sam/titles", views.TitleViewSet, basename="sam-title")
router.register("sam/entitlements", views.EntitlementViewSet, basename="sam-entitlement")
router.register("sam/devices", views.DeviceViewSet, basename="sam-device")
router.register("sam/scans", views.ScanViewSet, basename="sam-scan")
router.register("sam/campaigns", views.CampaignViewSet, basename="sam-campaign")

urlpatterns = [
    path("sam/reconciliation/", views.ReconciliationView.as_view(), name="sam-reconciliation"),
    path("", include(router.urls)),
]
