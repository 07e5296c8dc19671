from django.utils.translation import gettext as _
from rest_framework import serializers

from saiteki.core import permissions as perms
from saiteki.core.errors import ApplicationError
from saiteki.ledger import services
from saiteki.ledger.fieldsets import COMPONENT_FIELDS, CONTRACT_FIELDS, SERVER_FIELDS
from saiteki.ledger.models import Component, Contract, Cost, Municipality, Server, System, Vendor

#: Fiscal years a contract or a planned renewal may name (no database CHECK; a sanity range).
FY_MIN, FY_MAX = 1900, 2200


class OwnDivisionMixin:
    """System owners may only create or move systems into their own 所属."""

    def validate_owning_division(self, value):
        user = self.context["request"].user
        if perms.is_scoped(user, System) and value.pk not in perms.division_ids(user):
            raise serializers.ValidationError(_("自所属以外の所属は指定できません。"))
        return value


class SystemSerializer(OwnDivisionMixin, serializers.ModelSerializer):
    owning_division_name = serializers.CharField(source="owning_division.name", read_only=True)
    bureau_name = serializers.CharField(
        source="owning_division.parent.name", read_only=True, default=None, allow_null=True
    )
    segments = serializers.ListField(child=serializers.CharField(), read_only=True)
    version = serializers.IntegerField(read_only=True)

    class Meta:
        model = System
        fields = [
            "id",
            "number",
            "name",
            "purpose",
            "business",
            "owning_division",
            "owning_division_name",
            "bureau_name",
            "users_internal",
            "users_residents",
            "users_businesses",
            "status",
            "service_start",
            "planned_renewal_fy",
            "segment_mynumber",
            "segment_lgwan",
            "segment_internet",
            "segments",
            "hosting_form",
            "confidentiality",
            "integrity",
            "availability",
            "personal_info",
            "my_number",
            "sso_integrated",
            "ipv6_ready",
            "joint_municipalities",
            "standard_business",
            "vendors",
            "tags",
            "notes",
            "version",
        ]
        extra_kwargs = {"planned_renewal_fy": {"min_value": FY_MIN, "max_value": FY_MAX}}

    def validate(self, attrs):
        my_number = attrs.get("my_number", getattr(self.instance, "my_number", False))
        personal = attrs.get("personal_info", getattr(self.instance, "personal_info", False))
        if my_number and not personal:
            raise serializers.ValidationError(
                {"personal_info": [_("マイナンバーを取り扱う場合は「個人情報の取扱い」も必要です。")]}
            )
        return attrs


def _raise_as_validation(exc: ApplicationError, field: str | None = None):
    """An ApplicationError as a serializer error: a list inside ``validate_<field>``, a dict in ``validate``."""
    messages = [str(m) for msgs in exc.fields.values() for m in msgs] or [str(exc.message)]
    raise serializers.ValidationError({field: messages} if field else messages) from exc


class ChildOfOwnSystemsMixin:
    """Links to systems follow the ledger's one rule for shared objects
    (:func:`saiteki.ledger.services.system_links_merge`): an owner's write keeps other divisions'
    links, never adds one, and never leaves the object without a system."""

    def validate_systems(self, value):
        user = self.context["request"].user
        obj = self.instance if self.instance is not None else self.Meta.model()
        try:
            return services.system_links_merge(user=user, obj=obj, requested=value)
        except ApplicationError as exc:
            _raise_as_validation(exc)

    def validate_system(self, value):
        user = self.context["request"].user
        if not perms.can_create(user, self.Meta.model, {"system": value}):
            raise serializers.ValidationError(_("自所属以外のシステムは指定できません。"))
        return value


class ServerSerializer(ChildOfOwnSystemsMixin, serializers.ModelSerializer):
    version = serializers.IntegerField(read_only=True)

    class Meta:
        model = Server
        fields = ["id", *SERVER_FIELDS, "version"]

    def validate_host(self, value):
        user = self.context["request"].user
        if value is not None and not perms.can(user, perms.VIEW, value):
            raise serializers.ValidationError(_("自所属以外のサーバは指定できません。"))
        return value


class ComponentSerializer(ChildOfOwnSystemsMixin, serializers.ModelSerializer):
    version = serializers.IntegerField(read_only=True)

    class Meta:
        model = Component
        fields = ["id", *COMPONENT_FIELDS, "version"]

    def validate(self, attrs):
        user = self.context["request"].user
        system = attrs.get("system", getattr(self.instance, "system", None))
        server = attrs.get("server", getattr(self.instance, "server", None))
        try:
            services.component_server_check(user=user, system=system, server=server)
        except ApplicationError as exc:
            _raise_as_validation(exc, "server")
        return attrs


class ContractSerializer(ChildOfOwnSystemsMixin, serializers.ModelSerializer):
    version = serializers.IntegerField(read_only=True)

    class Meta:
        model = Contract
        fields = ["id", *CONTRACT_FIELDS, "version"]
        extra_kwargs = {"fiscal_year": {"min_value": FY_MIN, "max_value": FY_MAX}}

    def validate(self, attrs):
        start = attrs.get("start", getattr(self.instance, "start", None))
        end = attrs.get("end", getattr(self.instance, "end", None))
        if start and end and end < start:
            raise serializers.ValidationError({"end": [_("契約終了日は契約開始日以降にしてください。")]})
        # Other capabilities' guards (the review gate): an ApplicationError answers with the error body.
        systems = attrs.get("systems", list(self.instance.systems.all()) if self.instance else [])
        services.contract_write_check(
            user=self.context["request"].user,
            contract=self.instance or Contract(),
            values=attrs,
            systems=systems,
        )
        return attrs


class CostSerializer(ChildOfOwnSystemsMixin, serializers.ModelSerializer):
    version = serializers.IntegerField(read_only=True)

    class Meta:
        model = Cost
        fields = ["id", "system", "fiscal_year", "category", "stage", "amount", "version"]
        extra_kwargs = {
            # The table's CHECK and column range, answered as validation errors instead of a 500.
            "fiscal_year": {"min_value": services.COST_FY_MIN, "max_value": services.COST_FY_MAX},
            "amount": {"min_value": 0, "max_value": services.COST_AMOUNT_MAX},
        }

    def validate(self, attrs):
        # Other capabilities' guards (the review gate on 予算額) before the cell is written.
        current = self.instance
        services.cost_write_check(
            user=self.context["request"].user,
            system=attrs.get("system", getattr(current, "system", None)),
            fiscal_year=attrs.get("fiscal_year", getattr(current, "fiscal_year", None)),
            stage=attrs.get("stage", getattr(current, "stage", None)),
            category=attrs.get("category", getattr(current, "category", None)),
        )
        return attrs


class VendorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Vendor
        fields = ["id", "name", "corporate_number"]


class MunicipalitySerializer(serializers.ModelSerializer):
    class Meta:
        model = Municipality
        fields = ["id", "code", "name"]
