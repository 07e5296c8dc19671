"""Pages of the ledger's Excel round trip (upload → dry-run preview → apply, template export).

They are core's generic import pages (:mod:`saiteki.core.importing.views`) bound to the ``ledger.systems``
importer, kept at their own URLs (``/ledger/import/``) with the ledger's templates (the preview counts
systems and costs separately). The other ledger importers use the generic pages as they are
(``/imports/ledger.servers/`` …). The division survey's pages are in :mod:`saiteki.ledger.views_survey`.
"""

from __future__ import annotations

from saiteki.core.importing.forms import ImportOptionsForm, ImportUploadForm
from saiteki.core.importing.views import (
    ImportPreviewView,
    ImportTemplateView,
    ImportUploadView,
    download,
    preview_page,
)

__all__ = [
    "ImportOptionsForm",
    "ImportUploadForm",
    "SystemImportPreviewView",
    "SystemImportTemplateView",
    "SystemImportView",
    "download",
    "preview_page",
]


class _Ledger:
    importer_name = "ledger.systems"
    upload_url_name = "ledger:system_import"
    preview_url_name = "ledger:system_import_preview"
    template_url_name = "ledger:system_import_template"


class SystemImportView(_Ledger, ImportUploadView):
    template_name = "ledger/import.html"


class SystemImportPreviewView(_Ledger, ImportPreviewView):
    template_name = "ledger/import_preview.html"


class SystemImportTemplateView(_Ledger, ImportTemplateView):
    pass
