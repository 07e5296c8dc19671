"""The root URLconf. Apps are mounted by discovery (``SaitekiAppConfig.url_prefix``), never by name."""

from django.conf import settings
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer

from saiteki.core.health import healthz
from saiteki.core.registry import app_url_patterns


class SchemaView(SpectacularAPIView):
    """The OpenAPI schema for logged-in users; refusals in the API's JSON error body, not YAML."""

    permission_classes = [IsAuthenticated]

    def handle_exception(self, exc):
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = "application/json"
        return super().handle_exception(exc)


urlpatterns = [
    path("", include("saiteki.core.urls")),
    *app_url_patterns(),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("api/v1/", include("saiteki.core.api.urls")),
    # The schema and its browser need a login (anonymous: 401 JSON / the login page); the Swagger UI's
    # initialiser is served as a script of our own origin, so the page runs under the site's CSP.
    path("api/schema/", SchemaView.as_view(), name="api-schema"),
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema",
            permission_classes=[IsAuthenticated],
            template_name="saiteki/swagger_ui.html",
        ),
        name="api-docs",
    ),
    path("healthz", healthz, name="healthz"),
]

if settings.DEBUG:  # pragma: no cover
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Japanese error pages inside the site layout; the API keeps its JSON error body.
handler400 = "saiteki.core.views.errors.bad_request"
handler403 = "saiteki.core.views.errors.permission_denied"
handler404 = "saiteki.core.views.errors.page_not_found"
handler500 = "saiteki.core.views.errors.server_error"
