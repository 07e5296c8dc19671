"""URLs of the Excel import (the division survey's are in :mod:`saiteki.ledger.urls_survey`)."""

from django.urls import path

from saiteki.ledger import views_import as views

urlpatterns: list = [
    path("import/", views.SystemImportView.as_view(), name="system_import"),
    path("import/template/", views.SystemImportTemplateView.as_view(), name="system_import_template"),
    path("import/<str:token>/", views.SystemImportPreviewView.as_view(), name="system_import_preview"),
]
