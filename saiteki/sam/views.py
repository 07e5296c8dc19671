"""SAM pages: the dashboard, the catalogue (titles, rules, the unmatched queue), licences with their
purchases and proofs, devices, scans, reconciliation runs and volume offers. The inventory campaign and
audits are in :mod:`saiteki.sam.views_inventory`.

Every page asks the policy: lists start from ``restrict(user, "view")``, single objects from the same
queryset (invisible → 404) and ``can(user, action, obj)`` (visible but not allowed → 403).
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from saiteki.core import permissions as perms
from saiteki.core.context import change_context
from saiteki.core.errors import ApplicationError
from saiteki.core.views.generic import (
    ObjectDetailView,
    ObjectEditView,
    ObjectHistoryView,
    ObjectListView,
    apply_error_to_form,
    require,
)

from . import selectors, services
from .choices import MatchMethod, Metric
from .filtersets import (
    DeviceFilterSet,
    RuleFilterSet,
    ScanFilterSet,
    SoftwareNameFilterSet,
    TitleFilterSet,
)
from .forms import (
    DeviceForm,
    NameMapForm,
    RuleForm,
    TitleForm,
)
from .models import (
    Device,
    Installation,
    NormalisationRule,
    ReconciliationRun,
    Scan,
    SoftwareName,
    Title,
    UsagePeak,
)
from .tables import DEVICE_TABLE, NAME_TABLE, RULE_TABLE, SCAN_TABLE, TITLE_TABLE

#: Days ahead the dashboard lists licence terms ending.
EXPIRY_DAYS = 90


def is_sam_admin(user) -> bool:
    """Master data (titles, rules, runs) is changed by whoever the policy lets change titles: admins."""
    return perms.role_allows(user, perms.CHANGE, Title)


def require_view_right(user, model) -> None:
    if not perms.role_allows(user, perms.VIEW, model):
        raise PermissionDenied(_("この画面を表示する権限がありません。"))


class NoDeleteMixin:
    """Titles, licences, devices and scans are never deleted from a page: licences are 廃棄d, devices
    set to 廃棄済, so their history and the runs that counted them stay."""

    def get_context(self, request, obj):
        context = super().get_context(request, obj)  # type: ignore[misc]
        context["can_delete"] = False
        return context


# --- Dashboard ------------------------------------------------------------------------------------------


def _division_filter(request):
    """``?division=<id>`` narrows the dashboard to one 所属 (admins and readers; owners see theirs)."""
    raw = request.GET.get("division", "")
    return int(raw) if raw.isdigit() else None


#: Titles in the dashboard's table (most short first); the run's page lists them all.
DASHBOARD_TITLES = 50


class DashboardView(View):
    """Compliance by title and by 所属 (the latest run, compared with the previous one), licences whose
    term ends soon, the inventory campaign's progress — every chart with its numbers in a table."""

    def get(self, request):
        from saiteki.accounts.models import Organization

        require_view_right(request.user, Title)
        run = selectors.latest_run()
        division = _division_filter(request)
        figures, divisions, totals, chart = [], [], {}, {}
        if run is not None:
            # One GROUP BY per table (titles, 所属, totals): the page reads sums, never the run's
            # thousands of (title, 所属) rows.
            figures = selectors.run_by_title(run=run, user=request.user, division_id=division)
            divisions = selectors.run_by_division(run=run, user=request.user)
            totals = selectors.run_totals(run=run, user=request.user)
            figures.sort(key=lambda f: (-f.shortfall, -f.cost_to_comply, f.title.name))
            top = [f for f in figures if f.shortfall or f.surplus][:15]
            chart = {
                "labels": [f.title.name for f in top],
                "shortfall": [f.shortfall for f in top],
                "surplus": [f.surplus for f in top],
            }
        campaign = selectors.current_campaign()
        progress = selectors.campaign_progress(campaign=campaign, user=request.user) if campaign else None
        expiring = list(selectors.expiring(user=request.user, days=EXPIRY_DAYS)[:50])
        return render(
            request,
            "sam/dashboard.html",
            {
                "title": _("ソフトウェア資産管理"),
                "run": run,
                "previous": selectors.previous_run(run) if run else None,
                "figures": figures[:DASHBOARD_TITLES],
                "more_titles": max(0, len(figures) - DASHBOARD_TITLES),
                "divisions": divisions,
                "totals": totals,
                "chart_json": json.dumps(chart, ensure_ascii=False),
                "chart": chart,
                "campaign": campaign,
                "progress": progress,
                "expiring": expiring,
                "expiry_days": EXPIRY_DAYS,
                "division": Organization.objects.filter(pk=division).first() if division else None,
                "can_run": is_sam_admin(request.user),
                "short_titles": sum(1 for f in figures if f.shortfall),
            },
        )


class RunStartView(View):
    """Admins start a reconciliation in the background; the job page shows its progress."""

    def post(self, request):
        try:
            job = services.reconciliation_enqueue(user=request.user)
        except ApplicationError as exc:
            raise PermissionDenied(str(exc.message)) from exc
        messages.info(request, _("ライセンス照合を開始しました。"))
        return redirect("core:job_detail", pk=job.pk)


class RunListView(View):
    def get(self, request):
        require_view_right(request.user, ReconciliationRun)
        runs = ReconciliationRun.objects.select_related("created_by").order_by("-created_at", "-pk")[:100]
        return render(request, "sam/run_list.html", {"title": _("ライセンス照合の履歴"), "runs": runs})


RUN_TITLES_PER_PAGE = 10


class RunDetailView(View):
    """One run by title, each title with its 所属 rows (the by-division figures sum to the title's)."""

    def get(self, request, pk):
        require_view_right(request.user, ReconciliationRun)
        run = get_object_or_404(ReconciliationRun, pk=pk)
        # Titles by shortfall from one GROUP BY; the 所属 rows only for this page's titles (a run of the
        # whole prefecture has ~10,000 rows: one page of them all was megabytes).
        summary = selectors.run_by_title(run=run, user=request.user)
        summary.sort(key=lambda f: (-f.shortfall, f.title.name))
        page = Paginator(summary, RUN_TITLES_PER_PAGE).get_page(request.GET.get("page"))
        ids = [f.title.pk for f in page.object_list]
        detail = {
            f.title.pk: f
            for f in selectors.run_by_title(run=run, user=request.user, with_divisions=True, title_ids=ids)
        }
        figures = [detail[pk] for pk in ids if pk in detail]
        return render(
            request,
            "sam/run_detail.html",
            {
                "title": _("ライセンス照合の結果（%(date)s）") % {"date": run.as_of},
                "run": run,
                "previous": selectors.previous_run(run),
                "figures": figures,
                "page": page,
                "totals": selectors.run_totals(run=run, user=request.user),
            },
        )


class DevicesBehindView(View):
    """The devices behind a title's use in a 所属 (``division=0``: devices without a 所属), today."""

    def get(self, request, pk):
        require_view_right(request.user, Device)
        title = get_object_or_404(Title, pk=pk)
        raw = request.GET.get("division", "")
        unassigned = raw == "0"
        division_id = int(raw) if raw.isdigit() and raw != "0" else None
        devices = selectors.devices_behind(
            title=title, division_id=division_id, user=request.user, unassigned=unassigned
        )
        return render(
            request,
            "sam/devices_behind.html",
            {
                "title": _("%(title)s を使用している機器") % {"title": title},
                "software": title,
                "devices": devices[:2000],
                "count": devices.count(),
                "metric": Metric(title.metric).label,
            },
        )


# --- Titles, rules and the unmatched queue --------------------------------------------------------------


class TitleListView(ObjectListView):
    model = Title
    table = TITLE_TABLE
    filterset_class = TitleFilterSet
    title = gettext_lazy("ソフトウェア")


class TitleDetailView(NoDeleteMixin, ObjectDetailView):
    model = Title
    template_name = "sam/title_detail.html"
    fields = (
        "publisher",
        "product",
        "edition",
        "version_family",
        "category",
        "metric",
        "licensable",
        "family",
        "version_rank",
        "unit_price",
        "notes",
    )

    def get_context(self, request, obj):
        context = super().get_context(request, obj)
        run = selectors.latest_run()
        figures = (
            selectors.run_by_title(run=run, user=request.user, with_divisions=True, title_ids=[obj.pk])
            if run
            else []
        )
        context.update(
            {
                "run": run,
                "figures": figures[0] if figures else None,
                "eol": selectors.title_eol(obj),
                "entitlements": selectors.entitlements_with_quantity(user=request.user)
                .filter(title=obj)
                .select_related("owner_division"),
                "names": obj.names.order_by("-installations")[:100],
                "offers": obj.offers.all(),
                "peaks": UsagePeak.objects.restrict(request.user, perms.VIEW)
                .filter(title=obj)
                .select_related("division")[:50],
                "is_concurrent": obj.metric == Metric.CONCURRENT,
                "can_add_peak": perms.role_allows(request.user, perms.ADD, UsagePeak),
            }
        )
        return context


class TitleEditView(ObjectEditView):
    model = Title
    form_class = TitleForm

    def service(self, *, user, instance):
        return services.title_save(user=user, title=instance)


class TitleHistoryView(ObjectHistoryView):
    model = Title


class RuleListView(ObjectListView):
    model = NormalisationRule
    table = RULE_TABLE
    filterset_class = RuleFilterSet
    title = gettext_lazy("正規化ルール")


class RuleDetailView(ObjectDetailView):
    model = NormalisationRule
    fields = ("kind", "pattern", "normalised", "title", "note", "active")


class RuleEditView(ObjectEditView):
    model = NormalisationRule
    form_class = RuleForm

    def service(self, *, user, instance):
        return services.rule_save(user=user, rule=instance)


class RuleDeleteView(View):
    def get(self, request, pk):
        rule = get_object_or_404(NormalisationRule.objects.restrict(request.user, perms.VIEW), pk=pk)
        require(request.user, perms.DELETE, rule)
        return render(request, "core/object_delete.html", {"object": rule, "title": str(rule)})

    def post(self, request, pk):
        rule = get_object_or_404(NormalisationRule.objects.restrict(request.user, perms.VIEW), pk=pk)
        with change_context(reason=request.POST.get("change_reason", "").strip()):
            services.rule_delete(user=request.user, rule=rule)
        messages.success(request, _("削除しました。"))
        return redirect("sam:normalisationrule_list")


class RuleHistoryView(ObjectHistoryView):
    model = NormalisationRule


class NameListView(ObjectListView):
    """Scanned names and how they map; ``?method=none`` is the unmatched queue (most installed first)."""

    model = SoftwareName
    table = NAME_TABLE
    filterset_class = SoftwareNameFilterSet
    title = gettext_lazy("スキャンされたソフトウェア名")
    template_name = "sam/name_list.html"

    def extra_context(self, request) -> dict:
        return {
            "unmatched": SoftwareName.objects.filter(method=MatchMethod.NONE).count(),
            "can_map": is_sam_admin(request.user),
        }


class NameMapView(View):
    """Decide one scanned name: a title, 管理対象外, or back to automatic; optionally as a rule."""

    def _name(self, request, pk):
        name = get_object_or_404(
            SoftwareName.objects.restrict(request.user, perms.VIEW).select_related("title", "suggestion"),
            pk=pk,
        )
        return name

    def get(self, request, pk):
        name = self._name(request, pk)
        initial = {"title": name.title_id or name.suggestion_id, "ignore": name.method == MatchMethod.IGNORED}
        return self.render(request, name, NameMapForm(initial=initial))

    def post(self, request, pk):
        name = self._name(request, pk)
        require(request.user, perms.CHANGE, name)
        form = NameMapForm(request.POST)
        if form.is_valid():
            try:
                with change_context(reason=_("未対応キューで対応付け")):
                    services.name_map(
                        user=request.user,
                        name=name,
                        title=form.cleaned_data["title"],
                        ignore=form.cleaned_data["ignore"],
                        create_rule=form.cleaned_data["create_rule"],
                    )
            except ApplicationError as exc:
                apply_error_to_form(form, exc)
            else:
                messages.success(request, _("「%(name)s」を対応付けました。") % {"name": name.example})
                return redirect(reverse("sam:name_list") + "?method=none")
        return self.render(request, name, form, status=400)

    def render(self, request, name, form, status=200):
        installs = (
            Installation.objects.restrict(request.user, perms.VIEW)
            .filter(name=name, active=True)
            .select_related("device")[:20]
        )
        return render(
            request,
            "sam/name_map.html",
            {
                "title": _("ソフトウェア名の対応付け"),
                "name": name,
                "form": form,
                "installs": installs,
                "can_map": perms.can(request.user, perms.CHANGE, name),
            },
            status=status,
        )


# --- Devices and scans ----------------------------------------------------------------------------------


class DeviceListView(ObjectListView):
    model = Device
    table = DEVICE_TABLE
    filterset_class = DeviceFilterSet
    title = gettext_lazy("機器")
    template_name = "sam/device_list.html"

    def extra_context(self, request) -> dict:
        return {"can_import": perms.role_allows(request.user, perms.IMPORT, Device)}


class DeviceDetailView(NoDeleteMixin, ObjectDetailView):
    """A device with its current software (and the title each counts as), its software history, and
    the licence position of those titles in its 所属 (latest run)."""

    model = Device
    template_name = "sam/device_detail.html"
    fields = (
        "kind",
        "status",
        "division",
        "user_code",
        "user_name",
        "serial",
        "model_name",
        "os",
        "cores",
        "server",
        "purchased_on",
        "disposed_on",
        "last_scanned_at",
        "notes",
    )

    def get_context(self, request, obj):
        context = super().get_context(request, obj)
        current = list(
            obj.installations.filter(active=True)
            .select_related("name__title__lifecycle_cycle", "scan")
            .order_by("raw_name")
        )
        history = (
            obj.installations.filter(active=False)
            .select_related("scan", "removed_scan")
            .order_by("-removed_scan__created_at", "raw_name")[:200]
        )
        run = selectors.latest_run()
        positions = {}
        titles = {i.name.title_id for i in current if i.name.title_id}
        if run is not None and titles:
            for r in selectors.run_rows(run=run, user=request.user).filter(
                title_id__in=titles, division_id=obj.division_id
            ):
                positions[r.title_id] = r
        licences = [
            {
                "title": i.name.title,
                "row": positions.get(i.name.title_id),
                "eol": selectors.title_eol(i.name.title),
            }
            for i in current
            if i.name.title_id
        ]
        seen = set()
        unique = []
        for item in licences:
            if item["title"].pk not in seen:
                seen.add(item["title"].pk)
                unique.append(item)
        context.update(
            {
                "current": current,
                "history": history,
                "licences": unique,
                "run": run,
                "ledger_server": obj.server,
            }
        )
        return context


class DeviceEditView(ObjectEditView):
    model = Device
    form_class = DeviceForm

    def service(self, *, user, instance):
        return services.device_save(user=user, device=instance)


class DeviceHistoryView(ObjectHistoryView):
    model = Device


class ScanListView(ObjectListView):
    model = Scan
    table = SCAN_TABLE
    filterset_class = ScanFilterSet
    title = gettext_lazy("スキャン取込")
    template_name = "sam/scan_list.html"

    def extra_context(self, request) -> dict:
        return {"can_import": perms.role_allows(request.user, perms.IMPORT, Device)}


class ScanDetailView(NoDeleteMixin, ObjectDetailView):
    model = Scan
    template_name = "sam/scan_detail.html"
    fields = (
        "file_name",
        "division",
        "created_by",
        "rows",
        "devices",
        "added",
        "removed",
        "unchanged",
        "new_devices",
        "new_names",
    )

    def get_context(self, request, obj):
        context = super().get_context(request, obj)
        context["can_change"] = False  # a scan is a record of an import, not edited
        context["added"] = (
            Installation.objects.restrict(request.user, perms.VIEW)
            .filter(scan=obj)
            .select_related("device", "name__title")
            .order_by("device__hostname", "raw_name")[:200]
        )
        return context
