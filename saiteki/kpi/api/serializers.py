from rest_framework import serializers

from saiteki.kpi.models import KpiDefinition, KpiReport, KpiValue


class KpiDefinitionSerializer(serializers.ModelSerializer):
    plan = serializers.CharField(source="plan.code", read_only=True)
    measure = serializers.CharField(source="measure.code", read_only=True, default=None)
    kind = serializers.SerializerMethodField()

    class Meta:
        model = KpiDefinition
        fields = [
            "id",
            "code",
            "name",
            "unit",
            "direction",
            "target_rule",
            "target",
            "target_step",
            "target_text",
            "baseline_fy",
            "baseline_value",
            "source_key",
            "kind",
            "plan",
            "measure",
            "description",
        ]

    def get_kind(self, obj) -> str:
        from saiteki.kpi.services import definition_kind

        return definition_kind(obj)


class KpiValueSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="definition.code", read_only=True)
    name = serializers.CharField(source="definition.name", read_only=True)
    unit = serializers.CharField(source="definition.unit", read_only=True)
    value = serializers.DecimalField(max_digits=16, decimal_places=2, coerce_to_string=False, allow_null=True)
    target = serializers.DecimalField(
        max_digits=16, decimal_places=2, coerce_to_string=False, allow_null=True
    )

    class Meta:
        model = KpiValue
        fields = [
            "id",
            "code",
            "name",
            "unit",
            "fiscal_year",
            "value",
            "target",
            "status",
            "closed",
            "evidence_count",
            "computed_at",
            "comment",
        ]


class EvidenceSerializer(serializers.Serializer):
    value = KpiValueSerializer()
    figures = serializers.DictField()
    records = serializers.ListField(child=serializers.DictField())


class KpiReportSerializer(serializers.ModelSerializer):
    xlsx_url = serializers.SerializerMethodField()
    pdf_url = serializers.SerializerMethodField()

    class Meta:
        model = KpiReport
        fields = ["id", "fiscal_year", "status", "job", "digest", "created_at", "xlsx_url", "pdf_url"]

    def _url(self, obj, fmt) -> str | None:
        from django.urls import reverse

        if obj.status != "done":
            return None
        return reverse("kpi-report-download", args=[obj.pk]) + f"?file_format={fmt}"

    def get_xlsx_url(self, obj) -> str | None:
        return self._url(obj, "xlsx")

    def get_pdf_url(self, obj) -> str | None:
        return self._url(obj, "pdf")


class YearCloseSerializer(serializers.Serializer):
    fiscal_year = serializers.IntegerField()
    closed = serializers.BooleanField()
    closed_at = serializers.DateTimeField(allow_null=True)


class ReopenSerializer(serializers.Serializer):
    reason = serializers.CharField()


class ReportRequestSerializer(serializers.Serializer):
    fiscal_year = serializers.IntegerField()
