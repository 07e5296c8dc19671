"""The project's URLs plus the test OpenID Connect provider at /openid/ (see oidc_op)."""

from django.urls import include, path

from config.urls import *  # noqa: F403
from config.urls import urlpatterns as project_urlpatterns

urlpatterns = [
    *project_urlpatterns,
    path("openid/", include("oidc_provider.urls", namespace="oidc_provider")),
]
