"""Forms of the resilience pages (the policy decides what each user may pick)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from saiteki.accounts.choices import OrganizationKind
from saiteki.accounts.models import Organization
from saiteki.core import permissions as perms
from saiteki.core.errors import ApplicationError
from saiteki.core.forms import SaitekiModelForm, WarekiDateField
from saiteki.ledger.forms import merge_system_links
from saiteki.ledger.models import System

from . import services
from .choices import RestoreResult
from .models import (
    BackupPractice,
    BackupStandard,
    BcpDocument,
    BcpDrill,
    BcpProfile,
    DrillAction,
    EmailDrill,
    EmailDrillResult,
    NetworkSeparation,
    SecurityIncident,
    TrainingSession,
)


def _systems_choices(form, field: str = "systems") -> None:
    """A system owner picks among their own systems (other divisions' links are kept on save)."""
    if field in form.fields:
        form.fields[field].queryset = System.objects.restrict(form.user, perms.CHANGE).order_by("number")


class BackupStandardForm(SaitekiModelForm):
    class Meta:
        model = BackupStandard
        fields = [
            "frequency",
            "generations",
            "offsite_required",
            "offline_required",
            "restore_test_months",
            "note",
        ]


class BackupPracticeForm(SaitekiModelForm):
    """A system's backup practice; the system is fixed by the page (the karte's link) when editing."""

    class Meta:
        model = BackupPractice
        fields = [
            "system",
            "frequency",
            "generations",
            "offsite_location",
            "offline_copy",
            "last_restore_test",
            "note",
        ]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["system"].queryset = System.objects.restrict(user, perms.CHANGE).filter(
            backup_practice__isnull=True
        ) | System.objects.filter(pk=self.instance.system_id or 0)
        if self.instance.pk:
            self.fields["system"].disabled = True


class BcpProfileForm(SaitekiModelForm):
    class Meta:
        model = BcpProfile
        fields = [
            "system",
            "rank",
            "rto_hours",
            "rpo_hours",
            "priority_business",
            "depends_on",
            "workaround",
            "note",
        ]
        widgets = {"workaround": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["system"].queryset = System.objects.restrict(user, perms.CHANGE).filter(
            bcp__isnull=True
        ) | System.objects.filter(pk=self.instance.system_id or 0)
        if self.instance.pk:
            self.fields["system"].disabled = True
        self.fields["depends_on"].queryset = System.objects.restrict(user, perms.VIEW).order_by("number")
        self.fields["depends_on"].widget.attrs["size"] = 8

    def clean_depends_on(self):
        profile = self.instance
        if not profile.system_id and self.cleaned_data.get("system"):
            profile.system = self.cleaned_data["system"]
        try:
            return services.dependencies_merge(
                user=self.user, profile=profile, requested=self.cleaned_data.get("depends_on") or []
            )
        except ApplicationError as exc:
            raise forms.ValidationError([m for msgs in exc.fields.values() for m in msgs]) from exc


class BcpDocumentForm(SaitekiModelForm):
    upload = forms.FileField(
        label=_("ファイル"),
        required=False,
        help_text=_("PDF・Word・Excel・PowerPoint・テキスト・画像。編集時に選ぶと差し替えます。"),
    )

    class Meta:
        model = BcpDocument
        fields = ["title", "kind", "edition", "issued_on", "systems", "note"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        _systems_choices(self)
        self.fields["upload"].widget.attrs["class"] = "form-control"

    def clean_systems(self):
        systems = self.cleaned_data.get("systems")
        if not perms.is_scoped(self.user, BcpDocument):
            return systems
        return merge_system_links(self, systems)

    def clean_upload(self):
        upload = self.cleaned_data.get("upload")
        if upload is not None:
            try:
                services.document_file_check(upload)
            except ApplicationError as exc:
                raise forms.ValidationError([m for msgs in exc.fields.values() for m in msgs]) from exc
        return upload

    def save(self, commit=True):
        upload = self.cleaned_data.get("upload")
        if upload is not None:
            services.document_attach(self.instance, upload)
        return super().save(commit)


class BcpDrillForm(SaitekiModelForm):
    class Meta:
        model = BcpDrill
        fields = [
            "held_on",
            "title",
            "kind",
            "scenario",
            "participants",
            "participant_count",
            "systems",
            "findings",
        ]
        widgets = {
            "scenario": forms.Textarea(attrs={"rows": 3}),
            "findings": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["systems"].queryset = System.objects.order_by("number")
        self.fields["systems"].widget.attrs["size"] = 8


class DrillActionForm(SaitekiModelForm):
    class Meta:
        model = DrillAction
        fields = ["drill", "description", "responsible", "due", "status", "completed_on"]


class SecurityIncidentForm(SaitekiModelForm):
    class Meta:
        model = SecurityIncident
        fields = [
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
        ]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3}),
            "measures": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        _systems_choices(self)
        self.fields["systems"].widget.attrs["size"] = 8

    def clean_systems(self):
        return merge_system_links(self, self.cleaned_data.get("systems"))


class EmailDrillForm(SaitekiModelForm):
    class Meta:
        model = EmailDrill
        fields = ["held_on", "title", "note"]


class EmailDrillResultForm(SaitekiModelForm):
    class Meta:
        model = EmailDrillResult
        fields = ["drill", "bureau", "sent", "opened", "clicked", "reported"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["bureau"].queryset = Organization.objects.filter(kind=OrganizationKind.BUREAU).order_by(
            "sort_order", "code"
        )


class TrainingSessionForm(SaitekiModelForm):
    class Meta:
        model = TrainingSession
        fields = ["held_on", "title", "kind", "target", "attendees", "note"]


class NetworkSeparationForm(SaitekiModelForm):
    class Meta:
        model = NetworkSeparation
        fields = ["model", "effective_from", "note"]


class RestoreTestForm(forms.Form):
    """The karte's 「リストア試験を記録」 form."""

    tested_on = WarekiDateField(label=_("実施日"))
    result = forms.ChoiceField(label=_("結果"), choices=RestoreResult.choices, initial=RestoreResult.SUCCESS)
    scope = forms.CharField(label=_("対象・範囲"), max_length=200, required=False)
    duration_minutes = forms.IntegerField(label=_("所要時間（分）"), min_value=0, required=False)
    note = forms.CharField(label=_("備考"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, f in self.fields.items():
            f.widget.attrs.setdefault("class", "form-select" if name == "result" else "form-control")
