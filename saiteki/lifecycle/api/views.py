"""Lifecycle API (/api/v1/lifecycle/…): the matcher, and the risk list (read-only)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from saiteki.core import permissions as perms
from saiteki.core.api.viewsets import ERROR_RESPONSES
from saiteki.lifecycle import selectors, services
from saiteki.lifecycle.api.serializers import ComponentRiskSerializer, MatchResultSerializer
from saiteki.lifecycle.filtersets import RiskFilterSet
from saiteki.lifecycle.models import ComponentLifecycle


class MatchView(APIView):
    """Match a free-text product name (Japanese or English) to a catalogue product and cycle.

    Answers ``{"matched", "product", "cycle", "eol", "confidence"}``; when nothing is matched,
    ``matched`` is false, the identifiers and date are null and the confidence is 0. A text naming
    two products, or a version the catalogue cannot place uniquely, is never matched.
    """

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "q", str, required=True, description="照合する表記（例: Windows Server 2012 R2）"
            )
        ],
        responses={200: MatchResultSerializer, **ERROR_RESPONSES},
    )
    def get(self, request):
        from saiteki.core.errors import ValidationFailed

        q = request.query_params.get("q", "")
        if not q.strip():
            raise ValidationFailed("q を指定してください。", fields={"q": ["必須です。"]})
        if len(q) > 400:
            raise ValidationFailed("q が長すぎます（400文字まで）。", fields={"q": ["400文字までです。"]})
        result, eol = services.match_text(q)
        if not result.matched:
            return Response(
                {"matched": False, "product": None, "cycle": None, "eol": None, "confidence": 0.0}
            )
        return Response(
            {
                "matched": True,
                "product": result.product,
                "cycle": result.cycle,
                "eol": eol.isoformat() if eol else None,
                "confidence": float(result.confidence),
            }
        )


class RiskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Components with their support status today (the risk list), filtered like the page."""

    serializer_class = ComponentRiskSerializer
    filterset_class = RiskFilterSet
    queryset = ComponentLifecycle.objects.none()

    def get_queryset(self):
        if not perms.role_allows(self.request.user, perms.VIEW, ComponentLifecycle):
            return ComponentLifecycle.objects.none()
        return selectors.component_risks(user=self.request.user).order_by("eff_eol", "pk")

    @extend_schema(responses={200: ComponentRiskSerializer(many=True), **ERROR_RESPONSES})
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(responses={200: ComponentRiskSerializer, **ERROR_RESPONSES})
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)
