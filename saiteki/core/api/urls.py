"""The API root: every app registers its viewsets on this one router under /api/v1/."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from saiteki.accounts.api.views import MeView, OrganizationViewSet, TokenCreateView
from saiteki.consolidation.api import views as consolidation
from saiteki.ledger.api import views as ledger

router = DefaultRouter()
router.register("accounts/organizations", OrganizationViewSet, basename="organization")
router.register("ledger/systems", ledger.SystemViewSet, basename="system")
router.register("ledger/servers", ledger.ServerViewSet, basename="server")
router.register("ledger/components", ledger.ComponentViewSet, basename="component")
router.register("ledger/contracts", ledger.ContractViewSet, basename="contract")
router.register("ledger/costs", ledger.CostViewSet, basename="cost")
router.register("ledger/vendors", ledger.VendorViewSet, basename="vendor")
router.register("ledger/municipalities", ledger.MunicipalityViewSet, basename="municipality")
router.register("consolidation/host-models", consolidation.HostModelViewSet, basename="hostmodel")
router.register("consolidation/scenarios", consolidation.ScenarioViewSet, basename="scenario")
router.register("consolidation/runs", consolidation.ScenarioRunViewSet, basename="scenariorun")

urlpatterns = [
    path("auth/token/", TokenCreateView.as_view(), name="api-token"),
    path("me/", MeView.as_view(), name="api-me"),
    path("", include(router.urls)),
]
