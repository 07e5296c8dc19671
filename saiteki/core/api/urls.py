"""The API root: every app registers its viewsets on this one router under /api/v1/."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from saiteki.accounts.api.views import MeView, OrganizationViewSet, TokenCreateView

router = DefaultRouter()
router.register("accounts/organizations", OrganizationViewSet, basename="organization")

urlpatterns = [
    path("auth/token/", TokenCreateView.as_view(), name="api-token"),
    path("me/", MeView.as_view(), name="api-me"),
    path("", include(router.urls)),
]
