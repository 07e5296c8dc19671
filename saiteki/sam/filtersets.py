"""FilterSets of the SAM lists: one per model, shared by the page, its xlsx export and the API."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from saiteki.accounts.choices import OrganizationKind
from saiteki.accounts.models import Organization
from saiteki.ledger.filtersets import _style, text_search

from .choices import (
    DeviceKind,
    DeviceStatus,
    EntitlementType,
    LicenceState,
    MatchMethod,
    Metric,
    RuleKind,
    TitleCategory,
)
from .models import Device, Entitlement, NormalisationRule, Scan, SoftwareName, Title

_YES_NO = [("", _("すべて")), ("true", _("はい")), ("false", _("いいえ"))]


def _divisions():
    return Organization.objects.filter(kind=OrganizationKind.DIVISION).order_by("sort_order", "code")


class _Styled(django_filters.FilterSet):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class TitleFilterSet(_Styled):
    q = django_filters.CharFilter(label=_("キーワード"), method="search")
    category = django_filters.ChoiceFilter(
        label=_("分類"), choices=TitleCategory.choices, empty_label=_("すべて")
    )
    metric = django_filters.ChoiceFilter(label=_("数え方"), choices=Metric.choices, empty_label=_("すべて"))
    licensable = django_filters.BooleanFilter(
        label=_("ライセンス管理対象"), widget=forms.Select(choices=_YES_NO)
    )

    class Meta:
        model = Title
        fields = ["q", "category", "metric", "licensable"]

    def search(self, queryset, name, value):
        return text_search(queryset, value, ("name", "publisher", "product", "edition", "version_family"))


class EntitlementFilterSet(_Styled):
    q = django_filters.CharFilter(label=_("キーワード"), method="search")
    kind = django_filters.ChoiceFilter(
        label=_("種類"), choices=EntitlementType.choices, empty_label=_("すべて")
    )
    state = django_filters.ChoiceFilter(
        label=_("状態"), choices=LicenceState.choices, empty_label=_("すべて")
    )
    owner_division = django_filters.ModelChoiceFilter(
        label=_("保有所属"), queryset=_divisions(), empty_label=_("すべて")
    )
    pool = django_filters.BooleanFilter(
        label=_("全庁共通"),
        field_name="owner_division",
        lookup_expr="isnull",
        widget=forms.Select(choices=_YES_NO),
    )
    title = django_filters.ModelChoiceFilter(
        label=_("ソフトウェア"), queryset=Title.objects.order_by("name"), empty_label=_("すべて")
    )

    class Meta:
        model = Entitlement
        fields = ["q", "kind", "state", "owner_division", "pool", "title"]

    def search(self, queryset, name, value):
        return text_search(
            queryset, value, ("number", "title__name", "notes", "purchases__order_number")
        ).distinct()


class DeviceFilterSet(_Styled):
    q = django_filters.CharFilter(label=_("キーワード"), method="search")
    kind = django_filters.ChoiceFilter(label=_("種別"), choices=DeviceKind.choices, empty_label=_("すべて"))
    status = django_filters.ChoiceFilter(
        label=_("状態"), choices=DeviceStatus.choices, empty_label=_("すべて")
    )
    division = django_filters.ModelChoiceFilter(
        label=_("所属"), queryset=_divisions(), empty_label=_("すべて")
    )
    unassigned = django_filters.BooleanFilter(
        label=_("所属未設定"),
        field_name="division",
        lookup_expr="isnull",
        widget=forms.Select(choices=_YES_NO),
    )
    title = django_filters.ModelChoiceFilter(
        label=_("インストール済みのソフトウェア"),
        queryset=Title.objects.order_by("name"),
        method="filter_title",
        empty_label=_("すべて"),
    )

    class Meta:
        model = Device
        fields = ["q", "kind", "status", "division", "unassigned", "title"]

    def search(self, queryset, name, value):
        return text_search(
            queryset, value, ("hostname", "serial", "model_name", "os", "user_code", "user_name")
        )

    def filter_title(self, queryset, name, value: Title):
        from .models import Installation

        installed = Installation.objects.filter(active=True, name__title=value).values("device_id")
        return queryset.filter(pk__in=installed)


class SoftwareNameFilterSet(_Styled):
    q = django_filters.CharFilter(label=_("キーワード"), method="search")
    method = django_filters.ChoiceFilter(
        label=_("対応付け"), choices=MatchMethod.choices, empty_label=_("すべて")
    )
    title = django_filters.ModelChoiceFilter(
        label=_("ソフトウェア"), queryset=Title.objects.order_by("name"), empty_label=_("すべて")
    )

    class Meta:
        model = SoftwareName
        fields = ["q", "method", "title"]

    def search(self, queryset, name, value):
        return text_search(queryset, value, ("key", "example"))


class RuleFilterSet(_Styled):
    q = django_filters.CharFilter(label=_("キーワード"), method="search")
    kind = django_filters.ChoiceFilter(label=_("種類"), choices=RuleKind.choices, empty_label=_("すべて"))

    class Meta:
        model = NormalisationRule
        fields = ["q", "kind"]

    def search(self, queryset, name, value):
        return text_search(queryset, value, ("pattern", "normalised", "note", "title__name"))


class ScanFilterSet(_Styled):
    q = django_filters.CharFilter(label=_("キーワード"), method="search")

    class Meta:
        model = Scan
        fields = ["q"]

    def search(self, queryset, name, value):
        return text_search(queryset, value, ("file_name",))
