"""Cost analysis pages: the analysis (totals, trend since a baseline) and the cost-row list it drills to.

The analysis page only presents what :mod:`saiteki.ledger.analysis` computes; every figure links to
the rows behind it — the system list (``/ledger/systems/?bureau=…&hosting_form=…``, whose totals row
shows the same amount for the selected year and stage) or the cost-row list below, which exports to
xlsx exactly as shown.
"""

from __future__ import annotations

import urllib.parse
from decimal import Decimal

import django_filters
from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from saiteki.accounts.choices import OrganizationKind
from saiteki.accounts.models import Organization
from saiteki.core import permissions as perms
from saiteki.core.display import fy_text
from saiteki.core.errors import ParseError
from saiteki.core.fiscal import parse_fiscal_year
from saiteki.core.paginator import KnownCountPaginator
from saiteki.core.tables import Column, Table
from saiteki.core.views.generic import ObjectListView
from saiteki.ledger import analysis, analysis_asof
from saiteki.ledger.choices import (
    BUILD_CATEGORIES,
    RUN_CATEGORIES,
    CostGroup,
    CostStage,
    HostingForm,
    group_of,
)
from saiteki.ledger.filtersets import CostFilterSet, text_search
from saiteki.ledger.models import Cost

# ---------------------------------------------------------------------------------------------------
# The analysis page
# ---------------------------------------------------------------------------------------------------


class CostAnalysisForm(forms.Form):
    """The page's query string. Bad values get a Japanese message and the defaults, never a 500."""

    stage = forms.ChoiceField(
        label=gettext_lazy("経費の段階"),
        choices=CostStage.choices,
        required=False,
        error_messages={
            "invalid_choice": gettext_lazy(
                "経費の段階「%(value)s」は選べません。要求額・予算額・決算額から選んでください。"
            )
        },
    )
    baseline = forms.CharField(label=gettext_lazy("基準年度"), required=False, max_length=40)

    def __init__(self, *args, fiscal_year: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fiscal_year = fiscal_year

    def clean_baseline(self) -> int | None:
        value = self.cleaned_data.get("baseline", "").strip()
        if not value:
            return None
        try:
            baseline = parse_fiscal_year(value)
        except ParseError as exc:
            raise forms.ValidationError(
                _("基準年度: %(message)s") % {"message": exc.message}, code="invalid"
            ) from exc
        if baseline > self.fiscal_year:
            raise forms.ValidationError(
                _("基準年度（%(baseline)s）は表示年度（%(fy)s）以前の年度を指定してください。")
                % {"baseline": fy_text(baseline), "fy": fy_text(self.fiscal_year)},
                code="after_fiscal_year",
            )
        return baseline


def _pct_label(value: Decimal | None) -> str:
    """「-30.2%」「+4.0%」「0.0%」: the sign is always written, so a change never reads as a level."""
    if value is None:
        return ""
    return f"{value:+.1f}%" if value != 0 else "0.0%"


def _share_label(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.1f}%"


def _url(name: str, params: dict) -> str:
    query = urllib.parse.urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return reverse(name) + (f"?{query}" if query else "")


class CostAnalysisView(View):
    """経費分析: totals of the selected fiscal year and stage, and the recurring-cost trend since a baseline."""

    template_name = "ledger/cost_analysis.html"

    def get(self, request):
        if not perms.role_allows(request.user, perms.VIEW, Cost):
            raise PermissionDenied(_("経費分析を表示する権限がありません。"))
        as_of = analysis_asof.as_of_param(request)  # 「時点」: the analysis with the ledger of a past day
        fiscal_year = as_of.fiscal_year or request.fiscal_year
        form = CostAnalysisForm(request.GET or None, fiscal_year=fiscal_year)
        stage = analysis.DEFAULT_STAGE.value
        baseline = min(analysis.DEFAULT_BASELINE, fiscal_year)
        status = 200
        if form.is_bound:
            form.is_valid()
            data = form.cleaned_data
            stage = data.get("stage") or stage
            baseline = data.get("baseline") or baseline
            if form.errors:
                status = 400
        if as_of.day:
            result = analysis_asof.cost_analysis_as_of(
                user=request.user, day=as_of.day, stage=stage, baseline=baseline
            )
        else:
            result = analysis.cost_analysis(
                user=request.user, fiscal_year=fiscal_year, stage=stage, baseline=baseline
            )
        context = {
            "title": _("経費分析"),
            "form": form,
            "a": result,
            "stage": stage,
            "stage_label": CostStage(stage).label,
            "stages": CostStage.choices,
            "baseline_options": self._baseline_options(fiscal_year, baseline),
            "bureau_rows": self._group_rows(result.by_bureau, result, stage),
            "hosting_rows": self._group_rows(result.by_hosting, result, stage),
            "matrix": self._matrix(result, stage),
            "category_groups": self._category_groups(result, stage),
            "year_rows": self._year_rows(result, stage),
            "trend_rows": self._trend_rows(result, stage),
            "trend_chart": self._trend_chart(result),
            "year_chart": self._year_chart(result),
            "target_pct_label": _pct_label(analysis.TARGET_CHANGE_PCT),
            "latest_pct_label": _pct_label(result.latest.change_pct if result.latest else None),
            "system_list_url": _url("ledger:system_list", {"stage": stage}),
            "cost_rows_url": _url("ledger:cost_list", {"fiscal_year": fiscal_year, "stage": stage}),
        }
        analysis_asof.page_context(context, as_of)
        return render(request, self.template_name, context, status=status)

    @staticmethod
    def _baseline_options(fiscal_year: int, chosen: int) -> list[dict]:
        years = sorted({*range(min(analysis.BASELINE_PRESETS), fiscal_year + 1), chosen})
        return [
            {
                "value": y,
                "label": fy_text(y)
                + (f" — {analysis.BASELINE_PRESETS[y]}" if y in analysis.BASELINE_PRESETS else ""),
                "selected": y == chosen,
            }
            for y in years
            if y <= fiscal_year
        ]

    @staticmethod
    def _cost_url(a: analysis.CostAnalysis, stage: str, **filters) -> str:
        return _url("ledger:cost_list", {"fiscal_year": a.fiscal_year, "stage": stage, **filters})

    def _group_rows(self, rows: list[analysis.GroupRow], a: analysis.CostAnalysis, stage: str) -> list[dict]:
        out = []
        for row in rows:
            drill = row.filters
            out.append(
                {
                    "row": row,
                    "share": _share_label(row.share),
                    "systems_url": _url("ledger:system_list", {**drill, "stage": stage}) if drill else "",
                    "build_url": self._cost_url(a, stage, group=CostGroup.BUILD.value, **drill),
                    "run_url": self._cost_url(a, stage, group=CostGroup.RUN.value, **drill),
                    "total_url": self._cost_url(a, stage, **drill),
                }
            )
        return out

    def _matrix(self, a: analysis.CostAnalysis, stage: str) -> dict:
        forms_used = [h for h in a.by_hosting if h.amounts.total or h.systems]
        rows = []
        for bureau in a.by_bureau:
            cells = []
            for hosting in forms_used:
                amount = a.matrix.get((bureau.key, hosting.key), 0)
                drill = {**bureau.filters, **hosting.filters}
                cells.append(
                    {
                        "amount": amount,
                        "url": self._cost_url(a, stage, **drill) if amount else "",
                        "systems_url": _url("ledger:system_list", {**drill, "stage": stage})
                        if bureau.filters
                        else "",
                    }
                )
            rows.append({"bureau": bureau, "cells": cells})
        return {"columns": forms_used, "rows": rows}

    def _category_groups(self, a: analysis.CostAnalysis, stage: str) -> list[dict]:
        return [
            {
                "group": g,
                "url": self._cost_url(a, stage, group=g.group),
                "share": _share_label(analysis.share_of(g.amount, a.total.total)),
                "rows": [
                    {
                        "row": r,
                        "share": _share_label(r.share),
                        "url": self._cost_url(a, stage, category=r.category),
                    }
                    for r in g.rows
                ],
            }
            for g in a.by_category
        ]

    @staticmethod
    def _year_rows(a: analysis.CostAnalysis, stage: str) -> list[dict]:
        return [
            {
                "row": r,
                "url": _url("ledger:cost_list", {"fiscal_year": r.fiscal_year, "stage": stage}),
                "build_url": _url(
                    "ledger:cost_list",
                    {"fiscal_year": r.fiscal_year, "stage": stage, "group": CostGroup.BUILD.value},
                ),
                "run_url": _url(
                    "ledger:cost_list",
                    {"fiscal_year": r.fiscal_year, "stage": stage, "group": CostGroup.RUN.value},
                ),
            }
            for r in reversed(a.by_year)
        ]

    @staticmethod
    def _trend_rows(a: analysis.CostAnalysis, stage: str) -> list[dict]:
        return [
            {
                "point": p,
                "pct": _pct_label(p.change_pct),
                "url": _url(
                    "ledger:cost_list",
                    {"fiscal_year": p.fiscal_year, "stage": stage, "group": CostGroup.RUN.value},
                ),
            }
            for p in a.trend
        ]

    @staticmethod
    def _trend_chart(a: analysis.CostAnalysis) -> dict:
        return {
            "labels": [fy_text(p.fiscal_year, style="wareki") for p in a.trend],
            "run": [p.run for p in a.trend],
            "target": [a.target_run for _p in a.trend],
            "names": [
                _("運用等経費"),
                _("目標（基準年度比 %(pct)s）") % {"pct": _pct_label(analysis.TARGET_CHANGE_PCT)},
            ],
        }

    @staticmethod
    def _year_chart(a: analysis.CostAnalysis) -> dict:
        return {
            "labels": [fy_text(r.fiscal_year, style="wareki") for r in a.by_year],
            "build": [r.amounts.build for r in a.by_year],
            "run": [r.amounts.run for r in a.by_year],
            "names": [str(CostGroup.BUILD.label), str(CostGroup.RUN.label)],
        }


# ---------------------------------------------------------------------------------------------------
# The cost-row list (drill-down target, xlsx export)
# ---------------------------------------------------------------------------------------------------


class CostRowFilterSet(CostFilterSet):
    """CostFilterSet plus the dimensions the analysis groups by (部局, 所属, 稼働形態, 整備/運用等).

    These filters belong in :class:`~saiteki.ledger.filtersets.CostFilterSet` itself (one FilterSet per
    model, shared with the API); they live here until that file's owner moves them.
    """

    q = django_filters.CharFilter(label=gettext_lazy("システム"), method="search")
    bureau = django_filters.ModelChoiceFilter(
        label=gettext_lazy("部局"),
        field_name="system__owning_division__parent",
        queryset=Organization.objects.filter(kind=OrganizationKind.BUREAU),
        empty_label=gettext_lazy("すべて"),
    )
    owning_division = django_filters.ModelChoiceFilter(
        label=gettext_lazy("所属"),
        field_name="system__owning_division",
        queryset=Organization.objects.filter(kind=OrganizationKind.DIVISION),
        empty_label=gettext_lazy("すべて"),
    )
    hosting_form = django_filters.ChoiceFilter(
        label=gettext_lazy("稼働形態"),
        field_name="system__hosting_form",
        choices=HostingForm.choices,
        empty_label=gettext_lazy("すべて"),
    )
    group = django_filters.ChoiceFilter(
        label=gettext_lazy("整備・運用等"),
        choices=CostGroup.choices,
        method="filter_group",
        empty_label=gettext_lazy("すべて"),
    )

    class Meta(CostFilterSet.Meta):
        fields = [
            "q",
            "fiscal_year",
            "stage",
            "bureau",
            "owning_division",
            "hosting_form",
            "group",
            "category",
            "system",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for f in self.form.fields.values():
            css = (
                "form-select form-select-sm"
                if isinstance(f.widget, forms.Select)
                else "form-control form-control-sm"
            )
            f.widget.attrs.setdefault("class", css)

    def search(self, queryset, name, value):
        return text_search(queryset, value, ("system__number", "system__name"))

    def filter_group(self, queryset, name, value):
        categories = BUILD_CATEGORIES if value == CostGroup.BUILD else RUN_CATEGORIES
        return queryset.filter(category__in=[c.value for c in categories])


def _group_label(category: str) -> str:
    return str(CostGroup(group_of(category)).label)


COST_ROW_TABLE = Table(
    columns=[
        Column(
            "system_number",
            gettext_lazy("システム番号"),
            accessor="system.number",
            order_by="system__number",
            link=True,
        ),
        Column("system_name", gettext_lazy("システム名"), accessor="system.name", order_by="system__name"),
        Column(
            "bureau",
            gettext_lazy("部局"),
            accessor="system.owning_division.parent.name",
            order_by="system__owning_division__parent__sort_order",
        ),
        Column(
            "division",
            gettext_lazy("所管所属"),
            accessor="system.owning_division.name",
            order_by="system__owning_division__sort_order",
        ),
        Column(
            "hosting_form",
            gettext_lazy("稼働形態"),
            accessor="system.hosting_form",
            kind="choice",
            order_by="system__hosting_form",
        ),
        Column("fiscal_year", gettext_lazy("年度"), kind="fy"),
        Column(
            "group",
            gettext_lazy("整備・運用等"),
            values=("category",),
            compute=_group_label,
            order_by=False,
        ),
        Column("category", gettext_lazy("経費区分"), kind="choice"),
        Column("stage", gettext_lazy("段階"), kind="choice"),
        Column("amount", gettext_lazy("金額(円)"), kind="yen", total=True),
    ],
    default_order="system__number",
    select_related=("system__owning_division__parent",),
)


class CostRowListView(ObjectListView):
    """The cost rows behind a figure of the analysis, filtered by the same dimensions; exports to xlsx.

    Without a fiscal year in the query string the list redirects to the header's fiscal year and the
    default stage, so every URL of this page names its year and can be shared as is.
    """

    model = Cost
    table = COST_ROW_TABLE
    filterset_class = CostRowFilterSet
    template_name = "ledger/cost_analysis_costs.html"
    title = gettext_lazy("経費明細")

    def get(self, request, *args, **kwargs):
        if "fiscal_year" not in request.GET:
            query = request.GET.copy()
            query["fiscal_year"] = request.fiscal_year
            query.setdefault("stage", analysis.DEFAULT_STAGE.value)
            return redirect(f"{request.path}?{query.urlencode()}")
        return super().get(request, *args, **kwargs)

    def get_queryset(self, request):
        return analysis.costs_for_analysis(user=request.user)

    def filtered(self, request):
        """An invalid filter shows no rows (and the error), never every row: the totals row of a drill-down
        must not silently turn into the total of the whole cost matrix."""
        qs, filterset, sort = super().filtered(request)
        self._cells = None
        if filterset is not None and filterset.is_bound and not filterset.is_valid():
            qs = qs.none()
        elif filterset is not None:
            # The drill-down's dimensions are the summary's: its count and totals row come from the
            # summary cells, not from counting and summing 20 million cost rows (ADR 0007).
            data = filterset.form.cleaned_data if filterset.is_bound else None
            self._cells = analysis.cost_summary_for_rows(user=request.user, filters=data)
        return qs, filterset, sort

    def _summed(self) -> dict | None:
        if self._cells is None:
            return None
        if not hasattr(self, "_sums"):
            self._sums = self._cells.aggregate(rows=Sum("cost_rows"), amount=Sum("amount"))
        return self._sums

    def paginate(self, request, qs):
        summed = self._summed()
        count = (summed["rows"] or 0) if summed is not None else None
        return KnownCountPaginator(qs, self.paginate_by, count=count).get_page(request.GET.get("page"))

    def totals(self, qs, columns) -> dict | None:
        summed = self._summed()
        if summed is None or not any(c.name == "amount" for c in columns):
            return super().totals(qs, columns)
        return {"amount": summed["amount"] or 0}

    #: The title names the year and stage (「経費明細　令和8年度（2026年度）　予算額」), the filter line the rest.
    export_scope_filters = ("fiscal_year", "stage")

    def export_scope(self, request, filterset) -> list[str]:
        if filterset is None or not filterset.is_valid():
            return []
        fy, stage = filterset.form.cleaned_data.get("fiscal_year"), filterset.form.cleaned_data.get("stage")
        return [
            fy_text(fy) if fy else "",
            str(CostStage(stage).label) if stage in CostStage.values else "",
        ]

    def extra_context(self, request):
        return {"analysis_url": _url("ledger:cost_analysis", {"stage": request.GET.get("stage", "")})}
