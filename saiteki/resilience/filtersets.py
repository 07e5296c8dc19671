"""FilterSets of the resilience lists (the page, its xlsx export and the API share them)."""

from __future__ import annotations

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from saiteki.accounts.choices import OrganizationKind
from saiteki.accounts.models import Organization
from saiteki.core.fiscal import fiscal_year_range
from saiteki.ledger.filtersets import _style, text_search
from saiteki.ledger.models import System

from .choices import (
    ActionStatus,
    BcpDocumentKind,
    DataImportance,
    DrillKind,
    IncidentKind,
    IncidentStatus,
    PriorityRank,
    Requirement,
    Severity,
    TrainingKind,
)
from .models import (
    BcpDocument,
    BcpDrill,
    BcpProfile,
    DrillAction,
    EmailDrill,
    EmailDrillResult,
    SecurityIncident,
    TrainingSession,
)


def _bureaus():
    return Organization.objects.filter(kind=OrganizationKind.BUREAU).order_by("sort_order", "code")


class StyledFilterSet(django_filters.FilterSet):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class FiscalYearFilterMixin:
    """``fiscal_year`` keeps rows whose date falls in that fiscal year (``date_field``)."""

    date_field = "held_on"

    def filter_fiscal_year(self, queryset, name, value):
        start, end = fiscal_year_range(int(value))
        return queryset.filter(**{f"{self.date_field}__range": (start, end)})


class ComplianceFilterSet(StyledFilterSet):
    q = django_filters.CharFilter(label=_("キーワード"), method="search")
    bureau = django_filters.ModelChoiceFilter(
        label=_("部局"), field_name="owning_division__parent", queryset=_bureaus(), empty_label=_("すべて")
    )
    importance = django_filters.ChoiceFilter(
        label=_("データの重要度"), choices=DataImportance.choices, empty_label=_("すべて")
    )
    compliant = django_filters.BooleanFilter(label=_("基準に適合"))
    requirement = django_filters.ChoiceFilter(
        label=_("満たしていない要件"),
        choices=Requirement.choices,
        method="filter_requirement",
        empty_label=_("すべて"),
    )

    class Meta:
        model = System
        fields = ["q", "bureau", "importance", "compliant", "requirement"]

    def search(self, queryset, name, value):
        return text_search(queryset, value, ("number", "name", "owning_division__name"))

    def filter_requirement(self, queryset, name, value):
        from .selectors import standards_map, unmet_q

        return queryset.filter(unmet_q(value, standards_map(), timezone.localdate()))


class BcpProfileFilterSet(StyledFilterSet):
    q = django_filters.CharFilter(label=_("キーワード"), method="search")
    rank = django_filters.MultipleChoiceFilter(label=_("優先度"), choices=PriorityRank.choices)
    bureau = django_filters.ModelChoiceFilter(
        label=_("部局"),
        field_name="system__owning_division__parent",
        queryset=_bureaus(),
        empty_label=_("すべて"),
    )

    class Meta:
        model = BcpProfile
        fields = ["q", "rank", "bureau"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.form.fields["rank"].widget.attrs["size"] = 4

    def search(self, queryset, name, value):
        return text_search(queryset, value, ("system__number", "system__name", "priority_business"))


class BcpDocumentFilterSet(StyledFilterSet):
    q = django_filters.CharFilter(label=_("キーワード"), method="search")
    kind = django_filters.ChoiceFilter(
        label=_("種類"), choices=BcpDocumentKind.choices, empty_label=_("すべて")
    )

    class Meta:
        model = BcpDocument
        fields = ["q", "kind"]

    def search(self, queryset, name, value):
        return text_search(queryset, value, ("title", "note", "systems__number", "systems__name"))


class BcpDrillFilterSet(FiscalYearFilterMixin, StyledFilterSet):
    fiscal_year = django_filters.NumberFilter(
        label=_("年度（西暦）"), method="filter_fiscal_year", min_value=1900, max_value=2200
    )
    kind = django_filters.ChoiceFilter(
        label=_("訓練の種類"), choices=DrillKind.choices, empty_label=_("すべて")
    )

    class Meta:
        model = BcpDrill
        fields = ["fiscal_year", "kind"]


class DrillActionFilterSet(StyledFilterSet):
    status = django_filters.ChoiceFilter(
        label=_("状況"), choices=ActionStatus.choices, empty_label=_("すべて")
    )

    class Meta:
        model = DrillAction
        fields = ["status", "drill"]


class SecurityIncidentFilterSet(FiscalYearFilterMixin, StyledFilterSet):
    date_field = "occurred_on"
    q = django_filters.CharFilter(label=_("キーワード"), method="search")
    fiscal_year = django_filters.NumberFilter(
        label=_("年度（西暦）"), method="filter_fiscal_year", min_value=1900, max_value=2200
    )
    severity = django_filters.ChoiceFilter(
        label=_("重大度"), choices=Severity.choices, empty_label=_("すべて")
    )
    kind = django_filters.ChoiceFilter(label=_("種類"), choices=IncidentKind.choices, empty_label=_("すべて"))
    status = django_filters.ChoiceFilter(
        label=_("対応状況"), choices=IncidentStatus.choices, empty_label=_("すべて")
    )

    class Meta:
        model = SecurityIncident
        fields = ["q", "fiscal_year", "severity", "kind", "status", "personal_data"]

    def search(self, queryset, name, value):
        return text_search(queryset, value, ("title", "summary", "measures")).distinct()


class EmailDrillFilterSet(FiscalYearFilterMixin, StyledFilterSet):
    fiscal_year = django_filters.NumberFilter(
        label=_("年度（西暦）"), method="filter_fiscal_year", min_value=1900, max_value=2200
    )

    class Meta:
        model = EmailDrill
        fields = ["fiscal_year"]


class EmailDrillResultFilterSet(StyledFilterSet):
    bureau = django_filters.ModelChoiceFilter(label=_("部局"), queryset=_bureaus(), empty_label=_("すべて"))

    class Meta:
        model = EmailDrillResult
        fields = ["drill", "bureau"]


class TrainingSessionFilterSet(FiscalYearFilterMixin, StyledFilterSet):
    fiscal_year = django_filters.NumberFilter(
        label=_("年度（西暦）"), method="filter_fiscal_year", min_value=1900, max_value=2200
    )
    kind = django_filters.ChoiceFilter(
        label=_("研修の種類"), choices=TrainingKind.choices, empty_label=_("すべて")
    )

    class Meta:
        model = TrainingSession
        fields = ["fiscal_year", "kind"]
