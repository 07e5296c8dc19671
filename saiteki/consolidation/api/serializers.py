"""API shapes of the planner: host models and scenarios (read and write, the same rules as the forms),
runs (summary in lists, everything in detail) and a plan's per-year results."""

import copy

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import serializers

from saiteki.accounts.choices import OrganizationKind
from saiteki.accounts.models import Organization
from saiteki.consolidation.fieldsets import HOST_MODEL_FIELDS
from saiteki.consolidation.models import HostModel, Scenario, ScenarioRun
from saiteki.core.errors import field_messages


class ModelCleanMixin:
    """Validate through the model (``full_clean``: field validators, ``Scenario.clean``'s rules between
    fields, CHECK constraints), so the API refuses exactly what the form refuses, in Japanese, before
    anything is written."""

    def validate(self, attrs):
        attrs = super().validate(attrs)  # type: ignore[misc]
        instance = copy.copy(self.instance) if self.instance is not None else self.Meta.model()  # type: ignore[attr-defined]
        for name, value in attrs.items():
            setattr(instance, name, value)
        try:
            instance.full_clean(validate_unique=False)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(field_messages(exc)) from exc
        return attrs


class HostModelSerializer(ModelCleanMixin, serializers.ModelSerializer):
    version = serializers.IntegerField(read_only=True)

    class Meta:
        model = HostModel
        fields = ["id", *HOST_MODEL_FIELDS, "version"]


def _blank_choice(field_name: str) -> serializers.ChoiceField:
    """A choice that may be "" (no filter): documented as the enum or blank, not enum only."""
    field = Scenario._meta.get_field(field_name)
    return serializers.ChoiceField(choices=field.choices, allow_blank=True, required=False)


class ScenarioSerializer(ModelCleanMixin, serializers.ModelSerializer):
    host_model_name = serializers.CharField(source="host_model.name", read_only=True)
    filter_server_kind = _blank_choice("filter_server_kind")
    filter_hosting_form = _blank_choice("filter_hosting_form")
    filter_segment = _blank_choice("filter_segment")
    filter_bureau = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.filter(kind=OrganizationKind.BUREAU), allow_null=True, required=False
    )
    filter_division = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.filter(kind=OrganizationKind.DIVISION), allow_null=True, required=False
    )
    plans_over_years = serializers.BooleanField(read_only=True)
    version = serializers.IntegerField(read_only=True)

    class Meta:
        model = Scenario
        fields = [
            "id",
            "name",
            "description",
            "fiscal_year",
            "selection",
            "maintenance_within_years",
            "filter_server_kind",
            "filter_hosting_form",
            "filter_segment",
            "filter_bureau",
            "filter_division",
            "extend_platform",
            "platform_machines",
            "existing_extension_years",
            "demand_basis",
            "segment_separation",
            "anti_affinity",
            "headroom_pct",
            "vcpu_overcommit",
            "n_plus_one",
            "host_model",
            "host_model_name",
            "time_limit_s",
            "seed",
            "planning",
            "horizon_years",
            "plans_over_years",
            "yen_per_kwh",
            "co2_t_per_kwh",
            "current_cost_basis",
            "current_hw_per_server_year",
            "current_maintenance_per_server_year",
            "current_licence_per_server_year",
            "current_power_w_default",
            "migration_cost_per_machine",
            "version",
        ]
        extra_kwargs = {"fiscal_year": {"min_value": 1989, "max_value": 2100}}

    def validate_fiscal_year(self, value):
        if not 1989 <= value <= 2100:
            raise serializers.ValidationError(_("年度が正しくありません。"))
        return value


class ScenarioRunSerializer(serializers.ModelSerializer):
    """A run in lists: status and headline figures (the JSON documents only in the detail)."""

    job = serializers.UUIDField(source="job_id", read_only=True, allow_null=True)
    url = serializers.CharField(source="get_absolute_url", read_only=True)
    created_by_name = serializers.CharField(source="created_by.get_username", read_only=True, default=None)

    class Meta:
        model = ScenarioRun
        fields = [
            "id",
            "scenario",
            "number",
            "status",
            "job",
            "url",
            "optimizer_version",
            "seed",
            "time_limit_s",
            "machine_count",
            "current_units",
            "hosts_used",
            "new_hosts",
            "lower_bound",
            "optimal",
            "feasible",
            "solver_seconds",
            "plan_cost",
            "single_shot_cost",
            "created_at",
            "started_at",
            "finished_at",
            "heartbeat_at",
            "cancelled_at",
            "created_by",
            "created_by_name",
            "adopted_at",
            "error",
        ]
        read_only_fields = [f for f in fields if f != "scenario"]


class ScenarioRunDetailSerializer(ScenarioRunSerializer):
    """A run with its stored inputs (optimizer scenario JSON), result, savings, waves and plan."""

    class Meta(ScenarioRunSerializer.Meta):
        fields = ScenarioRunSerializer.Meta.fields + [
            "parameters",
            "inputs",
            "result",
            "savings",
            "waves",
            "plan",
        ]
        read_only_fields = fields

    def to_representation(self, instance):
        # The machine-level documents only for the prefecture-wide view (selectors.run_document_scoped).
        from saiteki.consolidation.selectors import run_document_scoped

        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is not None:
            data.update(run_document_scoped(run=instance, user=request.user))
        return data


class ScenarioRunCreateSerializer(serializers.Serializer):
    """Start a run: the scenario to run (its stored settings, seed and time limit are used)."""

    scenario = serializers.PrimaryKeyRelatedField(queryset=Scenario.objects.all())


class PlanYearSerializer(serializers.Serializer):
    """One fiscal year of a multi-year plan."""

    fiscal_year = serializers.IntegerField()
    hosts_in_service = serializers.IntegerField()
    existing_in_service = serializers.IntegerField()
    new_in_service = serializers.IntegerField()
    hosts_bought = serializers.IntegerField()
    hosts_retired = serializers.IntegerField()
    machines_moved = serializers.IntegerField()
    machines_on_platform = serializers.IntegerField()
    cost = serializers.IntegerField(help_text="この年度の経費（円）")
    cost_cumulative = serializers.IntegerField()
    cost_by_category = serializers.DictField(
        child=serializers.IntegerField(), help_text="経費区分（C3）別の額"
    )
    single_shot_cost = serializers.IntegerField(allow_null=True, help_text="一括購入の場合のこの年度の経費")
    rules_passed = serializers.BooleanField()


class ProgressYearSerializer(serializers.Serializer):
    fy = serializers.IntegerField()
    systems = serializers.IntegerField()
    done = serializers.IntegerField()
    partial = serializers.IntegerField()
    pending = serializers.IntegerField()
    machines = serializers.IntegerField()
    machines_done = serializers.IntegerField()
    forecast = serializers.IntegerField()
    realised = serializers.IntegerField()


class RunYearsSerializer(serializers.Serializer):
    """A run's per-year results: the plan (null for a one-shot run) and, once adopted, its progress."""

    run = serializers.IntegerField()
    start = serializers.IntegerField(allow_null=True)
    end = serializers.IntegerField(allow_null=True)
    plan_cost = serializers.IntegerField(allow_null=True)
    single_shot_cost = serializers.IntegerField(allow_null=True)
    years = PlanYearSerializer(many=True, allow_null=True)
    progress = ProgressYearSerializer(many=True, allow_null=True)
    realised_total = serializers.IntegerField(allow_null=True)


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500)
