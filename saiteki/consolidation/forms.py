"""Edit forms of the planner (master data: only IT policy admins reach them)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from saiteki.accounts.choices import OrganizationKind
from saiteki.accounts.forms import FiscalYearField
from saiteki.accounts.models import Organization
from saiteki.consolidation.choices import SelectionMode
from saiteki.consolidation.fieldsets import HOST_MODEL_FIELDS
from saiteki.consolidation.models import HostModel, Scenario
from saiteki.core.forms import SaitekiModelForm


class HostModelForm(SaitekiModelForm):
    class Meta:
        model = HostModel
        fields = HOST_MODEL_FIELDS


# Form sections, in order: the scenario page's form shows them as fieldsets.
SCENARIO_SECTIONS = [
    (_("基本"), ["name", "description", "fiscal_year"]),
    (
        _("対象の機器"),
        [
            "selection",
            "maintenance_within_years",
            "filter_server_kind",
            "filter_hosting_form",
            "filter_segment",
            "filter_bureau",
            "filter_division",
        ],
    ),
    (
        _("需要と配置の規則"),
        [
            "demand_basis",
            "host_model",
            "headroom_pct",
            "vcpu_overcommit",
            "segment_separation",
            "anti_affinity",
            "n_plus_one",
            "time_limit_s",
            "seed",
        ],
    ),
    (
        _("削減効果の前提"),
        [
            "horizon_years",
            "current_cost_basis",
            "current_hw_per_server_year",
            "current_maintenance_per_server_year",
            "current_licence_per_server_year",
            "current_power_w_default",
            "yen_per_kwh",
            "co2_t_per_kwh",
            "migration_cost_per_machine",
        ],
    ),
]


class ScenarioForm(SaitekiModelForm):
    fiscal_year = FiscalYearField(label=_("計画開始年度"), help_text=_("例: 令和9年度、R9、2027"))

    class Meta:
        model = Scenario
        fields = [name for _title, names in SCENARIO_SECTIONS for name in names]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["filter_bureau"].queryset = Organization.objects.filter(kind=OrganizationKind.BUREAU)
        self.fields["filter_division"].queryset = Organization.objects.filter(
            kind=OrganizationKind.DIVISION
        ).select_related("parent")
        self.fields["filter_division"].label_from_instance = lambda o: (
            f"{o.parent.name} {o.name}" if o.parent else o.name
        )
        for name in ("filter_server_kind", "filter_hosting_form", "filter_segment"):
            self.fields[name].choices = [("", _("指定しない"))] + list(self.fields[name].choices)[1:]
        for name in ("filter_bureau", "filter_division"):
            self.fields[name].empty_label = _("指定しない")
        self.fields["filter_server_kind"].help_text = _("「台帳の条件で選ぶ」のときだけ使います。")
        self.fields["vcpu_overcommit"].label = _("vCPUオーバーコミット比")  # not capitalised to "VCPU"
        self.fields["description"].widget.attrs["rows"] = 3
        if self.instance.pk and self.instance.fiscal_year:
            self.fields["fiscal_year"].initial = str(self.instance.fiscal_year)

    def clean(self):
        data = super().clean()
        if data.get("selection") != SelectionMode.FILTER and data.get("filter_server_kind"):
            self.add_error(
                "filter_server_kind", _("機器の種別は「台帳の条件で選ぶ」のときだけ指定できます。")
            )
        bureau, division = data.get("filter_bureau"), data.get("filter_division")
        if bureau and division and division.parent_id != bureau.pk:
            self.add_error("filter_division", _("所属は選んだ部局のものを指定してください。"))
        return data

    def sections(self):
        """(title, bound fields) per section, for the fieldset template."""
        return [(title, [self[name] for name in names]) for title, names in SCENARIO_SECTIONS]
