"""Planner pages: host model catalogue, scenarios, running a scenario, the result, export, adoption."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import ProtectedError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from saiteki.consolidation import inputs, selectors, services
from saiteki.consolidation.choices import OPEN_STATES, RunStatus
from saiteki.consolidation.export import budget_workbook_writer, run_workbook_writer
from saiteki.consolidation.fieldsets import HOST_MODEL_FIELDS
from saiteki.consolidation.filtersets import HostModelFilterSet, ScenarioFilterSet
from saiteki.consolidation.forms import ADVANCED, HostModelForm, ScenarioForm
from saiteki.consolidation.models import HostModel, Scenario, ScenarioRun
from saiteki.consolidation.tables import HOSTMODEL_TABLE, SCENARIO_TABLE
from saiteki.core import permissions as perms
from saiteki.core.display import fy_text
from saiteki.core.errors import ApplicationError
from saiteki.core.exporting import xlsx_response
from saiteki.core.money import format_yen
from saiteki.core.views.generic import (
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectHistoryView,
    ObjectListView,
    require,
)


class ProtectedDeleteView(ObjectDeleteView):
    """Delete, but explain instead of failing when other records still use the object."""

    protected_message = gettext_lazy("使用中のため削除できません。")

    def post(self, request, pk):
        try:
            return super().post(request, pk)
        except ProtectedError:
            messages.error(request, self.protected_message)
            return redirect(self.get_object(request, pk).get_absolute_url())


# --- Host models -------------------------------------------------------------------------------------


class HostModelListView(ObjectListView):
    model = HostModel
    table = HOSTMODEL_TABLE
    filterset_class = HostModelFilterSet
    title = gettext_lazy("ホストモデル")


class HostModelDetailView(ObjectDetailView):
    model = HostModel
    fields = HOST_MODEL_FIELDS

    template_name = "consolidation/hostmodel_detail.html"

    def get_context(self, request, obj):
        # The generic detail view already shows yen (円 in the field's name) and numbers through the
        # display layer; only the derived licence total is added here.
        context = super().get_context(request, obj)
        context["fields"] = [
            *context["fields"],
            (_("ライセンス合計（1台・年額）"), format_yen(obj.licence_per_year)),
        ]
        context["scenarios"] = obj.scenarios.order_by("-fiscal_year", "name")
        return context


class HostModelEditView(ObjectEditView):
    model = HostModel
    form_class = HostModelForm


class HostModelDeleteView(ProtectedDeleteView):
    model = HostModel
    protected_message = gettext_lazy("このホストモデルを使うシナリオがあるため削除できません。")


class HostModelHistoryView(ObjectHistoryView):
    model = HostModel


# --- Scenarios -----------------------------------------------------------------------------------------


class ScenarioListView(ObjectListView):
    model = Scenario
    table = SCENARIO_TABLE
    filterset_class = ScenarioFilterSet
    title = gettext_lazy("集約シナリオ")

    def get_queryset(self, request):
        return selectors.scenarios_for_list(user=request.user)


class ScenarioDetailView(ObjectDetailView):
    """The scenario: its settings, what it selects in the ledger today, its runs and the run button."""

    model = Scenario
    template_name = "consolidation/scenario_detail.html"

    def get_context(self, request, obj):
        context = super().get_context(request, obj)
        form = ScenarioForm(instance=obj, user=request.user)
        sections = []
        for key, title, fields in form.sections():
            if key == "platform" and not obj.extend_platform:
                fields = [f for f in fields if f.name == "extend_platform"]
            rows = [(f.label, _display(obj, f.name)) for f in fields if f.name != "description"]
            if key == ADVANCED:
                rows.append((_("最適化エンジンの版"), inputs.optimizer_version()))
            sections.append((key, title, rows))
        context.update(
            {
                "sections": sections,
                "preview": selectors.scenario_preview(scenario=obj),
                "runs": selectors.runs_for_scenario(scenario=obj)[:50],
                "can_run": perms.can(request.user, perms.ADD, ScenarioRun),
            }
        )
        return context


_YEN_FIELDS = {
    "current_hw_per_server_year",
    "current_maintenance_per_server_year",
    "current_licence_per_server_year",
    "migration_cost_per_machine",
}


def _display(obj, name):
    """A scenario field as shown on its page: choices by label, 年度 as 和暦（西暦）, yen with separators."""
    field = obj._meta.get_field(name)
    value = getattr(obj, name)
    if name in _YEN_FIELDS:
        return format_yen(value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if field.choices:
        return getattr(obj, f"get_{name}_display")()
    if name == "fiscal_year":
        return fy_text(value)
    if isinstance(value, bool):
        return _("する") if value else _("しない")
    return value if value is not None else ""


class ScenarioEditView(ObjectEditView):
    model = Scenario
    form_class = ScenarioForm
    template_name = "consolidation/scenario_edit.html"


class ScenarioDeleteView(ProtectedDeleteView):
    model = Scenario
    protected_message = gettext_lazy("計算結果があるシナリオは削除できません（計算の記録は残します）。")


class ScenarioHistoryView(ObjectHistoryView):
    model = Scenario


class ScenarioRunStartView(View):
    """POST: take the ledger snapshot, queue the run, show its progress."""

    def post(self, request, pk):
        scenario = get_object_or_404(Scenario.objects.restrict(request.user, perms.VIEW), pk=pk)
        require(request.user, perms.ADD, ScenarioRun)
        try:
            run = services.scenario_run_start(scenario=scenario, user=request.user)
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
            return redirect(scenario.get_absolute_url())
        messages.success(request, _("集約計算を開始しました。この画面を閉じても計算は続きます。"))
        return redirect(run.get_absolute_url())


# --- Runs --------------------------------------------------------------------------------------------------


def _run(request, pk) -> ScenarioRun:
    return get_object_or_404(
        ScenarioRun.objects.restrict(request.user, perms.VIEW).select_related(
            "scenario", "job", "created_by", "adopted_by"
        ),
        pk=pk,
    )


def _can_adopt(request, run: ScenarioRun) -> bool:
    return (
        perms.can(request.user, perms.CHANGE, run)
        and run.status == RunStatus.SUCCEEDED
        and run.feasible
        and run.adopted_at is None
        and not run.scenario.runs.filter(adopted_at__isnull=False).exists()
    )


def _status_context(request, run: ScenarioRun) -> dict:
    return {
        "run": run,
        "job": run.job,
        "can_follow_job": run.job is not None
        and (run.job.created_by_id == request.user.pk or perms.has_right(request.user, perms.ALL_JOBS)),
        "can_cancel": run.status in OPEN_STATES and perms.can(request.user, perms.CHANGE, run),
    }


class RunDetailView(View):
    """The result page; while the run is queued or running, its live status (badge and progress)."""

    def get(self, request, pk):
        run = _run(request, pk)
        context = {
            "title": str(run),
            "scenario": run.scenario,
            **_status_context(request, run),
            "can_export": perms.role_allows(request.user, perms.EXPORT, ScenarioRun),
            "can_adopt": _can_adopt(request, run),
            "can_budget_case": run.plan is not None and _can_open_budget_case(request.user, run),
        }
        if run.status == RunStatus.SUCCEEDED:
            context.update(selectors.run_report(run=run, user=request.user))
            context.update(selectors.progress_report(run=run, user=request.user))
        return render(request, "consolidation/run_detail.html", context)


class RunStatusView(View):
    """GET (htmx, every second while the run is open): the status badge and the progress bar. When
    the run has finished, the page reloads itself to show the result (``HX-Refresh``)."""

    def get(self, request, pk):
        run = _run(request, pk)
        response = render(request, "consolidation/_run_status.html", _status_context(request, run))
        if run.is_finished and request.GET.get("was") in {s.value for s in OPEN_STATES}:
            response["HX-Refresh"] = "true"
        return response


class RunCancelView(View):
    def post(self, request, pk):
        run = _run(request, pk)
        require(request.user, perms.CHANGE, run)
        try:
            services.scenario_run_cancel(
                run=run, user=request.user, reason=request.POST.get("change_reason", "").strip()
            )
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("計算を取り消しました。"))
        return redirect(run.get_absolute_url())


class RunExportView(View):
    def get(self, request, pk):
        run = _run(request, pk)
        require(request.user, perms.EXPORT, run)
        if run.status != "succeeded":
            messages.error(request, _("計算が完了していないため出力できません。"))
            return redirect(run.get_absolute_url())
        report = selectors.run_report(run=run, user=request.user)
        return xlsx_response(
            request,
            writer=run_workbook_writer(report, date_style=getattr(request, "date_style", "wareki")),
            filename=_("サーバ集約計画_%(name)s_第%(n)d回.xlsx")
            % {"name": run.scenario.name, "n": run.number},
            what="consolidation_run",
            count=sum(len(h["machines"]) for h in report.get("hosts", [])),
            obj=run,
        )


class RunBudgetExportView(View):
    """The plan's budget request per fiscal year in the C3 categories (xlsx), for a P review case."""

    def get(self, request, pk):
        run = _run(request, pk)
        require(request.user, perms.EXPORT, run)
        if run.status != RunStatus.SUCCEEDED or not run.plan:
            messages.error(request, _("年度別の計画が完了していないため出力できません。"))
            return redirect(run.get_absolute_url())
        rows = selectors.budget_rows(run)
        return xlsx_response(
            request,
            writer=budget_workbook_writer(run, rows, date_style=getattr(request, "date_style", "wareki")),
            filename=_("予算要求_%(name)s_第%(n)d回.xlsx") % {"name": run.scenario.name, "n": run.number},
            what="consolidation_budget",
            count=len(rows),
            obj=run,
        )


def _can_open_budget_case(user, run: ScenarioRun) -> bool:
    """Whether the P-case button leads somewhere: the plan is the IT policy division's (who may change
    the run), the reviews app is installed and the user may open a case for their own division (the
    reviews service checks again)."""
    from django.apps import apps

    if not apps.is_installed("saiteki.reviews") or not perms.can(user, perms.CHANGE, run):
        return False
    from saiteki.reviews.models import ReviewCase

    division = getattr(user, "current_division", None)
    return division is not None and perms.can_create(user, ReviewCase, {"division": division})


class RunBudgetCaseView(View):
    """POST ``fiscal_year``: open (or find) the draft 予算要求前審査 of that year, amounts prefilled."""

    def post(self, request, pk):
        run = _run(request, pk)
        if not _can_open_budget_case(request.user, run):
            raise PermissionDenied
        try:
            fiscal_year = int(request.POST.get("fiscal_year", ""))
            case, created = services.budget_case_create(run=run, fiscal_year=fiscal_year, user=request.user)
        except ValueError:
            messages.error(request, _("年度を指定してください。"))
            return redirect(run.get_absolute_url() + "#budget")
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
            return redirect(run.get_absolute_url() + "#budget")
        if created:
            messages.success(
                request, _("予算要求前審査（P）の下書きを作成しました。内容を確認して提出してください。")
            )
        else:
            messages.info(request, _("この計画・年度の予算要求前審査はすでに作成されています。"))
        return redirect(case.get_absolute_url())


class RunAdoptView(View):
    """GET: the confirmation page listing the systems whose karte gets the proposal; POST: adopt."""

    def get(self, request, pk):
        run = _run(request, pk)
        require(request.user, perms.CHANGE, run)
        if not _can_adopt(request, run):
            messages.error(
                request, _("この計算結果は採用できません（未完了、規則違反、または採用済みの計画あり）。")
            )
            return redirect(run.get_absolute_url())
        context = {
            "title": _("計画の採用の確認"),
            "run": run,
            "scenario": run.scenario,
            **selectors.adoption_preview(run=run, user=request.user),
        }
        return render(request, "consolidation/run_adopt.html", context)

    def post(self, request, pk):
        run = _run(request, pk)
        require(request.user, perms.CHANGE, run)
        try:
            count = services.scenario_run_adopt(
                run=run, user=request.user, reason=request.POST.get("change_reason", "").strip()
            )
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(
                request, _("計画を採用し、%(n)d件のシステムのカルテに提案を記録しました。") % {"n": count}
            )
        return redirect(run.get_absolute_url())
