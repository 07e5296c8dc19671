"""One FilterSet per model, shared by the list pages, the API and the xlsx export."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from saiteki.accounts.choices import OrganizationKind
from saiteki.accounts.models import Organization
from saiteki.core.filters import IdFilter, YearFilter
from saiteki.ledger.filtersets import text_search

from .choices import CaseKind, CaseState, Disposition, ProposalStatus
from .models import AdvisorOpinion, Evaluation, Proposal, ReviewCase


def _style(filterset) -> None:
    for field in filterset.form.fields.values():
        css = (
            "form-select form-select-sm"
            if isinstance(field.widget, forms.Select)
            else "form-control form-control-sm"
        )
        field.widget.attrs.setdefault("class", css)


class CaseFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("キーワード"), method="search")
    fiscal_year = YearFilter(label=_("年度"))
    kind = django_filters.ChoiceFilter(label=_("種別"), choices=CaseKind.choices, empty_label=_("すべて"))
    state = django_filters.ChoiceFilter(label=_("状態"), choices=CaseState.choices, empty_label=_("すべて"))
    system = IdFilter(label=_("システムID"))
    bureau = django_filters.ModelChoiceFilter(
        label=_("部局"),
        field_name="division__parent",
        queryset=Organization.objects.filter(kind=OrganizationKind.BUREAU).order_by("sort_order"),
        empty_label=_("すべて"),
    )
    overdue = django_filters.BooleanFilter(
        label=_("期限超過のみ"), method="filter_overdue", widget=forms.CheckboxInput
    )

    class Meta:
        model = ReviewCase
        fields = ["q", "fiscal_year", "kind", "state", "bureau", "system", "overdue"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)
        self.form.fields["overdue"].widget.attrs["class"] = "form-check-input"

    def search(self, queryset, name, value):
        return text_search(
            queryset, value, ("title", "system__number", "system__name", "planned_system_name")
        )

    def filter_overdue(self, queryset, name, value):
        from django.utils import timezone

        from .choices import OPEN_STATES

        if not value:
            return queryset
        return queryset.filter(state__in=OPEN_STATES, due_date__lt=timezone.localdate())


class OpinionFilterSet(django_filters.FilterSet):
    fiscal_year = YearFilter(label=_("年度"), field_name="case__fiscal_year")
    case = IdFilter(label=_("審査案件ID"))
    answered = django_filters.BooleanFilter(label=_("回答済み"), method="filter_answered")

    class Meta:
        model = AdvisorOpinion
        fields = ["fiscal_year", "case", "answered"]

    def filter_answered(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.exclude(opinion="") if value else queryset.filter(opinion="")


class EvaluationFilterSet(django_filters.FilterSet):
    fiscal_year = YearFilter(label=_("年度"), field_name="case__fiscal_year")
    disposition = django_filters.ChoiceFilter(
        label=_("評価結果"), choices=Disposition.choices, empty_label=_("すべて")
    )
    system = IdFilter(label=_("システムID"), field_name="case__system")

    class Meta:
        model = Evaluation
        fields = ["fiscal_year", "disposition", "system"]


class ProposalFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("キーワード"), method="search")
    status = django_filters.ChoiceFilter(
        label=_("状況"), choices=ProposalStatus.choices, empty_label=_("すべて")
    )
    due_fiscal_year = YearFilter(label=_("対応期限年度"))
    system = IdFilter(label=_("システムID"))

    class Meta:
        model = Proposal
        fields = ["q", "status", "due_fiscal_year", "system"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)

    def search(self, queryset, name, value):
        return text_search(queryset, value, ("title", "system__number", "system__name"))
