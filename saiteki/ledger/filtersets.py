"""One FilterSet per ledger model, shared by the list page, the API and the xlsx export."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from saiteki.accounts.choices import OrganizationKind
from saiteki.accounts.models import Organization
from saiteki.core.filters import DateFilter, IdFilter, YearFilter
from saiteki.ledger.choices import (
    ClassificationLevel,
    CostCategory,
    CostStage,
    HostingForm,
    LifecycleStatus,
    NetworkSegment,
    ServerKind,
    StandardBusiness,
)
from saiteki.ledger.models import Contract, Cost, Server, System, Tag

_SMALL = {"class": "form-select form-select-sm"}


def _style(filterset) -> None:
    for field in filterset.form.fields.values():
        css = (
            "form-select form-select-sm"
            if isinstance(field.widget, forms.Select)
            else "form-control form-control-sm"
        )
        field.widget.attrs.setdefault("class", css)


def text_search(queryset, value: str, fields: tuple[str, ...]):
    """Substring search on several fields; every word (split on spaces) must match somewhere.

    ``icontains`` is a plain substring match on both databases, so 1–2 character Japanese words
    (税, 図書) are found too; on PostgreSQL the pg_trgm indexes speed up words of 3+ characters.
    """
    for word in value.replace("\u3000", " ").split():
        q = Q()
        for field in fields:
            q |= Q(**{f"{field}__icontains": word})
        queryset = queryset.filter(q)
    return queryset


class SystemFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("キーワード"), method="search")
    bureau = django_filters.ModelChoiceFilter(
        label=_("部局"),
        field_name="owning_division__parent",
        queryset=Organization.objects.filter(kind=OrganizationKind.BUREAU),
        empty_label=_("すべて"),
    )
    owning_division = django_filters.ModelChoiceFilter(
        label=_("所属"),
        queryset=Organization.objects.filter(kind=OrganizationKind.DIVISION),
        empty_label=_("すべて"),
    )
    status = django_filters.ChoiceFilter(
        label=_("状態"), choices=LifecycleStatus.choices, empty_label=_("すべて")
    )
    segment = django_filters.ChoiceFilter(
        label=_("ネットワーク区分"),
        choices=NetworkSegment.choices,
        method="filter_segment",
        empty_label=_("すべて"),
    )
    hosting_form = django_filters.ChoiceFilter(
        label=_("稼働形態"), choices=HostingForm.choices, empty_label=_("すべて")
    )
    confidentiality = django_filters.ChoiceFilter(
        label=_("機密性"), choices=ClassificationLevel.choices, empty_label=_("すべて")
    )
    joint_use = django_filters.BooleanFilter(
        label=_("共同利用"),
        method="filter_joint_use",
        widget=forms.Select(choices=[("", _("すべて")), ("true", _("あり")), ("false", _("なし"))]),
    )
    standard_business = django_filters.ChoiceFilter(
        label=_("標準化対象業務"), choices=StandardBusiness.choices, empty_label=_("すべて")
    )
    tag = django_filters.ModelChoiceFilter(
        label=_("タグ"), field_name="tags", queryset=Tag.objects.all(), empty_label=_("すべて")
    )

    class Meta:
        model = System
        fields = [
            "q",
            "bureau",
            "owning_division",
            "status",
            "segment",
            "hosting_form",
            "confidentiality",
            "joint_use",
            "standard_business",
            "tag",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)

    def search(self, queryset, name, value):
        from saiteki.ledger.selectors import system_text_search  # gram index on PostgreSQL (ADR 0007)

        return system_text_search(queryset, value)

    def filter_segment(self, queryset, name, value):
        return queryset.filter(**{f"segment_{value}": True}) if value in NetworkSegment.values else queryset

    def filter_joint_use(self, queryset, name, value):
        if value is None:
            return queryset
        has = queryset.filter(joint_municipalities__isnull=False).values("pk")
        return queryset.filter(pk__in=has) if value else queryset.exclude(pk__in=has)


class ServerFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("キーワード"), method="search")
    kind = django_filters.ChoiceFilter(label=_("種別"), choices=ServerKind.choices, empty_label=_("すべて"))
    segment = django_filters.ChoiceFilter(
        label=_("ネットワーク区分"), choices=NetworkSegment.choices, empty_label=_("すべて")
    )
    maintenance_end_before = DateFilter(
        label=_("保守期限（この日以前）"), field_name="maintenance_end", lookup_expr="lte"
    )
    system = IdFilter(label=_("システムID"), field_name="systems")

    class Meta:
        model = Server
        fields = ["q", "kind", "segment", "maintenance_end_before", "system"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)

    def search(self, queryset, name, value):
        return text_search(queryset, value, ("name", "location", "systems__name")).distinct()


class ContractFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("キーワード"), method="search")
    fiscal_year = YearFilter(label=_("契約年度"))
    procurement_method = django_filters.ChoiceFilter(
        label=_("調達方法"),
        choices=Contract._meta.get_field("procurement_method").choices,
        empty_label=_("すべて"),
    )

    class Meta:
        model = Contract
        fields = ["q", "fiscal_year", "procurement_method"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)

    def search(self, queryset, name, value):
        return text_search(queryset, value, ("number", "title", "vendor__name"))


class CostFilterSet(django_filters.FilterSet):
    system = IdFilter(label=_("システムID"))
    fiscal_year = YearFilter(label=_("年度"))
    category = django_filters.ChoiceFilter(
        label=_("経費区分"), choices=CostCategory.choices, empty_label=_("すべて")
    )
    stage = django_filters.ChoiceFilter(label=_("段階"), choices=CostStage.choices, empty_label=_("すべて"))

    class Meta:
        model = Cost
        fields = ["system", "fiscal_year", "category", "stage"]
