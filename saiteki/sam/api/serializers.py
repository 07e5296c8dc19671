"""Serializers of the SAM API."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from saiteki.sam.models import Device, Entitlement, InventoryCampaign, Purchase, Scan, Title


class TitleSerializer(serializers.ModelSerializer):
    # A plain string in the schema (other apps have a "category" enum too); the model checks the value.
    category = serializers.CharField(
        required=False,
        help_text="office, pdf, japanese, security, cad, gis, statistics, os, server, design, other",
    )
    eol = serializers.SerializerMethodField(
        help_text="end of support from the lifecycle catalogue (YYYY-MM-DD)"
    )

    class Meta:
        model = Title
        fields = [
            "id",
            "name",
            "publisher",
            "product",
            "edition",
            "version_family",
            "category",
            "metric",
            "licensable",
            "family",
            "version_rank",
            "unit_price",
            "lifecycle_cycle",
            "eol",
            "notes",
            "version",
        ]
        read_only_fields = ["version"]
        extra_kwargs = {"name": {"required": False, "allow_blank": True}}

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_eol(self, obj):
        from saiteki.lifecycle.risk import ENDED
        from saiteki.sam.selectors import title_eol

        d = title_eol(obj)
        return None if d in (None, ENDED) else d.isoformat()


class PurchaseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Purchase
        fields = [
            "id",
            "purchased_on",
            "fiscal_year",
            "quantity",
            "unit_cost",
            "total_cost",
            "term_start",
            "term_end",
            "renewal",
            "vendor",
            "order_number",
        ]


class EntitlementSerializer(serializers.ModelSerializer):
    quantity = serializers.IntegerField(read_only=True, help_text="licences owned today (active purchases)")
    purchases = PurchaseSerializer(many=True, read_only=True)

    class Meta:
        model = Entitlement
        fields = [
            "id",
            "number",
            "title",
            "kind",
            "metric",
            "owner_division",
            "downgrade_rights",
            "state",
            "quantity",
            "notes",
            "purchases",
            "version",
        ]
        read_only_fields = ["state", "version"]
        extra_kwargs = {"number": {"required": False, "allow_blank": True}}


class DeviceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Device
        fields = [
            "id",
            "hostname",
            "kind",
            "status",
            "division",
            "user_code",
            "user_name",
            "scanned_user",
            "serial",
            "model_name",
            "os",
            "cores",
            "server",
            "purchased_on",
            "disposed_on",
            "last_scanned_at",
            "notes",
            "version",
        ]
        read_only_fields = ["scanned_user", "last_scanned_at", "version"]


class ScanSerializer(serializers.ModelSerializer):
    class Meta:
        model = Scan
        fields = [
            "id",
            "file_name",
            "division",
            "created_at",
            "rows",
            "devices",
            "added",
            "removed",
            "unchanged",
            "new_devices",
            "new_names",
        ]


class DivisionFiguresSerializer(serializers.Serializer):
    division = serializers.IntegerField(allow_null=True, help_text="所属 id; null: central pool / no 所属")
    division_name = serializers.CharField()
    entitled = serializers.IntegerField()
    consumed = serializers.IntegerField()
    shortfall = serializers.IntegerField()
    surplus = serializers.IntegerField()
    pool_in = serializers.IntegerField()
    downgrade_in = serializers.IntegerField()
    downgrade_out = serializers.IntegerField()
    cost_to_comply = serializers.IntegerField()
    devices = serializers.IntegerField()


class TitleFiguresSerializer(serializers.Serializer):
    title = serializers.IntegerField()
    name = serializers.CharField()
    metric = serializers.CharField()
    entitled = serializers.IntegerField()
    consumed = serializers.IntegerField()
    shortfall = serializers.IntegerField()
    surplus = serializers.IntegerField()
    cost_to_comply = serializers.IntegerField()
    previous_shortfall = serializers.IntegerField(allow_null=True)
    by_division = DivisionFiguresSerializer(many=True)


class RunSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    as_of = serializers.DateField()
    finished_at = serializers.DateTimeField(allow_null=True)
    previous = serializers.IntegerField(allow_null=True)
    sql_seconds = serializers.FloatField()
    seconds = serializers.FloatField()


class ReconciliationSerializer(serializers.Serializer):
    run = RunSerializer()
    titles = TitleFiguresSerializer(many=True)


class CampaignSerializer(serializers.ModelSerializer):
    tasks = serializers.SerializerMethodField()
    completed = serializers.SerializerMethodField()
    completion_rate = serializers.SerializerMethodField(help_text="completed tasks ÷ tasks, in %")

    class Meta:
        model = InventoryCampaign
        fields = [
            "id",
            "fiscal_year",
            "title",
            "state",
            "due_date",
            "opened_at",
            "closed_at",
            "tasks",
            "completed",
            "completion_rate",
        ]

    def _progress(self, obj):
        from saiteki.sam.selectors import campaign_progress

        cache = self.context.setdefault("_progress", {})
        if obj.pk not in cache:
            cache[obj.pk] = campaign_progress(campaign=obj, user=self.context["request"].user)
        return cache[obj.pk]

    @extend_schema_field(serializers.IntegerField())
    def get_tasks(self, obj):
        return self._progress(obj).tasks

    @extend_schema_field(serializers.IntegerField())
    def get_completed(self, obj):
        return self._progress(obj).completed

    @extend_schema_field(serializers.DecimalField(max_digits=5, decimal_places=1))
    def get_completion_rate(self, obj):
        return str(self._progress(obj).rate)
