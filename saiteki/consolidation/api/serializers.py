"""API shapes of the planner: scenarios (read), runs (summary in lists, everything in detail)."""

from rest_framework import serializers

from saiteki.consolidation.fieldsets import HOST_MODEL_FIELDS
from saiteki.consolidation.models import HostModel, Scenario, ScenarioRun


class HostModelSerializer(serializers.ModelSerializer):
    class Meta:
        model = HostModel
        fields = ["id", *HOST_MODEL_FIELDS, "version"]


def _blank_choice(field_name: str) -> serializers.ChoiceField:
    """A read-only choice that may be "" (no filter): documented as the enum or blank, not enum only."""
    field = Scenario._meta.get_field(field_name)
    return serializers.ChoiceField(choices=field.choices, allow_blank=True, read_only=True)


class ScenarioSerializer(serializers.ModelSerializer):
    host_model_name = serializers.CharField(source="host_model.name", read_only=True)
    filter_server_kind = _blank_choice("filter_server_kind")
    filter_hosting_form = _blank_choice("filter_hosting_form")
    filter_segment = _blank_choice("filter_segment")

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
            "horizon_years",
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
        read_only_fields = fields


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
            "lower_bound",
            "optimal",
            "feasible",
            "solver_seconds",
            "created_at",
            "started_at",
            "finished_at",
            "created_by",
            "created_by_name",
            "adopted_at",
            "error",
        ]
        read_only_fields = [f for f in fields if f != "scenario"]


class ScenarioRunDetailSerializer(ScenarioRunSerializer):
    """A run with its stored inputs (optimizer scenario JSON), result, savings and waves."""

    class Meta(ScenarioRunSerializer.Meta):
        fields = ScenarioRunSerializer.Meta.fields + ["parameters", "inputs", "result", "savings", "waves"]
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
