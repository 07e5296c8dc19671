"""The API root (/api/v1/): each app's ``api/urls.py`` is included by discovery (core/registry.py);
core's own routes (the inbox) are appended."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from saiteki.core.api.inbox import InboxViewSet
from saiteki.core.registry import api_url_patterns

core_router = SimpleRouter()
core_router.register("inbox", InboxViewSet, basename="inbox")

urlpatterns = [*api_url_patterns(), path("", include(core_router.urls))]

# The import pipeline's endpoints (upload → preview id → apply) for every registered importer.
from saiteki.core.importing import api as importing_api  # noqa: E402

urlpatterns += importing_api.urlpatterns
