"""Download of karte attachments, with the permission of the object the karte entry is about."""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404

from saiteki.core import permissions as perms
from saiteki.core.models import JournalAttachment


def attachment_download(request, pk: int):
    """Whoever may see the object (a system, a server…) may download its karte's files; for anyone
    else the file does not exist (404, as for the object itself). Always a download, never inline."""
    attachment = get_object_or_404(JournalAttachment.objects.select_related("entry__content_type"), pk=pk)
    entry = attachment.entry
    model = entry.content_type.model_class()
    manager = getattr(model, "objects", None)
    if manager is None or not hasattr(manager, "restrict"):
        raise Http404
    if not manager.restrict(request.user, perms.VIEW).filter(pk=entry.object_id).exists():
        raise Http404
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404 from exc
    response = FileResponse(
        handle, as_attachment=True, filename=attachment.name, content_type="application/octet-stream"
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
