"""Per-request change context (user, request id) for the change log."""

from __future__ import annotations

import uuid
from urllib.parse import unquote

from saiteki.core.context import change_context


class RequestContextMiddleware:
    """Opens a change context for the request.

    The reason for a change can come from a form field (``change_reason``, handled by the generic edit
    views) or, for API clients, the ``X-Change-Reason`` header, percent-encoded because HTTP headers
    cannot carry Japanese text directly.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # RequestIdMiddleware (saiteki.core.requestlog) set the id first: log lines and history share it.
        request.id = getattr(request, "id", None) or uuid.uuid4()
        reason = unquote(request.headers.get("X-Change-Reason", ""))[:500]
        with change_context(request_id=request.id, reason=reason, request=request):
            return self.get_response(request)


class LanguageMiddleware:
    """Japanese first: the UI is Japanese unless the user chose English with the language switch.

    Django's LocaleMiddleware would follow the browser's Accept-Language, which on many PCs is English;
    prefectural staff expect Japanese whatever their browser says.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.utils import translation

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
