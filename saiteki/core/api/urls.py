"""The API root (/api/v1/): each app's ``api/urls.py`` is included by discovery (core/registry.py)."""

from saiteki.core.registry import api_url_patterns

urlpatterns = api_url_patterns()
