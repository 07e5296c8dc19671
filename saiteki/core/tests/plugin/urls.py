from django.urls import include, path

from saiteki.core.registry import get_model_urls

from . import views  # noqa: F401  (registers the model views)

app_name = "plugin"

urlpatterns = [path("gadgets/", include(get_model_urls("plugin", "gadget")))]
