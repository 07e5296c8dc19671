"""One FilterSet per planner model, shared by the list pages, the API and the exports."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from saiteki.consolidation.choices import RunStatus, SelectionMode
from saiteki.consolidation.models import HostModel, Scenario, ScenarioRun
from saiteki.core.filters import IdFilter, YearFilter
from saiteki.ledger.filtersets import _style, text_search


class HostModelFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("キーワード"), method="search")

    class Meta:
        model = HostModel
        fields = ["q"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)

    def search(self, queryset, name, value):
        return text_search(queryset, value, ("name", "product"))


class ScenarioFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("キーワード"), method="search")
    selection = django_filters.ChoiceFilter(
        label=_("対象の選び方"), choices=SelectionMode.choices, empty_label=_("すべて")
    )
    fiscal_year = YearFilter(label=_("計画開始年度"))

    class Meta:
        model = Scenario
        fields = ["q", "selection", "fiscal_year"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)

    def search(self, queryset, name, value):
        return text_search(queryset, value, ("name", "description"))


class ScenarioRunFilterSet(django_filters.FilterSet):
    scenario = IdFilter(label=_("シナリオID"))
    status = django_filters.ChoiceFilter(label=_("状態"), choices=RunStatus.choices, empty_label=_("すべて"))

    class Meta:
        model = ScenarioRun
        fields = ["scenario", "status"]
