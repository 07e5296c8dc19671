"""Serializers of the resilience API. Model validation (``full_clean``) runs in ``validate`` so the API
refuses what the pages refuse, with the same Japanese messages; links to systems follow the pages'
rules (owners: their own systems; other divisions' links kept)."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import serializers

from saiteki.core import permissions as perms
from saiteki.core.errors import ApplicationError
from saiteki.ledger import services as ledger_services
from saiteki.resilience import services
from saiteki.resilience.models import (
    BackupPractice,
    BackupStandard,
    BcpDocument,
    BcpDrill,
    BcpProfile,
    DrillAction,
    EmailDrill,
    EmailDrillResult,
    NetworkSeparation,
    RestoreTest,
    SecurityIncident,
    TrainingSession,
)


def _errors(exc: ApplicationError) -> dict | list:
    return {k: [str(m) for m in v] for k, v in exc.fields.items()} or [str(exc.message)]


class FullCleanMixin:
    """Run the model's ``full_clean`` on the would-be instance (many-to-many fields excluded)."""

    def validate(self, attrs):
        attrs = super().validate(attrs)  # type: ignore[misc]
        model = self.Meta.model  # type: ignore[attr-defined]
        m2m = {f.name for f in model._meta.many_to_many}
        instance = self.instance or model()  # type: ignore[attr-defined]
        backup = {k: getattr(instance, k, None) for k in attrs if k not in m2m}
        for k, v in attrs.items():
            if k not in m2m:
                setattr(instance, k, v)
        try:
            instance.full_clean(exclude=list(m2m), validate_unique=True)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        finally:
            if self.instance is not None:  # type: ignore[attr-defined]
                for k, v in backup.items():
                    setattr(instance, k, v)
        return attrs


class OwnSystemMixin:
    """``system``: a system the user may create this record for (owners: their own)."""

    def validate_system(self, value):
        user = self.context["request"].user  # type: ignore[attr-defined]
        if self.instance is not None and self.instance.system_id == value.pk:  # type: ignore[attr-defined]
            return value
        if not perms.can_create(user, self.Meta.model, {"system": value}):  # type: ignore[attr-defined]
            raise serializers.ValidationError(_("自所属以外のシステムは指定できません。"))
        return value


class SharedSystemsMixin:
    """``systems``: owners keep other divisions' links and may add only their own systems."""

    def validate_systems(self, value):
        user = self.context["request"].user  # type: ignore[attr-defined]
        obj = self.instance if self.instance is not None else self.Meta.model()  # type: ignore[attr-defined]
        if not perms.is_scoped(user, type(obj)):
            return value
        try:
            return ledger_services.system_links_merge(user=user, obj=obj, requested=value)
        except ApplicationError as exc:
            raise serializers.ValidationError(_errors(exc)) from exc


class BackupStandardSerializer(FullCleanMixin, serializers.ModelSerializer):
    version = serializers.IntegerField(read_only=True)

    class Meta:
        model = BackupStandard
        fields = [
            "id",
            "importance",
            "frequency",
            "generations",
            "offsite_required",
            "offline_required",
            "restore_test_months",
            "note",
            "version",
        ]
        read_only_fields = ["importance"]


class BackupPracticeSerializer(OwnSystemMixin, FullCleanMixin, serializers.ModelSerializer):
    system_number = serializers.CharField(source="system.number", read_only=True)
    version = serializers.IntegerField(read_only=True)

    class Meta:
        model = BackupPractice
        fields = [
            "id",
            "system",
            "system_number",
            "frequency",
            "generations",
            "offsite_location",
            "offline_copy",
            "last_restore_test",
            "note",
            "version",
        ]


class RestoreTestSerializer(OwnSystemMixin, serializers.ModelSerializer):
    class Meta:
        model = RestoreTest
        fields = ["id", "system", "tested_on", "result", "scope", "duration_minutes", "note"]


class UnmetSerializer(serializers.Serializer):
    requirement = serializers.CharField()
    message = serializers.CharField()


class ComplianceSerializer(serializers.Serializer):
    """One system's compliance with the backup standard today."""

    system = serializers.IntegerField(source="id")
    number = serializers.CharField()
    name = serializers.CharField()
    importance = serializers.IntegerField()
    compliant = serializers.BooleanField()
    unmet = UnmetSerializer(many=True)


class ComplianceSummarySerializer(serializers.Serializer):
    total = serializers.IntegerField()
    compliant = serializers.IntegerField()
    pct = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    by_requirement = serializers.DictField(child=serializers.IntegerField())


class BcpProfileSerializer(OwnSystemMixin, FullCleanMixin, serializers.ModelSerializer):
    system_number = serializers.CharField(source="system.number", read_only=True)
    version = serializers.IntegerField(read_only=True)

    class Meta:
        model = BcpProfile
        fields = [
            "id",
            "system",
            "system_number",
            "rank",
            "rto_hours",
            "rpo_hours",
            "priority_business",
            "depends_on",
            "workaround",
            "note",
            "version",
        ]

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if "depends_on" in attrs:
            profile = self.instance or BcpProfile(system=attrs.get("system"))
            try:
                attrs["depends_on"] = services.dependencies_merge(
                    user=self.context["request"].user, profile=profile, requested=attrs["depends_on"]
                )
            except ApplicationError as exc:
                raise serializers.ValidationError(_errors(exc)) from exc
        return attrs


class RecoveryStepSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    stage = serializers.IntegerField()
    system = serializers.IntegerField()
    number = serializers.CharField()
    rank = serializers.CharField(allow_null=True)
    rto_hours = serializers.IntegerField(allow_null=True)
    effective_rank = serializers.CharField(allow_null=True)
    effective_rto_hours = serializers.IntegerField(allow_null=True)
    depends_on = serializers.ListField(child=serializers.IntegerField())


class RecoveryOrderSerializer(serializers.Serializer):
    steps = RecoveryStepSerializer(many=True)
    cycles = serializers.ListField(child=serializers.ListField(child=serializers.CharField()))
    blocked = serializers.ListField(child=serializers.CharField())


class BcpDocumentSerializer(SharedSystemsMixin, FullCleanMixin, serializers.ModelSerializer):
    """A BCP document; ``file`` (multipart) uploads or replaces its file with the metadata, in one
    all-or-nothing write (:func:`saiteki.resilience.services.document_save`)."""

    file = serializers.FileField(
        write_only=True,
        required=False,
        help_text="PDF・Word・Excel・PowerPoint・テキスト・画像・zip（multipart/form-data）。指定すると差し替えます。",
    )
    download_url = serializers.SerializerMethodField()
    version = serializers.IntegerField(read_only=True)

    class Meta:
        model = BcpDocument
        fields = [
            "id",
            "title",
            "kind",
            "edition",
            "issued_on",
            "systems",
            "file",
            "file_name",
            "size",
            "sha256",
            "note",
            "download_url",
            "version",
        ]
        read_only_fields = ["file_name", "size", "sha256"]

    def validate_file(self, value):
        errors = services.document_file_errors(value)
        if errors:
            raise serializers.ValidationError(errors)
        return value

    def validate(self, attrs):
        upload = attrs.pop("file", None)  # checked above; the model's clean sees the metadata only
        attrs = super().validate(attrs)
        if upload is not None:
            attrs["file"] = upload
        return attrs

    def get_download_url(self, obj) -> str | None:
        from django.urls import reverse

        return reverse("resilience:bcpdocument_download", args=[obj.pk]) if obj.file else None


class DrillActionSerializer(FullCleanMixin, serializers.ModelSerializer):
    version = serializers.IntegerField(read_only=True)

    class Meta:
        model = DrillAction
        fields = ["id", "drill", "description", "responsible", "due", "status", "completed_on", "version"]


class BcpDrillSerializer(FullCleanMixin, serializers.ModelSerializer):
    actions = DrillActionSerializer(many=True, read_only=True)
    version = serializers.IntegerField(read_only=True)

    class Meta:
        model = BcpDrill
        fields = [
            "id",
            "held_on",
            "title",
            "kind",
            "scenario",
            "participants",
            "participant_count",
            "systems",
            "findings",
            "actions",
            "version",
        ]


class SecurityIncidentSerializer(SharedSystemsMixin, FullCleanMixin, serializers.ModelSerializer):
    version = serializers.IntegerField(read_only=True)

    class Meta:
        model = SecurityIncident
        fields = [
            "id",
            "occurred_on",
            "title",
            "kind",
            "severity",
            "systems",
            "personal_data",
            "affected_count",
            "status",
            "summary",
            "measures",
            "closed_on",
            "version",
        ]


class EmailDrillResultSerializer(FullCleanMixin, serializers.ModelSerializer):
    bureau_name = serializers.CharField(source="bureau.name", read_only=True)
    version = serializers.IntegerField(read_only=True)

    class Meta:
        model = EmailDrillResult
        fields = ["id", "drill", "bureau", "bureau_name", "sent", "opened", "clicked", "reported", "version"]


class EmailDrillSerializer(FullCleanMixin, serializers.ModelSerializer):
    results = EmailDrillResultSerializer(many=True, read_only=True)
    version = serializers.IntegerField(read_only=True)

    class Meta:
        model = EmailDrill
        fields = ["id", "held_on", "title", "note", "results", "version"]


class TrainingSessionSerializer(FullCleanMixin, serializers.ModelSerializer):
    version = serializers.IntegerField(read_only=True)

    class Meta:
        model = TrainingSession
        fields = ["id", "held_on", "title", "kind", "target", "attendees", "note", "version"]


class NetworkSeparationSerializer(FullCleanMixin, serializers.ModelSerializer):
    version = serializers.IntegerField(read_only=True)

    class Meta:
        model = NetworkSeparation
        fields = ["id", "model", "effective_from", "note", "version"]
