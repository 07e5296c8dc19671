"""Resilience API (/api/v1/resilience/…): the same policy, filters and If-Match concurrency as the other
apps' APIs (``SaitekiModelViewSet``); computed views (compliance, recovery order) are read-only."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from saiteki.core import permissions as perms
from saiteki.core.api.viewsets import ERROR_RESPONSES, RolePermission, SaitekiModelViewSet, saiteki_schema
from saiteki.core.changelog import change_batch
from saiteki.ledger.models import System
from saiteki.resilience import selectors, services
from saiteki.resilience.api.serializers import (
    BackupPracticeSerializer,
    BackupStandardSerializer,
    BcpDocumentSerializer,
    BcpDrillSerializer,
    BcpProfileSerializer,
    ComplianceSerializer,
    ComplianceSummarySerializer,
    DrillActionSerializer,
    EmailDrillResultSerializer,
    EmailDrillSerializer,
    NetworkSeparationSerializer,
    RecoveryOrderSerializer,
    RestoreTestSerializer,
    SecurityIncidentSerializer,
    TrainingSessionSerializer,
)
from saiteki.resilience.filtersets import (
    BcpDocumentFilterSet,
    BcpDrillFilterSet,
    BcpProfileFilterSet,
    ComplianceFilterSet,
    DrillActionFilterSet,
    EmailDrillFilterSet,
    EmailDrillResultFilterSet,
    SecurityIncidentFilterSet,
    TrainingSessionFilterSet,
)
from saiteki.resilience.models import (
    BackupPractice,
    BackupStandard,
    BcpDocument,
    BcpDrill,
    BcpProfile,
    DrillAction,
    EmailDrill,
    EmailDrillResult,
    NetworkSeparation,
    RestoreTest,
    SecurityIncident,
    TrainingSession,
)


class SystemsCreateMixin:
    """Creation of a record linked to several systems is checked against the systems being linked
    (the unsaved instance the generic check builds has no many-to-many links)."""

    def perform_create(self, serializer):
        model = serializer.Meta.model
        if not perms.can_create(
            self.request.user, model, {"systems": serializer.validated_data.get("systems", [])}
        ):  # type: ignore[attr-defined]
            raise PermissionDenied()
        with transaction.atomic(), change_batch():
            serializer.save()


@saiteki_schema
class BackupStandardViewSet(SaitekiModelViewSet):
    """The backup standard by data importance (admins change it; everyone reads it)."""

    queryset = BackupStandard.objects.all()
    serializer_class = BackupStandardSerializer
    http_method_names = ["get", "put", "patch", "head", "options"]


@saiteki_schema
class BackupPracticeViewSet(SaitekiModelViewSet):
    """Each system's backup practice (owners: their own systems)."""

    queryset = BackupPractice.objects.all()
    serializer_class = BackupPracticeSerializer

    def optimise(self, qs):
        # system number shown: one join instead of one query per row.
        return qs.select_related("system").order_by("system__number")


@extend_schema_view(
    list=extend_schema(responses={200: RestoreTestSerializer(many=True), **ERROR_RESPONSES}),
    retrieve=extend_schema(responses={200: RestoreTestSerializer, **ERROR_RESPONSES}),
    create=extend_schema(responses={201: RestoreTestSerializer, **ERROR_RESPONSES}),
)
class RestoreTestViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Restore tests; creating one with result ``success`` moves the practice's last test date."""

    queryset = RestoreTest.objects.all()
    serializer_class = RestoreTestSerializer
    permission_classes = SaitekiModelViewSet.permission_classes

    def get_queryset(self):
        return RestoreTest.objects.restrict(self.request.user, perms.VIEW).order_by("-tested_on", "-pk")

    def perform_create(self, serializer):
        d = serializer.validated_data
        serializer.instance = services.restore_test_record(
            user=self.request.user,
            system=d["system"],
            tested_on=d.get("tested_on"),
            result=d.get("result", "success"),
            scope=d.get("scope", ""),
            duration_minutes=d.get("duration_minutes"),
            note=d.get("note", ""),
        )


class ComplianceViewSet(viewsets.GenericViewSet):
    """Backup compliance today, per system in operation (filters as the page: ``bureau``,
    ``importance``, ``compliant``, ``requirement``, ``q``), and the summary."""

    serializer_class = ComplianceSerializer
    filterset_class = ComplianceFilterSet
    queryset = System.objects.none()
    permission_classes = [RolePermission]  # VIEW on systems, like the page

    def get_queryset(self):
        if not perms.role_allows(self.request.user, perms.VIEW, System):
            return System.objects.none()
        return selectors.compliance_queryset(user=self.request.user).order_by("number")

    @extend_schema(responses={200: ComplianceSerializer(many=True), **ERROR_RESPONSES})
    def list(self, request, *args, **kwargs):
        qs = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(qs)
        rows = []
        for s in page if page is not None else qs:
            practice = getattr(s, "backup_practice", None)
            unmet = selectors.unmet_from_values(
                s.importance,
                s.std_known,
                s.std_frequency,
                s.std_generations,
                s.std_offsite,
                s.std_offline,
                s.std_months,
                practice.pk if practice else None,
                practice.frequency if practice else None,
                practice.generations if practice else None,
                practice.offsite_location if practice else None,
                practice.offline_copy if practice else None,
                practice.last_restore_test if practice else None,
                s.evaluated_on,
            )
            rows.append(
                {
                    "id": s.pk,
                    "number": s.number,
                    "name": s.name,
                    "importance": s.importance,
                    "compliant": s.compliant,
                    "unmet": [{"requirement": u.requirement, "message": u.message} for u in unmet],
                }
            )
        data = ComplianceSerializer(rows, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    @extend_schema(responses={200: ComplianceSummarySerializer, **ERROR_RESPONSES})
    @action(detail=False)
    def summary(self, request):
        if not perms.role_allows(request.user, perms.VIEW, System):
            raise PermissionDenied()
        s = selectors.compliance_summary(user=request.user)
        return Response(
            ComplianceSummarySerializer(
                {"total": s.total, "compliant": s.compliant, "pct": s.pct, "by_requirement": s.by_requirement}
            ).data
        )


@saiteki_schema
class BcpProfileViewSet(SaitekiModelViewSet):
    """Each system's ICT-BCP; ``recovery-order/`` gives the order of recovery with cycles reported."""

    queryset = BcpProfile.objects.all()
    serializer_class = BcpProfileSerializer
    filterset_class = BcpProfileFilterSet

    def optimise(self, qs):
        # system number: a join; dependency ids: one prefetch query instead of one per row.
        return qs.select_related("system").prefetch_related("depends_on").order_by("system__number")

    @extend_schema(responses={200: RecoveryOrderSerializer, **ERROR_RESPONSES})
    @action(detail=False, url_path="recovery-order")
    def recovery_order(self, request):
        view = selectors.recovery_plan()
        visible = set(
            System.objects.restrict(request.user, perms.VIEW)
            .filter(pk__in=list(view.systems))
            .values_list("pk", flat=True)
        )

        def number(node) -> str:
            return node.number if node.id in visible else ""

        steps = [
            {
                "position": s.position,
                "stage": s.stage,
                "system": s.node.id if s.node.id in visible else 0,
                "number": number(s.node),
                "rank": s.node.rank,
                "rto_hours": s.node.rto_hours,
                "effective_rank": s.effective_rank,
                "effective_rto_hours": s.effective_rto,
                "depends_on": [d for d in s.depends_on if d in visible],
            }
            for s in view.plan.steps
        ]
        return Response(
            RecoveryOrderSerializer(
                {
                    "steps": steps,
                    "cycles": [[number(n) for n in c] for c in view.plan.cycles],
                    "blocked": [number(n) for n in view.plan.blocked],
                }
            ).data
        )


@saiteki_schema
class BcpDocumentViewSet(SaitekiModelViewSet):
    """ICT-BCP documents. Create and change accept JSON (metadata only) or multipart/form-data with a
    ``file`` part (uploaded or replaced together with the metadata, all-or-nothing); the file is
    downloaded from ``download_url``. Kind, size and content of the file are checked on the server."""

    queryset = BcpDocument.objects.all()
    serializer_class = BcpDocumentSerializer
    filterset_class = BcpDocumentFilterSet
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def _save(self, serializer, document):
        d = dict(serializer.validated_data)
        upload = d.pop("file", None)
        systems = d.pop("systems", None)
        # The service checks the policy and the file again (a refusal is the API's one error shape).
        serializer.instance = services.document_save(
            user=self.request.user, document=document, values=d, systems=systems, upload=upload
        )

    def perform_create(self, serializer):
        self._save(serializer, None)

    def perform_update(self, serializer):
        self._save(serializer, serializer.instance)

    def get_queryset(self):
        # systems ids: one prefetch query instead of one per row.
        return (
            BcpDocument.objects.restrict(self.request.user, perms.VIEW)
            .prefetch_related("systems")
            .order_by("pk")
        )


@saiteki_schema
class BcpDrillViewSet(SaitekiModelViewSet):
    queryset = BcpDrill.objects.all()
    serializer_class = BcpDrillSerializer
    filterset_class = BcpDrillFilterSet

    def optimise(self, qs):
        # systems ids and the follow-up actions: one prefetch query each instead of one per row.
        return qs.prefetch_related(
            "systems", Prefetch("actions", DrillAction.objects.order_by("pk"))
        ).order_by("-held_on", "-pk")


@saiteki_schema
class DrillActionViewSet(SaitekiModelViewSet):
    queryset = DrillAction.objects.all()
    serializer_class = DrillActionSerializer
    filterset_class = DrillActionFilterSet

    def optimise(self, qs):
        return qs.order_by("drill_id", "pk")


@saiteki_schema
class SecurityIncidentViewSet(SystemsCreateMixin, SaitekiModelViewSet):
    """Incidents: owners see and record those of their own systems; incidents involving personal data
    only for roles with the ``incidents_all`` right (the queryset decides)."""

    queryset = SecurityIncident.objects.all()
    serializer_class = SecurityIncidentSerializer
    filterset_class = SecurityIncidentFilterSet

    def optimise(self, qs):
        # systems ids: one prefetch query instead of one per row.
        return qs.prefetch_related("systems").order_by("-occurred_on", "-pk")


@saiteki_schema
class EmailDrillViewSet(SaitekiModelViewSet):
    queryset = EmailDrill.objects.all()
    serializer_class = EmailDrillSerializer
    filterset_class = EmailDrillFilterSet

    def optimise(self, qs):
        # results with their 部局: one prefetch query instead of two per row.
        return qs.prefetch_related(
            Prefetch(
                "results", EmailDrillResult.objects.select_related("bureau").order_by("bureau__sort_order")
            )
        ).order_by("-held_on", "-pk")


@saiteki_schema
class EmailDrillResultViewSet(SaitekiModelViewSet):
    queryset = EmailDrillResult.objects.all()
    serializer_class = EmailDrillResultSerializer
    filterset_class = EmailDrillResultFilterSet

    def optimise(self, qs):
        # 部局 name: one join instead of one query per row.
        return qs.select_related("bureau").order_by("drill_id", "bureau__sort_order")


@saiteki_schema
class TrainingSessionViewSet(SaitekiModelViewSet):
    queryset = TrainingSession.objects.all()
    serializer_class = TrainingSessionSerializer
    filterset_class = TrainingSessionFilterSet

    def optimise(self, qs):
        return qs.order_by("-held_on", "-pk")


@saiteki_schema
class NetworkSeparationViewSet(SaitekiModelViewSet):
    queryset = NetworkSeparation.objects.all()
    serializer_class = NetworkSeparationSerializer

    def optimise(self, qs):
        return qs.order_by("-effective_from")
