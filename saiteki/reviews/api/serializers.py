"""Serializers of the reviews API. Amounts are integer yen; the totals are the derived columns."""

from __future__ import annotations

from rest_framework import serializers

from saiteki.core.api.workflow import TransitionsSerializerMixin
from saiteki.ledger.choices import CostCategory
from saiteki.reviews.choices import CaseKind
from saiteki.reviews.models import AdvisorOpinion, CaseLine, Evaluation, EvaluationScore, Proposal, ReviewCase


class CaseLineSerializer(serializers.ModelSerializer):
    reduction = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="削減額（円）＝要求額−査定額"
    )

    class Meta:
        model = CaseLine
        fields = ["category", "requested_amount", "assessed_amount", "reduction", "note"]


class CaseSerializer(serializers.ModelSerializer):
    """A case in lists: kind, year, system, state and the amounts (requested / assessed / reduction)."""

    requested_amount = serializers.IntegerField(
        source="requested_total", read_only=True, help_text="要求額（円）"
    )
    assessed_amount = serializers.IntegerField(
        source="assessed_total", read_only=True, allow_null=True, help_text="査定額（円）。未査定は null"
    )
    reduction = serializers.IntegerField(source="reduction_total", read_only=True, help_text="削減額（円）")
    version = serializers.IntegerField(read_only=True)

    class Meta:
        model = ReviewCase
        fields = [
            "id",
            "kind",
            "fiscal_year",
            "system",
            "planned_system_name",
            "division",
            "title",
            "summary",
            "state",
            "requested_amount",
            "assessed_amount",
            "reduction",
            "due_date",
            "submitted_at",
            "decided_at",
            "procurement_method",
            "planned_contract_title",
            "planned_vendor",
            "planned_start",
            "planned_end",
            "findings",
            "conditions",
            "version",
        ]
        read_only_fields = [
            "state",
            "division",
            "due_date",
            "submitted_at",
            "decided_at",
            "findings",
            "conditions",
        ]


class CaseDetailSerializer(TransitionsSerializerMixin, CaseSerializer):
    lines = CaseLineSerializer(many=True, read_only=True)

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "lines", "transitions"]


class CaseWriteSerializer(serializers.Serializer):
    """Create (POST) or edit (PATCH) a case; ``requested`` maps a cost category to yen (null removes)."""

    kind = serializers.ChoiceField(choices=CaseKind.choices, required=False)
    fiscal_year = serializers.IntegerField(min_value=1989, max_value=2100, required=False)
    system = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    planned_system_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    title = serializers.CharField(required=False, allow_blank=True, max_length=200)
    summary = serializers.CharField(required=False, allow_blank=True)
    requested = serializers.DictField(
        child=serializers.IntegerField(min_value=0, max_value=9_223_372_036_854_775_807, allow_null=True),
        required=False,
        help_text="経費区分 → 要求額（円）",
    )

    def validate_requested(self, value):
        bad = [k for k in value if k not in CostCategory.values]
        if bad:
            raise serializers.ValidationError(f"経費区分が正しくありません: {bad[0]}")
        return value


class AssessSerializer(serializers.Serializer):
    assessed = serializers.DictField(
        child=serializers.IntegerField(min_value=0, max_value=9_223_372_036_854_775_807, allow_null=True),
        help_text="経費区分 → 査定額（円）",
    )
    notes = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=500), required=False
    )
    findings = serializers.CharField(required=False, allow_blank=True)


class CaseTransitionSerializer(serializers.Serializer):
    name = serializers.CharField(
        max_length=100,
        help_text="遷移名（transitions の name）: submit, start_review, request_opinion, end_consultation, approve, approve_with_conditions, send_back, reject, withdraw",
    )
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class OpinionSerializer(serializers.ModelSerializer):
    class Meta:
        model = AdvisorOpinion
        fields = [
            "id",
            "case",
            "question",
            "requested_by",
            "requested_at",
            "due_date",
            "advisor",
            "opinion",
            "opinion_date",
            "owner_response",
            "responded_at",
        ]
        read_only_fields = fields


class OpinionTextSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=5000)


class EvaluationScoreSerializer(serializers.ModelSerializer):
    criterion_name = serializers.CharField(source="criterion.name", read_only=True)

    class Meta:
        model = EvaluationScore
        fields = ["criterion", "criterion_name", "score", "note"]


class EvaluationSerializer(serializers.ModelSerializer):
    fiscal_year = serializers.IntegerField(source="case.fiscal_year", read_only=True)
    system = serializers.IntegerField(source="case.system_id", read_only=True, allow_null=True)
    scores = EvaluationScoreSerializer(many=True, read_only=True)

    class Meta:
        model = Evaluation
        fields = ["id", "case", "fiscal_year", "system", "score", "disposition", "summary", "scores"]
        read_only_fields = fields


class ProposalSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(read_only=True)

    class Meta:
        model = Proposal
        fields = [
            "id",
            "system",
            "source_case",
            "title",
            "detail",
            "responsible",
            "due_fiscal_year",
            "expected_saving",
            "status",
            "evidence",
            "version",
        ]
        extra_kwargs = {
            "due_fiscal_year": {"min_value": 1989, "max_value": 2100},
            "expected_saving": {"min_value": 0, "max_value": 9_223_372_036_854_775_807},
        }


class TotalsSerializer(serializers.Serializer):
    cases = serializers.IntegerField()
    requested = serializers.IntegerField(help_text="要求額（円）")
    assessed = serializers.IntegerField(help_text="査定額（円）")
    reduction = serializers.IntegerField(help_text="削減額（円）")


class SummarySerializer(serializers.Serializer):
    fiscal_year = serializers.IntegerField()
    by_kind = serializers.DictField(child=TotalsSerializer(), help_text="種別（P/D/C/A）ごとの合計")
    overall = TotalsSerializer()
