"""Serializers of the lifecycle API."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from saiteki.lifecycle.choices import RiskStatus
from saiteki.lifecycle.models import ComponentLifecycle
from saiteki.lifecycle.risk import ENDED, OPEN


class MatchResultSerializer(serializers.Serializer):
    """The matcher's answer, in the catalogue's own identifiers."""

    matched = serializers.BooleanField()
    product = serializers.CharField(allow_null=True, help_text="catalogue product id (endoflife.date slug)")
    cycle = serializers.CharField(allow_null=True, help_text="catalogue cycle id")
    eol = serializers.DateField(allow_null=True, help_text="end of security support (YYYY-MM-DD)")
    confidence = serializers.FloatField(min_value=0, max_value=1)


def _date(value):
    if value in (None, ENDED, OPEN):
        return None
    return value.isoformat()


class ComponentRiskSerializer(serializers.ModelSerializer):
    system = serializers.CharField(source="component.system.number")
    component = serializers.CharField(source="component.__str__")
    product = serializers.SerializerMethodField()
    cycle = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=RiskStatus.choices)
    support_end = serializers.SerializerMethodField()
    eol = serializers.SerializerMethodField()
    extended_end = serializers.SerializerMethodField()

    class Meta:
        model = ComponentLifecycle
        fields = [
            "id",
            "system",
            "component",
            "product",
            "cycle",
            "method",
            "confidence",
            "status",
            "support_end",
            "eol",
            "extended_end",
            "planned_replacement",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_product(self, obj):
        return obj.cycle.product.slug if obj.cycle_id else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_cycle(self, obj):
        return obj.cycle.cycle if obj.cycle_id else None

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_support_end(self, obj):
        return _date(obj.eff_support)

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_eol(self, obj):
        return _date(obj.eff_eol)

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_extended_end(self, obj):
        return _date(obj.eff_extended)
