"""Workflow over the API: the transitions the caller may run, and one action to run one.

* :class:`TransitionsSerializerMixin` adds a read-only ``transitions`` field (name, label,
  comment_required, target, target_label) for the requesting user;
* :class:`TransitionViewSetMixin` adds ``POST <object>/transition/`` with ``{"name", "comment"}``
  (and an optional ``If-Match``), which calls :func:`saiteki.core.workflow.transition_run`: an illegal or
  forbidden transition answers 409 with the shared error body and changes nothing.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from saiteki.core import workflow
from saiteki.core.api.exceptions import ErrorSerializer

TransitionSerializer = inline_serializer(
    name="AvailableTransition",
    fields={
        "name": serializers.CharField(),
        "label": serializers.CharField(),
        "comment_required": serializers.BooleanField(),
        "target": serializers.CharField(),
        "target_label": serializers.CharField(),
    },
)


class TransitionRequestSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, help_text="遷移名（transitions の name）")
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class TransitionsField(serializers.Field):
    """Read-only: the transitions the requesting user may run on this object now."""

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        kwargs.setdefault("source", "*")
        super().__init__(**kwargs)

    def to_representation(self, value):
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return []
        return [t.as_dict() for t in workflow.available_transitions(value, user)]


# drf-spectacular: document the field as a list of transitions.
try:
    from drf_spectacular.extensions import OpenApiSerializerFieldExtension
    from drf_spectacular.plumbing import build_array_type

    class _TransitionsFieldExtension(OpenApiSerializerFieldExtension):
        target_class = "saiteki.core.api.workflow.TransitionsField"

        def map_serializer_field(self, auto_schema, direction):
            component = auto_schema.resolve_serializer(TransitionSerializer, direction)
            return build_array_type(component.ref)
except ImportError:  # pragma: no cover
    pass


class TransitionsSerializerMixin(serializers.Serializer):
    """Mix into a ModelSerializer and add ``"transitions"`` to ``Meta.fields``."""

    transitions = TransitionsField()


class TransitionViewSetMixin:
    """Mix into a :class:`~saiteki.core.api.viewsets.SaitekiModelViewSet` of a workflow model.

    The object is looked up through the viewset (so an invisible object is 404); the transition's own
    guard decides who may run it (409 otherwise).
    """

    @extend_schema(
        request=TransitionRequestSerializer,
        responses={
            200: OpenApiResponse(description="遷移後のオブジェクト（一覧・詳細と同じ形）"),
            400: OpenApiResponse(ErrorSerializer, description="コメントなど入力の誤り"),
            401: OpenApiResponse(ErrorSerializer, description="未認証"),
            403: OpenApiResponse(ErrorSerializer, description="権限なし"),
            404: OpenApiResponse(ErrorSerializer, description="対象なし"),
            409: OpenApiResponse(ErrorSerializer, description="現在の状態または権限ではこの遷移はできない"),
            412: OpenApiResponse(ErrorSerializer, description="If-Match の版が古い"),
        },
        description="状態を遷移させます。履歴に利用者・日時・コメントが残ります。",
    )
    @action(detail=True, methods=["post"], url_path="transition")
    def transition(self, request, *args, **kwargs):
        from saiteki.core.api.viewsets import etag_for

        obj = self.get_object()
        body = TransitionRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        expected = None
        if_match = request.headers.get("If-Match", "").strip()
        if if_match and if_match != "*":
            if if_match != etag_for(obj):
                from saiteki.core.errors import ConflictError

                raise ConflictError()
            expected = obj.version
        obj = workflow.transition_run(
            obj=obj,
            name=body.validated_data["name"],
            user=request.user,
            comment=body.validated_data.get("comment", ""),
            expected_version=expected,
        )
        response = Response(self.get_serializer(obj).data)
        response["ETag"] = etag_for(obj)
        return response
