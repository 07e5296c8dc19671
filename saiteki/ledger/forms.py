"""Edit forms of the ledger. System owners may only choose their own 所属."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from saiteki.accounts.choices import OrganizationKind
from saiteki.accounts.forms import FiscalYearField
from saiteki.accounts.models import Organization
from saiteki.core import permissions as perms
from saiteki.core.errors import ApplicationError
from saiteki.core.forms import SaitekiModelForm
from saiteki.ledger import services
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
        if perms.is_scoped(user, System):
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


def merge_system_links(form, systems):
    """The shared-object rule of :func:`saiteki.ledger.services.system_links_merge` as a form error:
    an owner's save keeps other divisions' links and never adds one."""
    try:
        return services.system_links_merge(user=form.user, obj=form.instance, requested=systems)
    except ApplicationError as exc:
        raise forms.ValidationError([m for msgs in exc.fields.values() for m in msgs] or str(exc)) from exc


class ServerForm(SaitekiModelForm):
    class Meta:
        model = Server
        fields = SERVER_FIELDS

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["systems"].queryset = System.objects.restrict(user, perms.CHANGE)
        # An owner picks hosts among the servers they can see, never another division's machines.
        hosts = Server.objects.restrict(user, perms.VIEW).filter(kind="physical")
        if self.instance.pk:
            hosts = hosts.exclude(pk=self.instance.pk)
        self.fields["host"].queryset = hosts

    def clean_systems(self):
        return merge_system_links(self, self.cleaned_data.get("systems"))


class ComponentForm(SaitekiModelForm):
    class Meta:
        model = Component
        fields = COMPONENT_FIELDS

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["system"].queryset = System.objects.restrict(user, perms.CHANGE)
        self.fields["server"].queryset = Server.objects.restrict(user, perms.VIEW)

    def clean(self):
        data = super().clean()
        try:
            services.component_server_check(
                user=self.user, system=data.get("system"), server=data.get("server")
            )
        except ApplicationError as exc:
            for field, msgs in exc.fields.items():
                for msg in msgs:
                    self.add_error(field, msg)
        return data


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
        return merge_system_links(self, self.cleaned_data.get("systems"))

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("契約終了日は契約開始日以降にしてください。"))
        return data

    def save(self, commit=True):
        # Other capabilities' guards (the review gate) decide before the contract is written; the edit
        # view shows their ApplicationError on the form and nothing is saved.
        services.contract_write_check(
            user=self.user, contract=self.instance, systems=self.cleaned_data.get("systems") or []
        )
        return super().save(commit)


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
