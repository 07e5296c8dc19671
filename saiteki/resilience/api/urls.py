"""API routes of the resilience app, included under /api/v1/ by core's API root."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from saiteki.resilience.api import views

router = SimpleRouter()
router.register("resilience/standards", views.BackupStandardViewSet, basename="resilience-standard")
router.register("resilience/practices", views.BackupPracticeViewSet, basename="resilience-practice")
router.register("resilience/restore-tests", views.RestoreTestViewSet, basename="resilience-restore-test")
router.register("resilience/compliance", views.ComplianceViewSet, basename="resilience-compliance")
router.register("resilience/bcp", views.BcpProfileViewSet, basename="resilience-bcp")
router.register("resilience/bcp-documents", views.BcpDocumentViewSet, basename="resilience-bcp-document")
router.register("resilience/drills", views.BcpDrillViewSet, basename="resilience-drill")
router.register("resilience/drill-actions", views.DrillActionViewSet, basename="resilience-drill-action")
router.register("resilience/incidents", views.SecurityIncidentViewSet, basename="resilience-incident")
router.register("resilience/email-drills", views.EmailDrillViewSet, basename="resilience-email-drill")
router.register(
    "resilience/email-drill-results", views.EmailDrillResultViewSet, basename="resilience-email-result"
)
router.register("resilience/training", views.TrainingSessionViewSet, basename="resilience-training")
router.register(
    "resilience/network-separation", views.NetworkSeparationViewSet, basename="resilience-network"
)

urlpatterns = [path("", include(router.urls))]
