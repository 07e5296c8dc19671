"""One API error shape for every failure: ``{"error": {"code", "message", "fields"}}``."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from saiteki.core.errors import ApplicationError


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    # DRF's serializer metaclass moves declared fields into ``_declared_fields``, so this does not
    # shadow ``Serializer.fields`` at run time; the stubs cannot express that.
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()), required=False
    )


class ErrorSerializer(serializers.Serializer):
    """The documented error body (every 4xx answer of the API)."""

    error = ErrorDetailSerializer()


def _body(code: str, message, fields=None) -> dict:
    return {"error": {"code": code, "message": str(message), "fields": fields or {}}}


def _flatten(detail) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for key, value in detail.items():
            if isinstance(value, list):
                out[key] = [str(v) for v in value]
            elif isinstance(value, dict):
                for sub, msgs in _flatten(value).items():
                    out[f"{key}.{sub}"] = msgs
            else:
                out[key] = [str(value)]
        return out
    if isinstance(detail, list):
        return {"non_field_errors": [str(v) for v in detail]}
    return {}


_MESSAGES = {
    "not_authenticated": gettext_lazy("ログインが必要です。認証情報を確認してください。"),
    "authentication_failed": gettext_lazy("認証に失敗しました。"),
    "permission_denied": gettext_lazy("この操作を行う権限がありません。"),
    "not_found": gettext_lazy("対象が見つかりません。"),
    "method_not_allowed": gettext_lazy("この操作はできません。"),
    "throttled": gettext_lazy("要求が多すぎます。しばらく待ってから再度お試しください。"),
    "parse_error": gettext_lazy("要求の形式が正しくありません。"),
    "unsupported_media_type": gettext_lazy("対応していない形式です。"),
}


def exception_handler(exc, context):
    """Map every failure to the error body; a refused write also leaves a ``permission_denied`` audit
    event (the same record the HTML pages write in ``saiteki.core.views.errors``)."""
    response = _handle(exc, context)
    if response is not None and response.status_code == status.HTTP_403_FORBIDDEN:
        from saiteki.core.views.errors import permission_denied_record

        request = context.get("request")
        view = context.get("view")
        queryset = getattr(view, "queryset", None)
        permission_denied_record(
            getattr(request, "_request", request),
            message=response.data.get("error", {}).get("message", "")
            if isinstance(response.data, dict)
            else "",
            object_type=queryset.model._meta.label if queryset is not None else "",
        )
    return response


def _handle(exc, context):
    if isinstance(exc, ApplicationError):
        return Response(_body(exc.code, exc.message, exc.fields), status=exc.status_code)
    if isinstance(exc, ProtectedError | RestrictedError):
        from saiteki.core.views.errors import protected_dependents, protected_message

        return Response(
            _body("protected", protected_message(exc), {"dependents": protected_dependents(exc)}),
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, DjangoValidationError):  # a model's full_clean in a service: 400, not 500
        exc = exceptions.ValidationError(detail=serializers.as_serializer_error(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = _body("invalid", _("入力内容に誤りがあります。"), _flatten(exc.detail))
        response.status_code = status.HTTP_400_BAD_REQUEST
        return response
    code = getattr(exc, "default_code", "error")
    message = _MESSAGES.get(code)
    if message is None:
        detail = getattr(exc, "detail", "")
        message = str(detail) if detail else _("エラーが発生しました。")
    response.data = _body(code, message)
    return response
