"""Planner API (/api/v1/consolidation/…): host models and scenarios (read and write, master data: only
IT policy admins write, with If-Match and the change reason header like every other API), runs (list,
read, start, cancel) and a run's per-year results.

Creating a run answers 202 with the queued run; poll the run (or its job) for the end.
"""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from saiteki.consolidation import realised, selectors, services
from saiteki.consolidation.api.serializers import (
    CancelSerializer,
    HostModelSerializer,
    RunYearsSerializer,
    ScenarioRunCreateSerializer,
    ScenarioRunDetailSerializer,
    ScenarioRunSerializer,
    ScenarioSerializer,
)
from saiteki.consolidation.filtersets import HostModelFilterSet, ScenarioFilterSet, ScenarioRunFilterSet
from saiteki.consolidation.models import HostModel, Scenario, ScenarioRun
from saiteki.core import permissions as perms
from saiteki.core.api.exceptions import ErrorSerializer
from saiteki.core.api.viewsets import ERROR_RESPONSES, SaitekiModelViewSet, etag_for, saiteki_schema
from saiteki.ledger.models import System


@saiteki_schema
class HostModelViewSet(SaitekiModelViewSet):
    queryset = HostModel.objects.all()
    serializer_class = HostModelSerializer
    filterset_class = HostModelFilterSet

    def optimise(self, qs):
        return qs.order_by("name")


@saiteki_schema
class ScenarioViewSet(SaitekiModelViewSet):
    queryset = Scenario.objects.all()
    serializer_class = ScenarioSerializer
    filterset_class = ScenarioFilterSet

    def optimise(self, qs):
        # host_model_name: one join instead of one query per row.
        return qs.select_related("host_model").order_by("-fiscal_year", "name")


STATE_ERRORS = {**ERROR_RESPONSES, 400: OpenApiResponse(ErrorSerializer)}


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
            qs = qs.defer("parameters", "inputs", "snapshot", "result", "savings", "waves", "plan")
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

    @extend_schema(
        responses={200: RunYearsSerializer, **ERROR_RESPONSES},
        description="年度別計画の各年度（稼働ホスト、購入、移行、経費区分別の経費、一括購入との比較）と、"
        "採用後は台帳と照合した移行の進捗と削減の実績を返します。一括計画の計算では years は null です。",
    )
    @action(detail=True, methods=["get"], url_path="years")
    def years(self, request, pk=None):
        run = self.get_object()
        plan = run.plan or {}
        progress = None
        realised_total = None
        if run.adopted_at is not None:
            visible = (
                None
                if perms.has_right(request.user, perms.PREFECTURE_PLANS)
                else set(System.objects.restrict(request.user, perms.VIEW).values_list("pk", flat=True))
            )
            data = realised.run_progress(run, visible=visible)
            if data is not None:
                progress = data["years"]
                realised_total = data["totals"]["realised"]
        body = {
            "run": run.pk,
            "start": plan.get("start"),
            "end": plan.get("end"),
            "plan_cost": run.plan_cost,
            "single_shot_cost": run.single_shot_cost,
            "years": selectors.plan_years(run),
            "progress": progress,
            "realised_total": realised_total,
        }
        return Response(RunYearsSerializer(body).data)

    @extend_schema(
        request=CancelSerializer,
        responses={200: ScenarioRunSerializer, **STATE_ERRORS},
        description="待機中・実行中の計算を取り消します（情報政策課の管理者）。終わった計算は 400 で、何も変更しません。",
    )
    @action(detail=True, methods=["post"], url_path="cancel")
    def cancel(self, request, pk=None):
        run = self.get_object()
        body = CancelSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        run = services.scenario_run_cancel(
            run=run, user=request.user, reason=body.validated_data.get("reason", "")
        )
        response = Response(ScenarioRunSerializer(run).data)
        response["ETag"] = etag_for(run)
        return response
