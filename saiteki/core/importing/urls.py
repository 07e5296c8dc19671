"""Routes of the generic import pages, inside the ``core`` namespace (``core:import_upload`` …)."""

from django.urls import path

from saiteki.core.importing import views

urlpatterns = [
    path("imports/<str:importer>/", views.ImportUploadView.as_view(), name="import_upload"),
    path("imports/<str:importer>/template/", views.ImportTemplateView.as_view(), name="import_template"),
    path("imports/<str:importer>/<str:token>/", views.ImportPreviewView.as_view(), name="import_preview"),
]
