"""One API error shape for every failure: ``{"error": {"code", "message", "fields"}}``."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from saiteki.core.errors import ApplicationError


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)


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
    "not_authenticated": _("ログインが必要です。認証情報を確認してください。"),
    "authentication_failed": _("認証に失敗しました。"),
    "permission_denied": _("この操作を行う権限がありません。"),
    "not_found": _("対象が見つかりません。"),
    "method_not_allowed": _("この操作はできません。"),
    "throttled": _("要求が多すぎます。しばらく待ってから再度お試しください。"),
    "parse_error": _("要求の形式が正しくありません。"),
    "unsupported_media_type": _("対応していない形式です。"),
}


def exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        return Response(_body(exc.code, exc.message, exc.fields), status=exc.status_code)
    if isinstance(exc, Http404):
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
