"""Resilience pages: the dashboard, backup compliance, the backup standard, ICT-BCP (profiles, recovery
order, documents, drills), security incidents, e-mail drills, training and the network-separation model.

Every page asks the policy (``restrict`` / ``perms.can``); lists export exactly what they show."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from saiteki.core import permissions as perms
from saiteki.core.display import date_text
from saiteki.core.errors import ApplicationError
from saiteki.core.fiscal import fiscal_year_of
from saiteki.core.views.generic import (
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectHistoryView,
    ObjectListView,
    master_data_views,
)
from saiteki.ledger.models import System

from . import selectors, services
from .choices import ActionStatus, Requirement
from .filtersets import (
    BcpDocumentFilterSet,
    BcpDrillFilterSet,
    BcpProfileFilterSet,
    ComplianceFilterSet,
    DrillActionFilterSet,
)
from .forms import (
    BackupPracticeForm,
    BackupStandardForm,
    BcpDocumentForm,
    BcpDrillForm,
    BcpProfileForm,
    DrillActionForm,
    RestoreTestForm,
)
from .models import (
    BackupPractice,
    BackupStandard,
    BcpDocument,
    BcpDrill,
    BcpProfile,
    DrillAction,
    SecurityIncident,
)
from .tables import (
    ACTION_TABLE,
    BCP_TABLE,
    COMPLIANCE_TABLE,
    DOCUMENT_TABLE,
    DRILL_TABLE,
    STANDARD_TABLE,
)

# --- Dashboard ---------------------------------------------------------------------------------------


def chart(labels, series: list[tuple[str, list]], *, unit: str = "%") -> str:
    return json.dumps(
        {
            "labels": [str(x) for x in labels],
            "unit": unit,
            "series": [{"name": str(n), "data": d} for n, d in series],
        },
        ensure_ascii=False,
        default=str,
    )


class DashboardView(View):
    """Backup compliance, drills, incidents, e-mail drill results by 部局, training and the network
    model — for the fiscal year chosen in the header (compliance: today, or a past year's end)."""

    def get(self, request):
        if not perms.role_allows(request.user, perms.VIEW, BcpDrill):
            raise PermissionDenied(_("この画面を表示する権限がありません。"))
        fy = request.fiscal_year
        today = timezone.localdate()
        summary = selectors.compliance_summary_for_year(user=request.user, fiscal_year=fy)
        drills = list(selectors.drills_in(fy).order_by("held_on"))
        incidents = selectors.incident_counts(fy)
        email = selectors.latest_email_drill()
        email_rows = selectors.email_drill_rows(email) if email else []
        bureau_rows = [r for r in email_rows if not r.get("is_total")]
        attendance = selectors.training_attendance(fy)
        previous = selectors.training_attendance(fy - 1)
        recovery = selectors.recovery_plan()
        context = {
            "title": _("BCP・情報セキュリティの状況"),
            "fy": fy,
            "is_current": fy == fiscal_year_of(today),
            "summary": summary,
            "requirements": [
                (r, Requirement(r).label, summary.by_requirement.get(r, 0)) for r in Requirement.values
            ],
            "compliance_chart": chart(
                [b["bureau"] for b in summary.by_bureau],
                [
                    (
                        _("適合率"),
                        [float(b["pct"]) if b["pct"] is not None else None for b in summary.by_bureau],
                    )
                ],
            ),
            "drills": drills,
            "open_actions": list(selectors.open_actions()[:10]),
            "open_action_count": selectors.open_actions().count(),
            "incidents": incidents,
            "visible_incidents": list(
                SecurityIncident.objects.restrict(request.user, perms.VIEW)
                .filter(pk__in=selectors.incidents_in(fy).values("pk"))
                .prefetch_related("systems")[:10]
            ),
            "email": email,
            "email_rows": email_rows,
            "email_chart": chart(
                [r["bureau"] for r in bureau_rows],
                [
                    (_("開封率"), [float(r["opened_pct"] or 0) for r in bureau_rows]),
                    (_("クリック率"), [float(r["clicked_pct"] or 0) for r in bureau_rows]),
                    (_("報告率"), [float(r["reported_pct"] or 0) for r in bureau_rows]),
                ],
            ),
            "email_trend": selectors.email_drill_trend(range(fy - 4, fy + 1)),
            "attendance": attendance,
            "attendance_previous": previous,
            "attendance_up": attendance is not None and previous is not None and attendance > previous,
            "separation": selectors.separation_in_force(min(today, selectors.fy_dates(fy)[1])),
            "recovery": recovery.plan,
            "can_see_compliance": perms.role_allows(request.user, perms.VIEW, System),
        }
        return render(request, "resilience/dashboard.html", context)


# --- Backup compliance and the standard -------------------------------------------------------------------


class ComplianceListView(ObjectListView):
    """Every system in operation with its importance, practice and the requirements it does not meet."""

    model = System
    table = COMPLIANCE_TABLE
    filterset_class = ComplianceFilterSet
    template_name = "resilience/compliance_list.html"
    title = gettext_lazy("バックアップの適合状況")
    export_name = "resilience.compliance"

    def get_queryset(self, request):
        return selectors.compliance_queryset(user=request.user)

    def export_scope(self, request, filterset) -> list[str]:
        return [_("%(date)s時点") % {"date": date_text(timezone.localdate())}]

    def extra_context(self, request) -> dict:
        return {
            "summary": selectors.compliance_summary(user=request.user),
            "can_import": perms.role_allows(request.user, perms.IMPORT, BackupPractice),
            "add_url": None,
        }


(
    StandardListView,
    StandardDetailView,
    StandardEditView,
    StandardHistoryView,
) = master_data_views(
    model=BackupStandard,
    form_class=BackupStandardForm,
    table=STANDARD_TABLE,
    title=gettext_lazy("バックアップ基準（データの重要度別）"),
    fields=(
        "importance",
        "frequency",
        "generations",
        "offsite_required",
        "offline_required",
        "restore_test_months",
        "note",
    ),
)
StandardListView.template_name = "resilience/standard_list.html"


class PracticeEditView(ObjectEditView):
    """A system's backup practice: created from the karte (``?system=<id>``) or edited."""

    model = BackupPractice
    form_class = BackupPracticeForm

    initial_from_query = ("system",)


class RestoreTestRecordView(View):
    """The karte's 「リストア試験を記録」 (owners for their own systems, admins for all)."""

    def post(self, request, pk):
        system = get_object_or_404(System.objects.restrict(request.user, perms.VIEW), pk=pk)
        form = RestoreTestForm(request.POST)
        target = reverse("ledger:system_detail", args=[system.pk]) + "?tab=bcp"
        if not form.is_valid():
            for field, errors in form.errors.items():
                label = form.fields[field].label if field in form.fields else ""
                for e in errors:
                    messages.error(request, f"{label}: {e}" if label else e)
            return redirect(target)
        d = form.cleaned_data
        try:
            with services.with_reason(_("リストア試験の記録")):
                services.restore_test_record(
                    user=request.user,
                    system=system,
                    tested_on=d["tested_on"],
                    result=d["result"],
                    scope=d["scope"],
                    duration_minutes=d["duration_minutes"],
                    note=d["note"],
                )
        except ApplicationError as exc:
            if exc.status_code == 403:
                raise PermissionDenied(str(exc.message)) from exc
            for msgs in exc.fields.values():
                for m in msgs:
                    messages.error(request, m)
            if not exc.fields:
                messages.error(request, str(exc.message))
            return redirect(target)
        messages.success(request, _("リストア試験を記録しました。"))
        return redirect(target)


# --- ICT-BCP ------------------------------------------------------------------------------------------


class BcpProfileListView(ObjectListView):
    model = BcpProfile
    table = BCP_TABLE
    filterset_class = BcpProfileFilterSet
    title = gettext_lazy("ICT-BCP（システム別）")
    template_name = "resilience/bcp_list.html"

    def extra_context(self, request) -> dict:
        return {"can_import": perms.role_allows(request.user, perms.IMPORT, BcpProfile)}


class BcpProfileDetailView(ObjectDetailView):
    model = BcpProfile
    template_name = "resilience/bcp_detail.html"
    fields = (
        "system",
        "rank",
        "rto_hours",
        "rpo_hours",
        "priority_business",
        "depends_on",
        "workaround",
        "note",
    )

    def get_context(self, request, obj):
        context = super().get_context(request, obj)
        recovery = selectors.recovery_plan()
        context["step"] = recovery.plan.position_of(obj.system_id)
        context["blocked"] = any(n.id == obj.system_id for n in recovery.plan.blocked)
        return context


class BcpProfileEditView(ObjectEditView):
    model = BcpProfile
    form_class = BcpProfileForm

    initial_from_query = ("system",)


class BcpProfileDeleteView(ObjectDeleteView):
    model = BcpProfile


class BcpProfileHistoryView(ObjectHistoryView):
    model = BcpProfile


class RecoveryView(View):
    """The order of recovery: stage by stage, with cycles and RTO inconsistencies reported."""

    def get(self, request):
        if not perms.role_allows(request.user, perms.VIEW, BcpProfile):
            raise PermissionDenied(_("この画面を表示する権限がありません。"))
        view = selectors.recovery_plan()
        visible = set(
            System.objects.restrict(request.user, perms.VIEW)
            .filter(pk__in=list(view.systems))
            .values_list("pk", flat=True)
        )

        def name(node_id: int) -> str:
            s = view.systems[node_id]
            return f"{s.number} {s.name}" if node_id in visible else _("他所属のシステム")

        steps = [
            {
                "step": s,
                "name": name(s.node.id),
                "visible": s.node.id in visible,
                "system_id": s.node.id,
                "depends": [name(d) for d in s.depends_on],
            }
            for s in view.plan.steps
        ]
        return render(
            request,
            "resilience/recovery.html",
            {
                "title": _("災害時の復旧順序"),
                "steps": steps,
                "cycles": [" → ".join(name(n.id) for n in c) for c in view.plan.cycles],
                "blocked": [name(n.id) for n in view.plan.blocked],
                "warnings": [
                    {
                        "system": name(w.system.id),
                        "system_rto": w.system.rto_hours,
                        "dependency": name(w.dependency.id),
                        "dependency_rto": w.dependency.rto_hours,
                    }
                    for w in view.plan.warnings
                ],
            },
        )


class BcpDocumentListView(ObjectListView):
    model = BcpDocument
    table = DOCUMENT_TABLE
    filterset_class = BcpDocumentFilterSet
    title = gettext_lazy("ICT-BCP文書")

    def get_queryset(self, request):
        return BcpDocument.objects.restrict(request.user, perms.VIEW)


class BcpDocumentDetailView(ObjectDetailView):
    model = BcpDocument
    template_name = "resilience/document_detail.html"
    fields = ("title", "kind", "edition", "issued_on", "systems", "file_name", "note")


class BcpDocumentEditView(ObjectEditView):
    model = BcpDocument
    form_class = BcpDocumentForm


class BcpDocumentDeleteView(ObjectDeleteView):
    model = BcpDocument


class BcpDocumentHistoryView(ObjectHistoryView):
    model = BcpDocument


def document_download(request, pk: int):
    """The document's file for whoever may read the document (404 otherwise); always a download."""
    doc = get_object_or_404(BcpDocument.objects.restrict(request.user, perms.VIEW), pk=pk)
    if not doc.file:
        raise Http404
    try:
        handle = doc.file.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404 from exc
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=doc.file_name or "document",
        content_type="application/octet-stream",
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


class BcpDrillListView(ObjectListView):
    model = BcpDrill
    table = DRILL_TABLE
    filterset_class = BcpDrillFilterSet
    title = gettext_lazy("ICT-BCP訓練")
    template_name = "resilience/drill_list.html"

    def extra_context(self, request) -> dict:
        fy = request.fiscal_year
        return {
            "fy": fy,
            "fy_count": selectors.drills_in(fy).count(),
            "open_actions": selectors.open_actions(),
        }


class BcpDrillDetailView(ObjectDetailView):
    model = BcpDrill
    template_name = "resilience/drill_detail.html"
    fields = (
        "held_on",
        "title",
        "kind",
        "scenario",
        "participants",
        "participant_count",
        "systems",
        "findings",
    )

    def get_context(self, request, obj):
        context = super().get_context(request, obj)
        context["actions"] = obj.actions.all()
        context["can_add_action"] = perms.can(request.user, perms.ADD, DrillAction)
        context["done"] = ActionStatus.DONE
        return context


class BcpDrillEditView(ObjectEditView):
    model = BcpDrill
    form_class = BcpDrillForm


class BcpDrillDeleteView(ObjectDeleteView):
    model = BcpDrill


class BcpDrillHistoryView(ObjectHistoryView):
    model = BcpDrill


class DrillActionListView(ObjectListView):
    model = DrillAction
    table = ACTION_TABLE
    filterset_class = DrillActionFilterSet
    title = gettext_lazy("訓練の改善策")


class DrillActionEditView(ObjectEditView):
    model = DrillAction
    form_class = DrillActionForm

    initial_from_query = ("drill",)


class DrillActionDeleteView(ObjectDeleteView):
    model = DrillAction

    def get_success_url(self, obj) -> str:
        return reverse("resilience:bcpdrill_detail", args=[obj.drill_id])
