"""FilterSets of the lifecycle lists (the page, its xlsx export and the API share them)."""

from __future__ import annotations

import datetime

import django_filters
from django.utils.translation import gettext_lazy as _

from saiteki.accounts.choices import OrganizationKind
from saiteki.accounts.models import Organization
from saiteki.ledger.filtersets import _style, text_search

from .choices import Horizon, ProductCategory, RiskStatus, RuleKind
from .models import ComponentLifecycle, MatchRule, Product
from .selectors import horizon_end


class RiskFilterSet(django_filters.FilterSet):
    """The risk list's filters. ``status`` filters the annotated status (the queryset is annotated
    for the list's date); ``horizon`` keeps components whose support ends by the horizon's end."""

    q = django_filters.CharFilter(label=_("キーワード"), method="search")
    status = django_filters.MultipleChoiceFilter(
        label=_("状態"), choices=RiskStatus.choices, field_name="status"
    )
    horizon = django_filters.ChoiceFilter(
        label=_("期限"), choices=Horizon.choices, method="filter_horizon", empty_label=_("すべて")
    )
    months = django_filters.NumberFilter(label=_("Nか月"), method="noop")
    bureau = django_filters.ModelChoiceFilter(
        label=_("部局"),
        field_name="component__system__owning_division__parent",
        queryset=Organization.objects.filter(kind=OrganizationKind.BUREAU),
        empty_label=_("すべて"),
    )
    category = django_filters.ChoiceFilter(
        label=_("分類"),
        choices=ProductCategory.choices,
        field_name="cycle__product__category",
        empty_label=_("すべて"),
    )
    product = django_filters.ModelChoiceFilter(
        label=_("製品"),
        field_name="cycle__product",
        queryset=Product.objects.order_by("title"),
        empty_label=_("すべて"),
    )

    class Meta:
        model = ComponentLifecycle
        fields = ["q", "status", "horizon", "months", "bureau", "category", "product"]

    def __init__(self, *args, on: datetime.date | None = None, **kwargs):
        self.on = on or datetime.date.today()
        super().__init__(*args, **kwargs)
        _style(self)
        self.form.fields["status"].widget.attrs["size"] = 3
        self.form.fields["months"].widget.attrs.update({"min": 1, "max": 120, "style": "width:6em"})

    def search(self, queryset, name, value):
        return text_search(
            queryset,
            value,
            (
                "component__system__number",
                "component__system__name",
                "component__product",
                "component__product_version",
                "component__server__name",
            ),
        )

    def noop(self, queryset, name, value):
        return queryset

    def filter_horizon(self, queryset, name, value):
        months = int(self.form.cleaned_data.get("months") or 12)
        end = horizon_end(value, on=self.on, months=max(1, min(months, 120)))
        return queryset.filter(known=True, eff_eol__lte=end)


class MatchRuleFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("キーワード"), method="search")
    kind = django_filters.ChoiceFilter(label=_("種類"), choices=RuleKind.choices, empty_label=_("すべて"))

    class Meta:
        model = MatchRule
        fields = ["q", "kind"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)

    def search(self, queryset, name, value):
        return text_search(queryset, value, ("pattern", "normalised", "note"))


class ProductFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("キーワード"), method="search")
    category = django_filters.ChoiceFilter(
        label=_("分類"), choices=ProductCategory.choices, empty_label=_("すべて")
    )

    class Meta:
        model = Product
        fields = ["q", "category"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)

    def search(self, queryset, name, value):
        return text_search(queryset, value, ("slug", "title"))
