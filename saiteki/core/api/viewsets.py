"""API base: permissions from the same policy as the UI, ETag / If-Match optimistic concurrency,
changes through the change log with the request's reason, one error shape documented for every call."""

from __future__ import annotations

from django.db import transaction
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import permissions, status, viewsets
from rest_framework.exceptions import PermissionDenied

from saiteki.core import permissions as perms
from saiteki.core.api.exceptions import ErrorSerializer
from saiteki.core.changelog import change_batch
from saiteki.core.errors import ConflictError

_ACTION_MAP = {
    "list": perms.VIEW,
    "retrieve": perms.VIEW,
    "create": perms.ADD,
    "update": perms.CHANGE,
    "partial_update": perms.CHANGE,
    "destroy": perms.DELETE,
}

ERROR_RESPONSES = {
    400: OpenApiResponse(ErrorSerializer, description="入力内容の誤り"),
    401: OpenApiResponse(ErrorSerializer, description="未認証"),
    403: OpenApiResponse(ErrorSerializer, description="権限なし"),
    404: OpenApiResponse(ErrorSerializer, description="対象なし"),
}
WRITE_ERROR_RESPONSES = {
    **ERROR_RESPONSES,
    412: OpenApiResponse(ErrorSerializer, description="If-Match の版が古い（他の利用者が更新済み）"),
    409: OpenApiResponse(ErrorSerializer, description="他の登録から参照されているため削除できない"),
}
IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="取得時の ETag。古ければ 412 を返し、何も変更しません。",
)
REASON = OpenApiParameter(
    "X-Change-Reason",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="変更理由（URLエンコード）。履歴に残ります。",
)


def etag_for(obj) -> str:
    return f'"{obj._meta.label_lower}-{obj.pk}-v{obj.version}"'


class RolePermission(permissions.BasePermission):
    """Role-level check before the view runs; object-level via ``can`` in ``has_object_permission``."""

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return False
        action = _ACTION_MAP.get(view.action, perms.VIEW)
        return perms.role_allows(request.user, action, view.queryset.model)

    def has_object_permission(self, request, view, obj):
        action = _ACTION_MAP.get(view.action, perms.VIEW)
        return perms.can(request.user, action, obj)


def saiteki_schema(viewset_cls):
    """Document the shared error body, If-Match and the reason header on every operation."""
    return extend_schema_view(
        list=extend_schema(responses={200: viewset_cls.serializer_class(many=True), **ERROR_RESPONSES}),
        retrieve=extend_schema(responses={200: viewset_cls.serializer_class, **ERROR_RESPONSES}),
        create=extend_schema(
            parameters=[REASON], responses={201: viewset_cls.serializer_class, **ERROR_RESPONSES}
        ),
        update=extend_schema(
            parameters=[IF_MATCH, REASON],
            responses={200: viewset_cls.serializer_class, **WRITE_ERROR_RESPONSES},
        ),
        partial_update=extend_schema(
            parameters=[IF_MATCH, REASON],
            responses={200: viewset_cls.serializer_class, **WRITE_ERROR_RESPONSES},
        ),
        destroy=extend_schema(parameters=[IF_MATCH, REASON], responses={204: None, **WRITE_ERROR_RESPONSES}),
    )(viewset_cls)


class SaitekiModelViewSet(viewsets.ModelViewSet):
    """CRUD over a business model, restricted by the user's role and division."""

    permission_classes = [RolePermission]

    def get_queryset(self):
        # Reads and writes both start from what the user may see; writes are then checked per object
        # so a visible-but-not-editable object answers 403 and an invisible one 404.
        qs = self.queryset.model.objects.restrict(self.request.user, perms.VIEW)
        return self.optimise(qs)

    def optimise(self, qs):
        """Subclasses add select_related/prefetch_related here, one comment per N+1 avoided."""
        return qs

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        response["ETag"] = etag_for(self.get_object())
        return response

    def _check_if_match(self, request, instance):
        if_match = request.headers.get("If-Match")
        if if_match and if_match.strip() not in {"*", etag_for(instance)}:
            raise ConflictError()

    def update(self, request, *args, **kwargs):
        with transaction.atomic():
            instance = self.get_object()
            locked = type(instance).objects.select_for_update().get(pk=instance.pk)
            self._check_if_match(request, locked)
            with change_batch():
                response = super().update(request, *args, **kwargs)
        instance.refresh_from_db()
        response["ETag"] = etag_for(instance)
        return response

    def destroy(self, request, *args, **kwargs):
        with transaction.atomic():
            instance = self.get_object()
            self._check_if_match(request, instance)
            instance.delete()
        return self._no_content()

    def perform_create(self, serializer):
        if not perms.can(
            self.request.user,
            perms.ADD,
            serializer.Meta.model(
                **{k: v for k, v in serializer.validated_data.items() if not isinstance(v, list)}
            ),
        ):
            raise PermissionDenied()
        with transaction.atomic(), change_batch():
            serializer.save()

    @staticmethod
    def _no_content():
        from rest_framework.response import Response

        return Response(status=status.HTTP_204_NO_CONTENT)
