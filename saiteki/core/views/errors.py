"""Japanese error pages and the one place where refusals and unexpected errors become answers.

Django calls the ``handler400/403/404/500`` views of ``config/urls.py`` and ``CSRF_FAILURE_VIEW``;
:class:`ErrorResponseMiddleware` turns what views raise but Django would answer with a 500 (an
:class:`~saiteki.core.errors.ApplicationError`, a delete blocked by ``PROTECT``) into the same pages.
Pages render inside the site layout with a way back; the 500 page is a plain template rendered without
context processors, so it still works when the database is down. The API (``/api/``) keeps its JSON
error body (DRF's handler in :mod:`saiteki.core.api.exceptions` answers API views itself; these views
answer the few API requests Django handles before DRF, e.g. an unknown URL).
"""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError, RestrictedError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token

from saiteki.core.errors import ApplicationError, PermissionDeniedError

logger = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def is_api(request) -> bool:
    return request.path.startswith("/api/")


def _json(code: str, message, status: int) -> JsonResponse:
    return JsonResponse(
        {"error": {"code": code, "message": str(message), "fields": {}}},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


def permission_denied_record(request, *, message: str = "", object_type: str = "") -> None:
    """Write the ``permission_denied`` security event for a refused write (pages and API alike).

    Reads that are refused are not recorded: list pages probe rights on every render and would drown
    the log; a refused write is an attempt to change something and is what auditors look for.
    """
    if request is None or request.method in SAFE_METHODS:
        return
    from saiteki.core.audit import audit_event_record
    from saiteki.core.models import AuditEvent

    try:
        audit_event_record(
            kind=AuditEvent.Kind.PERMISSION_DENIED,
            request=request,
            object_type=object_type,
            detail={"method": request.method, "path": request.path[:500], "message": str(message)[:300]},
        )
    except Exception:  # noqa: BLE001 - a refusal must be answered even if the log cannot be written
        logger.exception("permission_denied audit event could not be written")


def _page(
    request, template: str, status: int, *, title, message="", details=(), code: str = ""
) -> HttpResponse:
    if is_api(request):
        return _json(code or str(status), message or title, status)
    context = {"title": title, "message": message, "details": list(details), "status": status}
    return render(request, template, context, status=status)


def bad_request(request, exception=None):
    return _page(
        request,
        "400.html",
        400,
        title=_("要求を処理できませんでした"),
        message=_("送信された内容が正しくありません。入力し直してください。"),
        code="bad_request",
    )


def permission_denied(request, exception=None):
    message = (
        str(exception) if exception is not None and str(exception) else _("この操作を行う権限がありません。")
    )
    permission_denied_record(request, message=message)
    return _page(
        request, "403.html", 403, title=_("権限がありません"), message=message, code="permission_denied"
    )


def page_not_found(request, exception=None):
    return _page(
        request,
        "404.html",
        404,
        title=_("ページが見つかりません"),
        message=_("お探しのページは見つかりませんでした。削除されたか、表示する権限がない可能性があります。"),
        code="not_found",
    )


def server_error(request):
    """No context processors, no database: the plain 500 template only needs static files."""
    if is_api(request):
        return _json("server_error", _("サーバで問題が発生しました。時間をおいて再度お試しください。"), 500)
    return HttpResponse(loader.get_template("500.html").render(), status=500)


@requires_csrf_token
def csrf_failure(request, reason=""):
    permission_denied_record(request, message=f"CSRF: {reason}")
    if is_api(request):
        return _json(
            "csrf_failed",
            _("セッションの確認に失敗しました。ページを読み込み直してから再度お試しください。"),
            403,
        )
    return render(
        request,
        "403_csrf.html",
        {
            "title": _("送信を確認できませんでした"),
            "message": _(
                "画面を開いてから時間が経ったか、ログインし直したため、送信を受け付けられませんでした。"
                "ページを読み込み直してから、もう一度操作してください。"
            ),
            "status": 403,
        },
        status=403,
    )


def protected_dependents(exc: ProtectedError | RestrictedError, limit: int = 5) -> list[str]:
    """「契約 C-001 …」: what still refers to the object, by kind and name."""
    objs = list(exc.protected_objects if isinstance(exc, ProtectedError) else exc.restricted_objects)
    names = [f"{obj._meta.verbose_name} {obj}" for obj in objs[:limit]]
    if len(objs) > limit:
        names.append(_("ほか%(count)s件") % {"count": len(objs) - limit})
    return names


def protected_message(exc) -> str:
    return _("他の登録から参照されているため削除できません。先に次の参照を外してください: %(names)s") % {
        "names": "、".join(protected_dependents(exc))
    }


class ErrorResponseMiddleware:
    """Answers what views raise but Django would turn into a 500: business errors with their status
    and Japanese message, a model's validation error as 400, and deletes blocked by
    ``on_delete=PROTECT`` as 409 naming the dependents."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, (ProtectedError, RestrictedError)):
            message = protected_message(exception)
            if is_api(request):
                return _json("protected", message, 409)
            return render(
                request,
                "400.html",
                {
                    "title": _("削除できません"),
                    "message": message,
                    "details": protected_dependents(exception),
                    "status": 409,
                },
                status=409,
            )
        if isinstance(exception, DjangoValidationError):
            # A model's own validation (``full_clean`` in a service) that no form caught first: the
            # value is refused with the model's Japanese message instead of a 500.
            return _page(
                request,
                "400.html",
                400,
                title=_("処理できませんでした"),
                message=_("入力内容に誤りがあります。"),
                details=exception.messages,
                code="invalid",
            )
        if isinstance(exception, ApplicationError):
            if isinstance(exception, PermissionDeniedError):
                return permission_denied(request, exception)
            return _page(
                request,
                "400.html",
                exception.status_code,
                title=_("処理できませんでした"),
                message=exception.message,
                details=[m for msgs in exception.fields.values() for m in msgs],
                code=exception.code,
            )
        return None
