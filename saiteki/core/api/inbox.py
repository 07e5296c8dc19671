"""The inbox over the API: ``GET /api/v1/inbox/`` (own notifications, unread first, ``?unread=1``),
``POST /api/v1/inbox/{id}/read/`` and ``POST /api/v1/inbox/read-all/``. A user only ever sees and
changes their own notifications: the queryset starts from the caller."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from saiteki.core import notifications
from saiteki.core.api.exceptions import ErrorSerializer
from saiteki.core.models import Notification

_ERRORS = {
    401: OpenApiResponse(ErrorSerializer, description="未認証"),
    403: OpenApiResponse(ErrorSerializer, description="権限なし"),
    404: OpenApiResponse(ErrorSerializer, description="対象なし"),
}


class NotificationSerializer(serializers.ModelSerializer):
    object_type = serializers.SerializerMethodField()
    is_read = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "message",
            "url",
            "object_type",
            "object_id",
            "object_repr",
            "created_at",
            "read_at",
            "is_read",
        ]
        read_only_fields = fields

    def get_object_type(self, obj) -> str | None:
        return f"{obj.content_type.app_label}.{obj.content_type.model}" if obj.content_type_id else None


@extend_schema(tags=["inbox"])
class InboxViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = NotificationSerializer
    permission_classes = [IsAuthenticated]
    queryset = Notification.objects.none()
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        unread_only = self.request.query_params.get("unread") == "1"
        # content_type for object_type: one join instead of a query per row.
        return notifications.inbox_for(self.request.user, unread_only=unread_only).select_related(
            "content_type"
        )

    @extend_schema(
        parameters=[OpenApiParameter("unread", str, description="1 なら未読のみ")],
        responses={200: NotificationSerializer(many=True), **_ERRORS},
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(responses={200: NotificationSerializer, **_ERRORS})
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(request=None, responses={200: NotificationSerializer, **_ERRORS})
    @action(detail=True, methods=["post"], url_path="read")
    def read(self, request, pk=None):
        notification = notifications.notification_mark_read(user=request.user, notification_id=int(pk))
        return Response(NotificationSerializer(notification).data)

    @extend_schema(
        request=None,
        responses={
            200: inline_serializer("InboxReadAll", {"marked": serializers.IntegerField()}),
            **_ERRORS,
        },
    )
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        return Response({"marked": notifications.notifications_mark_all_read(user=request.user)})
