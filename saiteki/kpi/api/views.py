"""KPI API (/api/v1/kpi/…): definitions, values of a year with evidence, year-end close, reports."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from saiteki.core import permissions as perms
from saiteki.core.api.exceptions import ErrorSerializer
from saiteki.core.api.viewsets import ERROR_RESPONSES
from saiteki.core.errors import ValidationFailed
from saiteki.kpi import selectors, services
from saiteki.kpi.api import serializers as s
from saiteki.kpi.choices import ReportStatus
from saiteki.kpi.models import KpiDefinition, KpiReport, KpiValue
from saiteki.kpi.report import report_file_response

CLOSE_RESPONSES = {
    **ERROR_RESPONSES,
    409: OpenApiResponse(ErrorSerializer, description="確定済み・確定できない年度"),
}
FY = OpenApiParameter("fiscal_year", int, required=False, description="年度（西暦の開始年。省略時は今年度）")


def _check_view(request, model) -> None:
    if not perms.role_allows(request.user, perms.VIEW, model):
        raise PermissionDenied


class DefinitionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The indicators (評価指標) of every plan."""

    serializer_class = s.KpiDefinitionSerializer
    queryset = KpiDefinition.objects.none()
    pagination_class = None

    def get_queryset(self):
        _check_view(self.request, KpiDefinition)
        return KpiDefinition.objects.select_related("plan", "measure").order_by("sort_order", "code")

    @extend_schema(responses={200: s.KpiDefinitionSerializer(many=True), **ERROR_RESPONSES})
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(responses={200: s.KpiDefinitionSerializer, **ERROR_RESPONSES})
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)


class ValueViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Values of a fiscal year (``?fiscal_year=``): ``code, value, target, status, closed, evidence_count``."""

    serializer_class = s.KpiValueSerializer
    queryset = KpiValue.objects.none()
    pagination_class = None

    def _fy(self) -> int:
        raw = self.request.query_params.get("fiscal_year")
        if not raw:
            return selectors.current_fiscal_year()
        try:
            fy = int(raw)
        except ValueError:
            raise ValidationFailed(
                "fiscal_year は西暦の年度で指定してください。",
                fields={"fiscal_year": ["整数で指定してください。"]},
            ) from None
        if not 1989 <= fy <= 2100:
            raise ValidationFailed(
                "fiscal_year が範囲外です。", fields={"fiscal_year": ["1989〜2100の年度です。"]}
            )
        return fy

    def get_queryset(self):
        _check_view(self.request, KpiValue)
        # select_related: definition (code, name, unit) per row would be one query each.
        return KpiValue.objects.select_related("definition").defer("evidence")

    @extend_schema(parameters=[FY], responses={200: s.KpiValueSerializer(many=True), **ERROR_RESPONSES})
    def list(self, request, *args, **kwargs):
        _check_view(request, KpiValue)
        values = selectors.values_for_year(fiscal_year=self._fy())
        return Response(self.get_serializer(values, many=True).data)

    @extend_schema(responses={200: s.KpiValueSerializer, **ERROR_RESPONSES})
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(responses={200: s.EvidenceSerializer, **ERROR_RESPONSES})
    @action(detail=True, methods=["get"])
    def evidence(self, request, pk=None):
        """Exactly the records counted for the value, and the figures used."""
        _check_view(request, KpiValue)
        value = (
            KpiValue.objects.select_related("definition").filter(pk=pk).first() if str(pk).isdigit() else None
        )
        if value is None:
            raise Http404
        return Response(
            {
                "value": s.KpiValueSerializer(value).data,
                "figures": (value.evidence or {}).get("figures", {}),
                "records": selectors.evidence_rows(value=value),
            }
        )


class YearCloseView(APIView):
    """POST closes the fiscal year (年度末確定): values and evidence are frozen."""

    @extend_schema(request=None, responses={200: s.YearCloseSerializer, **CLOSE_RESPONSES})
    def post(self, request, fy: int):
        close = services.fiscal_year_close(fiscal_year=fy, user=request.user, request=request)
        return Response(
            {"fiscal_year": close.fiscal_year, "closed": close.closed, "closed_at": close.closed_at}
        )


class YearReopenView(APIView):
    """POST re-opens a closed year (admin, ``reason`` required; audited)."""

    @extend_schema(request=s.ReopenSerializer, responses={200: s.YearCloseSerializer, **CLOSE_RESPONSES})
    def post(self, request, fy: int):
        data = request.data if isinstance(request.data, dict) else {}
        close = services.fiscal_year_reopen(
            fiscal_year=fy, user=request.user, reason=str(data.get("reason", "")), request=request
        )
        return Response(
            {"fiscal_year": close.fiscal_year, "closed": close.closed, "closed_at": close.closed_at}
        )


class ReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Annual reports: POST ``{"fiscal_year"}`` starts generation (background job), GET lists them,
    ``download/?file_format=xlsx|pdf`` downloads one (audited)."""

    serializer_class = s.KpiReportSerializer
    queryset = KpiReport.objects.none()

    def get_queryset(self):
        _check_view(self.request, KpiReport)
        return KpiReport.objects.order_by("-created_at", "-id")

    @extend_schema(responses={200: s.KpiReportSerializer(many=True), **ERROR_RESPONSES})
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(responses={200: s.KpiReportSerializer, **ERROR_RESPONSES})
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        request=s.ReportRequestSerializer, responses={202: s.KpiReportSerializer, **ERROR_RESPONSES}
    )
    def create(self, request):
        data = request.data if isinstance(request.data, dict) else {}
        report = services.kpi_report_request(fiscal_year=data.get("fiscal_year"), user=request.user)
        return Response(self.get_serializer(report).data, status=202)

    @extend_schema(
        parameters=[OpenApiParameter("file_format", str, enum=["xlsx", "pdf"], required=True)],
        responses={(200, "application/octet-stream"): bytes, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        report = (
            self.get_queryset().filter(pk=pk, status=ReportStatus.DONE).first() if str(pk).isdigit() else None
        )
        if report is None:
            raise Http404
        fmt = request.query_params.get("file_format", "")
        return report_file_response(
            request._request, report, fmt, filename=f"annual-report-{report.fiscal_year}.{fmt}"
        )
