"""API: token issue, organisations, and who-am-I."""

from __future__ import annotations

from collections.abc import Mapping

from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from saiteki.accounts.directory import DENIAL_ATTR, login_source_of
from saiteki.accounts.filtersets import OrganizationFilterSet
from saiteki.accounts.models import Organization
from saiteki.accounts.selectors import token_is_expired
from saiteki.core.api.exceptions import ErrorSerializer
from saiteki.core.api.viewsets import ERROR_RESPONSES, SaitekiModelViewSet, saiteki_schema
from saiteki.core.audit import audit_event_record
from saiteki.core.errors import ApplicationError
from saiteki.core.models import AuditEvent

from .serializers import MeSerializer, OrganizationSerializer


class TokenCreateView(APIView):
    """``POST {"username", "password"}`` → ``{"token": …}``; failures count towards the lockout."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        request=inline_serializer(
            "TokenRequest", {"username": serializers.CharField(), "password": serializers.CharField()}
        ),
        responses={
            200: inline_serializer("TokenResponse", {"token": serializers.CharField()}),
            400: ErrorSerializer,
            403: ErrorSerializer,
        },
        auth=[],
    )
    def post(self, request):
        data = request.data if isinstance(request.data, Mapping) else {}  # a JSON list or string: refused
        username = str(data.get("username", "") or "")
        password = str(data.get("password", "") or "")
        if not username or not password:
            raise ApplicationError(_("ユーザー名とパスワードを入力してください。"), code="invalid")
        user = authenticate(request=request._request, username=username, password=password)
        if getattr(request._request, "axes_locked_out", False):
            raise ApplicationError(
                _("ログインに続けて失敗したため、このアカウントは一時的にロックされています。"),
                code="locked_out",
            )
        if user is None or not user.is_active:
            denied = getattr(request._request, DENIAL_ATTR, None)
            if denied:  # the directory knew the person, Saiteki refused them: say why
                raise ApplicationError(denied["message"], code="directory_denied")
            raise ApplicationError(
                _("ユーザー名またはパスワードが正しくありません。"), code="invalid_credentials"
            )
        token = Token.objects.filter(user=user).first()
        if token is not None and token_is_expired(token):
            token.delete()  # an expired token is replaced, never handed out again
            token = None
        if token is None:
            token = Token.objects.create(user=user)
        audit_event_record(
            kind=AuditEvent.Kind.TOKEN_ISSUED,
            request=request._request,
            user=user,
            detail={"source": login_source_of(user)},
        )
        return Response({"token": token.key})


class MeView(APIView):
    @extend_schema(responses={200: MeSerializer, **ERROR_RESPONSES})
    def get(self, request):
        return Response(MeSerializer(request.user).data)


@saiteki_schema
class OrganizationViewSet(SaitekiModelViewSet):
    queryset = Organization.objects.all()
    serializer_class = OrganizationSerializer
    filterset_class = OrganizationFilterSet

    def optimise(self, qs):
        # parent is shown as its name: join it instead of one query per row.
        # predecessors: one prefetch query instead of one per row.
        return qs.select_related("parent").prefetch_related("predecessors").order_by("sort_order", "code")
