"""The API root (/api/v1/): each app's ``api/urls.py`` is included by discovery (core/registry.py)."""

from saiteki.core.registry import api_url_patterns

urlpatterns = api_url_patterns()

# The import pipeline's endpoints (upload → preview id → apply) for every registered importer.
from saiteki.core.importing import api as importing_api  # noqa: E402

urlpatterns += importing_api.urlpatterns
