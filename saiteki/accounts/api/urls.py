"""API routes of accounts: token, the current user, organisations."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from saiteki.accounts.api.views import MeView, OrganizationViewSet, TokenCreateView

router = SimpleRouter()
router.register("accounts/organizations", OrganizationViewSet, basename="organization")

urlpatterns = [
    path("auth/token/", TokenCreateView.as_view(), name="api-token"),
    path("me/", MeView.as_view(), name="api-me"),
    path("", include(router.urls)),
]
