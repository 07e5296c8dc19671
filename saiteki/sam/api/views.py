"""SAM API (/api/v1/sam/…): titles, licences, devices (CRUD through the same policy and services as
the pages), scans (the upload goes through the import pipeline: the answer is the import's state, applied
with ``POST /api/v1/imports/<id>/apply/``), the latest reconciliation and the inventory campaigns."""

from __future__ import annotations

from django.db import transaction
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from saiteki.core import permissions as perms
from saiteki.core.api.viewsets import ERROR_RESPONSES, RolePermission, SaitekiModelViewSet, saiteki_schema
from saiteki.core.changelog import change_batch
from saiteki.core.errors import NotFoundError
from saiteki.core.importing.api import ImportStateSerializer, ImportUploadSerializer, state
from saiteki.core.importing.files import inspect_upload
from saiteki.core.importing.preview import ImportRefused, UploadStatus
from saiteki.sam import selectors, services
from saiteki.sam.api.serializers import (
    CampaignSerializer,
    DeviceSerializer,
    EntitlementSerializer,
    ReconciliationSerializer,
    ScanSerializer,
    TitleSerializer,
)
from saiteki.sam.filtersets import DeviceFilterSet, EntitlementFilterSet, ScanFilterSet, TitleFilterSet
from saiteki.sam.models import Device, Entitlement, InventoryCampaign, ReconciliationRun, Scan, Title


def _assign(instance, data: dict) -> None:
    for name, value in data.items():
        setattr(instance, name, value)


@saiteki_schema
class TitleViewSet(SaitekiModelViewSet):
    """Software titles (master data: every role reads, admins write)."""

    queryset = Title.objects.all()
    serializer_class = TitleSerializer
    filterset_class = TitleFilterSet

    def optimise(self, qs):
        # The EOL date reads the linked catalogue cycle: one join instead of a query per row.
        return qs.select_related("lifecycle_cycle").order_by("name")

    def perform_create(self, serializer):
        title = Title(**serializer.validated_data)
        with transaction.atomic(), change_batch():
            serializer.instance = services.title_save(user=self.request.user, title=title)

    def perform_update(self, serializer):
        _assign(serializer.instance, serializer.validated_data)
        serializer.instance = services.title_save(user=self.request.user, title=serializer.instance)


@saiteki_schema
class EntitlementViewSet(SaitekiModelViewSet):
    """Licences with their purchases; ``quantity`` is what is owned today. A system owner sees and
    registers only their own 所属's licences."""

    queryset = Entitlement.objects.all()
    serializer_class = EntitlementSerializer
    filterset_class = EntitlementFilterSet

    def get_queryset(self):
        # quantity is annotated in SQL; the title and purchases: one join and one prefetch per page.
        return (
            selectors.entitlements_with_quantity(user=self.request.user)
            .select_related("title", "owner_division")
            .prefetch_related("purchases")
            .order_by("number")
        )

    def perform_create(self, serializer):
        entitlement = Entitlement(**serializer.validated_data)
        with transaction.atomic(), change_batch():
            serializer.instance = services.entitlement_save(user=self.request.user, entitlement=entitlement)
        serializer.instance.quantity = 0

    def perform_update(self, serializer):
        _assign(serializer.instance, serializer.validated_data)
        services.entitlement_save(user=self.request.user, entitlement=serializer.instance)


@saiteki_schema
class DeviceViewSet(SaitekiModelViewSet):
    """PCs and servers; a system owner sees and changes only their own 所属's devices."""

    queryset = Device.objects.all()
    serializer_class = DeviceSerializer
    filterset_class = DeviceFilterSet

    def optimise(self, qs):
        return qs.order_by("hostname")

    def perform_create(self, serializer):
        with transaction.atomic(), change_batch():
            serializer.instance = services.device_save(
                user=self.request.user, device=Device(**serializer.validated_data)
            )

    def perform_update(self, serializer):
        _assign(serializer.instance, serializer.validated_data)
        services.device_save(user=self.request.user, device=serializer.instance)


class ScanViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Imported scans; ``POST`` uploads a scan file to the import pipeline (dry run, then apply)."""

    queryset = Scan.objects.all()
    serializer_class = ScanSerializer
    filterset_class = ScanFilterSet
    permission_classes = [RolePermission]

    def get_queryset(self):
        return Scan.objects.restrict(self.request.user, perms.VIEW).order_by("-created_at", "-pk")

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(responses={200: ScanSerializer(many=True), **ERROR_RESPONSES})
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(responses={200: ScanSerializer, **ERROR_RESPONSES})
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        request={"multipart/form-data": ImportUploadSerializer},
        responses={201: ImportStateSerializer, 202: ImportStateSerializer, **ERROR_RESPONSES},
        description=(
            "スキャン結果（CSV/xlsx）をアップロードし、取込内容を確認します（まだ反映しません）。"
            "反映は POST /api/v1/imports/{id}/apply/。大きいファイルはバックグラウンドで処理されます（202）。"
        ),
    )
    def create(self, request, *args, **kwargs):
        from saiteki.core.importing import services as pipeline
        from saiteki.core.importing.importer import importer_class

        cls = importer_class("sam.scans")
        cls.check_role(request.user)
        serializer = ImportUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        head = upload.read(8)
        upload.seek(0)
        inspect_upload(file_name=upload.name, size=upload.size, head=head)
        token, meta = pipeline.upload_store(
            importer=cls.name, user=request.user, upload=upload, file_name=upload.name
        )
        if meta["status"] == UploadStatus.REFUSED:
            raise ImportRefused(meta["error"])
        code = (
            status.HTTP_202_ACCEPTED if meta["status"] == UploadStatus.PREVIEWING else status.HTTP_201_CREATED
        )
        return Response(state(token, meta), status=code)


def _division_rows(figure) -> list[dict]:
    return [
        {
            "division": r.division_id,
            "division_name": r.division.name if r.division_id else "全庁共通・所属未設定",
            "entitled": r.entitled,
            "consumed": r.consumed,
            "shortfall": r.shortfall,
            "surplus": r.surplus,
            "pool_in": r.pool_in,
            "downgrade_in": r.downgrade_in,
            "downgrade_out": r.downgrade_out,
            "cost_to_comply": r.cost_to_comply,
            "devices": r.devices,
        }
        for r in figure.by_division
    ]


class ReconciliationView(APIView):
    """The latest reconciliation (or ``?run=<id>``): per title ``entitled``, ``consumed``,
    ``shortfall``, ``surplus`` and its ``by_division`` rows, whose sums equal the title's figures. A
    system owner gets their own 所属's rows (and titles summed over them)."""

    permission_classes = [RolePermission]
    queryset = ReconciliationRun.objects.none()
    action = "list"  # read-only: the role needs VIEW (RolePermission reads the action)

    @extend_schema(
        parameters=[OpenApiParameter("run", int, required=False, description="照合の id（省略時は直近）")],
        responses={200: ReconciliationSerializer, **ERROR_RESPONSES},
    )
    def get(self, request):
        raw = request.query_params.get("run", "")
        if raw:
            if not raw.isdigit():
                raise NotFoundError()
            run = get_object_or_404(ReconciliationRun, pk=int(raw), status="done")
        else:
            run = selectors.latest_run()
            if run is None:
                raise NotFoundError("ライセンス照合の結果がまだありません。")
        figures = selectors.run_by_title(run=run, user=request.user, with_divisions=True)
        previous = selectors.previous_run(run)
        return Response(
            {
                "run": {
                    "id": run.pk,
                    "as_of": run.as_of,
                    "finished_at": run.finished_at,
                    "previous": previous.pk if previous else None,
                    "sql_seconds": run.sql_seconds,
                    "seconds": run.seconds,
                },
                "titles": [
                    {
                        "title": f.title.pk,
                        "name": f.title.name,
                        "metric": f.metric,
                        "entitled": f.entitled,
                        "consumed": f.consumed,
                        "shortfall": f.shortfall,
                        "surplus": f.surplus,
                        "cost_to_comply": f.cost_to_comply,
                        "previous_shortfall": f.previous_shortfall,
                        "by_division": _division_rows(f),
                    }
                    for f in figures
                ],
            }
        )


class CampaignViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Inventory campaigns with their completion (an owner's figures are their own 所属's task)."""

    queryset = InventoryCampaign.objects.all()
    serializer_class = CampaignSerializer
    permission_classes = [RolePermission]

    def get_queryset(self):
        return InventoryCampaign.objects.restrict(self.request.user, perms.VIEW).order_by("-fiscal_year")

    @extend_schema(responses={200: CampaignSerializer(many=True), **ERROR_RESPONSES})
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(responses={200: CampaignSerializer, **ERROR_RESPONSES})
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)
