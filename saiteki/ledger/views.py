"""Ledger pages: system list and karte, servers, contracts, the per-system cost grid."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from saiteki.core import permissions as perms
from saiteki.core.display import fy_text
from saiteki.core.errors import ApplicationError
from saiteki.core.models import JournalEntry
from saiteki.core.money import parse_yen
from saiteki.core.paginator import KnownCountPaginator
from saiteki.core.registry import registry
from saiteki.core.tables import Column, Table
from saiteki.core.views.generic import (
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectHistoryView,
    ObjectListView,
    can_write_journal,
    master_data_views,
)
from saiteki.ledger import selectors, services
from saiteki.ledger.choices import BUILD_CATEGORIES, RUN_CATEGORIES, CostCategory, CostStage
from saiteki.ledger.fieldsets import CONTRACT_FIELDS, SERVER_FIELDS
from saiteki.ledger.filtersets import ContractFilterSet, ServerFilterSet, SystemFilterSet
from saiteki.ledger.forms import (
    ComponentForm,
    ContractForm,
    MunicipalityForm,
    ServerForm,
    SystemForm,
    TagForm,
    VendorForm,
)
from saiteki.ledger.models import Component, Contract, Municipality, SavedFilter, Server, System, Tag, Vendor
from saiteki.ledger.tables import CONTRACT_TABLE, SERVER_TABLE, SYSTEM_TABLE


def _stage(request) -> str:
    stage = request.GET.get("stage", CostStage.BUDGET)
    return stage if stage in CostStage.values else CostStage.BUDGET


class SystemListView(ObjectListView):
    model = System
    table = SYSTEM_TABLE
    filterset_class = SystemFilterSet
    template_name = "ledger/system_list.html"
    title = gettext_lazy("情報システム台帳")

    def get_queryset(self, request):
        return selectors.systems_for_list(
            user=request.user, fiscal_year=request.fiscal_year, stage=_stage(request)
        )

    def get(self, request, *args, **kwargs):
        if request.GET.get("as_of"):
            # 「時点」: the ledger as it was on a date is rebuilt from the change log (kpi app's page).
            return redirect(reverse("kpi:ledger_as_of") + "?" + request.GET.urlencode())
        if request.GET.get("export") != "xlsx":
            # On screen the cost header names the year and stage shown (「経費 令和8年度・予算額」); the
            # export keeps the column's fixed label, which the import knows as a read-only column.
            label = _("経費 %(fy)s・%(stage)s") % {
                "fy": fy_text(request.fiscal_year, style="wareki"),
                "stage": CostStage(_stage(request)).label,
            }
            self.table = dataclasses.replace(
                self.table,
                columns=[
                    dataclasses.replace(c, label=label) if c.name == "cost_total" else c
                    for c in self.table.columns
                ],
            )
        return super().get(request, *args, **kwargs)

    def filtered(self, request):
        qs, filterset, sort = super().filtered(request)
        self._filterset, self._sort = filterset, sort
        return qs, filterset, sort

    def _scope(self) -> selectors.SystemScope | None:
        """The summary scope of the filters shown (None: count and total the listed rows themselves)."""
        if not hasattr(self, "_scope_cache"):
            filterset = self._filterset
            if filterset is not None and filterset.is_bound and not filterset.is_valid():
                self._scope_cache = None  # the list shows nothing; the rows say so
            else:
                data = filterset.form.cleaned_data if filterset is not None and filterset.is_bound else None
                self._scope_cache = selectors.system_scope(user=self.request.user, filters=data)
        return self._scope_cache

    def paginate(self, request, qs):
        """The count from the system counts when the filters are a scope (exact, a few hundred rows);
        otherwise the listed systems are counted. A cost sort walks the per-system totals' index."""
        scope = self._scope()
        count = selectors.system_count(scope) if scope is not None else qs.count()
        self._count = count
        if self._sort.lstrip("-") == "cost_total":
            qs = selectors.CostOrderedSystems(
                qs,
                fiscal_year=request.fiscal_year,
                stage=_stage(request),
                descending=self._sort.startswith("-"),
                count=count,
                scope=scope,
            )
        return KnownCountPaginator(qs, self.paginate_by, count=count).get_page(request.GET.get("page"))

    def totals(self, qs, columns) -> dict | None:
        """The totals row from the summaries (scope filters) or the listed systems' per-system totals —
        never from the cost rows. Free text or tags matching more than ``TOTALS_LIMIT`` systems show no
        total (a note says why) instead of summing tens of thousands of systems on every page."""
        if not any(c.name == "cost_total" for c in columns):
            return None
        scope = self._scope()
        if scope is None and getattr(self, "_count", 0) > selectors.TOTALS_LIMIT:
            self._totals_omitted = True
            return None
        total = selectors.cost_total_for_systems(
            systems=qs, fiscal_year=self.request.fiscal_year, stage=_stage(self.request), scope=scope
        )
        return {"cost_total": total}

    def export_scope(self, request, filterset) -> list[str]:
        """The export's title names the year and stage its 経費 column is of (「令和8年度（2026年度）　予算額」)."""
        return [fy_text(request.fiscal_year), str(CostStage(_stage(request)).label)]

    def extra_context(self, request):
        return {
            "totals_omitted": getattr(self, "_totals_omitted", False),
            "totals_limit": selectors.TOTALS_LIMIT,
            "saved_filters": SavedFilter.objects.filter(user=request.user),
            "stages": CostStage.choices,
            "stage": _stage(request),
            "stage_label": CostStage(_stage(request)).label,
            "chosen_columns": request.GET.getlist("col") or [c.name for c in self.table.columns if c.default],
            "can_import": perms.role_allows(request.user, perms.IMPORT, System),
        }


class SavedFilterView(View):
    """Save the current list filter under a name, or delete one (each user's own)."""

    def post(self, request):
        if request.POST.get("delete"):
            target = request.POST["delete"].strip()
            if target.isdigit():  # a garbled id deletes nothing (and is no server error)
                SavedFilter.objects.filter(user=request.user, pk=int(target)).delete()
            return redirect("ledger:system_list")
        name = request.POST.get("name", "").strip()[:100]
        query = request.POST.get("query", "")[:2000]
        if not name:
            messages.error(request, _("保存名を入力してください。"))
        else:
            SavedFilter.objects.update_or_create(user=request.user, name=name, defaults={"query": query})
            messages.success(request, _("絞り込み条件「%(name)s」を保存しました。") % {"name": name})
        return redirect(reverse("ledger:system_list") + (f"?{query}" if query else ""))


SYSTEM_TABS = [
    ("overview", gettext_lazy("基本情報")),
    ("karte", gettext_lazy("カルテ")),
    ("servers", gettext_lazy("サーバ・機器")),
    ("components", gettext_lazy("ソフトウェア")),
    ("contracts", gettext_lazy("契約")),
    ("costs", gettext_lazy("経費")),
]
TIMELINE_KINDS = [
    ("", gettext_lazy("すべて")),
    ("journal", gettext_lazy("カルテ記録")),
    ("system", gettext_lazy("システムの変更")),
    ("server", gettext_lazy("サーバの変更")),
    ("component", gettext_lazy("ソフトウェアの変更")),
    ("contract", gettext_lazy("契約の変更")),
    ("cost", gettext_lazy("経費の変更")),
]


class SystemDetailView(ObjectDetailView):
    """The karte page: one system, its timeline and its child objects, tab by tab."""

    model = System
    template_name = "ledger/system_detail.html"
    fields = (
        "number",
        "name",
        "purpose",
        "business",
        "owning_division",
        "status",
        "service_start",
        "hosting_form",
        "confidentiality",
        "integrity",
        "availability",
        "personal_info",
        "my_number",
        "sso_integrated",
        "ipv6_ready",
        "standard_business",
        "joint_municipalities",
        "vendors",
        "tags",
        "notes",
    )

    def get_context(self, request, obj):
        context = super().get_context(request, obj)
        tabs = SYSTEM_TABS + registry.karte_extra_tabs({key for key, _label in SYSTEM_TABS})
        tab = request.GET.get("tab", "overview")
        tab = tab if tab in dict(tabs) else "overview"
        context.update({"tab": tab, "tabs": tabs, "title": str(obj)})
        if tab == "overview":
            context["planned_renewal"] = fy_text(obj.planned_renewal_fy) if obj.planned_renewal_fy else ""
            context["users"] = "、".join(
                label
                for flag, label in (
                    (obj.users_internal, _("職員")),
                    (obj.users_residents, _("県民")),
                    (obj.users_businesses, _("事業者")),
                )
                if flag
            )
        elif tab == "karte":
            kind = request.GET.get("kind", "")
            context["timeline"] = selectors.karte_timeline(
                system=obj,
                kind=kind if kind in dict(TIMELINE_KINDS) else "",
                date_style=getattr(request, "date_style", "wareki"),
            )
            context["timeline_kinds"] = TIMELINE_KINDS
            context["kind"] = kind
            context["can_journal"] = can_write_journal(request.user, obj)
            context["journal_kinds"] = JournalEntry.Kind.choices
        elif tab == "servers":
            context["servers"] = obj.servers.select_related("host").order_by("name")
        elif tab == "components":
            context["components"] = obj.components.select_related("server")
        elif tab == "contracts":
            context["contracts"] = obj.contracts.select_related("vendor")
        elif tab == "costs":
            by_year = selectors.cost_by_year(system=obj)
            context["cost_years"] = by_year
            context["chart_json"] = json.dumps(
                {
                    "labels": [fy_text(y, style="wareki") for y in by_year],
                    "names": [_("予算額（整備）"), _("予算額（運用等）"), _("決算額")],
                    "build": [v.get("budget_build", 0) for v in by_year.values()],
                    "run": [v.get("budget_run", 0) for v in by_year.values()],
                    "actual": [v.get("actual", 0) for v in by_year.values()],
                },
                ensure_ascii=False,
            )
        return context


class SystemEditView(ObjectEditView):
    model = System
    form_class = SystemForm


class SystemDeleteView(ObjectDeleteView):
    """Admins (``perms.DELETE_SYSTEMS``) delete; an owner gets the 廃止 proposal form instead."""

    model = System

    def get(self, request, pk):
        obj = self.get_object(request, pk)
        if perms.has_right(request.user, perms.DELETE_SYSTEMS):
            return super().get(request, pk)
        return render(request, "ledger/system_retire.html", {"object": obj, "title": str(obj)})

    def post(self, request, pk):
        obj = self.get_object(request, pk)
        if perms.has_right(request.user, perms.DELETE_SYSTEMS):
            return super().post(request, pk)
        try:
            services.system_retire_propose(
                user=request.user, system=obj, reason=request.POST.get("reason", "")
            )
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
            return render(
                request, "ledger/system_retire.html", {"object": obj, "title": str(obj)}, status=400
            )
        messages.success(request, _("廃止を申し出ました。情報政策課が確認します。"))
        return redirect(obj.get_absolute_url())


class SystemHistoryView(ObjectHistoryView):
    model = System


#: Units the cost grid accepts and shows amounts in (budget documents are kept in 千円).
COST_GRID_UNITS = ("円", "千円")
COST_GRID_UNIT_LABELS = (("円", gettext_lazy("円")), ("千円", gettext_lazy("千円")))


def _grid_unit(value) -> str:
    return value if value in COST_GRID_UNITS else "円"


def _in_unit(amount: int | None, unit: str) -> str:
    """An amount as typed in the grid's unit: 1,500,000 in 千円 reads 「1,500」, 1,500 reads 「1.5」."""
    if amount is None:
        return ""
    if unit == "千円":
        return f"{(Decimal(amount) / 1000).normalize():,f}"
    return f"{amount:,}"


class SystemCostsView(View):
    """The cost grid of one system: fiscal years down, categories across, one stage at a time.

    Each cell carries the amount it had when the page was read (``o_<fy>_<category>``): only cells the
    user changed are written, and a cell someone else changed meanwhile is a conflict that keeps the
    user's input (see :func:`saiteki.ledger.services.cost_grid_save`).
    """

    template_name = "ledger/system_costs.html"

    def _system(self, request, pk):
        return get_object_or_404(System.objects.restrict(request.user, perms.VIEW), pk=pk)

    def _years(self, request) -> list[int]:
        current = request.fiscal_year
        years = range(current - 9, current + 2)
        return [y for y in years if services.COST_FY_MIN <= y <= services.COST_FY_MAX]

    def get(self, request, pk, errors=None, submitted=None, status=200):
        system = self._system(request, pk)
        source = request.GET if request.method == "GET" else request.POST
        stage = source.get("stage", CostStage.BUDGET)
        stage = stage if stage in CostStage.values else CostStage.BUDGET
        unit = _grid_unit(source.get("unit"))
        years = self._years(request)
        grid = selectors.cost_grid(system=system, stage=stage, years=years)
        categories = [CostCategory(c) for c in (*BUILD_CATEGORIES, *RUN_CATEGORIES)]
        rows = []
        for fy in years:
            cells = []
            for cat in categories:
                key = f"c_{fy}_{cat.value}"
                stored = grid.get((fy, cat.value))
                value, original = _in_unit(stored, unit), stored
                if submitted is not None and _user_changed(submitted, fy, cat.value, unit):
                    # Keep what the user typed, and the amount they started from unless told otherwise.
                    value = submitted.get(key, "")
                    original = _original(submitted, fy, cat.value)
                    if key in (errors or {}) and (errors or {}).get("conflict"):
                        original = stored
                cells.append(
                    {
                        "name": key,
                        "original_name": f"o_{fy}_{cat.value}",
                        "value": value,
                        "original": "" if original is None else original,
                        "error": (errors or {}).get(key),
                        "category": cat,
                        "group": "build" if cat.value in BUILD_CATEGORIES else "run",
                    }
                )
            build = sum(grid.get((fy, c), 0) for c in BUILD_CATEGORIES)
            run = sum(grid.get((fy, c), 0) for c in RUN_CATEGORIES)
            rows.append({"fy": fy, "cells": cells, "build": build, "run": run, "total": build + run})
        column_totals = [sum(grid.get((fy, c.value), 0) for fy in years) for c in categories]
        return render(
            request,
            self.template_name,
            {
                "object": system,
                "title": _("%(name)s の経費") % {"name": system},
                "stage": stage,
                "stage_label": CostStage(stage).label,
                "stages": CostStage.choices,
                "unit": unit,
                "units": COST_GRID_UNIT_LABELS,
                "categories": categories,
                "build_count": len(BUILD_CATEGORIES),
                "run_count": len(RUN_CATEGORIES),
                "rows": rows,
                "column_totals": column_totals,
                "grand_total": sum(column_totals),
                "build_total": sum(r["build"] for r in rows),
                "run_total": sum(r["run"] for r in rows),
                "can_change": perms.can(request.user, perms.CHANGE, system),
                "reason": submitted.get("change_reason", "") if submitted is not None else "",
            },
            status=status,
        )

    def post(self, request, pk):
        system = self._system(request, pk)
        if not perms.can(request.user, perms.CHANGE, system):
            raise PermissionDenied(_("この操作を行う権限がありません。"))
        stage = request.POST.get("stage", CostStage.BUDGET)
        unit = _grid_unit(request.POST.get("unit"))
        cells = {}
        expected = {}
        for fy in self._years(request):
            for cat in CostCategory.values:
                key = f"c_{fy}_{cat}"
                if key in request.POST:
                    cells[(fy, cat)] = request.POST[key].strip()
                    if f"o_{fy}_{cat}" in request.POST:
                        expected[(fy, cat)] = _original(request.POST, fy, cat)
        try:
            counts = services.cost_grid_save(
                user=request.user,
                system=system,
                stage=stage,
                cells=cells,
                unit=unit,
                reason=request.POST.get("change_reason", ""),
                expected=expected or None,
            )
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
            errors = {k: v[0] for k, v in exc.fields.items()}
            if isinstance(exc, services.CostGridConflict):
                errors["conflict"] = True
            return self.get(request, pk, errors=errors, submitted=request.POST, status=exc.status_code)
        messages.success(
            request,
            _("経費を保存しました（追加%(created)s件・変更%(updated)s件・削除%(deleted)s件）。") % counts,
        )
        url = reverse("ledger:system_costs", args=[system.pk]) + f"?stage={stage}"
        return redirect(url + (f"&unit={unit}" if unit != "円" else ""))


def _original(data, fy: int, category: str) -> int | None:
    """The amount (yen) a cell had when the grid was read; None when it was empty or unreadable."""
    raw = str(data.get(f"o_{fy}_{category}", "")).strip()
    return int(raw) if raw.isdigit() else None


def _user_changed(data, fy: int, category: str, unit: str) -> bool:
    """Whether the user edited this cell (compared as amounts, so 「1,000」 equals 1000)."""
    key = f"c_{fy}_{category}"
    if key not in data:
        return False
    if f"o_{fy}_{category}" not in data:
        return True
    raw = data.get(key, "").strip()
    try:
        value = parse_yen(raw, unit=unit) if raw else None
    except ApplicationError:
        return True
    return value != _original(data, fy, category)


class ServerListView(ObjectListView):
    model = Server
    table = SERVER_TABLE
    filterset_class = ServerFilterSet
    template_name = "ledger/server_list.html"
    title = gettext_lazy("サーバ・機器")


class ServerDetailView(ObjectDetailView):
    model = Server
    fields = SERVER_FIELDS


class ServerEditView(ObjectEditView):
    model = Server
    form_class = ServerForm


class ServerDeleteView(ObjectDeleteView):
    model = Server

    def get_object(self, request, pk):
        visible = get_object_or_404(Server.objects.restrict(request.user, perms.VIEW), pk=pk)
        services.shared_delete_check(user=request.user, obj=visible)  # a Japanese 403 naming why
        return super().get_object(request, pk)


class ServerHistoryView(ObjectHistoryView):
    model = Server


class ComponentEditView(ObjectEditView):
    model = Component
    form_class = ComponentForm


class ComponentDeleteView(ObjectDeleteView):
    model = Component

    def get_success_url(self, obj) -> str:
        return reverse("ledger:system_detail", args=[obj.system_id]) + "?tab=components"


class ContractListView(ObjectListView):
    model = Contract
    table = CONTRACT_TABLE
    filterset_class = ContractFilterSet
    title = gettext_lazy("契約")


class ContractDetailView(ObjectDetailView):
    model = Contract
    fields = CONTRACT_FIELDS


class ContractEditView(ObjectEditView):
    model = Contract
    form_class = ContractForm


class ContractHistoryView(ObjectHistoryView):
    model = Contract


# Master data (事業者・市町村・タグ): written by IT policy admins, readable by every role.
VENDOR_TABLE = Table(
    columns=[
        Column("name", gettext_lazy("事業者名"), link=True),
        Column("corporate_number", gettext_lazy("法人番号")),
    ],
    default_order="name",
)
MUNICIPALITY_TABLE = Table(
    columns=[
        Column("code", gettext_lazy("団体コード"), link=True),
        Column("name", gettext_lazy("市町村名"), link=True),
    ],
    default_order="code",
)
TAG_TABLE = Table(columns=[Column("name", gettext_lazy("タグ"), link=True)], default_order="name")


VENDOR_VIEWS = master_data_views(
    model=Vendor,
    form_class=VendorForm,
    table=VENDOR_TABLE,
    title=gettext_lazy("事業者"),
    fields=("name", "corporate_number"),
)
MUNICIPALITY_VIEWS = master_data_views(
    model=Municipality,
    form_class=MunicipalityForm,
    table=MUNICIPALITY_TABLE,
    title=gettext_lazy("市町村"),
    fields=("code", "name"),
)
TAG_VIEWS = master_data_views(
    model=Tag, form_class=TagForm, table=TAG_TABLE, title=gettext_lazy("タグ"), fields=("name",)
)
