"""Edit forms of the planner (master data: only IT policy admins reach them)."""

from __future__ import annotations

import re
import unicodedata

from django import forms
from django.utils.translation import gettext_lazy as _

from saiteki.accounts.choices import OrganizationKind
from saiteki.accounts.forms import FiscalYearField
from saiteki.accounts.models import Organization
from saiteki.consolidation.fieldsets import HOST_MODEL_FIELDS
from saiteki.consolidation.inputs import optimizer_version
from saiteki.consolidation.models import HostModel, Scenario
from saiteki.core.errors import ParseError
from saiteki.core.forms import SaitekiModelForm
from saiteki.core.money import parse_yen

#: 「120万」「1.2億」: a unit without 円 is how people type amounts; core's parser wants the 円.
_BARE_UNIT = re.compile(r"(億|百万|万|千)$")


class YenField(forms.IntegerField):
    """A yen amount typed as people type it: 「1,200,000」「１２０万円」「120万」「¥1,200,000」.

    Parsing is core's (:func:`saiteki.core.money.parse_yen`, full-width digits, separators, units);
    this field only adds the 円 a bare unit leaves out and shows the stored amount with separators.
    """

    widget = forms.TextInput

    def __init__(self, *args, **kwargs):
        kwargs.pop("max_value", None)
        kwargs.pop("step_size", None)
        super().__init__(*args, **kwargs)
        self.widget.attrs.setdefault("inputmode", "numeric")
        self.widget.attrs.setdefault("placeholder", _("例: 1,200,000 / 120万円"))

    def prepare_value(self, value):
        if isinstance(value, int) and not isinstance(value, bool):
            return f"{value:,}"
        return value

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, int):
            return value
        text = unicodedata.normalize("NFKC", str(value)).strip()
        text = _BARE_UNIT.sub(r"\1円", text)
        try:
            amount = parse_yen(text)
        except ParseError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from exc
        if amount is not None and amount < 0:
            raise forms.ValidationError(_("0円以上で入力してください。"), code="min_value")
        return amount


def _yen_fields(form: forms.ModelForm, names) -> None:
    """Replace the model's integer fields by :class:`YenField`, keeping label, help text and required."""
    for name in names:
        old = form.fields[name]
        form.fields[name] = YenField(
            label=old.label, help_text=old.help_text, required=old.required, initial=old.initial
        )
        form.fields[name].widget.attrs.setdefault("class", "form-control")


HOST_MODEL_YEN = (
    "purchase_price",
    "lease_per_year",
    "maintenance_per_year",
    "licence_per_host_per_year",
    "licence_per_core_per_year",
)


class HostModelForm(SaitekiModelForm):
    class Meta:
        model = HostModel
        fields = HOST_MODEL_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _yen_fields(self, HOST_MODEL_YEN)


# Form sections, in order: the scenario page's form shows them as fieldsets; the last one is folded
# (詳細設定): seed and time limit matter for reproducing a run, not for framing the question.
ADVANCED = "advanced"
SCENARIO_SECTIONS = [
    ("basic", _("基本"), ["name", "description", "fiscal_year"]),
    (
        "selection",
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
        "platform",
        _("既存の共通基盤の拡張"),
        ["extend_platform", "platform_machines", "existing_extension_years"],
    ),
    (
        "rules",
        _("需要と配置の規則"),
        [
            "demand_basis",
            "host_model",
            "headroom_pct",
            "vcpu_overcommit",
            "segment_separation",
            "anti_affinity",
            "n_plus_one",
        ],
    ),
    (
        "savings",
        _("年度別の計画と削減効果の前提"),
        [
            "planning",
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
    (ADVANCED, _("詳細設定"), ["time_limit_s", "seed"]),
]
SCENARIO_YEN = (
    "current_hw_per_server_year",
    "current_maintenance_per_server_year",
    "current_licence_per_server_year",
    "migration_cost_per_machine",
)


class ScenarioForm(SaitekiModelForm):
    """The scenario's fields; the rules between fields are the model's (``Scenario.clean``), so the
    API refuses the same combinations with the same messages."""

    fiscal_year = FiscalYearField(label=_("計画開始年度"), help_text=_("例: 令和9年度、R9、2027"))

    class Meta:
        model = Scenario
        fields = [name for _key, _title, names in SCENARIO_SECTIONS for name in names]

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
        _yen_fields(self, SCENARIO_YEN)
        self.engine_version = optimizer_version()  # shown (read-only) under 詳細設定
        self.advanced_key = ADVANCED
        if self.instance.pk and self.instance.fiscal_year:
            self.fields["fiscal_year"].initial = str(self.instance.fiscal_year)

    def sections(self):
        """(key, title, bound fields) per section, for the fieldset template."""
        return [(key, title, [self[name] for name in names]) for key, title, names in SCENARIO_SECTIONS]
