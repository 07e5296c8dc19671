"""Reviews API (/api/v1/reviews/…): cases with their amounts and transitions, opinions, evaluations,
proposals and the year's summary. Writes go through the same services as the pages."""

from __future__ import annotations

from django.db import transaction
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from saiteki.core import permissions as perms
from saiteki.core.api.exceptions import ErrorSerializer
from saiteki.core.api.viewsets import ERROR_RESPONSES, IF_MATCH, SaitekiModelViewSet, etag_for, saiteki_schema
from saiteki.core.errors import ConflictError, ValidationFailed
from saiteki.ledger.models import System
from saiteki.reviews import selectors, services
from saiteki.reviews.filtersets import CaseFilterSet, EvaluationFilterSet, OpinionFilterSet, ProposalFilterSet
from saiteki.reviews.models import AdvisorOpinion, Evaluation, Proposal, ReviewCase

from .serializers import (
    AssessSerializer,
    CaseDetailSerializer,
    CaseSerializer,
    CaseTransitionSerializer,
    CaseWriteSerializer,
    EvaluationSerializer,
    OpinionSerializer,
    OpinionTextSerializer,
    ProposalSerializer,
    SummarySerializer,
)

STATE_ERRORS = {
    **ERROR_RESPONSES,
    409: OpenApiResponse(
        ErrorSerializer,
        description="現在の状態または権限ではこの操作はできない（transition_not_allowed / transition_not_permitted）、"
        "または同じシステム・種別・年度の案件が進行中（case_already_open）",
    ),
    412: OpenApiResponse(ErrorSerializer, description="If-Match の版が古い"),
}


def _system(pk):
    if pk is None:
        return None
    system = System.objects.filter(pk=pk).first()
    if system is None:
        raise ValidationFailed(fields={"system": ["システムが見つかりません。"]})
    return system


@extend_schema(tags=["reviews"])
class CaseViewSet(SaitekiModelViewSet):
    """Review cases. Filters: ``fiscal_year``, ``kind``, ``state``, ``system`` (and ``bureau``, ``q``)."""

    queryset = ReviewCase.objects.all()
    serializer_class = CaseSerializer
    filterset_class = CaseFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_serializer_class(self):
        return CaseDetailSerializer if self.action == "retrieve" else CaseSerializer

    def optimise(self, qs):
        # Plain columns only in the list (totals are derived columns): no join, no per-row query.
        if self.action == "retrieve":
            return qs.prefetch_related("lines")  # the lines: one query instead of one per category
        return qs.order_by("-fiscal_year", "kind", "-id")

    @extend_schema(responses={200: CaseSerializer(many=True), **ERROR_RESPONSES})
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(responses={200: CaseDetailSerializer, **ERROR_RESPONSES})
    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        return response

    @extend_schema(request=CaseWriteSerializer, responses={201: CaseDetailSerializer, **STATE_ERRORS})
    def create(self, request, *args, **kwargs):
        body = CaseWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        missing = {k: ["必須です。"] for k in ("kind", "fiscal_year") if k not in d}
        if missing:
            raise ValidationFailed(fields=missing)
        case = services.case_create(
            user=request.user,
            kind=d["kind"],
            fiscal_year=d["fiscal_year"],
            system=_system(d.get("system")),
            planned_system_name=d.get("planned_system_name", ""),
            title=d.get("title", ""),
            summary=d.get("summary", ""),
            requested=d.get("requested"),
        )
        return Response(CaseDetailSerializer(case, context={"request": request}).data, status=201)

    @extend_schema(
        request=CaseWriteSerializer,
        parameters=[IF_MATCH],
        responses={200: CaseDetailSerializer, **STATE_ERRORS},
    )
    def partial_update(self, request, *args, **kwargs):
        case = self.get_object()
        body = CaseWriteSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        d = dict(body.validated_data)
        requested = d.pop("requested", None)
        values = {k: v for k, v in d.items() if k in ("title", "summary", "planned_system_name")}
        # One request, one change: amounts refused after the title was saved must undo the title too;
        # the row stays locked from the If-Match check to the save.
        with transaction.atomic():
            case = ReviewCase.objects.select_for_update().get(pk=case.pk)
            if_match = request.headers.get("If-Match", "").strip()
            if if_match and if_match not in {"*", etag_for(case)}:
                raise ConflictError()
            if values:
                services.case_update(user=request.user, case=case, values=values)
            if requested is not None:
                services.case_requested_set(user=request.user, case=case, requested=requested)
        case.refresh_from_db()
        response = Response(CaseDetailSerializer(case, context={"request": request}).data)
        response["ETag"] = etag_for(case)
        return response

    @extend_schema(
        request=CaseTransitionSerializer,
        parameters=[IF_MATCH],
        responses={200: CaseDetailSerializer, **STATE_ERRORS},
        description="状態を遷移させます（提出、審査開始、意見照会、承認、条件付承認、差戻し、不承認、取下げ）。"
        "できない遷移は 409 で、何も変更しません。履歴に利用者・日時・コメントが残ります。",
    )
    @action(detail=True, methods=["post"], url_path="transitions")
    def transitions(self, request, pk=None):
        case = self.get_object()
        body = CaseTransitionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        expected = None
        if_match = request.headers.get("If-Match", "").strip()
        if if_match and if_match != "*":
            if if_match != etag_for(case):
                raise ConflictError()
            expected = case.version
        case = services.case_transition(
            user=request.user,
            case=case,
            name=body.validated_data["name"],
            comment=body.validated_data.get("comment", ""),
            expected_version=expected,
        )
        case.refresh_from_db()
        response = Response(CaseDetailSerializer(case, context={"request": request}).data)
        response["ETag"] = etag_for(case)
        return response

    @extend_schema(request=AssessSerializer, responses={200: CaseDetailSerializer, **STATE_ERRORS})
    @action(detail=True, methods=["post"], url_path="assess")
    def assess(self, request, pk=None):
        """The reviewer's assessed amounts per category (審査中 only)."""
        case = self.get_object()
        body = AssessSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.case_assess(
            user=request.user,
            case=case,
            assessed=body.validated_data["assessed"],
            notes=body.validated_data.get("notes"),
            findings=body.validated_data.get("findings"),
        )
        case.refresh_from_db()
        return Response(CaseDetailSerializer(case, context={"request": request}).data)


@extend_schema(tags=["reviews"])
class OpinionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """CIO advisor opinions (requested through the case's ``request_opinion`` transition)."""

    serializer_class = OpinionSerializer
    filterset_class = OpinionFilterSet
    queryset = AdvisorOpinion.objects.none()

    def get_queryset(self):
        return AdvisorOpinion.objects.restrict(self.request.user, perms.VIEW).order_by("-requested_at", "-id")

    @extend_schema(responses={200: OpinionSerializer(many=True), **ERROR_RESPONSES})
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(responses={200: OpinionSerializer, **ERROR_RESPONSES})
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(request=OpinionTextSerializer, responses={200: OpinionSerializer, **STATE_ERRORS})
    @action(detail=True, methods=["post"], url_path="answer")
    def answer(self, request, pk=None):
        """The advisor writes the opinion (ADVISOR_OPINION right)."""
        body = OpinionTextSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        opinion = services.opinion_write(
            user=request.user, opinion=self.get_object(), text=body.validated_data["text"]
        )
        return Response(OpinionSerializer(opinion).data)

    @extend_schema(request=OpinionTextSerializer, responses={200: OpinionSerializer, **STATE_ERRORS})
    @action(detail=True, methods=["post"], url_path="respond")
    def respond(self, request, pk=None):
        """The owning division's response to the opinion."""
        body = OpinionTextSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        opinion = services.opinion_respond(
            user=request.user, opinion=self.get_object(), text=body.validated_data["text"]
        )
        return Response(OpinionSerializer(opinion).data)


@extend_schema(tags=["reviews"])
class EvaluationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = EvaluationSerializer
    filterset_class = EvaluationFilterSet
    queryset = Evaluation.objects.none()

    def get_queryset(self):
        # case (year, system): one join; scores with their criterion: one prefetch query.
        return (
            Evaluation.objects.restrict(self.request.user, perms.VIEW)
            .select_related("case")
            .prefetch_related("scores__criterion")
            .order_by("-case__fiscal_year", "id")
        )

    @extend_schema(responses={200: EvaluationSerializer(many=True), **ERROR_RESPONSES})
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(responses={200: EvaluationSerializer, **ERROR_RESPONSES})
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)


@extend_schema(tags=["reviews"])
@saiteki_schema
class ProposalViewSet(SaitekiModelViewSet):
    """Improvement proposals (A): admins create, owners report status and evidence."""

    queryset = Proposal.objects.all()
    serializer_class = ProposalSerializer
    filterset_class = ProposalFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]

    def optimise(self, qs):
        return qs.order_by("due_fiscal_year", "system_id", "id")

    def create(self, request, *args, **kwargs):
        body = ProposalSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        d = body.validated_data
        proposal = services.proposal_create(
            user=request.user,
            system=d["system"],
            title=d["title"],
            detail=d.get("detail", ""),
            due_fiscal_year=d["due_fiscal_year"],
            expected_saving=d.get("expected_saving", 0),
            source_case=d.get("source_case"),
            responsible=d.get("responsible"),
        )
        return Response(ProposalSerializer(proposal).data, status=201)

    def partial_update(self, request, *args, **kwargs):
        proposal = self.get_object()
        status = request.data.get("status", proposal.status)
        evidence = request.data.get("evidence", proposal.evidence)
        proposal = services.proposal_update(
            user=request.user, proposal=proposal, status=status, evidence=evidence
        )
        return Response(ProposalSerializer(proposal).data)


class SummaryView(APIView):
    """Requested / assessed / reduction totals of the year's decided cases, per kind and overall (the
    review board's own numbers)."""

    @extend_schema(
        tags=["reviews"],
        parameters=[OpenApiParameter("fiscal_year", int, required=True, description="年度（西暦）")],
        responses={200: SummarySerializer, **ERROR_RESPONSES},
    )
    def get(self, request):
        if not perms.role_allows(request.user, perms.VIEW, ReviewCase):
            from saiteki.core.errors import PermissionDeniedError

            raise PermissionDeniedError()
        raw = request.query_params.get("fiscal_year", "")
        if not raw.isdigit() or not 1989 <= int(raw) <= 2100:
            raise ValidationFailed(fields={"fiscal_year": ["年度（西暦、1989〜2100）を指定してください。"]})
        data = selectors.summary_totals(user=request.user, fiscal_year=int(raw))
        return Response(
            {
                "fiscal_year": data["fiscal_year"],
                "by_kind": {k: t.as_dict() for k, t in data["by_kind"].items()},
                "overall": data["overall"].as_dict(),
            }
        )
