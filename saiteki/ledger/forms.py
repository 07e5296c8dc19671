"""Edit forms of the ledger. System owners may only choose their own 所属."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from saiteki.accounts.choices import OrganizationKind, Role
from saiteki.accounts.forms import FiscalYearField
from saiteki.accounts.models import Organization
from saiteki.core import permissions as perms
from saiteki.core.forms import SaitekiModelForm
from saiteki.ledger.fieldsets import COMPONENT_FIELDS, CONTRACT_FIELDS, SERVER_FIELDS
from saiteki.ledger.models import Component, Contract, Municipality, Server, System, Tag, Vendor


class SystemForm(SaitekiModelForm):
    planned_renewal_fy = FiscalYearField(
        label=_("更改予定年度"), required=False, help_text=_("例: 令和10年度、R10、2028")
    )

    class Meta:
        model = System
        fields = [
            "number",
            "name",
            "purpose",
            "business",
            "owning_division",
            "status",
            "service_start",
            "planned_renewal_fy",
            "hosting_form",
            "segment_mynumber",
            "segment_lgwan",
            "segment_internet",
            "confidentiality",
            "integrity",
            "availability",
            "users_internal",
            "users_residents",
            "users_businesses",
            "personal_info",
            "my_number",
            "sso_integrated",
            "ipv6_ready",
            "standard_business",
            "joint_municipalities",
            "vendors",
            "tags",
            "notes",
        ]
        widgets = {"purpose": forms.Textarea(attrs={"rows": 3}), "notes": forms.Textarea(attrs={"rows": 2})}
        help_texts = {
            "confidentiality": _("情報セキュリティポリシーの格付け（1〜3、3が最も高い）"),
            "hosting_form": _("共通基盤＝県の統合サーバ・仮想化基盤で稼働"),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        divisions = Organization.objects.filter(kind=OrganizationKind.DIVISION).select_related("parent")
        if perms.role_of(user) == Role.OWNER:
            divisions = divisions.filter(pk__in=perms.division_ids(user))
        self.fields["owning_division"].queryset = divisions
        self.fields["owning_division"].label_from_instance = lambda o: (
            f"{o.parent.name} {o.name}" if o.parent else o.name
        )
        if self.instance.pk and self.instance.planned_renewal_fy:
            self.fields["planned_renewal_fy"].initial = str(self.instance.planned_renewal_fy)

    def clean(self):
        data = super().clean()
        if data.get("my_number") and not data.get("personal_info"):
            self.add_error("personal_info", _("マイナンバーを取り扱う場合は「個人情報の取扱い」も必要です。"))
        return data


def keep_hidden_systems(form, systems):
    """A shared server or contract may also serve other divisions' systems that this user cannot
    choose; those links are kept, not silently dropped, when the user saves the form."""
    chosen = list(systems or [])
    if form.instance.pk:
        changeable = form.fields["systems"].queryset.values("pk")
        chosen += list(form.instance.systems.exclude(pk__in=changeable))
    return chosen


class ServerForm(SaitekiModelForm):
    class Meta:
        model = Server
        fields = SERVER_FIELDS

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["systems"].queryset = System.objects.restrict(user, perms.CHANGE)
        self.fields["host"].queryset = Server.objects.filter(kind="physical")

    def clean_systems(self):
        systems = self.cleaned_data.get("systems")
        if perms.role_of(self.user) == Role.OWNER and not systems:
            raise forms.ValidationError(_("自所属のシステムを1つ以上選択してください。"))
        return keep_hidden_systems(self, systems)


class ComponentForm(SaitekiModelForm):
    class Meta:
        model = Component
        fields = COMPONENT_FIELDS

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["system"].queryset = System.objects.restrict(user, perms.CHANGE)


class ContractForm(SaitekiModelForm):
    fiscal_year = FiscalYearField(label=_("契約年度"))

    class Meta:
        model = Contract
        fields = CONTRACT_FIELDS

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["systems"].queryset = System.objects.restrict(user, perms.CHANGE)
        if self.instance.pk:
            self.fields["fiscal_year"].initial = str(self.instance.fiscal_year)

    def clean_systems(self):
        return keep_hidden_systems(self, self.cleaned_data.get("systems"))

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("契約終了日は契約開始日以降にしてください。"))
        return data


class VendorForm(SaitekiModelForm):
    class Meta:
        model = Vendor
        fields = ["name", "corporate_number"]


class MunicipalityForm(SaitekiModelForm):
    class Meta:
        model = Municipality
        fields = ["code", "name"]


class TagForm(SaitekiModelForm):
    class Meta:
        model = Tag
        fields = ["name"]
