"""Planner API (/api/v1/consolidation/…): read scenarios and host models, list and read runs, start a run.

Scenarios and host models are edited in the UI (master data with fieldset forms and validation); the
API reads them. Creating a run answers 202 with the queued run; poll the run (or its job) for the end.
"""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from saiteki.consolidation import services
from saiteki.consolidation.api.serializers import (
    HostModelSerializer,
    ScenarioRunCreateSerializer,
    ScenarioRunDetailSerializer,
    ScenarioRunSerializer,
    ScenarioSerializer,
)
from saiteki.consolidation.filtersets import HostModelFilterSet, ScenarioFilterSet, ScenarioRunFilterSet
from saiteki.consolidation.models import HostModel, Scenario, ScenarioRun
from saiteki.core import permissions as perms
from saiteki.core.api.exceptions import ErrorSerializer
from saiteki.core.api.viewsets import ERROR_RESPONSES, SaitekiModelViewSet, saiteki_schema

READ_ONLY = ["get", "head", "options"]


@saiteki_schema
class HostModelViewSet(SaitekiModelViewSet):
    queryset = HostModel.objects.all()
    serializer_class = HostModelSerializer
    filterset_class = HostModelFilterSet
    http_method_names = READ_ONLY

    def optimise(self, qs):
        return qs.order_by("name")


@saiteki_schema
class ScenarioViewSet(SaitekiModelViewSet):
    queryset = Scenario.objects.all()
    serializer_class = ScenarioSerializer
    filterset_class = ScenarioFilterSet
    http_method_names = READ_ONLY

    def optimise(self, qs):
        # host_model_name: one join instead of one query per row.
        return qs.select_related("host_model").order_by("-fiscal_year", "name")


@saiteki_schema
class ScenarioRunViewSet(SaitekiModelViewSet):
    queryset = ScenarioRun.objects.all()
    serializer_class = ScenarioRunSerializer
    filterset_class = ScenarioRunFilterSet
    http_method_names = ["get", "post", "head", "options"]

    def get_serializer_class(self):
        if self.action == "retrieve":
            return ScenarioRunDetailSerializer
        if self.action == "create":
            return ScenarioRunCreateSerializer
        return ScenarioRunSerializer

    def optimise(self, qs):
        # created_by_name: one join instead of one query per row. The list never loads the large
        # JSON documents (inputs, snapshot, result…): they are deferred and only read by retrieve.
        qs = qs.select_related("created_by").order_by("-created_at", "-id")
        if self.action == "list":
            qs = qs.defer("parameters", "inputs", "snapshot", "result", "savings", "waves")
        return qs

    @extend_schema(
        request=ScenarioRunCreateSerializer,
        responses={202: ScenarioRunSerializer, **ERROR_RESPONSES, 400: OpenApiResponse(ErrorSerializer)},
    )
    def create(self, request, *args, **kwargs):
        if not perms.can(request.user, perms.ADD, ScenarioRun):
            raise PermissionDenied()
        serializer = ScenarioRunCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        scenario = serializer.validated_data["scenario"]
        if not Scenario.objects.restrict(request.user, perms.VIEW).filter(pk=scenario.pk).exists():
            raise PermissionDenied()
        run = services.scenario_run_start(scenario=scenario, user=request.user)
        return Response(ScenarioRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)
