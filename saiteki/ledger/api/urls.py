"""API routes of the ledger, included under /api/v1/ by core's API root."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from saiteki.ledger.api import views

router = SimpleRouter()
router.register("ledger/systems", views.SystemViewSet, basename="system")
router.register("ledger/servers", views.ServerViewSet, basename="server")
router.register("ledger/components", views.ComponentViewSet, basename="component")
router.register("ledger/contracts", views.ContractViewSet, basename="contract")
router.register("ledger/costs", views.CostViewSet, basename="cost")
router.register("ledger/vendors", views.VendorViewSet, basename="vendor")
router.register("ledger/municipalities", views.MunicipalityViewSet, basename="municipality")

urlpatterns = [path("", include(router.urls))]
